"""The generated Python service: its own ruff, mypy and pytest suites, then the real process.

Four renders: the full AWS service (PostgreSQL + Redis), the bare one (database and cache none),
and the full service on gcp and on azure (Secret Manager and Key Vault backends, faked in the
generated suite). Each gets a venv built by uv from its own exact pins (requirements-dev.txt;
the uv cache makes this fast); the bare variant reuses the AWS one. The generated suite runs
against the loopback PostgreSQL (a fresh database) and Redis that .ci/run starts; then the real
AWS service process (uvicorn) is started on a free port and probed over HTTP. The Redis-down
check starts and stops its own redis-server.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml

from tests.services.support import (
    CONTRACT_CASES,
    CUT_CHECK_MS,
    DRAINED_CHECK_MS,
    Drain,
    FaultyServers,
    assert_contract,
    assert_cut_at_deadline,
    assert_drained,
    contract_env,
    default_drain_timeout_s,
    free_port,
    sigterm_during_request,
    unanswering_redis,
)
from tests.support.render import CLOUD_OVERRIDES, variant
from tests.support.tools import server_url, tool

pytestmark = pytest.mark.slow

VARIANTS: dict[str, dict[str, Any]] = {
    "full": {"language": "python"},
    "bare": {"language": "python", "database": "none", "cache": "none"},
    "gcp": {**CLOUD_OVERRIDES["gcp"], "language": "python"},
    "azure": {**CLOUD_OVERRIDES["azure"], "language": "python"},
}
CLOUDS = ("gcp", "azure")
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


def _run(
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


def _ok(proc: subprocess.CompletedProcess[str], what: str) -> str:
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{what} failed (rc {proc.returncode}):\n{output[-6000:]}"
    return output


def _timed(label: str, started: float) -> None:
    TIMINGS[label] = round(time.perf_counter() - started, 1)


def _uv() -> str:
    path = os.environ.get("SVCFORGE_UV") or shutil.which("uv")
    if not path:
        tool("uv")  # fails in CI, skips locally
    assert path is not None
    return path


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@pytest.fixture(scope="module")
def services() -> dict[str, Service]:
    return {}


def _venv(requirements: Path) -> Path:
    """A venv with exactly these pins, cached under ~/.cache/svcforge by the lock's hash."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
    venv = CACHE / "python-service-venv" / digest
    if (venv / ".complete").is_file():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    uv = _uv()
    env = {"UV_COMPILE_BYTECODE": "1", "VIRTUAL_ENV": str(venv)}
    started = time.perf_counter()
    _ok(_run([uv, "venv", "-q", "--python", sys.executable, str(venv)], requirements.parent, env), "uv venv")
    _ok(
        _run([uv, "pip", "install", "-q", "-r", str(requirements)], requirements.parent, env),
        "uv pip install",
    )
    (venv / ".complete").write_text(digest)
    _timed(f"venv {digest}", started)
    return venv


def _lock_lines(path: Path) -> set[str]:
    return {line for line in path.read_text().splitlines() if line and not line.startswith("#")}


def _service(name: str, services: dict[str, Service], tmp: pytest.TempPathFactory) -> Service:
    """Render ``name``; the bare variant reuses the full variant's venv (its pins are a subset)."""
    if name in services:
        return services[name]
    started = time.perf_counter()
    repo = variant(**VARIANTS[name])
    _timed(f"render {name}", started)
    root = tmp.mktemp(f"py-{name}") / "service"
    shutil.copytree(repo / "service", root)
    if name != "bare":
        venv = _venv(root / "requirements-dev.txt")
    else:
        full = _service("full", services, tmp)
        mine = _lock_lines(root / "requirements-dev.txt")
        assert mine <= _lock_lines(full.root / "requirements-dev.txt")
        assert mine < _lock_lines(full.root / "requirements-dev.txt")
        venv = full.python.parent.parent
    services[name] = Service(name, repo, root, venv)
    return services[name]


@pytest.fixture(scope="module")
def full(services: dict[str, Service], tmp_path_factory: pytest.TempPathFactory) -> Service:
    return _service("full", services, tmp_path_factory)


@pytest.fixture(scope="module")
def bare(services: dict[str, Service], tmp_path_factory: pytest.TempPathFactory) -> Service:
    return _service("bare", services, tmp_path_factory)


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A fresh database on the loopback PostgreSQL, dropped afterwards."""
    admin = server_url("pg")
    psql = tool("psql")
    name = f"svcforge_py_{uuid.uuid4().hex[:8]}"
    _ok(_run([psql, admin, "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {name}"], Path()), "db")
    try:
        yield _with_database(admin, name)
    finally:
        _run([psql, admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], Path())


@pytest.fixture(scope="module", autouse=True)
def _report_timings() -> Iterator[None]:
    yield
    if TIMINGS:
        print("\npython service timings (s):", json.dumps(TIMINGS), file=sys.stderr)


# -- the generated repo's own lint and test suites -------------------------------------------


@pytest.mark.parametrize("name", ["full", "bare", *CLOUDS])
def test_lint(name: str, services: dict[str, Service], tmp_path_factory: pytest.TempPathFactory) -> None:
    service = _service(name, services, tmp_path_factory)
    started = time.perf_counter()
    py = str(service.python)
    _ok(_run([py, "-m", "ruff", "check", "--no-cache", "."], service.root), "ruff check")
    _ok(_run([py, "-m", "ruff", "format", "--no-cache", "--check", "."], service.root), "ruff format")
    _ok(_run([py, "-m", "mypy"], service.root, service.env), "mypy")
    _timed(f"lint {name}", started)


@pytest.mark.parametrize("name", ["full", "bare", *CLOUDS])
def test_generated_suite_against_real_servers(
    name: str,
    services: dict[str, Service],
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
) -> None:
    service = _service(name, services, tmp_path_factory)
    env = {
        "CI": "1",
        "TEST_DATABASE_URL": database_url,
        "TEST_REDIS_URL": server_url("redis"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    started = time.perf_counter()
    output = _ok(
        _run([str(service.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], service.root, env),
        "generated pytest",
    )
    _timed(f"pytest {name}", started)
    summary = output.strip().splitlines()[-1]
    assert "passed" in summary
    assert "skipped" not in summary, summary
    assert "failed" not in summary, summary


def test_dockerfiles_pass_hadolint(full: Service, bare: Service) -> None:
    hadolint = tool("hadolint")
    for service in (full, bare):
        dockerfile = service.root / "Dockerfile"
        _ok(
            _run([hadolint, "--no-color", "--failure-threshold", "style", str(dockerfile)], service.root),
            f"hadolint {service.name}",
        )
        text = dockerfile.read_text()
        assert "USER 65532:65532" in text
        assert 'ENTRYPOINT ["python", "-m", "app"]' in text
        assert 'CMD ["python", "-m", "app.healthcheck"]' in text
        assert ":latest" not in text


def test_compose_and_service_hold_no_secrets(full: Service, bare: Service) -> None:
    detect = tool("detect-secrets")
    for service in (full, bare):
        proc = _run([detect, "scan", "--all-files", "service", "docker-compose.yml"], service.repo)
        _ok(proc, "detect-secrets")
        results = json.loads(proc.stdout)["results"]
        assert results == {}, results


def test_compose_matches_the_choices(full: Service, bare: Service) -> None:
    for service, expected in ((full, ["postgres", "redis", "service"]), (bare, ["service"])):
        compose = yaml.safe_load((service.repo / "docker-compose.yml").read_text())
        assert sorted(compose["services"]) == expected
        app = compose["services"]["service"]
        assert app["build"]["context"] == "./service"
        assert app["read_only"] is True
        assert app["healthcheck"]["test"] == ["CMD", "python", "-m", "app.healthcheck"]
        environment = app["environment"]
        assert environment["PORT"] == "8080"
        assert ("DATABASE_URL" in environment) == (service is full)
        assert ("REDIS_URL" in environment) == (service is full)
        for name, spec in compose["services"].items():
            if "image" in spec and name != "service":
                assert ":" in spec["image"] and not spec["image"].endswith(":latest")


# -- the real process over HTTP --------------------------------------------------------------


def _get(url: str, timeout: float = 5.0) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Status, headers (lower-case names) and JSON body of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        headers = {k.lower(): v for k, v in error.headers.items()}
        return error.code, headers, json.loads(error.read())


class Running:
    def __init__(self, proc: subprocess.Popen[str], port: int, log: Path) -> None:
        self.proc = proc
        self.port = port
        self.log = log

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _start(service: Service, env: dict[str, str], tmp: Path) -> Running:
    port = free_port()
    log = tmp / f"service-{port}.log"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DB_", "REDIS_"))}
    clean.pop("DATABASE_URL", None)
    full_env = {
        **clean,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "INFO",
        "HEALTH_CHECK_TIMEOUT_MS": "1000",
        **env,
    }
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [str(service.python), "-m", "app"],
            cwd=service.root,
            env=full_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    running = Running(proc, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"service exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if _get(running.url("/health/live"), timeout=1)[0] == 200:
                return running
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    _stop(running)
    pytest.fail(f"service did not answer within 60 s:\n{log.read_text()[-4000:]}")


def _stop(running: Running) -> int:
    if running.proc.poll() is None:
        running.proc.send_signal(signal.SIGTERM)
        try:
            running.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            running.proc.kill()
            running.proc.wait()
    return running.proc.returncode


def test_real_process_health_and_graceful_shutdown(full: Service, database_url: str, tmp_path: Path) -> None:
    started = time.perf_counter()
    running = _start(
        full,
        {"DATABASE_URL": database_url, "REDIS_URL": server_url("redis"), "DB_POOL_SIZE": "3"},
        tmp_path,
    )
    try:
        status, headers, body = _get(running.url("/health/live"))
        assert (status, body) == (200, {"status": "healthy"})
        assert headers["cache-control"] == "no-store"

        status, headers, body = _get(running.url("/health"))
        assert status == 200, body
        assert headers["cache-control"] == "no-store"
        assert body["status"] == "healthy"
        assert [c["name"] for c in body["checks"]] == ["database", "redis"]
        for check in body["checks"]:
            assert set(check) == {"name", "status", "latency_ms"}
            assert check["status"] == "healthy"
            assert isinstance(check["latency_ms"], int)

        probe = _run(
            [str(full.python), "-m", "app.healthcheck"], full.root, {"PORT": str(running.port)}, timeout=30
        )
        assert probe.returncode == 0, probe.stdout + probe.stderr
    finally:
        code = _stop(running)
    assert code == 0, running.log.read_text()[-4000:]
    lines = [line for line in running.log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is a JSON object
    assert any(r["message"].startswith("Application shutdown complete") for r in records)
    assert not any(r.get("logger") == "uvicorn.access" and "/health" in r["message"] for r in records)
    _timed("process full", started)


def _sigterm_during_request(
    full: Service, database_url: str, tmp_path: Path, env: dict[str, str]
) -> tuple[Drain, str]:
    with unanswering_redis() as redis_url:
        running = _start(
            full,
            {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "HEALTH_CACHE_TTL_MS": "0", **env},
            tmp_path,
        )
        try:
            drain = sigterm_during_request(running.proc, running.url("/health"))
        finally:
            _stop(running)
    return drain, running.log.read_text()


def test_sigterm_lets_the_request_in_flight_finish(full: Service, database_url: str, tmp_path: Path) -> None:
    drain, log = _sigterm_during_request(
        full, database_url, tmp_path, {"HEALTH_CHECK_TIMEOUT_MS": str(DRAINED_CHECK_MS)}
    )
    assert_drained(drain, default_drain_timeout_s(**VARIANTS["full"]), log)


def test_sigterm_cuts_what_still_runs_at_the_drain_timeout(
    full: Service, database_url: str, tmp_path: Path
) -> None:
    env = {"HEALTH_CHECK_TIMEOUT_MS": str(CUT_CHECK_MS), "SHUTDOWN_TIMEOUT_SECONDS": "1"}
    drain, log = _sigterm_during_request(full, database_url, tmp_path, env)
    assert_cut_at_deadline(drain, 1, log)


def test_redis_stopped_gives_503(full: Service, database_url: str, tmp_path: Path) -> None:
    redis, port = _redis_server(tmp_path)
    running: Running | None = None
    try:
        running = _start(
            full,
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": f"redis://127.0.0.1:{port}/0",
                "HEALTH_CACHE_TTL_MS": "0",
            },
            tmp_path,
        )
        assert _get(running.url("/health"))[0] == 200

        redis.send_signal(signal.SIGTERM)
        redis.wait(timeout=10)
        started = time.perf_counter()
        status, headers, body = _get(running.url("/health"))
        elapsed = time.perf_counter() - started
        assert status == 503, body
        assert headers["cache-control"] == "no-store"
        assert body["status"] == "unhealthy"
        checks = {c["name"]: c for c in body["checks"]}
        assert checks["database"]["status"] == "healthy"
        assert checks["redis"]["status"] == "unhealthy"
        assert checks["redis"]["error"] in {"refused", "timeout"}
        assert elapsed < 1.0 + 1.0
        text = json.dumps(body)
        assert "127.0.0.1" not in text and str(port) not in text and "Traceback" not in text
        # The live endpoint does not care: the ALB keeps the task.
        assert _get(running.url("/health/live"))[0] == 200
    finally:
        if running is not None:
            _stop(running)
        if redis.poll() is None:
            redis.kill()
            redis.wait()


def _redis_server(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    """Our own redis-server on a free loopback port (the caller stops it)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            tool("redis-server"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
            *args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, port


def test_aws_mode_reads_both_secrets_at_runtime(full: Service, database_url: str, tmp_path: Path) -> None:
    """DB_SECRET_ARN and REDIS_AUTH_SECRET_ARN from Secrets Manager (moto's server), as in ECS."""
    import boto3
    from moto.server import ThreadedMotoServer

    token = uuid.uuid4().hex
    redis, redis_port = _redis_server(tmp_path, "--requirepass", token)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    running: Running | None = None
    try:
        host, moto_port = moto.get_host_and_port()
        aws = {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": f"http://{host}:{moto_port}",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        client = boto3.client(
            "secretsmanager",
            region_name="us-east-1",
            endpoint_url=aws["AWS_ENDPOINT_URL"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # pragma: allowlist secret
        )
        db = urlsplit(database_url)
        master = {"username": db.username or "postgres", "password": uuid.uuid4().hex}
        db_arn = client.create_secret(Name="py/db-master", SecretString=json.dumps(master))["ARN"]
        auth_arn = client.create_secret(Name="py/redis-auth", SecretString=token)["ARN"]
        env = {
            **aws,
            "DB_SECRET_ARN": db_arn,
            "DB_HOST": db.hostname or "127.0.0.1",
            "DB_PORT": str(db.port or 5432),
            "DB_NAME": db.path.lstrip("/"),
            "DB_SSL_MODE": "prefer",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "REDIS_AUTH_SECRET_ARN": auth_arn,
            "HEALTH_CACHE_TTL_MS": "0",
        }
        running = _start(full, env, tmp_path)
        status, _, body = _get(running.url("/health"))
        assert status == 200, body
        log = running.log.read_text()
        assert token not in log and master["password"] not in log
        _stop(running)

        # A wrong token is reported as `auth`, without the token.
        client.put_secret_value(SecretId=auth_arn, SecretString="not-the-token")
        running = _start(full, env, tmp_path)
        status, _, body = _get(running.url("/health"))
        assert status == 503, body
        checks = {c["name"]: c for c in body["checks"]}
        assert checks["redis"]["error"] == "auth"
        assert checks["database"]["status"] == "healthy"
        assert "not-the-token" not in running.log.read_text()
    finally:
        if running is not None:
            _stop(running)
        moto.stop()
        redis.kill()
        redis.wait()


def test_bare_service_has_no_checks(bare: Service, tmp_path: Path) -> None:
    running = _start(bare, {}, tmp_path)
    try:
        status, headers, body = _get(running.url("/health"))
        assert (status, body) == (200, {"status": "healthy", "checks": []})
        assert headers["cache-control"] == "no-store"
    finally:
        assert _stop(running) == 0
    names = {p.name for p in (bare.root / "app").iterdir()}
    assert "database.py" not in names and "cache.py" not in names
    requirements = (bare.root / "requirements.txt").read_text()
    assert "psycopg" not in requirements and "redis" not in requirements


def test_missing_configuration_is_named(full: Service) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DB_", "REDIS_"))}
    env.pop("DATABASE_URL", None)
    proc = subprocess.run(
        [str(full.python), "-m", "app"],
        cwd=full.root,
        env={**env, "PORT": str(free_port())},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    record = json.loads(proc.stdout.strip().splitlines()[-1])
    assert record["level"] == "CRITICAL"
    assert "DB_SECRET_ARN is not set" in record["message"]
    assert "REDIS_URL is not set" in record["message"]


# -- gcp and azure -----------------------------------------------------------------------------

# What the service part of a gcp/azure repo must not mention (whole words, case-sensitive).
AWS_WORDS = ("AWS", "ECS", "ECR", "ALB", "RDS", "ElastiCache", "CloudWatch", "Fargate", "boto3", "moto")


@pytest.mark.parametrize("cloud", CLOUDS)
def test_cloud_variant_has_only_its_backend(
    cloud: str, services: dict[str, Service], tmp_path_factory: pytest.TempPathFactory
) -> None:
    service = _service(cloud, services, tmp_path_factory)
    modules = {p.name for p in (service.root / "app").iterdir()}
    assert f"secrets_{cloud}.py" in modules
    assert not {"secrets_aws.py", *(f"secrets_{c}.py" for c in CLOUDS if c != cloud)} & modules
    requirements = (service.root / "requirements.txt").read_text()
    expected = {"gcp": "google-cloud-secret-manager==", "azure": "azure-keyvault-secrets=="}[cloud]
    assert expected in requirements
    assert "boto3" not in requirements and "botocore" not in requirements
    _ok(
        _run(
            [tool("hadolint"), "--no-color", "--failure-threshold", "style", "Dockerfile"],
            service.root,
        ),
        f"hadolint {cloud}",
    )
    compose = yaml.safe_load((service.repo / "docker-compose.yml").read_text())
    environment = compose["services"]["service"]["environment"]
    assert not [k for k in environment if k.startswith("AWS_")], environment
    for path in (
        service.root / "README.md",
        service.root / "Makefile",
        service.root / "Dockerfile",
        service.repo / "docker-compose.yml",
    ):
        text = path.read_text()
        found = [w for w in AWS_WORDS if re.search(rf"\b{w}\b", text)]
        assert not found, f"{path.name} mentions {found}"


@pytest.mark.parametrize(
    ("cloud", "names"),
    [
        ("gcp", ["DB_PASSWORD_SECRET", "DB_USER", "DB_HOST", "DB_NAME", "REDIS_URL"]),
        ("azure", ["DB_PASSWORD_SECRET", "DB_USER", "DB_HOST", "DB_NAME", "REDIS_URL"]),
    ],
)
def test_cloud_variant_names_missing_configuration(
    cloud: str,
    names: list[str],
    services: dict[str, Service],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    service = _service(cloud, services, tmp_path_factory)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DB_", "REDIS_"))}
    env.pop("DATABASE_URL", None)
    base = {**env, "PORT": str(free_port())}
    proc = subprocess.run(
        [str(service.python), "-m", "app"],
        cwd=service.root,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    message = json.loads(proc.stdout.strip().splitlines()[-1])["message"]
    for name in names:
        assert f"{name} is not set" in message, message
    # A deployed environment with a malformed secret reference is named too.
    bad = {
        "gcp": {"DB_PASSWORD_SECRET": "db-password", "REDIS_URL": "rediss://10.0.0.5:6378/0"},
        "azure": {"DB_PASSWORD_SECRET": "db-password", "KEY_VAULT_URL": "http://kv.example.org"},
    }[cloud]
    proc = subprocess.run(
        [str(service.python), "-m", "app"],
        cwd=service.root,
        env={
            **base,
            "DB_USER": "app",
            "DB_HOST": "db",
            "DB_NAME": "app",
            "REDIS_URL": "redis://r:6379/0",
            **bad,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    message = json.loads(proc.stdout.strip().splitlines()[-1])["message"]
    expected = {
        "gcp": ["DB_PASSWORD_SECRET must be a resource name", "REDIS_CA_CERT is not set"],
        "azure": ["KEY_VAULT_URL must be https://"],
    }[cloud]
    for text in expected:
        assert text in message, message


# -- the integration-test contract (the same in every language) --------------------------------


@pytest.mark.parametrize(("database_fault", "redis_fault"), CONTRACT_CASES)
def test_health_names_the_same_class_for_the_same_fault(
    full: Service, faulty_servers: FaultyServers, database_fault: str, redis_fault: str, tmp_path: Path
) -> None:
    """Stopped: refused; frozen (SIGSTOP): timeout; wrong password: auth."""
    frozen = faulty_servers.freeze(database_fault, redis_fault)
    try:
        running = _start(full, contract_env(faulty_servers, database_fault, redis_fault), tmp_path)
        try:
            assert_contract(f"http://127.0.0.1:{running.port}", database_fault, redis_fault)
        finally:
            _stop(running)
    finally:
        faulty_servers.thaw(frozen)


def test_unset_servers_skip_with_a_notice_and_fail_in_ci(full: Service) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "CI"))}
    local = subprocess.run(
        [str(full.python), "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=full.root, env={**env, **full.env}, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert local.returncode == 0, local.stdout[-4000:]
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL"):
        assert f"notice: {name} is not set: its integration tests are skipped" in local.stdout
    in_ci = subprocess.run(
        [str(full.python), "-m", "pytest", "-p", "no:cacheprovider", "-x"],
        cwd=full.root, env={**env, **full.env, "CI": "true"}, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip
    assert in_ci.returncode != 0
    assert "CI is set, so it may not be skipped" in in_ci.stdout, in_ci.stdout[-4000:]
