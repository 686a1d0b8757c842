"""Figures for the generated Python service's telemetry overhead (issue 17's benchmark).

Prints (no assertions on time) p50/p99 of, with telemetry off (no endpoint) and on (OTLP/HTTP
to an in-process receiver, the service's own tests/otlp_receiver.py, spans batched and
exported as in production):
- ``/health/live``: untraced by default, so only the middleware's pass-through is paid;
- ``/health/live`` with TRACE_HEALTH_CHECKS=true: a SERVER span and the duration histogram on
  a request that does no I/O (the worst case, relatively);
- a traced request: the deep health path with TRACE_HEALTH_CHECKS=true against the real
  PostgreSQL and Redis (a SERVER span, a SELECT and a PING span, the duration histogram).
Rounds alternate off and on so drift on a shared machine hits both; the median per round is
printed, and the p50 overhead of the medians. Then the same cases over real HTTP: the service
under uvicorn (``python -m app``, as the container runs it) timed by service_http.py, as the
TypeScript and Rust benchmarks are, so the three languages' figures compare.

Needs the loopback PostgreSQL and Redis (SVCFORGE_PG_URL, SVCFORGE_REDIS_URL) and uv
(SVCFORGE_UV or PATH). Run from the repository root:

    .venv/bin/python benchmarks/service_telemetry.py
"""

from __future__ import annotations

import os
import sys
import textwrap

from service_health import _database, drop_database, prepare, run_child
from service_http import compare, exported, measure, receiver

CHILD = textwrap.dedent(
    """
    import asyncio, logging, os, statistics, time

    import httpx

    from app.config import DEEP_PATH, LIVE_PATH, load_settings
    from app.main import create_app
    from tests.otlp_receiver import serve_receiver

    logging.disable(logging.CRITICAL)
    ROUNDS, N = 5, 1000


    def pct(samples, q):
        ordered = sorted(samples)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


    async def measure(path, traced):
        settings = load_settings({
            "ENVIRONMENT": "bench", "HEALTH_CACHE_TTL_MS": "0",
            "TRACE_HEALTH_CHECKS": "true" if traced else "false",
            "DATABASE_URL": os.environ["BENCH_DATABASE_URL"],
            "REDIS_URL": os.environ["BENCH_REDIS_URL"],
        })
        app = create_app(settings)
        samples = []
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://service"
        ) as client:
            for _ in range(100):  # warm the pools and the code paths
                await client.get(path)
            for _ in range(N):
                started = time.perf_counter()
                response = await client.get(path)
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
        return samples


    receiver_run = serve_receiver()
    receiver = next(receiver_run)
    cases = (
        ("/health/live (untraced, the default)", LIVE_PATH, False),
        ("/health/live traced (a request doing no I/O)", LIVE_PATH, True),
        ("traced request (deep path: SELECT and PING spans)", DEEP_PATH, True),
    )
    for label, path, traced in cases:
        figures = {"off": [], "on": []}
        for _ in range(ROUNDS):
            for mode in ("off", "on"):
                if mode == "on":
                    os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.url
                else:
                    os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
                samples = asyncio.run(measure(path, traced))
                figures[mode].append((pct(samples, 50), pct(samples, 99)))
        print(f"{label}: {ROUNDS} rounds x {N} requests, in-process ASGI")
        medians = {}
        for mode, rounds in figures.items():
            p50 = statistics.median(r[0] for r in rounds) * 1000
            p99 = statistics.median(r[1] for r in rounds) * 1000
            medians[mode] = p50
            print(f"  telemetry {mode:<3}  p50={p50:7.3f} ms  p99={p99:7.3f} ms")
        overhead = (medians["on"] / medians["off"] - 1) * 100
        print(f"  p50 overhead: {overhead:+.1f} %")
    spans = len(receiver.spans())
    print(f"receiver: {len(receiver.bodies)} export requests, {spans} spans")
    receiver_run.close()
    """
)


HTTP_ROUNDS, HTTP_N, HTTP_WARM = 5, 1000, 200


def main() -> int:
    pg, redis, service, venv, name, database_url = prepare()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "DB_", "REDIS_", "TRACE_"))}
    env.update(
        {
            "BENCH_DATABASE_URL": database_url,
            "BENCH_REDIS_URL": redis,
            "PYTHONPATH": str(service),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    code = run_child(CHILD, service, venv, env, pg, name)
    if code:
        return code
    # run_child dropped the database when it ended: the HTTP rounds get theirs again.
    name, database_url = _database(pg)
    base = {k: v for k, v in env.items() if not k.startswith("BENCH_")}
    base.update(
        {
            "ENVIRONMENT": "bench",
            "LOG_LEVEL": "WARNING",
            "HEALTH_CACHE_TTL_MS": "0",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis,
        }
    )
    python = str(venv / "bin" / "python")
    try:
        with receiver() as (url, received):

            def start(run_env: dict[str, str], path: str) -> list[float]:
                return measure([python, "-m", "app"], service, run_env, path, HTTP_N, HTTP_WARM)

            title = f"{HTTP_ROUNDS} rounds x {HTTP_N} requests, uvicorn over HTTP on loopback"
            compare(start, base, url, HTTP_ROUNDS, title)
            print(exported(received))
    finally:
        drop_database(pg, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
