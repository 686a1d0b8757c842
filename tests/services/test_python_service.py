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

import json
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml

from tests.services.adapter_python import ADAPTER, TIMINGS, Service, ok, run, timed
from tests.services.support import (
    ServiceProcess,
    assert_mentions_none,
    http_get,
    service_fixtures,
    start_redis,
    stop,
)
from tests.support.registry import OTHER_CLOUDS
from tests.support.tools import server_url, tool

pytestmark = pytest.mark.slow


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


full, bare = service_fixtures(ADAPTER)


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A fresh database on the loopback PostgreSQL, dropped afterwards."""
    admin = server_url("pg")
    psql = tool("psql")
    name = f"svcforge_py_{uuid.uuid4().hex[:8]}"
    ok(run([psql, admin, "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {name}"], Path()), "db")
    try:
        yield _with_database(admin, name)
    finally:
        run([psql, admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], Path())


@pytest.fixture(scope="module", autouse=True)
def _report_timings() -> Iterator[None]:
    yield
    if TIMINGS:
        print("\npython service timings (s):", json.dumps(TIMINGS), file=sys.stderr)


# -- the generated repo's own lint and test suites -------------------------------------------


@pytest.mark.parametrize("name", ["full", "bare", *OTHER_CLOUDS])
def test_lint(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    service = ADAPTER.service(name, tmp_path_factory)
    started = time.perf_counter()
    py = str(service.python)
    ok(run([py, "-m", "ruff", "check", "--no-cache", "."], service.root), "ruff check")
    ok(run([py, "-m", "ruff", "format", "--no-cache", "--check", "."], service.root), "ruff format")
    ok(run([py, "-m", "mypy"], service.root, service.env), "mypy")
    timed(f"lint {name}", started)


@pytest.mark.parametrize("name", ["full", "bare", *OTHER_CLOUDS])
def test_generated_suite_against_real_servers(
    name: str,
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
) -> None:
    service = ADAPTER.service(name, tmp_path_factory)
    env = {
        "CI": "1",
        "TEST_DATABASE_URL": database_url,
        "TEST_REDIS_URL": server_url("redis"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    started = time.perf_counter()
    output = ok(
        run([str(service.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], service.root, env),
        "generated pytest",
    )
    timed(f"pytest {name}", started)
    summary = output.strip().splitlines()[-1]
    assert "passed" in summary
    assert "skipped" not in summary, summary
    assert "failed" not in summary, summary


def test_dockerfiles_pass_hadolint(full: Service, bare: Service) -> None:
    hadolint = tool("hadolint")
    for service in (full, bare):
        dockerfile = service.root / "Dockerfile"
        ok(
            run([hadolint, "--no-color", "--failure-threshold", "style", str(dockerfile)], service.root),
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
        proc = run([detect, "scan", "--all-files", "service", "docker-compose.yml"], service.repo)
        ok(proc, "detect-secrets")
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


# -- the real process over HTTP (the rest of it: tests/services/test_service_contract.py) ------


def test_aws_mode_reads_both_secrets_at_runtime(full: Service, database_url: str, tmp_path: Path) -> None:
    """DB_SECRET_ARN and REDIS_AUTH_SECRET_ARN from Secrets Manager (moto's server), as in ECS."""
    import boto3
    from moto.server import ThreadedMotoServer

    token = uuid.uuid4().hex
    redis_url, redis = start_redis(tmp_path, "--requirepass", token)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    running: ServiceProcess | None = None
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
            "REDIS_URL": redis_url,
            "REDIS_AUTH_SECRET_ARN": auth_arn,
            "HEALTH_CACHE_TTL_MS": "0",
        }
        running = ADAPTER.start(full, env)
        status, _, body = http_get(running.url("/health"))
        assert status == 200, body
        log = running.log.read_text()
        assert token not in log and master["password"] not in log
        running.stop()

        # A wrong token is reported as `auth`, without the token.
        client.put_secret_value(SecretId=auth_arn, SecretString="not-the-token")
        running = ADAPTER.start(full, env)
        status, _, body = http_get(running.url("/health"))
        assert status == 503, body
        checks = {c["name"]: c for c in body["checks"]}
        assert checks["redis"]["error"] == "auth"
        assert checks["database"]["status"] == "healthy"
        assert "not-the-token" not in running.log.read_text()
    finally:
        if running is not None:
            running.stop()
        moto.stop()
        stop(redis)


def test_bare_service_has_no_store_modules(bare: Service) -> None:
    """The bare service's files (its /health without checks: the contract suite)."""
    names = {p.name for p in (bare.root / "app").iterdir()}
    assert "database.py" not in names and "cache.py" not in names
    requirements = (bare.root / "requirements.txt").read_text()
    assert "psycopg" not in requirements and "redis" not in requirements


# -- gcp and azure -----------------------------------------------------------------------------

# What the service part of a gcp/azure repo must not mention (whole words, case-sensitive).
AWS_WORDS = ("AWS", "ECS", "ECR", "ALB", "RDS", "ElastiCache", "CloudWatch", "Fargate", "boto3", "moto")


@pytest.mark.parametrize("cloud", OTHER_CLOUDS)
def test_cloud_variant_has_only_its_backend(cloud: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    service = ADAPTER.service(cloud, tmp_path_factory)
    modules = {p.name for p in (service.root / "app").iterdir()}
    assert f"secrets_{cloud}.py" in modules
    assert not {"secrets_aws.py", *(f"secrets_{c}.py" for c in OTHER_CLOUDS if c != cloud)} & modules
    requirements = (service.root / "requirements.txt").read_text()
    expected = {"gcp": "google-cloud-secret-manager==", "azure": "azure-keyvault-secrets=="}[cloud]
    assert expected in requirements
    assert "boto3" not in requirements and "botocore" not in requirements
    ok(
        run(
            [tool("hadolint"), "--no-color", "--failure-threshold", "style", "Dockerfile"],
            service.root,
        ),
        f"hadolint {cloud}",
    )
    compose = yaml.safe_load((service.repo / "docker-compose.yml").read_text())
    environment = compose["services"]["service"]["environment"]
    assert not [k for k in environment if k.startswith("AWS_")], environment
    paths = [service.root / "README.md", service.root / "Makefile", service.root / "Dockerfile"]
    assert_mentions_none([*paths, service.repo / "docker-compose.yml"], AWS_WORDS)


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
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    service = ADAPTER.service(cloud, tmp_path_factory)
    message = ADAPTER.start_fails(service, {})["message"]
    for name in names:
        assert f"{name} is not set" in message, message
    # A deployed environment with a malformed secret reference is named too.
    bad = {
        "gcp": {"DB_PASSWORD_SECRET": "db-password", "REDIS_URL": "rediss://10.0.0.5:6378/0"},
        "azure": {"DB_PASSWORD_SECRET": "db-password", "KEY_VAULT_URL": "http://kv.example.org"},
    }[cloud]
    deployed = {"DB_USER": "app", "DB_HOST": "db", "DB_NAME": "app", "REDIS_URL": "redis://r:6379/0"}
    message = ADAPTER.start_fails(service, {**deployed, **bad})["message"]
    expected = {
        "gcp": ["DB_PASSWORD_SECRET must be a resource name", "REDIS_CA_CERT is not set"],
        "azure": ["KEY_VAULT_URL must be https://"],
    }[cloud]
    for text in expected:
        assert text in message, message
