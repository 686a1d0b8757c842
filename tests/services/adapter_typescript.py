"""The TypeScript service's adapter: npm ci once per lock file, tsc, eslint and prettier,
vitest, and `node dist/server.js` (see tests/services/support.py's Adapter)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.services.support import Adapter, ServiceProcess, UnsetServers, free_port, run_ok
from tests.support.render import variant
from tests.support.tools import tool

CACHE = Path(os.environ.get("SVCFORGE_CACHE_DIR", Path.home() / ".cache" / "svcforge"))
SILENT_NODE = {"NODE_NO_WARNINGS": "1", "NO_COLOR": "1", "CI": os.environ.get("CI", "1")}


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 240) -> str:
    return run_ok(cmd, cwd, {**SILENT_NODE, **(env or {})}, timeout).stdout


def run_parallel(cmds: list[list[str]], cwd: Path) -> None:
    """Run independent checks at once (tsc, eslint and prettier each read the tree only)."""
    procs = [
        (
            cmd,
            subprocess.Popen(
                cmd,
                cwd=cwd,
                env={**os.environ, **SILENT_NODE},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
        )
        for cmd in cmds
    ]
    failures = []
    for cmd, proc in procs:
        out, _ = proc.communicate(timeout=300)
        if proc.returncode != 0:
            failures.append(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out}")
    assert not failures, "\n".join(failures)


def static_checks(service: Path, lint: list[str] | None = None) -> None:
    """tsc, eslint and prettier; ``lint`` narrows eslint to these files (default: all)."""
    run_parallel(
        [
            [bin_path(service, "tsc"), "--noEmit", "-p", "."],
            [bin_path(service, "eslint"), "--max-warnings", "0", *(lint or ["."])],
            [bin_path(service, "prettier"), "--check", "."],
        ],
        service,
    )


def differing_sources(service: Path, reference: Path) -> list[str]:
    """TypeScript files of ``service`` that are absent from or differ from ``reference``."""
    return sorted(
        str(path.relative_to(service))
        for folder in ("src", "test")
        for path in (service / folder).glob("*.ts")
        if not (reference / path.relative_to(service)).is_file()
        or (reference / path.relative_to(service)).read_bytes() != path.read_bytes()
    )


def node_modules(service: Path) -> Path:
    """Install the locked dependencies once per lockfile content and return the shared dir."""
    lock = (service / "package-lock.json").read_bytes()
    key = hashlib.sha256(lock + (service / "package.json").read_bytes()).hexdigest()[:16]
    home = CACHE / f"ts-service-node-modules-{key}"
    if (home / "node_modules" / ".package-lock.json").is_file():
        return home / "node_modules"
    staging = CACHE / f".ts-service-{key}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        shutil.copy2(service / "package.json", staging / "package.json")
        shutil.copy2(service / "package-lock.json", staging / "package-lock.json")
        run(
            [tool("npm"), "ci", "--prefer-offline", "--no-audit", "--no-fund"],
            staging,
            timeout=600,
        )
        try:
            staging.rename(home)
        except OSError:  # another run finished first; use its copy
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return home / "node_modules"


def prepared(tmp_path_factory: pytest.TempPathFactory, name: str, **overrides: Any) -> Path:
    source = variant(language="typescript", **overrides) / "service"
    service = tmp_path_factory.mktemp(name) / "service"
    shutil.copytree(source, service)
    (service / "node_modules").symlink_to(node_modules(service), target_is_directory=True)
    return service


def bin_path(service: Path, name: str) -> str:
    return str(service / "node_modules" / ".bin" / name)


def built(service: Path) -> Path:
    """Compile the server (tsconfig.build.json) once."""
    if not (service / "dist" / "server.js").is_file():
        run([bin_path(service, "tsc"), "-p", "tsconfig.build.json"], service)
    assert (service / "dist" / "server.js").is_file()
    assert (service / "dist" / "healthcheck.js").is_file()
    return service


# Inherited variables a started server must not see.
CONFIGURATION = ("DB_", "DATABASE_", "REDIS_")


class Server(ServiceProcess):
    """`node dist/server.js` on a free loopback port."""

    def __init__(self, service: Path, env: dict[str, str]) -> None:
        super().__init__([tool("node"), "dist/server.js"], service, service, {**SILENT_NODE, **env})


class TypeScript(Adapter):
    name = "typescript"
    log_key = "msg"
    redis_down_errors = frozenset({"refused", "timeout"})
    config_error = (1, ("DB_SECRET_ARN is required", "REDIS_URL is required"))
    drain_variable = ("SHUTDOWN_TIMEOUT_MS", 1000)
    unset_servers = UnsetServers(
        "stderr", "CI is set, so the integration tests may not be skipped", timeout_s=300
    )

    def __init__(self) -> None:
        self.services: dict[str, Path] = {}

    def service(self, name: str, tmp: pytest.TempPathFactory, **overrides: Any) -> Path:
        """Render and install ``name`` once a session."""
        if name not in self.services:
            self.services[name] = prepared(tmp, name, **overrides)
        return self.services[name]

    def full(self, tmp: pytest.TempPathFactory) -> Path:
        return built(self.service("ts-full", tmp))

    def bare(self, tmp: pytest.TempPathFactory) -> Path:
        return built(self.service("ts-minimal", tmp, database="none", cache="none"))

    def start(self, service: Path, env: dict[str, str]) -> ServiceProcess:
        return Server(service, env)

    def probe(self, service: Path, port: int) -> int:
        probe = [tool("node"), "dist/healthcheck.js"]
        env = {**os.environ, "PORT": str(port)}
        return subprocess.run(probe, cwd=service, env=env, capture_output=True, check=False).returncode

    def start_fails(self, service: Path, env: dict[str, str], drop: tuple[str, ...] = CONFIGURATION) -> str:
        """Start with only ``env`` configured; it must exit 1 and log an error. Returns it."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        proc = subprocess.run(
            [tool("node"), "dist/server.js"],
            cwd=service,
            env={**inherited, **SILENT_NODE, "PORT": str(free_port()), **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == self.config_error[0], proc.stdout + proc.stderr
        line = json.loads(proc.stdout.strip().splitlines()[-1])
        assert line["level"] == "error"
        return str(line["msg"])

    def config_failure(self, service: Path) -> str:
        return self.start_fails(service, {})

    def own_suite(self, service: Path) -> tuple[list[str], Path, dict[str, str]]:
        return [bin_path(service, "vitest"), "run"], service, {"NO_COLOR": "1"}

    def check_stop_logs(self, server: ServiceProcess) -> None:
        messages = [entry[self.log_key] for entry in server.logs()]
        assert "shutting down" in messages and messages[-1] == "stopped", messages


ADAPTER = TypeScript()
