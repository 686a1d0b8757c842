"""docs/runbook.md is filled in from the answers: anchors, alarms, commands, sections by choice."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.repo.awscli import check, split_commands
from tests.repo.helpers import (
    VARIANTS,
    Rendered,
    alarm_rows,
    assert_alarm_sections,
    assert_sections_by_store,
    code_blocks,
    rendered,
    resource_table,
    section,
    slugs,
)

KEYS = list(VARIANTS)
ALWAYS_ANCHORS = (
    "high-cpu",
    "high-memory",
    "out-of-disk",
    "target-5xx-spike",
    "unhealthy-targets",
    "deployment-rolled-back",
    "certificate-expiry",
    "health-endpoints",
    "logs",
    "logs-insights",
    "dashboard-and-alarms",
    "dependency-health",
    "escalation",
    "force-a-new-deployment",
    "roll-back-to-the-previous-task-definition",
    "scale",
)
POSTGRES_ANCHORS = (
    "database-connection-exhaustion",
    "database-high-cpu",
    "database-failover",
    "point-in-time-restore",
)
REDIS_ANCHORS = ("cache-memory-high", "cache-high-cpu")
SECRET_ANCHORS = ("secret-rotation-breaks-authentication", "force-a-secret-rotation")


@pytest.fixture(scope="module", params=KEYS)
def repo(request: pytest.FixtureRequest) -> Rendered:
    return rendered(request.param)


def test_sections_follow_the_choices(repo: Rendered) -> None:
    anchors = set(slugs(repo.read("docs/runbook.md")))
    assert set(ALWAYS_ANCHORS) <= anchors
    assert_sections_by_store(repo, anchors, set(POSTGRES_ANCHORS), set(REDIS_ANCHORS), set(SECRET_ANCHORS))


def test_every_alarm_has_its_anchor_and_names_its_alarm(repo: Rendered) -> None:
    text = repo.read("docs/runbook.md")
    table = resource_table(text)
    alarms = alarm_rows(table)
    expected = {"cpu_high", "memory_high", "at_max_capacity", "target_5xx"}
    expected |= {"unhealthy_hosts", "deployment_rollback"}
    expected |= {"ephemeral_storage_high", "certificate_expiry"}
    # The burn-rate alerts of the service level objectives, with their long and short windows.
    expected |= {
        f"{sli}_{burn}_burn{window}"
        for sli in ("availability", "latency")
        for burn in ("fast", "slow")
        for window in ("", "_long", "_short")
    }
    postgres = {"db_connections_high", "db_storage_low", "db_cpu_high", "db_auth_failures"}
    assert_alarm_sections(repo, text, alarms, expected, postgres, {"cache_memory_high", "cache_cpu_high"})


def test_every_aws_command_names_the_region(repo: Rendered) -> None:
    region = repo.answers["aws_region"]
    for block in code_blocks(repo.read("docs/runbook.md")):
        for line in block.splitlines():
            calls = len(re.findall(r"(?:^\s*|\$\(|\| |&& )aws [a-z0-9-]+ [a-z]", line))
            assert line.count(f"--region {region}") == calls, line


def test_commands_name_the_real_cluster(repo: Rendered) -> None:
    """The rest of test_commands_are_ready_to_paste: test_runbook_every_cloud.py."""
    text = repo.read("docs/runbook.md")
    for env in repo.environments:
        names_cluster = resource_table(text)["ECS cluster"][env]
        assert f"--cluster {names_cluster} " in text


def test_seed_anti_patterns_are_resolved(repo: Rendered) -> None:
    text = repo.read("docs/runbook.md")
    assert "truncate -s" not in text
    assert "du -sh" not in text
    assert "--desired-count" not in "\n".join(code_blocks(text))
    scale = section(text, "scale")
    assert "**temporary**" in scale
    assert "24 hours" in scale
    assert "register-scalable-target" in scale


def test_architecture_follows_the_choices(repo: Rendered) -> None:
    text = repo.read("docs/runbook.md")
    diagram = code_blocks(text, "mermaid")
    assert len(diagram) == 1
    zones = len(repo.answers["private_subnet_ids"]) if repo.answers["vpc_mode"] == "existing" else 3
    assert f"private subnets in {zones} availability zones" in diagram[0]
    assert ("RDS PostgreSQL" in diagram[0]) is repo.use_postgres
    assert ("ElastiCache Redis" in diagram[0]) is repo.use_redis
    assert ("Secrets Manager" in diagram[0]) is (repo.use_postgres or repo.use_redis)


def test_health_urls_are_real(repo: Rendered) -> None:
    text = section(repo.read("docs/runbook.md"), "health-endpoints")
    domain = repo.answers["domain_name"]
    table = resource_table(repo.read("docs/runbook.md"))
    if domain:
        assert f'"https://{domain}/health/live"' in text
        assert f'"https://{domain}/health"' in text
    domain_env = ("prod" if "prod" in repo.environments else repo.environments[-1]) if domain else ""
    region = repo.answers["aws_region"]
    # Issue 14: no --insecure. Without a domain, prod serves HTTPS under its certificate's name;
    # the other environments serve plain HTTP on the load balancer's DNS name.
    assert "--insecure" not in text
    for env in repo.environments:
        if env == domain_env:
            continue
        alb = table["Load balancer"][env]
        assert f"describe-load-balancers --region {region} --names {alb} " in text
        if env == "prod":
            assert '"https://${SERVICE_HOST}/health/live"' in text
        else:
            assert '"http://${ALB_DNS}/health/live"' in text


def test_troubleshooting_uses_the_real_log_group_and_dashboard(repo: Rendered) -> None:
    text = repo.read("docs/runbook.md")
    table = resource_table(text)
    region = repo.answers["aws_region"]
    for env in repo.environments:
        group = table["Log group"][env]
        assert f"aws logs tail {group} --region {region} --since 15m --follow" in text
        assert f"aws logs start-query --region {region} --log-group-name {group} " in text
        assert f"dashboards:name={table['Dashboard'][env]})" in text


def test_recovery_uses_real_identifiers(repo: Rendered) -> None:
    text = repo.read("docs/runbook.md")
    table = resource_table(text)
    recovery = section(text, "recovery-procedures")
    region = repo.answers["aws_region"]
    for env in repo.environments:
        cluster, service = table["ECS cluster"][env], table["ECS service"][env]
        assert f"--cluster {cluster} --service {service} --force-new-deployment" in recovery
        family = table["Task definition family"][env]
        assert f"list-task-definitions --region {region} --family-prefix {family} " in recovery
        if repo.use_postgres:
            db = table["DB instance"][env]
            failover = section(text, "database-failover")
            if env == "prod":
                assert f"--db-instance-identifier {db} --force-failover" in failover
            assert f"--source-db-instance-identifier {db} " in recovery
        if repo.use_redis:
            secret = table["Redis auth secret"][env]
            rotation = section(text, "force-a-secret-rotation")
            assert f"put-secret-value --region {region} --secret-id {secret} " in rotation


def test_aws_commands_exist_with_these_options(repo: Rendered) -> None:
    """Every aws command line (runbook, README, smoke test, deploy workflow) is one the AWS CLI knows:
    service, operation or waiter, options, and a valid JMESPath --query."""
    lines = [
        line
        for doc in ("docs/runbook.md", "README.md")
        for block in code_blocks(repo.read(doc))
        for line in block.splitlines()
    ]
    lines += repo.read("scripts/smoke-test.sh").splitlines()
    deploy = yaml.safe_load(repo.read(".github/workflows/deploy.yml"))
    for job in deploy["jobs"].values():
        for step in job.get("steps", []):
            lines += step.get("run", "").splitlines()
    problems, checked = [], 0
    for line in lines:
        for command in split_commands(line):
            if command.words[:1] == ("aws",):
                checked += 1
                problems += check(command)
    assert checked > 20
    assert problems == []


def test_no_failure_mode_is_left_without_an_alarm(repo: Rendered) -> None:
    """Task ephemeral storage, certificate expiry and database logins each name their alarm."""
    text = repo.read("docs/runbook.md")
    assert "known-gaps" not in slugs(text)
    assert "no alarm" not in section(text, "out-of-disk")
    assert "none" not in section(text, "certificate-expiry").split("**Symptoms:**")[0]
    table = alarm_rows(resource_table(text))
    for env in repo.environments:
        assert f"`{table['ephemeral_storage_high'][env]}`" in section(text, "out-of-disk")
        assert f"`{table['certificate_expiry'][env]}`" in section(text, "certificate-expiry")
        if repo.use_postgres:
            rotation = section(text, "secret-rotation-breaks-authentication")
            assert f"`{table['db_auth_failures'][env]}`" in rotation
