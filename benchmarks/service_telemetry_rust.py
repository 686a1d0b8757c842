"""Figures for the generated Rust service's telemetry overhead (issue 17's benchmark).

The Rust sibling of service_telemetry.py: the service's release binary timed by
service_http.py (the cases, rounds and report every language's benchmark shares), spans batched
and exported as in production. Prints (no assertions on time) p50/p99 with telemetry off and on.

The binary is built with the service's release profile minus LTO (a shorter build; both modes
run the same binary). Needs the loopback PostgreSQL and Redis (SVCFORGE_PG_URL,
SVCFORGE_REDIS_URL) and cargo. Run from the repository root:

    .venv/bin/python benchmarks/service_telemetry_rust.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from service_health import CACHE, _database, drop_database
from service_http import compare, exported, measure, receiver

ROUNDS, N, WARM = 5, 2000, 200
TARGET = Path(os.environ.get("SVCFORGE_CARGO_TARGET_DIR") or CACHE / "cargo-target")


def build(tmp: Path) -> Path:
    """The full AWS variant's release binary (PostgreSQL and Redis)."""
    from tests.support.render import variant

    service = tmp / "service"
    shutil.copytree(variant(language="rust") / "service", service)
    env = {
        **os.environ,
        "CARGO_TARGET_DIR": str(TARGET),
        "CARGO_PROFILE_RELEASE_LTO": "false",
        "CARGO_PROFILE_RELEASE_CODEGEN_UNITS": "16",
        "CARGO_TERM_COLOR": "never",
    }
    cargo = shutil.which("cargo") or "cargo"
    subprocess.run([cargo, "build", "--release", "--locked", "--quiet"], cwd=service, env=env, check=True)
    binary = tmp / "service-bench"
    shutil.copy2(TARGET / "release" / "service", binary)
    return binary


def main() -> int:
    pg, redis = os.environ.get("SVCFORGE_PG_URL"), os.environ.get("SVCFORGE_REDIS_URL")
    if not pg or not redis:
        sys.exit("set SVCFORGE_PG_URL and SVCFORGE_REDIS_URL (the loopback servers)")
    name, database_url = _database(pg, "svcforge_bench_rust")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "DB_", "REDIS_", "TRACE_"))}
    base.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis,
            "ENVIRONMENT": "bench",
            "HEALTH_CACHE_TTL_MS": "0",
            "LOG_LEVEL": "warn",
            "SHUTDOWN_TIMEOUT_SECONDS": "5",
        }
    )
    try:
        with tempfile.TemporaryDirectory() as tmp, receiver() as (url, received):
            started = time.monotonic()
            binary = build(Path(tmp))
            print(f"release build: {time.monotonic() - started:.0f} s")

            def start(env: dict[str, str], path: str) -> list[float]:
                return measure([str(binary)], Path(tmp), env, path, N, WARM)

            compare(
                start, base, url, ROUNDS, f"{ROUNDS} rounds x {N} requests, HTTP/1.1 keep-alive over loopback"
            )
            print(exported(received))
    finally:
        drop_database(pg, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
