"""Figures for the generated TypeScript service's telemetry overhead (issue 17's benchmark).

The sibling of service_telemetry.py (the Python service), over real HTTP: the built server
(`node dist/server.js`) timed by service_http.py (the cases, rounds and report every language's
benchmark shares), spans batched and metrics read as in production. Prints (no assertions on
time) p50/p99 with telemetry off and on.

Needs the loopback PostgreSQL and Redis (SVCFORGE_PG_URL, SVCFORGE_REDIS_URL), node and npm.
Run from the repository root:

    .venv/bin/python benchmarks/service_telemetry_typescript.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from service_health import _database, drop_database
from service_http import compare, exported, measure, receiver

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROUNDS, N, WARMUP = 5, 1000, 200


def built_service(tmp: Path) -> Path:
    """The full AWS TypeScript service, its locked node_modules (shared with the tests), built."""
    from tests.services.adapter_typescript import bin_path, node_modules
    from tests.support.render import variant

    service = tmp / "service"
    shutil.copytree(variant(language="typescript") / "service", service)
    (service / "node_modules").symlink_to(node_modules(service), target_is_directory=True)
    subprocess.run([bin_path(service, "tsc"), "-p", "tsconfig.build.json"], cwd=service, check=True)
    return service


def main() -> int:
    pg, redis = os.environ.get("SVCFORGE_PG_URL"), os.environ.get("SVCFORGE_REDIS_URL")
    if not pg or not redis:
        sys.exit("set SVCFORGE_PG_URL and SVCFORGE_REDIS_URL (the loopback servers)")
    name, database_url = _database(pg)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "DB_", "REDIS_", "DATABASE_"))}
    base.update(
        {
            "ENVIRONMENT": "bench",
            "LOG_LEVEL": "error",
            "HEALTH_CACHE_TTL_MS": "0",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis,
            "NODE_ENV": "production",
        }
    )
    try:
        with tempfile.TemporaryDirectory() as tmp, receiver() as (url, received):
            service = built_service(Path(tmp))
            node = shutil.which("node") or "node"
            version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
            print(f"node {version.stdout.strip()}, {os.cpu_count()} cores, over HTTP on loopback")

            def start(env: dict[str, str], path: str) -> list[float]:
                return measure([node, "dist/server.js"], service, env, path, N, WARMUP)

            compare(start, base, url, ROUNDS, f"{ROUNDS} rounds x {N} requests")
            print(exported(received))
    finally:
        drop_database(pg, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
