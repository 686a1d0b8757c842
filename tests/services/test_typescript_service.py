"""The generated TypeScript service: its own lint and test suites, then the real server process.

The AWS renders (full and minimal) run everything; the gcp and azure renders (Secret Manager and
Key Vault backends, each with its own package.json and lockfile) run their own lint and test
suites against the real servers, hadolint, and the configuration check of the built server.

Runs against the loopback PostgreSQL and Redis that .ci/run starts (SVCFORGE_PG_URL,
SVCFORGE_REDIS_URL); the Redis-down check starts and stops its own redis-server. The installed
node_modules are shared between runs, keyed by the hash of the committed package-lock.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services.support import (
    CONTRACT_CASES,
    CUT_CHECK_MS,
    DRAINED_CHECK_MS,
    Drain,
    FaultyServers,
    ServiceProcess,
    assert_contract,
    assert_cut_at_deadline,
    assert_drained,
    contract_env,
    default_drain_timeout_s,
    free_port,
    fresh_database,
    http_get,
    sigterm_during_request,
    start_redis,
    stop,
    unanswering_redis,
)
from tests.support.render import CLOUD_OVERRIDES, variant
from tests.support.tools import server_url, tool

pytestmark = pytest.mark.slow

CACHE = Path(os.environ.get("SVCFORGE_CACHE_DIR", Path.home() / ".cache" / "svcforge"))
SILENT_NODE = {"NODE_NO_WARNINGS": "1", "NO_COLOR": "1", "CI": os.environ.get("CI", "1")}


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 240) -> str:
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env={**os.environ, **SILENT_NODE, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _run_parallel(cmds: list[list[str]], cwd: Path) -> None:
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


def _static_checks(service: Path, lint: list[str] | None = None) -> None:
    """tsc, eslint and prettier; ``lint`` narrows eslint to these files (default: all)."""
    _run_parallel(
        [
            [_bin(service, "tsc"), "--noEmit", "-p", "."],
            [_bin(service, "eslint"), "--max-warnings", "0", *(lint or ["."])],
            [_bin(service, "prettier"), "--check", "."],
        ],
        service,
    )


def _differing_sources(service: Path, reference: Path) -> list[str]:
    """TypeScript files of ``service`` that are absent from or differ from ``reference``."""
    return sorted(
        str(path.relative_to(service))
        for folder in ("src", "test")
        for path in (service / folder).glob("*.ts")
        if not (reference / path.relative_to(service)).is_file()
        or (reference / path.relative_to(service)).read_bytes() != path.read_bytes()
    )


def _node_modules(service: Path) -> Path:
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
        _run(
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


def _prepared(tmp_path_factory: pytest.TempPathFactory, name: str, **overrides: Any) -> Path:
    source = variant(language="typescript", **overrides) / "service"
    service = tmp_path_factory.mktemp(name) / "service"
    shutil.copytree(source, service)
    (service / "node_modules").symlink_to(_node_modules(service), target_is_directory=True)
    return service


def _bin(service: Path, name: str) -> str:
    return str(service / "node_modules" / ".bin" / name)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _prepared(tmp_path_factory, "ts-full")


@pytest.fixture(scope="module")
def minimal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _prepared(tmp_path_factory, "ts-minimal", database="none", cache="none")


@pytest.fixture(scope="module")
def database_url() -> str:
    return fresh_database(server_url("pg"), "svcforge_ts")


@pytest.fixture(scope="module")
def built(full: Path) -> Path:
    _run([_bin(full, "tsc"), "-p", "tsconfig.build.json"], full)
    assert (full / "dist" / "server.js").is_file()
    assert (full / "dist" / "healthcheck.js").is_file()
    return full


class Server(ServiceProcess):
    """`node dist/server.js` on a free loopback port."""

    def __init__(self, service: Path, env: dict[str, str]) -> None:
        super().__init__([tool("node"), "dist/server.js"], service, service, {**SILENT_NODE, **env})


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    url, proc = start_redis(tmp_path)
    yield url, proc
    stop(proc)


def test_package_pins_exact_versions_and_lockfile_matches(full: Path) -> None:
    package = json.loads((full / "package.json").read_text())
    lock = json.loads((full / "package-lock.json").read_text())
    pinned = {**package["dependencies"], **package["devDependencies"]}
    assert all(version[0].isdigit() for version in pinned.values()), pinned
    assert pinned["typescript"].startswith("5."), "TypeScript 7 has no JS compiler API"
    root = lock["packages"][""]
    assert root["name"] == package["name"]
    assert {**root["dependencies"], **root["devDependencies"]} == pinned
    assert "resolved" not in (full / "package-lock.json").read_text()


def test_full_variant_passes_its_own_lint_and_tests(full: Path, database_url: str) -> None:
    _static_checks(full)
    out = _run(
        [_bin(full, "vitest"), "run", "--reporter", "verbose"],
        full,
        env={"TEST_DATABASE_URL": database_url, "TEST_REDIS_URL": server_url("redis")},
    )
    # The real-server tests must have run, not been skipped.
    for name in (
        "answers 200 when every dependency answers",
        "answers 503 when the database is down",
        "answers 503 within the timeout when Redis accepts but never answers",
        "runs a query on the real server",
        "refreshes the secret and rebuilds the pool once when the password was rotated",
        "never prints a secret value",
    ):
        passed = [line for line in out.splitlines() if name in line and "✓" in line]
        assert passed, f"{name!r} did not pass:\n{out}"
    assert " skipped" not in out, out


def test_variant_without_database_or_cache_is_clean(minimal: Path, full: Path) -> None:
    assert not (minimal / "src" / "db.ts").exists()
    assert not (minimal / "src" / "redis.ts").exists()
    sources = "\n".join(p.read_text() for p in (minimal / "src").glob("*.ts"))
    for leftover in ("from 'pg'", "from 'redis'", "DB_SECRET_ARN", "REDIS_URL", "./db.js"):
        assert leftover not in sources, leftover
    # Files identical to the full variant's were linted there; type-check everything again.
    changed = _differing_sources(minimal, full)
    assert "src/config.ts" in changed and "src/server.ts" in changed, changed
    _static_checks(minimal, lint=changed)
    _run([_bin(minimal, "vitest"), "run"], minimal)


def test_dockerfile_is_hadolint_clean(full: Path) -> None:
    _run([tool("hadolint"), "--no-color", "Dockerfile"], full)
    dockerfile = (full / "Dockerfile").read_text()
    assert "npm ci --omit=dev" in dockerfile
    assert "USER 65532:65532" in dockerfile
    assert 'ENTRYPOINT ["/nodejs/bin/node", "dist/server.js"]' in dockerfile


def test_real_server_health_and_graceful_stop(built: Path, database_url: str) -> None:
    server = Server(built, {"DATABASE_URL": database_url, "REDIS_URL": server_url("redis")})
    try:
        status, headers, body = http_get(f"{server.base}/health/live")
        assert (status, body) == (200, {"status": "healthy"})
        assert headers["cache-control"] == "no-store"
        status, headers, body = http_get(f"{server.base}/health")
        assert status == 200, body
        assert headers["cache-control"] == "no-store"
        assert body["status"] == "healthy"
        assert [(c["name"], c["status"]) for c in body["checks"]] == [
            ("database", "healthy"),
            ("redis", "healthy"),
        ]
        probe = [tool("node"), "dist/healthcheck.js"]
        ok = subprocess.run(probe, cwd=built, env={**os.environ, "PORT": str(server.port)}, check=False)
        assert ok.returncode == 0
        closed = str(free_port())
        down = subprocess.run(
            probe, cwd=built, env={**os.environ, "PORT": closed}, capture_output=True, check=False
        )
        assert down.returncode == 1
    finally:
        code = server.stop()
    assert code == 0, server.log.read_text()
    messages = [entry["msg"] for entry in server.logs()]
    assert "shutting down" in messages and messages[-1] == "stopped", messages


def test_real_server_reports_503_when_redis_stops(
    built: Path, database_url: str, own_redis: tuple[str, subprocess.Popen[bytes]]
) -> None:
    redis_url, redis_proc = own_redis
    server = Server(
        built,
        {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "HEALTH_CACHE_TTL_MS": "0"},
    )
    try:
        assert http_get(f"{server.base}/health")[0] == 200
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
        started = time.monotonic()
        status, headers, body = http_get(f"{server.base}/health")
        assert time.monotonic() - started < 1.5
        assert status == 503, body
        assert headers["cache-control"] == "no-store"
        checks = {c["name"]: c for c in body["checks"]}
        assert checks["database"]["status"] == "healthy"
        assert checks["redis"]["status"] == "unhealthy"
        assert checks["redis"]["error"] in {"refused", "timeout"}
        assert set(checks["redis"]) <= {"name", "status", "latency_ms", "error"}
        assert "127.0.0.1" not in json.dumps(body)
        assert http_get(f"{server.base}/health/live")[0] == 200
    finally:
        code = server.stop()
    assert code == 0, server.log.read_text()


def _sigterm_during_request(built: Path, database_url: str, env: dict[str, str]) -> tuple[Drain, str]:
    with unanswering_redis() as redis_url:
        server = Server(
            built, {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "HEALTH_CACHE_TTL_MS": "0", **env}
        )
        try:
            drain = sigterm_during_request(server.proc, f"{server.base}/health")
        finally:
            server.stop()
    return drain, server.log.read_text()


def test_sigterm_lets_the_request_in_flight_finish(built: Path, database_url: str) -> None:
    drain, log = _sigterm_during_request(
        built, database_url, {"HEALTH_CHECK_TIMEOUT_MS": str(DRAINED_CHECK_MS)}
    )
    assert_drained(drain, default_drain_timeout_s(language="typescript"), log)


def test_sigterm_cuts_what_still_runs_at_the_drain_timeout(built: Path, database_url: str) -> None:
    env = {"HEALTH_CHECK_TIMEOUT_MS": str(CUT_CHECK_MS), "SHUTDOWN_TIMEOUT_MS": "1000"}
    drain, log = _sigterm_during_request(built, database_url, env)
    assert_cut_at_deadline(drain, 1, log)


def test_real_server_refuses_to_start_without_its_configuration(built: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_", "REDIS_"))}
    proc = subprocess.run(
        [tool("node"), "dist/server.js"],
        cwd=built,
        env={**env, **SILENT_NODE, "PORT": str(free_port())},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    line = json.loads(proc.stdout.strip().splitlines()[-1])
    assert line["level"] == "error"
    assert "DB_SECRET_ARN is required" in line["msg"]
    assert "REDIS_URL is required" in line["msg"]


# -- gcp and azure -----------------------------------------------------------------------------

CLOUDS = ("gcp", "azure")
# What the service part of a gcp/azure repo must not mention (whole words, case-sensitive).
AWS_WORDS = ("AWS", "ECS", "ECR", "ALB", "RDS", "ElastiCache", "CloudWatch", "Fargate", "ARN")
CLOUD_PACKAGES = {
    "gcp": {"@google-cloud/secret-manager", "google-gax"},
    "azure": {"@azure/keyvault-secrets", "@azure/identity", "@azure/core-rest-pipeline"},
}
CLOUD_TESTS = {
    "gcp": (
        "retries RESOURCE_EXHAUSTED with growing backoff, then succeeds",
        "rejects a payload whose CRC32C does not match",
        "makes one call for many concurrent readers",
    ),
    "azure": (
        "retries 429 with growing backoff, then succeeds",
        "rejects a secret without a value",
        "makes one call for many concurrent readers",
    ),
}


@pytest.fixture(scope="module")
def cloud_services() -> dict[str, Path]:
    return {}


def _cloud(cloud: str, cache: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    if cloud not in cache:
        cache[cloud] = _prepared(tmp_path_factory, f"ts-{cloud}", **CLOUD_OVERRIDES[cloud])
    return cache[cloud]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_cloud_variant_locks_its_own_client_libraries(
    cloud: str, cloud_services: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    service = _cloud(cloud, cloud_services, tmp_path_factory)
    package = json.loads((service / "package.json").read_text())
    lock = json.loads((service / "package-lock.json").read_text())
    pinned = {**package["dependencies"], **package["devDependencies"]}
    assert all(version[0].isdigit() for version in pinned.values()), pinned
    root = lock["packages"][""]
    assert root["name"] == package["name"]
    assert {**root["dependencies"], **root["devDependencies"]} == pinned
    assert "resolved" not in (service / "package-lock.json").read_text()
    assert CLOUD_PACKAGES[cloud] <= set(package["dependencies"])
    # The direct SDK dependencies are the very versions the client library resolves to.
    for name in CLOUD_PACKAGES[cloud]:
        assert lock["packages"][f"node_modules/{name}"]["version"] == package["dependencies"][name]
    others = {p for c, names in CLOUD_PACKAGES.items() if c != cloud for p in names}
    assert not (others | {"@aws-sdk/client-secrets-manager"}) & set(package["dependencies"])
    sources = {p.name for p in (service / "src").glob("*.ts")}
    assert f"secrets-{cloud}.ts" in sources
    assert not {f"secrets-{c}.ts" for c in ("aws", *CLOUDS) if c != cloud} & sources


@pytest.mark.parametrize("cloud", CLOUDS)
def test_cloud_variant_passes_its_own_lint_and_tests(
    cloud: str,
    cloud_services: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
) -> None:
    service = _cloud(cloud, cloud_services, tmp_path_factory)
    _static_checks(service)
    out = _run(
        [_bin(service, "vitest"), "run", "--reporter", "verbose"],
        service,
        env={"TEST_DATABASE_URL": database_url, "TEST_REDIS_URL": server_url("redis")},
    )
    for name in (
        *CLOUD_TESTS[cloud],
        "never prints a secret value",
        "answers 200 when every dependency answers",
        "runs a query on the real server",
        "refreshes the secret and rebuilds the pool once when the password was rotated",
    ):
        passed = [line for line in out.splitlines() if name in line and "✓" in line]
        assert passed, f"{name!r} did not pass:\n{out}"
    assert " skipped" not in out, out


@pytest.mark.parametrize("cloud", CLOUDS)
def test_cloud_variant_container_and_docs(
    cloud: str, cloud_services: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    service = _cloud(cloud, cloud_services, tmp_path_factory)
    _run([tool("hadolint"), "--no-color", "Dockerfile"], service)
    repo_compose = variant(language="typescript", **CLOUD_OVERRIDES[cloud]) / "docker-compose.yml"
    # One compose file for the whole repository (issue 14: a second one in service/ bound the same ports).
    assert not (service / "docker-compose.yml").exists()
    for path in (
        service / "README.md",
        service / "Makefile",
        service / "Dockerfile",
        repo_compose,
    ):
        text = path.read_text()
        found = [word for word in AWS_WORDS if re.search(rf"\b{word}\b", text)]
        assert not found, f"{path.name} mentions {found}"


@pytest.mark.parametrize(
    ("cloud", "bad", "expected"),
    [
        (
            "gcp",
            {"DB_PASSWORD_SECRET": "db-password", "REDIS_URL": "rediss://10.0.0.5:6378/0"},
            ["DB_PASSWORD_SECRET must be a resource name", "REDIS_CA_CERT is required"],
        ),
        (
            "azure",
            {"DB_PASSWORD_SECRET": "db-password", "AZURE_CLIENT_ID": "not-a-guid"},
            ["KEY_VAULT_URL is required", "AZURE_CLIENT_ID must be a client id"],
        ),
    ],
)
def test_cloud_variant_server_names_its_configuration(
    cloud: str,
    bad: dict[str, str],
    expected: list[str],
    cloud_services: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    service = _cloud(cloud, cloud_services, tmp_path_factory)
    if not (service / "dist" / "server.js").is_file():
        _run([_bin(service, "tsc"), "-p", "tsconfig.build.json"], service)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_", "REDIS_", "AWS_"))}
    base = {**env, **SILENT_NODE, "PORT": str(free_port())}

    def problems(extra: dict[str, str]) -> str:
        proc = subprocess.run(
            [tool("node"), "dist/server.js"],
            cwd=service,
            env={**base, **extra},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 1, proc.stdout + proc.stderr
        line = json.loads(proc.stdout.strip().splitlines()[-1])
        assert line["level"] == "error"
        return str(line["msg"])

    message = problems({})
    for name in ("DB_PASSWORD_SECRET", "DB_USER", "DB_HOST", "DB_NAME", "REDIS_URL"):
        assert f"{name} is required" in message, message
    deployed = {"DB_USER": "app", "DB_HOST": "db", "DB_NAME": "app", "REDIS_URL": "redis://r:6379/0"}
    message = problems({**deployed, **bad})
    for text in expected:
        assert text in message, message
    assert "not-a-guid" not in message


# -- the integration-test contract (the same in every language) --------------------------------


@pytest.mark.parametrize(("database_fault", "redis_fault"), CONTRACT_CASES)
def test_health_names_the_same_class_for_the_same_fault(
    built: Path, faulty_servers: FaultyServers, database_fault: str, redis_fault: str
) -> None:
    """Stopped: refused; frozen (SIGSTOP): timeout; wrong password: auth."""
    frozen = faulty_servers.freeze(database_fault, redis_fault)
    try:
        server = Server(built, contract_env(faulty_servers, database_fault, redis_fault))
        try:
            assert_contract(server.base, database_fault, redis_fault)
        finally:
            server.stop()
    finally:
        faulty_servers.thaw(frozen)


def test_unset_servers_skip_with_a_notice_and_fail_in_ci(full: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "CI"))}
    vitest = [_bin(full, "vitest"), "run"]
    local = subprocess.run(
        vitest,
        cwd=full,
        env={**env, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert local.returncode == 0, local.stdout[-4000:] + local.stderr[-4000:]
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL"):
        assert f"notice: {name} is not set: its integration tests are skipped" in local.stderr
    in_ci = subprocess.run(
        vitest, cwd=full, env={**env, "NO_COLOR": "1", "CI": "true"}, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert in_ci.returncode != 0
    assert "CI is set, so the integration tests may not be skipped" in in_ci.stdout + in_ci.stderr
