"""The Python service's adapter: a venv built by uv from the service's own exact pins (cached
by the lock's hash), ruff, mypy, its pytest suite, and `python -m app` (uvicorn) (see
tests/services/support.py's Adapter)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.services.support import Adapter, ServiceProcess, UnsetServers, free_port
from tests.support.registry import CLOUDS, OTHER_CLOUDS
from tests.support.render import variant
from tests.support.tools import tool

VARIANTS: dict[str, dict[str, Any]] = {
    "full": {"language": "python"},
    "bare": {"language": "python", "database": "none", "cache": "none"},
    **{cloud: {**CLOUDS[cloud].overrides, "language": "python"} for cloud in OTHER_CLOUDS},
}
TIMINGS: dict[str, float] = {}


CACHE = Path.home() / ".cache" / "svcforge"


class Service:
    """A copy of one rendered service/ directory, and the venv it runs with."""

    def __init__(self, name: str, repo: Path, root: Path, venv: Path) -> None:
        self.name = name
        self.repo = repo
        self.root = root
        self.python = venv / "bin" / "python"
        # One mypy cache for both variants: the third-party stubs dominate and are shared.
        self.env = {"MYPY_CACHE_DIR": str(CACHE / "mypy" / "python-service")}


def run(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def ok(proc: subprocess.CompletedProcess[str], what: str) -> str:
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{what} failed (rc {proc.returncode}):\n{output[-6000:]}"
    return output


def timed(label: str, started: float) -> None:
    TIMINGS[label] = round(time.perf_counter() - started, 1)


def uv_path() -> str:
    path = os.environ.get("SVCFORGE_UV") or shutil.which("uv")
    if not path:
        tool("uv")  # fails in CI, skips locally
    assert path is not None
    return path


def venv_for(requirements: Path) -> Path:
    """A venv with exactly these pins, cached under ~/.cache/svcforge by the lock's hash."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
    venv = CACHE / "python-service-venv" / digest
    if (venv / ".complete").is_file():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    uv = uv_path()
    env = {"UV_COMPILE_BYTECODE": "1", "VIRTUAL_ENV": str(venv)}
    started = time.perf_counter()
    ok(run([uv, "venv", "-q", "--python", sys.executable, str(venv)], requirements.parent, env), "uv venv")
    ok(
        run([uv, "pip", "install", "-q", "-r", str(requirements)], requirements.parent, env),
        "uv pip install",
    )
    (venv / ".complete").write_text(digest)
    timed(f"venv {digest}", started)
    return venv


def lock_lines(path: Path) -> set[str]:
    return {line for line in path.read_text().splitlines() if line and not line.startswith("#")}


def prepared(name: str, services: dict[str, Service], tmp: pytest.TempPathFactory) -> Service:
    """Render ``name``; the bare variant reuses the full variant's venv (its pins are a subset)."""
    if name in services:
        return services[name]
    started = time.perf_counter()
    repo = variant(**VARIANTS[name])
    timed(f"render {name}", started)
    root = tmp.mktemp(f"py-{name}") / "service"
    shutil.copytree(repo / "service", root)
    if name != "bare":
        venv = venv_for(root / "requirements-dev.txt")
    else:
        full = prepared("full", services, tmp)
        mine = lock_lines(root / "requirements-dev.txt")
        assert mine <= lock_lines(full.root / "requirements-dev.txt")
        assert mine < lock_lines(full.root / "requirements-dev.txt")
        venv = full.python.parent.parent
    services[name] = Service(name, repo, root, venv)
    return services[name]


# Inherited variables a started service must not see: a developer's AWS_* or DB_* would change
# its configuration.
CONFIGURATION = ("AWS_", "DB_", "REDIS_", "DATABASE_URL")


class Python(Adapter):
    name = "python"
    log_key = "message"
    redis_down_errors = frozenset({"refused", "timeout"})
    config_error = (2, ("DB_SECRET_ARN is not set", "REDIS_URL is not set"))
    unset_servers = UnsetServers("stdout", "CI is set, so it may not be skipped", ("stdout",))
    health_env = {"DB_POOL_SIZE": "3"}  # noqa: RUF012 (read only)

    def __init__(self) -> None:
        self.services: dict[str, Service] = {}

    def service(self, name: str, tmp: pytest.TempPathFactory) -> Service:
        return prepared(name, self.services, tmp)

    def full(self, tmp: pytest.TempPathFactory) -> Service:
        return self.service("full", tmp)

    def bare(self, tmp: pytest.TempPathFactory) -> Service:
        return self.service("bare", tmp)

    def start(self, service: Service, env: dict[str, str]) -> ServiceProcess:
        return ServiceProcess(
            [str(service.python), "-m", "app"],
            service.root,
            service.root.parent,
            {"ENVIRONMENT": "test", "LOG_LEVEL": "INFO", "HEALTH_CHECK_TIMEOUT_MS": "1000", **env},
            drop=CONFIGURATION,
            ready_s=60,
            stop_s=20,
        )

    def probe(self, service: Service, port: int) -> int:
        probe = run([str(service.python), "-m", "app.healthcheck"], service.root, {"PORT": str(port)}, 30)
        return probe.returncode

    def start_fails(self, service: Service, env: dict[str, str]) -> dict[str, Any]:
        """Start with only ``env`` configured; it must exit 2. Returns its last log record."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(CONFIGURATION)}
        proc = subprocess.run(
            [str(service.python), "-m", "app"],
            cwd=service.root,
            env={**inherited, "PORT": str(free_port()), **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == self.config_error[0]
        record: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        return record

    def config_failure(self, service: Service) -> str:
        record = self.start_fails(service, {})
        assert record["level"] == "CRITICAL"
        return str(record["message"])

    def own_suite(self, service: Service) -> tuple[list[str], Path, dict[str, str]]:
        return (
            [str(service.python), "-m", "pytest", "-p", "no:cacheprovider", "-x"],
            service.root,
            service.env,
        )

    def check_stop_logs(self, server: ServiceProcess) -> None:
        lines = [line for line in server.log.read_text().splitlines() if line.strip()]
        records = [json.loads(line) for line in lines]  # every line is a JSON object
        assert any(r["message"].startswith("Application shutdown complete") for r in records)
        assert not any(r.get("logger") == "uvicorn.access" and "/health" in r["message"] for r in records)


ADAPTER = Python()
