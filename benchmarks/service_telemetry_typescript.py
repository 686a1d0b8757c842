"""Figures for the generated TypeScript service's telemetry overhead (issue 17's benchmark).

The sibling of service_telemetry.py (the Python service), over real HTTP: the built server
(`node dist/server.js`) on a loopback port, one keep-alive client connection, telemetry off (no
endpoint) and on (OTLP/HTTP to a loopback receiver that answers 200, spans batched and metrics
read as in production). Prints (no assertions on time) p50/p99 of:
- ``/health/live``: untraced by default, so only the middleware's pass-through is paid;
- ``/health/live`` with TRACE_HEALTH_CHECKS=true: a SERVER span and the duration histogram on
  a request that does no I/O (the worst case, relatively);
- a traced request: the deep health path with TRACE_HEALTH_CHECKS=true against the real
  PostgreSQL and Redis (a SERVER span, a SELECT and a PING span, the duration histogram).
Rounds alternate off and on (a fresh server each) so drift on a shared machine hits both; the
median per round is printed, and the p50 overhead of the medians. The client's own time (about
0.1 ms per request) is in both figures.

Needs the loopback PostgreSQL and Redis (SVCFORGE_PG_URL, SVCFORGE_REDIS_URL), node and npm.
Run from the repository root:

    .venv/bin/python benchmarks/service_telemetry_typescript.py
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from service_health import QUIET_PSQL, _database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROUNDS, N, WARMUP = 5, 1000, 200
LIVE, DEEP = "/health/live", "/health"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@contextmanager
def receiver() -> Iterator[tuple[str, list[int]]]:
    """An OTLP/HTTP endpoint on loopback that accepts every export; yields its URL and sizes."""
    sizes: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            sizes.append(len(self.body()))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                return self.rfile.read(int(self.headers.get("Content-Length", "0")))
            data = b""  # the Node exporter streams its body in chunks
            while size := int(self.rfile.readline().split(b";")[0], 16):
                data += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
            return data

        def log_message(self, *args: Any) -> None:
            del args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", sizes
    finally:
        server.shutdown()
        server.server_close()


def built_service(tmp: Path) -> Path:
    """The full AWS TypeScript service, its locked node_modules (shared with the tests), built."""
    from tests.services.adapter_typescript import bin_path, node_modules
    from tests.support.render import variant

    service = tmp / "service"
    shutil.copytree(variant(language="typescript") / "service", service)
    (service / "node_modules").symlink_to(node_modules(service), target_is_directory=True)
    subprocess.run([bin_path(service, "tsc"), "-p", "tsconfig.build.json"], cwd=service, check=True)
    return service


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(service: Path, env: dict[str, str], path: str) -> list[float]:
    """Start the server with ``env``, warm it, time N sequential GETs of ``path``, stop it."""
    port = free_port()
    proc = subprocess.Popen(
        [shutil.which("node") or "node", "dist/server.js"],
        cwd=service,
        env={**env, "PORT": str(port), "HOST": "127.0.0.1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        deadline = time.monotonic() + 30
        while True:
            try:
                connection.request("GET", LIVE)
                connection.getresponse().read()
                break
            except OSError:
                connection.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        samples = []
        for index in range(WARMUP + N):
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            assert response.status == 200, body
            if index >= WARMUP:
                samples.append(elapsed)
        connection.close()
        return samples
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


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
    cases = (
        ("/health/live (untraced, the default)", LIVE, False),
        ("/health/live traced (a request doing no I/O)", LIVE, True),
        ("traced request (deep path: SELECT and PING spans)", DEEP, True),
    )
    try:
        with tempfile.TemporaryDirectory() as tmp, receiver() as (url, sizes):
            service = built_service(Path(tmp))
            node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
            print(f"node {node.stdout.strip()}, {os.cpu_count()} cores, over HTTP on loopback")
            for label, path, traced in cases:
                figures: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
                for _ in range(ROUNDS):
                    for mode in ("off", "on"):
                        env = {**base, "TRACE_HEALTH_CHECKS": "true" if traced else "false"}
                        if mode == "on":
                            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = url
                        samples = measure(service, env, path)
                        figures[mode].append((pct(samples, 50), pct(samples, 99)))
                print(f"{label}: {ROUNDS} rounds x {N} requests")
                medians = {}
                for mode, rounds in figures.items():
                    p50 = statistics.median(r[0] for r in rounds) * 1000
                    p99 = statistics.median(r[1] for r in rounds) * 1000
                    medians[mode] = p50
                    print(f"  telemetry {mode:<3}  p50={p50:7.3f} ms  p99={p99:7.3f} ms")
                print(f"  p50 overhead: {(medians['on'] / medians['off'] - 1) * 100:+.1f} %")
            print(f"receiver: {len(sizes)} export requests, {sum(sizes)} bytes")
    finally:
        drop = f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        subprocess.run([shutil.which("psql") or "psql", pg, "-qc", drop], check=False, env=QUIET_PSQL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
