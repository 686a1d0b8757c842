"""The Secrets Manager loader against moto: cache, single flight, retries, errors, redaction."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from app.secrets import (
    DEFAULT_TTL_SECONDS,
    DatabaseCredentials,
    SecretAccessDeniedError,
    SecretDecryptionError,
    SecretError,
    SecretFormatError,
    SecretNotFoundError,
    SecretsLoader,
    SecretThrottledError,
    SecretValue,
)

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

pytestmark = pytest.mark.anyio

VALUE = "s3cr3t-value-that-must-never-leak"
ROTATED = "rotated-value"
RDS_SECRET = json.dumps(
    {
        "engine": "postgres",
        "username": "app_admin",
        "password": VALUE,
        "host": "db.internal",
        "port": 5432,
        "dbname": "app",
    }
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Calls:
    """Counts GetSecretValue requests and can fail the next ones with an error code."""

    def __init__(self) -> None:
        self.count = 0
        self.failures: list[str] = []

    def hook(self, **_: Any) -> Any:
        self.count += 1
        if not self.failures:
            return None
        code = self.failures.pop(0)
        error = {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {}}
        return AWSResponse("https://secretsmanager.invalid", 400, HTTPHeaders(), None), error


@pytest.fixture
def client(secrets_client: SecretsManagerClient) -> SecretsManagerClient:
    secrets_client.create_secret(Name="app/db", SecretString=RDS_SECRET)
    secrets_client.create_secret(Name="app/token", SecretString=VALUE)
    return secrets_client


@pytest.fixture
def calls(client: SecretsManagerClient) -> Iterator[Calls]:
    counter = Calls()
    event = "before-call.secrets-manager.GetSecretValue"
    client.meta.events.register(event, counter.hook)
    yield counter
    client.meta.events.unregister(event, counter.hook)


@pytest.fixture
def delays() -> list[float]:
    return []


@pytest.fixture
def make_loader(client: SecretsManagerClient, delays: list[float]) -> Callable[..., SecretsLoader]:
    async def record(delay: float) -> None:
        delays.append(delay)

    def build(**kwargs: Any) -> SecretsLoader:
        kwargs.setdefault("sleep", record)
        return SecretsLoader(client, **kwargs)

    return build


async def test_value_is_cached_for_the_ttl(
    make_loader: Callable[..., SecretsLoader], calls: Calls
) -> None:
    clock = Clock()
    loader = make_loader(clock=clock)
    assert DEFAULT_TTL_SECONDS == 300
    assert (await loader.get_secret("app/token")).reveal() == VALUE
    clock.now += 299
    await loader.get_secret("app/token")
    assert calls.count == 1
    clock.now += 2
    await loader.get_secret("app/token")
    assert calls.count == 2


async def test_concurrent_callers_share_one_request(
    make_loader: Callable[..., SecretsLoader], calls: Calls
) -> None:
    loader = make_loader()
    values = await asyncio.gather(*(loader.get_secret("app/token") for _ in range(50)))
    assert calls.count == 1
    assert {value.reveal() for value in values} == {VALUE}


async def test_forced_refresh_reads_the_new_version(
    make_loader: Callable[..., SecretsLoader], calls: Calls, client: SecretsManagerClient
) -> None:
    loader = make_loader()
    await loader.get_secret("app/token")
    client.put_secret_value(SecretId="app/token", SecretString=ROTATED)  # pragma: allowlist secret
    assert (await loader.get_secret("app/token")).reveal() == VALUE
    assert (await loader.get_secret("app/token", force_refresh=True)).reveal() == ROTATED
    assert (await loader.get_secret("app/token")).reveal() == ROTATED
    assert calls.count == 2
    loader.invalidate("app/token")
    await loader.refresh("app/token")
    assert calls.count == 3


async def test_throttling_is_retried_with_backoff(
    make_loader: Callable[..., SecretsLoader], calls: Calls, delays: list[float]
) -> None:
    calls.failures = ["ThrottlingException", "ThrottlingException"]
    loader = make_loader(base_delay=0.1, max_delay=5.0)
    assert (await loader.get_secret("app/token")).reveal() == VALUE
    assert calls.count == 3
    assert len(delays) == 2
    assert 0 <= delays[0] <= 0.1
    assert 0 <= delays[1] <= 0.2


async def test_throttling_that_never_ends_raises_a_typed_error(
    make_loader: Callable[..., SecretsLoader], calls: Calls, delays: list[float]
) -> None:
    calls.failures = ["ThrottlingException"] * 10
    loader = make_loader(max_attempts=4)
    with pytest.raises(SecretThrottledError) as caught:
        await loader.get_secret("app/token")
    assert calls.count == 4
    assert len(delays) == 3
    assert caught.value.secret_id == "app/token"


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        ("AccessDeniedException", SecretAccessDeniedError),
        ("DecryptionFailure", SecretDecryptionError),
        ("ResourceNotFoundException", SecretNotFoundError),
    ],
)
async def test_errors_are_typed_and_not_retried(
    make_loader: Callable[..., SecretsLoader],
    calls: Calls,
    code: str,
    error_type: type[SecretError],
) -> None:
    calls.failures = [code]
    with pytest.raises(error_type) as caught:
        await make_loader().get_secret("app/token")
    assert calls.count == 1
    assert caught.value.code == code
    assert "app/token" in str(caught.value)


async def test_a_missing_secret_is_not_found(make_loader: Callable[..., SecretsLoader]) -> None:
    with pytest.raises(SecretNotFoundError):
        await make_loader().get_secret("app/absent")


async def test_an_error_is_not_cached(
    make_loader: Callable[..., SecretsLoader], calls: Calls
) -> None:
    calls.failures = ["AccessDeniedException"]
    loader = make_loader()
    with pytest.raises(SecretAccessDeniedError):
        await loader.get_secret("app/token")
    assert (await loader.get_secret("app/token")).reveal() == VALUE


async def test_rds_secret_is_parsed_into_a_redacted_record(
    make_loader: Callable[..., SecretsLoader],
) -> None:
    credentials = await make_loader().get_database_credentials("app/db")
    assert credentials.username == "app_admin"
    assert credentials.password.reveal() == VALUE
    assert (credentials.host, credentials.port, credentials.dbname) == ("db.internal", 5432, "app")
    for text in (repr(credentials), str(credentials), f"{credentials}", repr(credentials.password)):
        assert VALUE not in text
        assert "redacted" in text


async def test_value_never_reaches_logs_reprs_or_errors(
    make_loader: Callable[..., SecretsLoader],
    client: SecretsManagerClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="app")
    loader = make_loader()
    value = await loader.get_secret("app/token")
    assert VALUE not in repr(value)
    assert VALUE not in str(value)
    assert VALUE not in f"{value!s} {value!r} {[value]}"
    with pytest.raises(TypeError):
        json.dumps({"v": value})
    client.create_secret(Name="app/bad-db", SecretString=f"not json {VALUE}")
    with pytest.raises(SecretFormatError) as caught:
        await loader.get_database_credentials("app/bad-db")
    assert VALUE not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    records = [record for record in caplog.records if record.name.startswith("app")]
    assert any(getattr(record, "secret_id", None) == "app/token" for record in records)
    for record in records:
        assert VALUE not in json.dumps(record.__dict__, default=str)


def test_parse_requires_username_and_password() -> None:
    with pytest.raises(SecretFormatError):
        DatabaseCredentials.parse("x", SecretValue(json.dumps({"username": "only"})))
    with pytest.raises(SecretFormatError):
        DatabaseCredentials.parse("x", SecretValue("[1, 2]"))
