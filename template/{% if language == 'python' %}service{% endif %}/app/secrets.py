"""Secrets Manager loader: cached, single-flight, retried, with typed errors and redacted values.

The task receives only ARNs (``DB_SECRET_ARN``, ``REDIS_AUTH_SECRET_ARN``) and reads the values
at runtime, so a rotation is picked up within the cache TTL (default 300 s) or at once through
``force_refresh`` when the database rejects the cached credentials.

Why not ``aws-secretsmanager-caching``: its cache is thread-based (an asyncio service would
park a worker thread per waiting request), it has no invalidation, its forced refresh sleeps
2.5-5 s by design, and it calls DescribeSecret before every GetSecretValue. This module keeps
the same contract in about a hundred lines of asyncio: one in-flight fetch per secret, shared by
every caller, and botocore's own client underneath.

A value never reaches a log line, a ``repr`` or an exception message: it travels inside
``SecretValue`` and only ``reveal()`` returns it. Logs carry the secret id and version only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300.0
_THROTTLING = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
)
_TRANSIENT = frozenset({"InternalServiceError", "InternalFailure", "ServiceUnavailable"})
_ACCESS_DENIED = frozenset({"AccessDeniedException", "AccessDenied"})
_DECRYPTION = frozenset({"DecryptionFailure", "KMSAccessDeniedException"})


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
    """Base of every loader error. The message names the secret id, never its value."""

    reason = "could not be read"

    def __init__(self, secret_id: str, code: str = "") -> None:
        self.secret_id = secret_id
        self.code = code
        detail = f" ({code})" if code else ""
        super().__init__(f"secret {secret_id!r} {self.reason}{detail}")


class SecretNotFoundError(SecretError):
    reason = "was not found"


class SecretAccessDeniedError(SecretError):
    reason = "is not readable with the task role (check secretsmanager:GetSecretValue)"


class SecretDecryptionError(SecretError):
    reason = "could not be decrypted (check kms:Decrypt on its key)"


class SecretThrottledError(SecretError):
    reason = "was throttled by Secrets Manager after every retry"


class SecretUnavailableError(SecretError):
    reason = "could not be read from Secrets Manager"


class SecretFormatError(SecretError):
    reason = "does not have the expected format"


@dataclass(frozen=True, repr=False)
class DatabaseCredentials:
    """An RDS-managed secret: username and password, optionally host, port and dbname."""

    username: str
    password: SecretValue
    host: str | None = None
    port: int | None = None
    dbname: str | None = None

    @classmethod
    def parse(cls, secret_id: str, value: SecretValue) -> DatabaseCredentials:
        """Parse the secret's JSON; a malformed secret raises without echoing any of it."""
        try:
            data = json.loads(value.reveal())
        except ValueError:
            raise SecretFormatError(secret_id, "not JSON") from None
        if not isinstance(data, dict):
            raise SecretFormatError(secret_id, "not a JSON object")
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise SecretFormatError(secret_id, "username and password strings are required")
        port = data.get("port")
        try:
            port_number = int(port) if port is not None else None
        except (TypeError, ValueError):
            raise SecretFormatError(secret_id, "port is not a number") from None
        host, dbname = data.get("host"), data.get("dbname")
        return cls(
            username=username,
            password=SecretValue(password),
            host=host if isinstance(host, str) else None,
            port=port_number,
            dbname=dbname if isinstance(dbname, str) else None,
        )

    def __repr__(self) -> str:
        return (
            f"DatabaseCredentials(username={self.username!r}, password=**redacted**, "
            f"host={self.host!r}, port={self.port!r}, dbname={self.dbname!r})"
        )

    __str__ = __repr__


@dataclass(frozen=True)
class _Entry:
    value: SecretValue
    version_id: str
    fetched_at: float


def _error_for(secret_id: str, error: ClientError) -> SecretError:
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code == "ResourceNotFoundException":
        return SecretNotFoundError(secret_id, code)
    if code in _ACCESS_DENIED:
        return SecretAccessDeniedError(secret_id, code)
    if code in _DECRYPTION:
        return SecretDecryptionError(secret_id, code)
    if code in _THROTTLING:
        return SecretThrottledError(secret_id, code)
    return SecretUnavailableError(secret_id, code)


def make_client(region: str | None) -> SecretsManagerClient:
    """A Secrets Manager client whose retries the loader owns (botocore's are switched off)."""
    config = Config(
        region_name=region,
        connect_timeout=2,
        read_timeout=5,
        retries={"mode": "standard", "total_max_attempts": 1},
    )
    return boto3.client("secretsmanager", config=config)


class SecretsLoader:
    """Reads secrets through a TTL cache with one in-flight fetch per secret.

    Args:
        client: A boto3 Secrets Manager client (see ``make_client``).
        ttl_seconds: How long a value is served from memory (0 disables caching).
        max_attempts: Attempts per fetch on throttling and transient errors.
        base_delay: First backoff in seconds; doubles each attempt, full jitter.
        max_delay: Ceiling of one backoff.
        clock: Monotonic clock, injectable for tests.
        sleep: Async sleep, injectable for tests.
    """

    def __init__(
        self,
        client: SecretsManagerClient,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_attempts: int = 5,
        base_delay: float = 0.1,
        max_delay: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._max_attempts = max(1, max_attempts)
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._clock = clock
        self._sleep = sleep
        self._entries: dict[str, _Entry] = {}
        self._inflight: dict[str, asyncio.Task[_Entry]] = {}

    async def get_secret(self, secret_id: str, *, force_refresh: bool = False) -> SecretValue:
        """The secret's string value, from memory while fresh.

        ``force_refresh`` skips the cache (after the database rejected the credentials);
        concurrent callers still share one request.
        """
        entry = self._entries.get(secret_id)
        if entry is not None and not force_refresh and self._clock() - entry.fetched_at < self._ttl:
            return entry.value
        task = self._inflight.get(secret_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._fetch(secret_id))
            self._inflight[secret_id] = task
            task.add_done_callback(lambda _: self._inflight.pop(secret_id, None))
        # shield: one caller giving up (a cancelled request) must not cancel the others' fetch.
        return (await asyncio.shield(task)).value

    async def get_database_credentials(
        self, secret_id: str, *, force_refresh: bool = False
    ) -> DatabaseCredentials:
        """The RDS-managed secret parsed into ``DatabaseCredentials``."""
        value = await self.get_secret(secret_id, force_refresh=force_refresh)
        return DatabaseCredentials.parse(secret_id, value)

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
                response = await asyncio.to_thread(
                    self._client.get_secret_value, SecretId=secret_id
                )
            except ClientError as exc:
                error = _error_for(secret_id, exc)
                code = error.code
                retryable = code in _THROTTLING or code in _TRANSIENT
            except BotoCoreError as exc:
                error = SecretUnavailableError(secret_id, type(exc).__name__)
                retryable = True
            else:
                break
            if not retryable or attempt >= self._max_attempts:
                logger.warning(
                    "secret read failed",
                    extra={"secret_id": secret_id, "error_code": error.code, "attempts": attempt},
                )
                raise error from None
            delay = random.uniform(0, min(self._max_delay, self._base_delay * 2 ** (attempt - 1)))  # noqa: S311 - jitter, not crypto
            logger.info(
                "secret read retrying",
                extra={"secret_id": secret_id, "error_code": error.code, "attempt": attempt},
            )
            await self._sleep(delay)
            attempt += 1

        raw = response.get("SecretString")
        if raw is None:
            raise SecretFormatError(secret_id, "binary secrets are not supported")
        entry = _Entry(SecretValue(raw), response.get("VersionId", ""), self._clock())
        self._entries[secret_id] = entry
        logger.info(
            "secret loaded",
            extra={"secret_id": secret_id, "version_id": entry.version_id, "attempts": attempt},
        )
        return entry
