"""Figures for the generated Python service's health endpoint and secrets loader.

Prints (no assertions on time):
- ``/health`` latency p50/p99 with healthy dependencies (result cache off, then on);
- with Redis hanging (a loopback TCP server that accepts and never answers): bounded by
  HEALTH_CHECK_TIMEOUT_MS;
- with the database refused *and* Redis hanging: the checks run concurrently, so the total is
  the max of the two timeouts, not their sum;
- the secrets loader's cached read beside an uncached GetSecretValue against moto's server.

Needs the loopback PostgreSQL and Redis (SVCFORGE_PG_URL, SVCFORGE_REDIS_URL) and uv
(SVCFORGE_UV or PATH). Run from the repository root:

    .venv/bin/python benchmarks/service_health.py
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = Path.home() / ".cache" / "svcforge"
QUIET_PSQL = {**os.environ, "PGOPTIONS": "--client-min-messages=warning"}

CHILD = textwrap.dedent(
    """
    import asyncio, logging, os, socket, threading, time

    import boto3
    import httpx

    from app.config import DEEP_PATH, load_settings
    from app.main import create_app
    from app.secrets import SecretsLoader
    from app.secrets_aws import SecretsManagerFetch, make_client

    logging.disable(logging.CRITICAL)  # the failing cases would log every check


    def pct(samples, q):
        ordered = sorted(samples)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


    def line(label, samples, unit="ms", scale=1000.0):
        p50, p99 = pct(samples, 50) * scale, pct(samples, 99) * scale
        print(f"  {label:<58} n={len(samples):<5} p50={p50:9.3f} {unit}  p99={p99:9.3f} {unit}")


    def hanging_server():
        server = socket.create_server(("127.0.0.1", 0))
        held = []

        def accept():
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                held.append(conn)

        threading.Thread(target=accept, daemon=True).start()
        return server.getsockname()[1]


    def closed_port():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]


    async def measure(env, n):
        settings = load_settings({"ENVIRONMENT": "bench", **env})
        app = create_app(settings)
        samples, statuses = [], set()
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://service"
        ) as client:
            await client.get(DEEP_PATH)  # warm the pools
            for _ in range(n):
                started = time.perf_counter()
                response = await client.get(DEEP_PATH)
                samples.append(time.perf_counter() - started)
                statuses.add(response.status_code)
        return samples, statuses


    async def health():
        db, redis = os.environ["BENCH_DATABASE_URL"], os.environ["BENCH_REDIS_URL"]
        hang, refused = hanging_server(), closed_port()
        timeout = {"HEALTH_CHECK_TIMEOUT_MS": "1000"}
        print("/health (in-process ASGI; HEALTH_CHECK_TIMEOUT_MS=1000)")
        cases = [
            ("healthy, result cache off", {"DATABASE_URL": db, "REDIS_URL": redis,
                                           "HEALTH_CACHE_TTL_MS": "0"}, 300),
            ("healthy, result cache 2000 ms", {"DATABASE_URL": db, "REDIS_URL": redis,
                                               "HEALTH_CACHE_TTL_MS": "2000"}, 300),
            ("redis hanging, cache off", {"DATABASE_URL": db,
                                          "REDIS_URL": f"redis://127.0.0.1:{hang}/0",
                                          "HEALTH_CACHE_TTL_MS": "0"}, 10),
            ("database refused + redis hanging, cache off",
             {"DATABASE_URL": f"postgresql://127.0.0.1:{refused}/x",
              "REDIS_URL": f"redis://127.0.0.1:{hang}/0", "HEALTH_CACHE_TTL_MS": "0"}, 10),
        ]
        for label, env, n in cases:
            samples, statuses = await measure({**timeout, **env}, n)
            line(f"{label} -> {sorted(statuses)}", samples)
        print("  (two failing checks of 1000 ms each: total ~1000 ms because they run concurrently)")


    async def loader():
        client = make_client("us-east-1")
        arn = client.create_secret(Name="bench/token", SecretString="x" * 32)["ARN"]
        raw = boto3.client("secretsmanager", region_name="us-east-1")
        print("secrets loader (moto server mode over loopback HTTP)")
        samples = []
        for _ in range(100):
            started = time.perf_counter()
            raw.get_secret_value(SecretId=arn)
            samples.append(time.perf_counter() - started)
        line("boto3 get_secret_value, uncached", samples)
        secrets = SecretsLoader(SecretsManagerFetch(client))
        samples = []
        for _ in range(100):
            started = time.perf_counter()
            await secrets.refresh(arn)
            samples.append(time.perf_counter() - started)
        line("loader.refresh (forced, one API call)", samples)
        samples = []
        for _ in range(20000):
            started = time.perf_counter()
            await secrets.get_secret(arn)
            samples.append(time.perf_counter() - started)
        line("loader.get_secret, cached", samples, unit="us", scale=1e6)
        calls = {"n": 0}
        client.meta.events.register(
            "before-call.secrets-manager.GetSecretValue",
            lambda **_: calls.__setitem__("n", calls["n"] + 1),
        )
        secrets.invalidate()
        started = time.perf_counter()
        await asyncio.gather(*(secrets.get_secret(arn) for _ in range(1000)))
        elapsed = (time.perf_counter() - started) * 1000
        print(f"  1000 concurrent cold callers: {calls['n']} API call(s), {elapsed:.1f} ms total")


    asyncio.run(health())
    asyncio.run(loader())
    """
)


def _uv() -> str:
    path = os.environ.get("SVCFORGE_UV") or shutil.which("uv")
    if not path:
        sys.exit("uv not found: set SVCFORGE_UV")
    return path


def _venv(requirements: Path) -> Path:
    """The same cached venv the tests use (keyed by the lock file's hash)."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
    venv = CACHE / "python-service-venv" / digest
    if not (venv / ".complete").is_file():
        shutil.rmtree(venv, ignore_errors=True)
        env = {**os.environ, "UV_COMPILE_BYTECODE": "1", "VIRTUAL_ENV": str(venv)}
        subprocess.run([_uv(), "venv", "-q", "--python", sys.executable, str(venv)], env=env, check=True)
        subprocess.run([_uv(), "pip", "install", "-q", "-r", str(requirements)], env=env, check=True)
        (venv / ".complete").write_text(digest)
    return venv


def _database(admin_url: str, name: str = "svcforge_bench") -> tuple[str, str]:
    """A fresh database ``name`` (a benchmark of its own gets its own name: another one running
    at the same time would drop it)."""
    from urllib.parse import urlsplit, urlunsplit

    psql = shutil.which("psql") or "psql"
    subprocess.run(
        [psql, admin_url, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True, env=QUIET_PSQL
    )
    subprocess.run([psql, admin_url, "-qc", f"CREATE DATABASE {name}"], check=True)
    parts = urlsplit(admin_url)
    return name, urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def run_child(child: str, service: Path, venv: Path, env: dict[str, str], pg: str, database: str) -> int:
    """Run the ``child`` script with the service's venv in ``service``; drop ``database`` after."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench_child.py"
        script.write_text(child)
        try:
            command = [str(venv / "bin" / "python"), str(script)]
            proc = subprocess.run(command, cwd=service, env=env, check=False)
        finally:
            drop_database(pg, database)
    return proc.returncode


def drop_database(admin_url: str, name: str) -> None:
    """Drop the benchmark's database (made by _database), whoever still holds it."""
    drop = f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    subprocess.run([shutil.which("psql") or "psql", admin_url, "-qc", drop], check=False, env=QUIET_PSQL)


class Bench(NamedTuple):
    """What a service benchmark runs against: the loopback servers, the rendered Python service
    and its venv, and a fresh database."""

    pg: str
    redis: str
    service: Path
    venv: Path
    database: str
    database_url: str


def prepare() -> Bench:
    from tests.support.render import variant

    pg, redis = os.environ.get("SVCFORGE_PG_URL"), os.environ.get("SVCFORGE_REDIS_URL")
    if not pg or not redis:
        sys.exit("set SVCFORGE_PG_URL and SVCFORGE_REDIS_URL (the loopback servers)")
    service = variant(language="python") / "service"
    venv = _venv(service / "requirements-dev.txt")
    name, database_url = _database(pg)
    return Bench(pg, redis, service, venv, name, database_url)


def main() -> int:
    from moto.server import ThreadedMotoServer

    pg, redis, service, venv, name, database_url = prepare()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per moto request otherwise
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DB_", "REDIS_"))}
    env.update(
        {
            "BENCH_DATABASE_URL": database_url,
            "BENCH_REDIS_URL": redis,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONPATH": str(service),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    try:
        return run_child(CHILD, service, venv, env, pg, name)
    finally:
        moto.stop()


if __name__ == "__main__":
    sys.exit(main())
