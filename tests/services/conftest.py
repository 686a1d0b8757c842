"""Fixtures every language's service tests share."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services.support import FaultyServers
from tests.support.servers import fresh_database
from tests.support.tools import server_url, tool


@pytest.fixture(scope="module")
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh database on the loopback PostgreSQL .ci/run started, for one test module."""
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_").removesuffix("_service")
    return fresh_database(server_url("pg"), f"svcforge_{module}")


@pytest.fixture(scope="session")
def faulty_servers() -> Iterator[FaultyServers]:
    """A password-protected PostgreSQL and Redis of their own (.ci/run's servers stay healthy).

    Their directory is a fresh one directly under /tmp: the postgres user must reach it, and
    pytest's temporary directories are private to root.
    """
    tool("redis-server")
    tool("runuser")
    work = Path(tempfile.mkdtemp(prefix="svcforge-faulty-servers."))
    try:
        servers = FaultyServers(work)
        try:
            yield servers
        finally:
            servers.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
