"""HealthChecker on its own: concurrency, timeouts, error classes, caching, single flight."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.health import HealthChecker, Probe, ProbeError, classify

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sleeping(seconds: float, calls: list[str], name: str) -> Probe:
    async def probe() -> None:
        calls.append(name)
        await asyncio.sleep(seconds)

    return probe


async def test_probes_run_concurrently_so_the_total_is_the_slowest() -> None:
    calls: list[str] = []
    checker = HealthChecker(
        {"a": sleeping(0.3, calls, "a"), "b": sleeping(0.3, calls, "b")},
        timeout_s=1.0,
        cache_ttl_s=0,
    )
    started = time.perf_counter()
    report = await checker.report()
    elapsed = time.perf_counter() - started
    assert report.healthy
    assert elapsed < 0.5, f"checks ran one after the other ({elapsed:.2f}s)"
    assert [check.name for check in report.checks] == ["a", "b"]


async def test_a_hanging_probe_is_cut_at_its_timeout() -> None:
    async def hang() -> None:
        await asyncio.Event().wait()

    async def ok() -> None:
        return None

    checker = HealthChecker({"fast": ok, "stuck": hang}, timeout_s=0.2, cache_ttl_s=0)
    started = time.perf_counter()
    report = await checker.report()
    elapsed = time.perf_counter() - started
    assert not report.healthy
    assert 0.2 <= elapsed < 0.4
    body = report.as_dict()
    assert body["status"] == "unhealthy"
    assert body["checks"][0]["status"] == "healthy"
    assert body["checks"][1]["status"] == "unhealthy"
    assert body["checks"][1]["error"] == "timeout"


async def test_failures_report_only_a_class() -> None:
    async def refused() -> None:
        raise ConnectionRefusedError(111, "Connection refused to db.internal:5432")

    async def auth() -> None:
        raise ProbeError("auth")

    async def broken() -> None:
        raise RuntimeError("password=hunter2 host=db.internal")

    checker = HealthChecker(
        {"refused": refused, "auth": auth, "broken": broken}, timeout_s=1, cache_ttl_s=0
    )
    body = (await checker.report()).as_dict()
    assert [check["error"] for check in body["checks"]] == ["refused", "auth", "error"]
    text = str(body)
    assert "db.internal" not in text
    assert "hunter2" not in text


def test_classify_follows_the_cause_chain() -> None:
    try:
        try:
            raise ConnectionRefusedError(111, "refused")
        except ConnectionRefusedError as inner:
            raise RuntimeError("driver error") from inner
    except RuntimeError as outer:
        assert classify(outer) == "refused"
    assert classify(TimeoutError()) == "timeout"
    assert classify(ValueError()) == "error"


async def test_report_is_cached_for_the_ttl() -> None:
    calls: list[str] = []
    clock = Clock()
    checker = HealthChecker(
        {"a": sleeping(0, calls, "a")},
        timeout_s=1,
        cache_ttl_s=2.0,
        clock=clock,
    )
    await checker.report()
    clock.now += 1.9
    await checker.report()
    assert calls == ["a"]
    clock.now += 0.2
    await checker.report()
    assert calls == ["a", "a"]


async def test_concurrent_requests_share_one_run() -> None:
    calls: list[str] = []
    checker = HealthChecker(
        {"a": sleeping(0.05, calls, "a")},
        timeout_s=1,
        cache_ttl_s=0,
    )
    reports = await asyncio.gather(*(checker.report() for _ in range(50)))
    assert calls == ["a"]
    assert all(report is reports[0] for report in reports)


async def test_a_cancelled_request_does_not_cancel_the_shared_run() -> None:
    calls: list[str] = []
    checker = HealthChecker(
        {"a": sleeping(0.1, calls, "a")},
        timeout_s=1,
        cache_ttl_s=0,
    )
    first = asyncio.ensure_future(checker.report())
    second = asyncio.ensure_future(checker.report())
    await asyncio.sleep(0.01)
    first.cancel()
    report = await second
    assert report.healthy
    assert calls == ["a"]


async def test_no_probes_is_healthy() -> None:
    report = await HealthChecker({}, timeout_s=1, cache_ttl_s=0).report()
    assert report.as_dict() == {"status": "healthy", "checks": []}
