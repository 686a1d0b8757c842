"""Helpers shared by the service tests: ports, databases, HTTP probes, throwaway Redis."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.support.render import answers, computed_values
from tests.support.servers import free_port, fresh_database, wait_for_port
from tests.support.tools import tool

__all__ = ["free_port", "fresh_database", "wait_for_port"]


def run_ok(
    cmd: list[str], cwd: Path, env: dict[str, str], timeout: int, keep: int = 8000
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` with ``env`` added to ours; it must succeed (the end of its output if not)."""
    proc = subprocess.run(
        cmd, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = f"{proc.stdout}\n{proc.stderr}"
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-keep:]}"
    return proc


def http_get(url: str, timeout: float = 5.0) -> tuple[int, dict[str, str], Any]:
    """Status, headers (lower-case names) and JSON body of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        headers = {k.lower(): v for k, v in error.headers.items()}
        return error.code, headers, json.loads(error.read())


def start_redis(directory: Path, *extra: str) -> tuple[str, subprocess.Popen[bytes]]:
    """Start a private redis-server on a free loopback port; return its URL once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [
            tool("redis-server"),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(directory),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, proc, "redis-server")
    except AssertionError:
        proc.kill()
        raise
    return f"redis://127.0.0.1:{port}/0", proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a process started by a test and wait for it."""
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=10)


class ServiceProcess:
    """A generated service started on a free loopback port, ready once /health/live answers."""

    def __init__(
        self,
        command: list[str],
        cwd: Path,
        log_dir: Path,
        env: dict[str, str],
        *,
        drop: tuple[str, ...] = (),
        ready_s: float = 30,
        stop_s: float = 15,
    ) -> None:
        """``drop``: prefixes of inherited variables the process must not see (the developer's
        AWS_* or DB_* would change its configuration); ``stop_s``: its drain time on SIGTERM."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"server-{self.port}.log"
        self.stop_s = stop_s
        self._out = self.log.open("w")
        inherited = {k: v for k, v in os.environ.items() if not (drop and k.startswith(drop))}
        self.proc = subprocess.Popen(
            command,
            cwd=cwd,
            env={
                **inherited,
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "ENVIRONMENT": "local",
                "LOG_LEVEL": "info",
                **env,
            },
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + ready_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"server exited early:\n{self.log.read_text()[-4000:]}"
            try:
                if http_get(f"{self.base}/health/live", timeout=1)[0] == 200:
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(
            f"server did not answer /health/live in {ready_s} s:\n{self.log.read_text()[-4000:]}"
        )

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def stop(self) -> int:
        """SIGTERM (the graceful path under test), SIGKILL after ``stop_s``; return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=self.stop_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()
        return self.proc.returncode

    def logs(self) -> list[dict[str, Any]]:
        """The JSON log lines the process wrote."""
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]


# -- the integration-test contract: the same failure class for the same fault -----------------

# (database fault, Redis fault) of each service start: every fault of each store once, and each
# start mixes two, so a class never leaks from one check into the other.
CONTRACT_CASES: tuple[tuple[str, str], ...] = (
    ("refused", "auth"),
    ("auth", "timeout"),
    ("timeout", "refused"),
)
PGBIN = Path("/usr/lib/postgresql/15/bin")


class FaultyServers:
    """Real servers in the states a health check must tell apart.

    ``refused``: a loopback port nothing listens on (the server is stopped). ``timeout``: a
    password-protected server frozen with SIGSTOP (the kernel still accepts the connection, the
    server never answers). ``auth``: the same server, running, given a wrong password.
    """

    PASSWORD = "contract-password"  # pragma: allowlist secret (a throwaway test server's password)

    def __init__(self, work: Path) -> None:
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        subprocess.run(["chown", "postgres:", str(work)], check=True)
        self.pg_port = free_port()
        pwfile = work / "pwfile"
        pwfile.write_text(self.PASSWORD + "\n")
        subprocess.run(["chown", "postgres:", str(pwfile)], check=True)
        self.pgdata = work / "pgdata"
        as_postgres = ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [*as_postgres, str(PGBIN / "initdb"), "-D", str(self.pgdata), "-U", "postgres",
             "--auth=scram-sha-256", f"--pwfile={pwfile}", "--no-sync", "-E", "UTF8"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        subprocess.run(
            [*as_postgres, str(PGBIN / "pg_ctl"), "-D", str(self.pgdata), "-l", str(work / "pg.log"), "-w",
             "-o", f"-c listen_addresses=127.0.0.1 -p {self.pg_port} -k {work} -c fsync=off", "start"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        self.pg_pid = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        self.redis_url_plain, self.redis = start_redis(work, "--requirepass", self.PASSWORD)
        self.redis_port = int(self.redis_url_plain.rsplit(":", 1)[1].split("/")[0])

    def url(self, store: str, fault: str) -> str:
        """The URL the service gets for ``store`` (``database`` or ``redis``) with ``fault``."""
        password = "wrong-password" if fault == "auth" else self.PASSWORD
        own_port = self.pg_port if store == "database" else self.redis_port
        port = free_port() if fault == "refused" else own_port
        if store == "database":
            return f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
        return f"redis://:{password}@127.0.0.1:{port}/0"

    def freeze(self, database_fault: str, redis_fault: str) -> list[int]:
        """SIGSTOP the servers whose fault is ``timeout``; returns their pids (for thaw)."""
        pids = [self.pg_pid] if database_fault == "timeout" else []
        pids += [self.redis.pid] if redis_fault == "timeout" else []
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        return pids

    @staticmethod
    def thaw(pids: list[int]) -> None:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)

    def close(self) -> None:
        self.thaw([self.pg_pid, self.redis.pid])
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PGBIN / "pg_ctl"), "-D", str(self.pgdata), "-m",
             "immediate", "-w", "stop"],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        stop(self.redis)


def contract_env(servers: FaultyServers, database_fault: str, redis_fault: str) -> dict[str, str]:
    """The service's environment for one contract case: both stores faulty, checks not cached."""
    return {
        "DATABASE_URL": servers.url("database", database_fault),
        "REDIS_URL": servers.url("redis", redis_fault),
        "HEALTH_CACHE_TTL_MS": "0",
        "HEALTH_CHECK_TIMEOUT_MS": "1000",
    }


def assert_contract(base_url: str, database_fault: str, redis_fault: str) -> None:
    """``/health`` answers 503 and names exactly these classes, within the check timeout."""
    started = time.monotonic()
    status, headers, body = http_get(f"{base_url}/health", timeout=10)
    elapsed = time.monotonic() - started
    classes = {check["name"]: check.get("error") for check in body["checks"]}
    assert (status, classes) == (503, {"database": database_fault, "redis": redis_fault}), body
    assert headers["cache-control"] == "no-store"
    assert elapsed < 3, f"/health took {elapsed:.1f} s"


# -- shutdown drain: a request in flight at SIGTERM --------------------------------------------

# The request in flight: a deep health check whose Redis never answers lasts the check timeout
# (HEALTH_CHECK_TIMEOUT_MS). SIGTERM comes IN_FLIGHT_S after the request started.
IN_FLIGHT_S = 1.0
DRAINED_CHECK_MS = 4000  # shorter than the default drain timeout: the request completes
CUT_CHECK_MS = 5000  # the longest allowed; with a 1 s drain timeout the request is cut


def default_drain_timeout_s(**overrides: Any) -> float:
    """The drain timeout the behaviour table gives a service rendered with ``overrides``."""
    return float(computed_values(answers(**overrides))["behaviour"]["drain_timeout_s"])


@contextlib.contextmanager
def unanswering_redis() -> Iterator[str]:
    """A Redis URL whose server accepts connections (the kernel completes them) and never
    answers, as a hung Redis does."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


@dataclass(frozen=True)
class Drain:
    """What SIGTERM during a request did: the answer the request got (None: the connection
    closed without one), the exit code, and the seconds from SIGTERM to the exit."""

    answer: tuple[int, Any] | None
    exit_code: int
    stopped_after_s: float


def sigterm_during_request(proc: subprocess.Popen[Any], url: str) -> Drain:
    """GET ``url`` in a thread, SIGTERM ``proc`` while the request is in flight, wait for both."""
    answers: list[tuple[int, Any]] = []

    def get() -> None:
        try:
            status, _, body = http_get(url, timeout=60)
        except (OSError, ValueError, http.client.HTTPException):  # closed without an answer
            return
        answers.append((status, body))

    request = threading.Thread(target=get)
    request.start()
    time.sleep(IN_FLIGHT_S)
    assert request.is_alive() and proc.poll() is None, "the request finished before SIGTERM"
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("the process did not stop within 60 s of SIGTERM") from None
    stopped_after_s = time.monotonic() - signalled
    request.join(timeout=60)
    return Drain(answers[0] if answers else None, code, stopped_after_s)


def assert_drained(drain: Drain, drain_timeout_s: float, log: str) -> None:
    """The request in flight at SIGTERM got its whole answer (503: Redis timed out), then the
    process exited 0, within the drain timeout."""
    assert drain.answer is not None, f"the request in flight was cut:\n{log[-4000:]}"
    status, body = drain.answer
    assert status == 503, body
    assert {c["name"]: c.get("error") for c in body["checks"]}["redis"] == "timeout", body
    assert drain.exit_code == 0, log[-4000:]
    assert drain.stopped_after_s < drain_timeout_s, drain


def assert_cut_at_deadline(drain: Drain, drain_timeout_s: float, log: str) -> None:
    """With a drain timeout shorter than the request, the process exits 0 soon after the
    deadline, long before the request would have ended, which never gets its answer."""
    remaining_s = (CUT_CHECK_MS / 1000) - IN_FLIGHT_S
    assert drain.exit_code == 0, log[-4000:]
    assert drain_timeout_s <= drain.stopped_after_s < remaining_s - 0.5, drain
    assert drain.answer is None or drain.answer[0] != 503, drain


def assert_mentions_none(paths: list[Path], words: tuple[str, ...]) -> None:
    """None of ``paths`` mentions any of ``words`` (whole words, case-sensitive)."""
    for path in paths:
        text = path.read_text()
        found = [word for word in words if re.search(rf"\b{word}\b", text)]
        assert not found, f"{path.name} mentions {found}"


# -- what the service-contract suite needs of each language -----------------------------------


@dataclass(frozen=True)
class UnsetServers:
    """What a generated suite does without TEST_DATABASE_URL/TEST_REDIS_URL: the stream its
    notice goes to, what it says when CI is set (on which streams), and how long it may take."""

    notice_stream: str
    ci_refusal: str
    ci_refusal_streams: tuple[str, ...] = ("stdout", "stderr")
    timeout_s: int = 600


class Adapter:
    """How tests/services/test_service_contract.py drives one language's service.

    A language module subclasses it (adapter_python.py, adapter_typescript.py, adapter_rust.py):
    how its service is rendered, installed and built, started, probed, and its own test suite
    run, and the words its logs and errors use. Checks that only one language has stay in its
    adapter (``check_stop_logs``) or in its test file.
    """

    name: str
    # The JSON log field holding the message.
    log_key: str
    # What ``/health`` may name a stopped Redis.
    redis_down_errors: frozenset[str]
    # Started without configuration: the exit code, and what the error names.
    config_error: tuple[int, tuple[str, ...]]
    # The generated suite run without TEST_DATABASE_URL/TEST_REDIS_URL.
    unset_servers: UnsetServers
    # What the healthy server of the health test is given besides its stores.
    health_env: ClassVar[dict[str, str]] = {}
    # The variable that sets the shutdown drain timeout, and its unit's factor from seconds.
    drain_variable: tuple[str, int] = ("SHUTDOWN_TIMEOUT_SECONDS", 1)
    # What the log says when the drain finished in time, and when the deadline cut it ("": nothing).
    drain_logs: tuple[str, str] = ("", "")

    def drain_env(self, seconds: int) -> dict[str, str]:
        """The environment that gives the service a drain timeout of ``seconds``."""
        variable, factor = self.drain_variable
        return {variable: str(seconds * factor)}

    def full(self, tmp: pytest.TempPathFactory) -> Any:
        """The full service (PostgreSQL and Redis), checked, installed and built, once a session."""
        raise NotImplementedError

    def bare(self, tmp: pytest.TempPathFactory) -> Any:
        """The service without database or cache, ready to start."""
        raise NotImplementedError

    def start(self, service: Any, env: dict[str, str]) -> ServiceProcess:
        raise NotImplementedError

    def probe(self, service: Any, port: int) -> int:
        """Exit code of the container's health-check command against ``port``."""
        raise NotImplementedError

    def config_failure(self, service: Any) -> str:
        """Start with no configuration; assert the exit code; return what the service said."""
        raise NotImplementedError

    def own_suite(self, service: Any) -> tuple[list[str], Path, dict[str, str]]:
        """The generated test suite: its command, its directory, and the variables it adds."""
        raise NotImplementedError

    def check_stop_logs(self, server: ServiceProcess) -> None:
        """What the logs of a server stopped with SIGTERM must show."""
        raise NotImplementedError


def service_fixtures(adapter: Adapter) -> tuple[Any, Any]:
    """The module fixtures of a language's test file: its full and its bare service (the
    adapter's, shared with the contract suite)."""

    @pytest.fixture(scope="module")
    def full(tmp_path_factory: pytest.TempPathFactory) -> Any:
        return adapter.full(tmp_path_factory)

    @pytest.fixture(scope="module")
    def bare(tmp_path_factory: pytest.TempPathFactory) -> Any:
        return adapter.bare(tmp_path_factory)

    return full, bare


# --- telemetry -----------------------------------------------------------------------------------

# The caller's trace the services must continue (a W3C traceparent on the request).
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@contextlib.contextmanager
def otlp_collector(answer: bool = True) -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    """A loopback OTLP/HTTP endpoint keeping (path, body) of each export; ``answer=False``: it
    reads each request and never responds (a dead collector)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[tuple[str, bytes]] = []
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = b""  # the Node exporter streams its body in chunks
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    body += self.rfile.read(size)
                    self.rfile.readline()
                self.rfile.readline()
            else:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append((self.path, body))
            if not answer:
                release.wait(30)
                return
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            del args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def traced_get(url: str) -> int:
    """GET ``url`` as a caller in trace TRACE_ID; the status."""
    request = urllib.request.Request(url, headers={"traceparent": TRACEPARENT})
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)
