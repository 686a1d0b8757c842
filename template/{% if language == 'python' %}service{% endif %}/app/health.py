"""Deep health check: dependency probes run concurrently, each bounded, the result cached.

Every load balancer node or platform prober checks every instance, so the report is cached
for ``cache_ttl_s`` and computed by one in-flight run that all concurrent requests share. A
failing probe reports only a short class (``timeout``, ``refused``, ``auth``, ``error``); the
exception goes to the logs.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[None]]


class ProbeError(Exception):
    """Raised by a probe that already knows its failure class (e.g. ``auth``)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def classify(error: BaseException) -> str:
    """Map an exception (or its causes) to timeout, refused, auth or error."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ProbeError):
            return current.kind
        if isinstance(current, TimeoutError):
            return "timeout"
        if isinstance(current, ConnectionRefusedError) or (
            isinstance(current, OSError) and current.errno == errno.ECONNREFUSED
        ):
            return "refused"
        current = current.__cause__ or current.__context__
    return "error"


@dataclass(frozen=True)
class CheckResult:
    name: str
    healthy: bool
    latency_ms: int
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "status": "healthy" if self.healthy else "unhealthy",
            "latency_ms": self.latency_ms,
        }
        if self.error is not None:
            body["error"] = self.error
        return body


@dataclass(frozen=True)
class HealthReport:
    checks: tuple[CheckResult, ...]

    @property
    def healthy(self) -> bool:
        return all(check.healthy for check in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "healthy" if self.healthy else "unhealthy",
            "checks": [check.as_dict() for check in self.checks],
        }


class HealthChecker:
    """Runs the named probes concurrently, each within ``timeout_s``; caches the report."""

    def __init__(
        self,
        probes: Mapping[str, Probe],
        *,
        timeout_s: float = 1.0,
        cache_ttl_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probes = dict(probes)
        self._timeout = timeout_s
        self._ttl = cache_ttl_s
        self._clock = clock
        self._cached: tuple[float, HealthReport] | None = None
        self._inflight: asyncio.Task[HealthReport] | None = None

    async def report(self) -> HealthReport:
        cached = self._cached
        if cached is not None and self._clock() - cached[0] < self._ttl:
            return cached[1]
        if self._inflight is None:
            self._inflight = asyncio.get_running_loop().create_task(self._run())
            self._inflight.add_done_callback(self._finished)
        # shield: a client that disconnects must not cancel the run the others wait for.
        return await asyncio.shield(self._inflight)

    def _finished(self, task: asyncio.Task[HealthReport]) -> None:
        self._inflight = None
        if not task.cancelled() and task.exception() is None:
            self._cached = (self._clock(), task.result())

    async def _run(self) -> HealthReport:
        results = await asyncio.gather(
            *(self._check(name, probe) for name, probe in self._probes.items())
        )
        return HealthReport(tuple(results))

    async def _check(self, name: str, probe: Probe) -> CheckResult:
        started = time.perf_counter()
        error: str | None = None
        try:
            async with asyncio.timeout(self._timeout):
                await probe()
        except Exception as exc:  # every failure becomes a class; the details go to the log
            error = classify(exc)
            logger.warning(
                "health check failed",
                extra={"check": name, "error_class": error, "error_type": type(exc).__name__},
                exc_info=error == "error",
            )
        latency_ms = round((time.perf_counter() - started) * 1000)
        return CheckResult(name, error is None, latency_ms, error)
