"""Figures for the generated Rust service's telemetry overhead (issue 17's benchmark).

The Rust sibling of service_telemetry.py. Prints (no assertions on time) p50/p99 of HTTP
requests over loopback to the service's release binary (keep-alive, one request at a time),
with telemetry off (no endpoint) and on (OTLP/HTTP to a receiver in this process, spans batched
and exported as in production):
- ``/health/live``: untraced by default, so only the layer's pass-through is paid;
- ``/health/live`` with TRACE_HEALTH_CHECKS=true: a SERVER span and the duration histogram on
  a request that does no I/O (the worst case, relatively);
- a traced request: the deep health path with TRACE_HEALTH_CHECKS=true against the real
  PostgreSQL and Redis (a SERVER span, a SELECT and a PING span, the duration histogram).
Rounds alternate off and on, each on a fresh process, so drift on a shared machine hits both;
the median per round is printed, and the p50 overhead of the medians. The figures include the
Python client's own time per request (the same in both modes).

The binary is built with the service's release profile minus LTO (a shorter build; both modes
run the same binary). Needs the loopback PostgreSQL and Redis (SVCFORGE_PG_URL,
SVCFORGE_REDIS_URL) and cargo. Run from the repository root:

    .venv/bin/python benchmarks/service_telemetry_rust.py
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from service_health import CACHE, QUIET_PSQL, _database

ROUNDS, N, WARM = 5, 2000, 200
TARGET = Path(os.environ.get("SVCFORGE_CARGO_TARGET_DIR") or CACHE / "cargo-target")


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


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


class Receiver:
    """An OTLP/HTTP collector that accepts every export (200) and counts the requests."""

    def __init__(self) -> None:
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure(binary: Path, env: dict[str, str], path: str) -> list[float]:
    """Per-request latencies of ``path`` from a fresh process, then SIGTERM (the flush)."""
    port = free_port()
    proc = subprocess.Popen(
        [str(binary)],
        env={**env, "PORT": str(port), "HOST": "127.0.0.1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/health/live")
                connection.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        samples = []
        for i in range(WARM + N):
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            assert response.status == 200, body
            if i >= WARM:
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
    name, database_url = _database(pg, "svcforge_bench_rust")
    receiver = Receiver()
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
        with tempfile.TemporaryDirectory() as tmp:
            started = time.monotonic()
            binary = build(Path(tmp))
            print(f"release build: {time.monotonic() - started:.0f} s")
            cases = (
                ("/health/live (untraced, the default)", "/health/live", False),
                ("/health/live traced (a request doing no I/O)", "/health/live", True),
                ("traced request (deep path: SELECT and PING spans)", "/health", True),
            )
            for label, path, traced in cases:
                figures: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
                for _ in range(ROUNDS):
                    for mode in ("off", "on"):
                        env = {**base, "TRACE_HEALTH_CHECKS": "true" if traced else "false"}
                        if mode == "on":
                            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.url
                        samples = measure(binary, env, path)
                        figures[mode].append((pct(samples, 50), pct(samples, 99)))
                print(f"{label}: {ROUNDS} rounds x {N} requests, HTTP/1.1 keep-alive over loopback")
                medians = {}
                for mode, rounds in figures.items():
                    p50 = statistics.median(r[0] for r in rounds) * 1000
                    p99 = statistics.median(r[1] for r in rounds) * 1000
                    medians[mode] = p50
                    print(f"  telemetry {mode:<3}  p50={p50:7.3f} ms  p99={p99:7.3f} ms")
                overhead = (medians["on"] / medians["off"] - 1) * 100
                print(f"  p50 overhead: {overhead:+.1f} %")
            print(f"receiver: {receiver.requests} export requests")
    finally:
        receiver.server.shutdown()
        psql = shutil.which("psql") or "psql"
        drop = f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        subprocess.run([psql, pg, "-qc", drop], check=False, env=QUIET_PSQL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
