"""The contract every language's service keeps, one suite driven per language by its adapter.

Each test runs the real service (the language's own build: uvicorn, node dist/server.js, the
Rust binary) against the loopback PostgreSQL and Redis that .ci/run starts, or against servers
the test starts and stops itself. How a language is installed, built, started and probed lives in
its adapter (tests/services/adapter_<language>.py); what only one language has stays in its
test_<language>_service.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.services.adapter_python import ADAPTER as PYTHON
from tests.services.adapter_rust import ADAPTER as RUST
from tests.services.adapter_typescript import ADAPTER as TYPESCRIPT
from tests.services.support import (
    CONTRACT_CASES,
    CUT_CHECK_MS,
    DRAINED_CHECK_MS,
    TRACE_ID,
    Adapter,
    Drain,
    FaultyServers,
    assert_contract,
    assert_cut_at_deadline,
    assert_drained,
    contract_env,
    default_drain_timeout_s,
    free_port,
    http_get,
    otlp_collector,
    sigterm_during_request,
    start_redis,
    stop,
    traced_get,
    unanswering_redis,
)
from tests.support.registry import LANGUAGE_CHOICES, LANGUAGES
from tests.support.render import answers, computed_values, variant
from tests.support.tools import server_url

pytestmark = pytest.mark.slow

ADAPTERS: dict[str, Adapter] = {adapter.name: adapter for adapter in (PYTHON, TYPESCRIPT, RUST)}
assert tuple(ADAPTERS) == LANGUAGE_CHOICES, "every language of copier/platform.yml needs an adapter"


@pytest.fixture(scope="session", params=LANGUAGE_CHOICES)
def language(request: pytest.FixtureRequest) -> Adapter:
    return ADAPTERS[request.param]


@pytest.fixture(scope="session")
def full(language: Adapter, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return language.full(tmp_path_factory)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    url, proc = start_redis(tmp_path)
    yield url, proc
    stop(proc)


def test_real_server_health_and_graceful_stop(language: Adapter, full: Any, database_url: str) -> None:
    server = language.start(
        full, {"DATABASE_URL": database_url, "REDIS_URL": server_url("redis"), **language.health_env}
    )
    try:
        status, headers, body = http_get(server.url("/health/live"))
        assert (status, body) == (200, {"status": "healthy"})
        assert headers["cache-control"] == "no-store"
        status, headers, body = http_get(server.url("/health"))
        assert status == 200, body
        assert headers["cache-control"] == "no-store"
        assert body["status"] == "healthy"
        assert [(c["name"], c["status"]) for c in body["checks"]] == [
            ("database", "healthy"),
            ("redis", "healthy"),
        ]
        for check in body["checks"]:
            assert set(check) == {"name", "status", "latency_ms"}
            assert isinstance(check["latency_ms"], int)
        assert language.probe(full, server.port) == 0
        assert language.probe(full, free_port()) == 1
    finally:
        code = server.stop()
    assert code == 0, server.log.read_text()
    language.check_stop_logs(server)


def test_real_server_reports_503_when_redis_stops(
    language: Adapter, full: Any, database_url: str, own_redis: tuple[str, subprocess.Popen[bytes]]
) -> None:
    redis_url, redis_proc = own_redis
    server = language.start(
        full, {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "HEALTH_CACHE_TTL_MS": "0"}
    )
    try:
        assert http_get(server.url("/health"))[0] == 200
        stop(redis_proc)
        started = time.monotonic()
        status, headers, body = http_get(server.url("/health"))
        assert time.monotonic() - started < 1.5
        assert status == 503, body
        assert headers["cache-control"] == "no-store"
        assert body["status"] == "unhealthy"
        checks = {c["name"]: c for c in body["checks"]}
        assert checks["database"]["status"] == "healthy"
        assert checks["redis"]["status"] == "unhealthy"
        assert checks["redis"]["error"] in language.redis_down_errors
        assert set(checks["redis"]) <= {"name", "status", "latency_ms", "error"}
        text = json.dumps(body)
        redis_port = redis_url.rsplit(":", 1)[1].split("/")[0]
        assert "127.0.0.1" not in text and redis_port not in text and "Traceback" not in text
        # The live endpoint does not care: the load balancer keeps the task.
        assert http_get(server.url("/health/live"))[0] == 200
    finally:
        code = server.stop()
    assert code == 0, server.log.read_text()


def _sigterm_during_request(
    language: Adapter, full: Any, database_url: str, env: dict[str, str]
) -> tuple[Drain, str]:
    """SIGTERM while a deep health check waits on a Redis that never answers."""
    with unanswering_redis() as redis_url:
        server = language.start(
            full, {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "HEALTH_CACHE_TTL_MS": "0", **env}
        )
        try:
            drain = sigterm_during_request(server.proc, server.url("/health"))
        finally:
            server.stop()
    return drain, server.log.read_text()


def test_sigterm_lets_the_request_in_flight_finish(language: Adapter, full: Any, database_url: str) -> None:
    """The behaviour table's drain timeout is the default: the request in flight completes."""
    env = {"HEALTH_CHECK_TIMEOUT_MS": str(DRAINED_CHECK_MS)}
    drain, log = _sigterm_during_request(language, full, database_url, env)
    assert_drained(drain, default_drain_timeout_s(language=language.name), log)
    assert language.drain_logs[0] in log


def test_sigterm_cuts_what_still_runs_at_the_drain_timeout(
    language: Adapter, full: Any, database_url: str
) -> None:
    env = {"HEALTH_CHECK_TIMEOUT_MS": str(CUT_CHECK_MS), **language.drain_env(1)}
    drain, log = _sigterm_during_request(language, full, database_url, env)
    assert_cut_at_deadline(drain, 1, log)
    assert language.drain_logs[1] in log


def _traced_env(database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": server_url("redis"),
        "TRACE_HEALTH_CHECKS": "true",
        "HEALTH_CACHE_TTL_MS": "0",
    }


def test_sigterm_flushes_the_telemetry_it_buffered(language: Adapter, full: Any, database_url: str) -> None:
    """The built service with an endpoint: nothing is exported per request (batched), and
    SIGTERM sends the spans and metrics after the drain without waiting for an export interval:
    the request's span in the caller's trace with its SELECT and PING children, the duration
    histogram and the pool gauges; no connection string or password in any byte."""
    with otlp_collector(answer=True) as (url, received):
        server = language.start(full, {**_traced_env(database_url), "OTEL_EXPORTER_OTLP_ENDPOINT": url})
        try:
            assert traced_get(server.url("/health")) == 200
            assert received == []
        finally:
            code = server.stop()
        assert code == 0, server.log.read_text()
        language.check_stop_logs(server)
    paths = {path for path, _ in received}
    assert paths == {"/v1/traces", "/v1/metrics"}, paths
    traces = b"".join(body for path, body in received if path == "/v1/traces")
    metrics = b"".join(body for path, body in received if path == "/v1/metrics")
    # The protobuf holds ids as bytes and names as plain strings.
    assert bytes.fromhex(TRACE_ID) in traces
    for name in (b"GET /health", b"SELECT", b"PING", b"db.query.text", b"http.route"):
        assert name in traces, name
    for name in (b"http.server.request.duration", b"db.client.connection.count"):
        assert name in metrics, name
    for forbidden in (b"postgresql://", b"redis://", b"password"):
        assert forbidden not in traces + metrics, forbidden


def test_a_dead_collector_delays_the_stop_by_the_flush_budget_at_most(
    language: Adapter, full: Any, database_url: str
) -> None:
    """A collector that takes the export and never answers: the service waits for it the flush
    budget (copier/behaviour.yml's telemetry_flush_timeout_s) and no longer, then exits 0."""
    budget_s = computed_values(answers(language=language.name))["behaviour"]["telemetry_flush_timeout_s"]
    with otlp_collector(answer=False) as (url, received):
        server = language.start(full, {**_traced_env(database_url), "OTEL_EXPORTER_OTLP_ENDPOINT": url})
        try:
            assert traced_get(server.url("/health")) == 200
        finally:
            stopping = time.monotonic()
            code = server.stop()
            took = time.monotonic() - stopping
        assert code == 0, server.log.read_text()
        language.check_stop_logs(server)
        assert received, "nothing reached the collector"
    print(f"\n{language.name}: stopped in {took:.2f} s with a dead collector (budget {budget_s} s)")
    assert budget_s - 0.2 <= took < budget_s + 1.5, (took, budget_s)


def test_missing_configuration_is_named(language: Adapter, full: Any) -> None:
    message = language.config_failure(full)
    for text in language.config_error[1]:
        assert text in message, message


def test_container_health_check_runs_the_probe(language: Adapter) -> None:
    """docker compose and the Dockerfile's HEALTHCHECK run the command the probe tests run."""
    repo = variant(language=language.name)
    command = LANGUAGES[language.name].healthcheck
    compose = yaml.safe_load((repo / "docker-compose.yml").read_text())
    assert compose["services"]["service"]["healthcheck"]["test"] == ["CMD", *command]
    dockerfile = (repo / "service" / "Dockerfile").read_text()
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK ") :]
    assert f"CMD {json.dumps(list(command))}" in healthcheck.split("\n\n")[0], healthcheck


def test_bare_service_has_no_checks(language: Adapter, tmp_path_factory: pytest.TempPathFactory) -> None:
    bare = language.bare(tmp_path_factory)
    server = language.start(bare, {})
    try:
        status, headers, body = http_get(server.url("/health"))
        assert (status, body) == (200, {"status": "healthy", "checks": []})
        assert headers["cache-control"] == "no-store"
    finally:
        code = server.stop()
    assert code == 0, server.log.read_text()


@pytest.mark.parametrize(("database_fault", "redis_fault"), CONTRACT_CASES)
def test_health_names_the_same_class_for_the_same_fault(
    language: Adapter, full: Any, faulty_servers: FaultyServers, database_fault: str, redis_fault: str
) -> None:
    """Stopped: refused; frozen (SIGSTOP): timeout; wrong password: auth."""
    frozen = faulty_servers.freeze(database_fault, redis_fault)
    try:
        server = language.start(full, contract_env(faulty_servers, database_fault, redis_fault))
        try:
            assert_contract(server.base, database_fault, redis_fault)
        finally:
            server.stop()
    finally:
        faulty_servers.thaw(frozen)


def test_unset_servers_skip_with_a_notice_and_fail_in_ci(language: Adapter, full: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "CI"))}
    command, cwd, own_env = language.own_suite(full)
    expected = language.unset_servers

    def suite(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=cwd, env={**env, **extra, **own_env}, capture_output=True, text=True,
            timeout=expected.timeout_s, check=False,
        )  # fmt: skip

    local = suite({})
    assert local.returncode == 0, local.stdout[-4000:] + local.stderr[-4000:]
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL"):
        notice = f"notice: {name} is not set: its integration tests are skipped"
        assert notice in getattr(local, expected.notice_stream)
    in_ci = suite({"CI": "true"})
    assert in_ci.returncode != 0
    said = "".join(getattr(in_ci, stream) for stream in expected.ci_refusal_streams)
    assert expected.ci_refusal in said, said[-4000:]
