"""Fixtures every language's service tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services.support import FaultyServers
from tests.support.tools import tool


@pytest.fixture(scope="session")
def faulty_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultyServers]:
    """A password-protected PostgreSQL and Redis of their own (.ci/run's servers stay healthy)."""
    tool("redis-server")
    tool("runuser")
    servers = FaultyServers(tmp_path_factory.mktemp("faulty-servers"))
    try:
        yield servers
    finally:
        servers.close()
