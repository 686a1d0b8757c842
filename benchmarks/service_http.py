"""What the telemetry benchmarks of every language share: a service process on a loopback port,
timed over HTTP/1.1 keep-alive (one request at a time), telemetry off (no endpoint) and on
(OTLP/HTTP to a receiver in this process that accepts every export), and the report.

Each round starts a fresh process; rounds alternate off and on so drift on a shared machine hits
both. Printed: the median over rounds of each round's p50 and p99, and the p50 overhead. The
Python client's own time per request (about 0.1 ms) is in both modes' figures.
"""

from __future__ import annotations

import http.client
import signal
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import service_health  # noqa: F401 (puts the repository root on sys.path for tests.*)

from tests.services.support import free_port
from tests.services.support import otlp_collector as receiver

__all__ = ["receiver"]

LIVE, DEEP = "/health/live", "/health"


def cases() -> tuple[tuple[str, str, dict[str, str]], ...]:
    """label, path, the variables of the case: the untraced default, a span on a request doing no
    I/O (the worst case, relatively), a traced request with its SELECT and PING spans, and that
    request under prod's head sampling (copier/behaviour.yml: what a prod request pays on
    average)."""
    from tests.support.render import answers, computed_values

    sampling = computed_values(answers())["behaviour"]["trace_sampling"]
    ratio = f"{sampling['ratio']['prod']:g}"
    traced = {"TRACE_HEALTH_CHECKS": "true"}
    return (
        ("/health/live (untraced, the default)", LIVE, {"TRACE_HEALTH_CHECKS": "false"}),
        ("/health/live traced (a request doing no I/O)", LIVE, traced),
        ("traced request (deep path: SELECT and PING spans)", DEEP, traced),
        (
            f"deep path at prod's sampling ({sampling['sampler']} {ratio})",
            DEEP,
            {**traced, "OTEL_TRACES_SAMPLER": sampling["sampler"], "OTEL_TRACES_SAMPLER_ARG": ratio},
        ),
    )


def pct(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def measure(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], path: str, n: int, warm: int
) -> list[float]:
    """Start the service (``PORT``/``HOST`` added to ``env``), wait for it, time ``n``
    sequential GETs of ``path`` after ``warm`` untimed ones, then SIGTERM it (its flush)."""
    port = free_port()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
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
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        samples = []
        for index in range(warm + n):
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            assert response.status == 200, body
            if index >= warm:
                samples.append(elapsed)
        connection.close()
        return samples
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def compare(
    start: Callable[[dict[str, str], str], list[float]],
    base: Mapping[str, str],
    endpoint: str,
    rounds: int,
    title: str,
) -> None:
    """Every case of cases(), ``rounds`` alternating off/on runs of ``start(env, path)``, reported."""
    for label, path, variables in cases():
        figures: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
        for _ in range(rounds):
            for mode in ("off", "on"):
                env = {**base, **variables}
                if mode == "on":
                    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
                samples = start(env, path)
                figures[mode].append((pct(samples, 50), pct(samples, 99)))
        print(f"{label}: {title}")
        report(figures)


def report(figures: Mapping[str, Sequence[tuple[float, float]]]) -> None:
    """Per mode the median over rounds of p50 and p99 (seconds in, ms out), then the overhead."""
    medians = {}
    for mode, rounds in figures.items():
        p50 = statistics.median(r[0] for r in rounds) * 1000
        p99 = statistics.median(r[1] for r in rounds) * 1000
        medians[mode] = p50
        print(f"  telemetry {mode:<3}  p50={p50:7.3f} ms  p99={p99:7.3f} ms")
    print(f"  p50 overhead: {(medians['on'] / medians['off'] - 1) * 100:+.1f} %")


def exported(received: Sequence[tuple[str, bytes]]) -> str:
    """What the receiver got: its export requests and their bytes."""
    return f"receiver: {len(received)} export requests, {sum(len(body) for _, body in received)} bytes"
