"""Secrets loader: cached, single-flight, retried, with typed errors and redacted values.

The service receives only secret identifiers and reads the values at runtime, so a rotation
is picked up within the cache TTL (default 300 s) or at once through ``force_refresh`` when a
server rejects the cached credentials.

This module is the cloud-neutral core: the TTL cache, one in-flight fetch per secret shared
by every caller, backoff with full jitter, and the typed errors. A backend module supplies
one blocking ``fetch(secret_id)`` function around its cloud's official client, mapping that
client's exceptions to the errors below; the loader runs it in a worker thread.

A value never reaches a log line, a ``repr`` or an exception message: it travels inside
``SecretValue`` and only ``reveal()`` returns it. Logs carry the secret id and version only.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from app.telemetry import OFF, Telemetry

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300.0


class SecretValue:
    """A secret string that redacts itself everywhere except ``reveal()``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The plain value, for the one call that needs it (a driver's password argument)."""
        return self._value

    def __repr__(self) -> str:
        return "SecretValue('**redacted**')"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a SecretValue cannot be pickled")


class SecretError(Exception):
    """Base of every loader error. The message names the secret id, never its value.

    Attributes:
        secret_id: The identifier that was read.
        code: The backend's own error code or exception name (``PermissionDenied``, 403...).
        retryable: Whether the loader retries the read (throttling and transient faults).
    """

    reason = "could not be read"
    retryable = False

    def __init__(
        self, secret_id: str, code: str = "", *, hint: str = "", retryable: bool | None = None
    ) -> None:
        self.secret_id = secret_id
        self.code = code
        if retryable is not None:
            self.retryable = retryable
        detail = "; ".join(part for part in (code, hint) if part)
        super().__init__(f"secret {secret_id!r} {self.reason}" + (f" ({detail})" if detail else ""))


class SecretNotFoundError(SecretError):
    reason = "was not found"


class SecretAccessDeniedError(SecretError):
    reason = "is not readable with the service's identity"


class SecretDecryptionError(SecretError):
    reason = "could not be decrypted with its key"


class SecretThrottledError(SecretError):
    reason = "was throttled after every retry"
    retryable = True


class SecretUnavailableError(SecretError):
    reason = "could not be read from the secrets service"
    retryable = True


class SecretFormatError(SecretError):
    reason = "does not have the expected format"


@dataclass(frozen=True)
class FetchedSecret:
    """What a backend returns: the value (already wrapped) and the version it came from."""

    value: SecretValue
    version: str = ""


Fetch = Callable[[str], FetchedSecret]
"""A backend's blocking read of one secret; raises ``SecretError`` subclasses only."""


@dataclass(frozen=True)
class _Entry:
    value: SecretValue
    version: str
    fetched_at: float = field(compare=False)


class SecretsLoader:
    """Reads secrets through a TTL cache with one in-flight fetch per secret.

    Args:
        fetch: The backend's read (see ``app.secrets_*``); called in a worker thread.
        ttl_seconds: How long a value is served from memory (0 disables caching).
        max_attempts: Attempts per read on throttling and transient errors.
        base_delay: First backoff in seconds; doubles each attempt, full jitter.
        max_delay: Ceiling of one backoff.
        clock: Monotonic clock, injectable for tests.
        sleep: Async sleep, injectable for tests.
    """

    def __init__(
        self,
        fetch: Fetch,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_attempts: int = 5,
        base_delay: float = 0.1,
        max_delay: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._fetch_one = fetch
        self._ttl = ttl_seconds
        self._max_attempts = max(1, max_attempts)
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._clock = clock
        self._sleep = sleep
        self._entries: dict[str, _Entry] = {}
        self._inflight: dict[str, asyncio.Task[_Entry]] = {}
        self.telemetry: Telemetry = OFF

    async def get_secret(self, secret_id: str, *, force_refresh: bool = False) -> SecretValue:
        """The secret's string value, from memory while fresh.

        ``force_refresh`` skips the cache (after a server rejected the credentials);
        concurrent callers still share one request.
        """
        entry = self._entries.get(secret_id)
        if entry is not None and not force_refresh and self._clock() - entry.fetched_at < self._ttl:
            self.telemetry.secret_cache_hits.add(1)
            return entry.value
        self.telemetry.secret_cache_misses.add(1)
        task = self._inflight.get(secret_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._fetch(secret_id))
            self._inflight[secret_id] = task
            task.add_done_callback(lambda _: self._inflight.pop(secret_id, None))
        # shield: one caller giving up (a cancelled request) must not cancel the others' fetch.
        return (await asyncio.shield(task)).value

    async def refresh(self, secret_id: str) -> SecretValue:
        """Fetch now, bypassing the cache (alias of ``get_secret(force_refresh=True)``)."""
        return await self.get_secret(secret_id, force_refresh=True)

    def invalidate(self, secret_id: str | None = None) -> None:
        """Forget one cached secret, or all of them."""
        if secret_id is None:
            self._entries.clear()
        else:
            self._entries.pop(secret_id, None)

    async def _fetch(self, secret_id: str) -> _Entry:
        attempt = 1
        while True:
            try:
                # The id only: the span never sees the value (it stays inside SecretValue).
                with self.telemetry.client_span(
                    "secrets.read", {"secret.id": secret_id, "secret.read.attempt": attempt}
                ):
                    fetched = await asyncio.to_thread(self._fetch_one, secret_id)
            except SecretError as error:
                if not error.retryable or attempt >= self._max_attempts:
                    logger.warning(
                        "secret read failed",
                        extra={
                            "secret_id": secret_id,
                            "error_code": error.code,
                            "error_type": type(error).__name__,
                            "attempts": attempt,
                        },
                    )
                    raise
                cap = min(self._max_delay, self._base_delay * 2 ** (attempt - 1))
                delay = random.uniform(0, cap)  # noqa: S311 - jitter, not crypto
                logger.info(
                    "secret read retrying",
                    extra={"secret_id": secret_id, "error_code": error.code, "attempt": attempt},
                )
                await self._sleep(delay)
                attempt += 1
                continue
            entry = _Entry(fetched.value, fetched.version, self._clock())
            self._entries[secret_id] = entry
            logger.info(
                "secret loaded",
                extra={"secret_id": secret_id, "version_id": entry.version, "attempts": attempt},
            )
            return entry
