"""Loopback servers the tests talk to: free ports, fresh databases on the PostgreSQL .ci/run
started, waiting for a process to listen."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.support.tools import tool


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_database(pg_url: str, prefix: str) -> str:
    """Create a new database on the shared server and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    proc = subprocess.run(
        [tool("psql"), pg_url, "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {name}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return urlunsplit(urlsplit(pg_url)._replace(path=f"/{name}"))


def wait_for_port(
    port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 20, log: Path | None = None
) -> None:
    """Return once ``proc`` listens on loopback ``port``; fail (with the end of ``log``) if it
    exits or takes ``timeout`` seconds."""
    said = f":\n{log.read_text()[-6000:]}" if log else ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{what} exited early{said}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{what} did not listen on {port}{said}")
