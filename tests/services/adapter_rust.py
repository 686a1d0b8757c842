"""The Rust service's adapter: cargo fmt, clippy and test into one shared CARGO_TARGET_DIR,
and the built binary (see tests/services/support.py's Adapter)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.services.support import Adapter, ServiceProcess, UnsetServers, fresh_database, run_ok
from tests.support.render import cloud_variant
from tests.support.tools import server_url, tool

TARGET = Path(
    os.environ.get("SVCFORGE_CARGO_TARGET_DIR", Path.home() / ".cache" / "svcforge" / "cargo-target")
)
CARGO_ENV = {
    "CARGO_TARGET_DIR": str(TARGET),
    "CARGO_TERM_COLOR": "never",
    # Each run copies the service to a new directory, so incremental data is never reused, and
    # without debug info the test binaries link much faster.
    "CARGO_INCREMENTAL": "0",
    "CARGO_PROFILE_DEV_DEBUG": "0",
    "CI": "1",
}
TIMINGS: dict[str, float] = {}


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 2400) -> str:
    proc = run_ok(cmd, cwd, {**CARGO_ENV, **(env or {})}, timeout)
    return f"{proc.stdout}\n{proc.stderr}"


def check_variant(
    name: str, tmp_path_factory: pytest.TempPathFactory, cloud: str = "aws", **overrides: Any
) -> Path:
    """Copy the rendered service, run fmt, clippy and the tests, keep the built binary."""
    source = cloud_variant(cloud, language="rust", **overrides) / "service"
    service = tmp_path_factory.mktemp(f"rust-{name}") / "service"
    shutil.copytree(source, service)
    cargo = tool("cargo")
    started = time.monotonic()
    run([cargo, "fmt", "--check"], service)
    run([cargo, "clippy", "--locked", "--all-targets", "--", "-D", "warnings"], service)
    test_env = {
        "TEST_DATABASE_URL": fresh_database(server_url("pg"), "svcforge_rs"),
        "TEST_REDIS_URL": server_url("redis"),
    }
    output = run([cargo, "test", "--locked"], service, env=test_env)
    TIMINGS[name] = time.monotonic() - started
    print(f"\nrust {name}: fmt + clippy + test in {TIMINGS[name]:.1f} s (target dir {TARGET})")
    assert "test result: FAILED" not in output
    # `cargo test` built the binary for the integration tests; keep this variant's copy, since
    # the next variant overwrites it in the shared target directory.
    binary = service / "service-under-test"
    shutil.copy2(TARGET / "debug" / "service", binary)
    return binary


class Server(ServiceProcess):
    """The service binary on a free loopback port."""

    def __init__(self, binary: Path, env: dict[str, str]) -> None:
        self.binary = binary
        super().__init__([str(binary)], binary.parent, binary.parent, env)

    def healthcheck(self, port: int) -> int:
        return healthcheck(self.binary, port)


def healthcheck(binary: Path, port: int) -> int:
    """Exit code of `service healthcheck` (the container's check) against ``port``."""
    env = {**os.environ, "PORT": str(port)}
    return subprocess.run([str(binary), "healthcheck"], env=env, check=False).returncode


class Rust(Adapter):
    name = "rust"
    log_key = "message"
    redis_down_errors = frozenset({"refused", "timeout", "error"})
    config_error = (2, ("DB_SECRET_ARN",))
    drain_logs = (
        "draining finished; closing connections",
        "drain deadline passed; cutting the requests still in flight",
    )
    unset_servers = UnsetServers(
        "stderr", "CI is set, so the integration tests may not be skipped", timeout_s=1200
    )

    def __init__(self) -> None:
        self.binaries: dict[str, Path] = {}

    def binary(self, name: str, tmp: pytest.TempPathFactory, cloud: str = "aws", **overrides: Any) -> Path:
        """``check_variant`` once a session."""
        if name not in self.binaries:
            self.binaries[name] = check_variant(name, tmp, cloud, **overrides)
        return self.binaries[name]

    def full(self, tmp: pytest.TempPathFactory) -> Path:
        return self.binary("full", tmp)

    def bare(self, tmp: pytest.TempPathFactory) -> Path:
        return self.binary("minimal", tmp, database="none", cache="none")

    def start(self, service: Path, env: dict[str, str]) -> ServiceProcess:
        return Server(service, env)

    def probe(self, service: Path, port: int) -> int:
        return healthcheck(service, port)

    def config_failure(self, service: Path) -> str:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DB_SECRET_ARN"}}
        env["REDIS_URL"] = server_url("redis")
        proc = subprocess.run(
            [str(service)], env=env, capture_output=True, text=True, timeout=30, check=False
        )
        assert proc.returncode == self.config_error[0], proc.stdout + proc.stderr
        return proc.stdout

    def own_suite(self, service: Path) -> tuple[list[str], Path, dict[str, str]]:
        cargo_env = {k: v for k, v in CARGO_ENV.items() if k != "CI"}
        return [tool("cargo"), "test", "--locked", "--test", "health"], service.parent, cargo_env

    def check_stop_logs(self, server: ServiceProcess) -> None:
        messages = [entry[self.log_key] for entry in server.logs()]
        assert "shutdown signal received" in messages and messages[-1] == "stopped", messages


ADAPTER = Rust()
