"""Shared fixtures: real servers from the environment, fake AWS, and misbehaving sockets.

The integration tests talk to a real PostgreSQL and Redis named by TEST_DATABASE_URL and
TEST_REDIS_URL (for example the ones docker compose starts). Without them those tests skip
locally and fail in CI.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from moto import mock_aws

from app.secrets import make_client

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
    "AWS_SESSION_TOKEN": "testing",  # pragma: allowlist secret
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _server_url(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        message = f"{name} is not set: point it at a real server to run this test"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return value


@pytest.fixture
def database_url() -> str:
    return _server_url("TEST_DATABASE_URL")


@pytest.fixture
def redis_url() -> str:
    return _server_url("TEST_REDIS_URL")


@pytest.fixture(scope="session")
def _mocked_aws() -> Iterator[SecretsManagerClient]:
    """One moto mock for the session (clients are slow to build), with fake credentials."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                patch.delenv(name)
        for name, value in FAKE_AWS.items():
            patch.setenv(name, value)
        with mock_aws():
            yield make_client("us-east-1")


@pytest.fixture
def secrets_client(_mocked_aws: SecretsManagerClient) -> Iterator[SecretsManagerClient]:
    """A Secrets Manager client on moto; every secret a test creates is deleted after it."""
    yield _mocked_aws
    for secret in _mocked_aws.list_secrets()["SecretList"]:
        _mocked_aws.delete_secret(SecretId=secret["ARN"], ForceDeleteWithoutRecovery=True)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def hanging_port() -> Iterator[int]:
    """A loopback server that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in accepted:
            connection.close()
        server.close()
