"""The generated TypeScript service: its own lint and test suites, then the real server process.

The AWS renders (full and minimal) run everything; the gcp and azure renders (Secret Manager and
Key Vault backends, each with its own package.json and lockfile) run their own lint and test
suites against the real servers, hadolint, and the configuration check of the built server.

Runs against the loopback PostgreSQL and Redis that .ci/run starts (SVCFORGE_PG_URL,
SVCFORGE_REDIS_URL); the Redis-down check starts and stops its own redis-server. The installed
node_modules are shared between runs, keyed by the hash of the committed package-lock.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.services.adapter_typescript import (
    ADAPTER,
    CONFIGURATION,
    bin_path,
    built,
    differing_sources,
    run,
    static_checks,
)
from tests.services.support import assert_mentions_none, service_fixtures
from tests.support.registry import CLOUDS, OTHER_CLOUDS
from tests.support.render import variant
from tests.support.tools import server_url, tool

pytestmark = pytest.mark.slow


# Both built (tsc -p tsconfig.build.json) as well.
full, minimal = service_fixtures(ADAPTER)


def _assert_pinned_and_locked(service: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Exact pins, and a lock file whose root lists exactly them, with no registry URLs."""
    package = json.loads((service / "package.json").read_text())
    lock = json.loads((service / "package-lock.json").read_text())
    pinned = {**package["dependencies"], **package["devDependencies"]}
    assert all(version[0].isdigit() for version in pinned.values()), pinned
    root = lock["packages"][""]
    assert root["name"] == package["name"]
    assert {**root["dependencies"], **root["devDependencies"]} == pinned
    assert "resolved" not in (service / "package-lock.json").read_text()
    return package, lock


def _passes_own_suite(service: Path, database_url: str, names: tuple[str, ...]) -> None:
    """tsc, eslint, prettier, then vitest against the real servers: ``names`` passed, none skipped."""
    static_checks(service)
    out = run(
        [bin_path(service, "vitest"), "run", "--reporter", "verbose"],
        service,
        env={"TEST_DATABASE_URL": database_url, "TEST_REDIS_URL": server_url("redis")},
    )
    # The real-server tests must have run, not been skipped.
    for name in names:
        passed = [line for line in out.splitlines() if name in line and "✓" in line]
        assert passed, f"{name!r} did not pass:\n{out}"
    assert " skipped" not in out, out


def test_package_pins_exact_versions_and_lockfile_matches(full: Path) -> None:
    package, _ = _assert_pinned_and_locked(full)
    pinned = {**package["dependencies"], **package["devDependencies"]}
    assert pinned["typescript"].startswith("5."), "TypeScript 7 has no JS compiler API"


def test_full_variant_passes_its_own_lint_and_tests(full: Path, database_url: str) -> None:
    _passes_own_suite(
        full,
        database_url,
        (
            "answers 200 when every dependency answers",
            "answers 503 when the database is down",
            "answers 503 within the timeout when Redis accepts but never answers",
            "runs a query on the real server",
            "refreshes the secret and rebuilds the pool once when the password was rotated",
            "never prints a secret value",
            "traces the health checks on request, down to each dependency",
            "makes every statement a span without its literals",
            "makes every command a span without its arguments",
            "gives up on a dead collector within the flush budget",
            "without an endpoint: no SDK, no middleware, no timer, no connection, no trace ids",
        ),
    )


def test_variant_without_database_or_cache_is_clean(minimal: Path, full: Path) -> None:
    assert not (minimal / "src" / "db.ts").exists()
    assert not (minimal / "src" / "redis.ts").exists()
    sources = "\n".join(p.read_text() for p in (minimal / "src").glob("*.ts"))
    for leftover in ("from 'pg'", "from 'redis'", "DB_SECRET_ARN", "REDIS_URL", "./db.js"):
        assert leftover not in sources, leftover
    # Files identical to the full variant's were linted there; type-check everything again.
    changed = differing_sources(minimal, full)
    assert "src/config.ts" in changed and "src/server.ts" in changed, changed
    static_checks(minimal, lint=changed)
    run([bin_path(minimal, "vitest"), "run"], minimal)


def test_dockerfile_is_hadolint_clean(full: Path) -> None:
    run([tool("hadolint"), "--no-color", "Dockerfile"], full)
    dockerfile = (full / "Dockerfile").read_text()
    assert "npm ci --omit=dev" in dockerfile
    assert "USER 65532:65532" in dockerfile
    assert 'ENTRYPOINT ["/nodejs/bin/node", "dist/server.js"]' in dockerfile


# -- gcp and azure -----------------------------------------------------------------------------

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


def _cloud(cloud: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ADAPTER.service(f"ts-{cloud}", tmp_path_factory, **CLOUDS[cloud].overrides)


@pytest.mark.parametrize("cloud", OTHER_CLOUDS)
def test_cloud_variant_locks_its_own_client_libraries(
    cloud: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    service = _cloud(cloud, tmp_path_factory)
    package, lock = _assert_pinned_and_locked(service)
    assert CLOUD_PACKAGES[cloud] <= set(package["dependencies"])
    # The direct SDK dependencies are the very versions the client library resolves to.
    for name in CLOUD_PACKAGES[cloud]:
        assert lock["packages"][f"node_modules/{name}"]["version"] == package["dependencies"][name]
    others = {p for c, names in CLOUD_PACKAGES.items() if c != cloud for p in names}
    assert not (others | {"@aws-sdk/client-secrets-manager"}) & set(package["dependencies"])
    sources = {p.name for p in (service / "src").glob("*.ts")}
    assert f"secrets-{cloud}.ts" in sources
    assert not {f"secrets-{c}.ts" for c in CLOUDS if c != cloud} & sources


@pytest.mark.parametrize("cloud", OTHER_CLOUDS)
def test_cloud_variant_passes_its_own_lint_and_tests(
    cloud: str,
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
) -> None:
    service = _cloud(cloud, tmp_path_factory)
    _passes_own_suite(
        service,
        database_url,
        (
            *CLOUD_TESTS[cloud],
            "never prints a secret value",
            "answers 200 when every dependency answers",
            "runs a query on the real server",
            "refreshes the secret and rebuilds the pool once when the password was rotated",
        ),
    )


@pytest.mark.parametrize("cloud", OTHER_CLOUDS)
def test_cloud_variant_container_and_docs(cloud: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    service = _cloud(cloud, tmp_path_factory)
    run([tool("hadolint"), "--no-color", "Dockerfile"], service)
    repo_compose = variant(language="typescript", **CLOUDS[cloud].overrides) / "docker-compose.yml"
    # One compose file for the whole repository (issue 14: a second one in service/ bound the same ports).
    assert not (service / "docker-compose.yml").exists()
    paths = [service / "README.md", service / "Makefile", service / "Dockerfile", repo_compose]
    assert_mentions_none(paths, AWS_WORDS)


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
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    service = built(_cloud(cloud, tmp_path_factory))

    def problems(extra: dict[str, str]) -> str:
        return ADAPTER.start_fails(service, extra, drop=(*CONFIGURATION, "AWS_"))

    message = problems({})
    for name in ("DB_PASSWORD_SECRET", "DB_USER", "DB_HOST", "DB_NAME", "REDIS_URL"):
        assert f"{name} is required" in message, message
    deployed = {"DB_USER": "app", "DB_HOST": "db", "DB_NAME": "app", "REDIS_URL": "redis://r:6379/0"}
    message = problems({**deployed, **bad})
    for text in expected:
        assert text in message, message
    assert "not-a-guid" not in message
