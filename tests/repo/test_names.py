"""One set of names: every name in the runbook's resource table is the name the Terraform
(resolved with tfparse) and the synthesized CDK app give that resource, in every environment."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.repo.helpers import VARIANTS, Rendered, alarm_rows, rendered, resource_table
from tests.repo.infra import cdk_values, terraform_values

TF_ROWS: dict[str, tuple[tuple[str, str], ...]] = {
    "ECS cluster": (("aws_ecs_cluster", "name"),),
    "ECS service": (("aws_ecs_service", "name"),),
    "Container": (("aws_ecs_service", "load_balancer.container_name"),),
    "Task definition family": (("aws_ecs_task_definition", "family"),),
    "Log group": (("aws_cloudwatch_log_group", "name"),),
    "Load balancer": (("aws_lb", "name"),),
    "Target group": (("aws_lb_target_group", "name"),),
    "Dashboard": (("aws_cloudwatch_dashboard", "dashboard_name"),),
    "Alarm topic (SNS)": (("aws_sns_topic", "name"),),
    "Execution role": (("aws_iam_role", "name"),),
    "Task role": (("aws_iam_role", "name"),),
    "KMS key alias": (("aws_kms_alias", "name"),),
    "DB instance": (("aws_db_instance", "identifier"),),
    "DB name": (("aws_db_instance", "db_name"),),
    "Redis replication group": (("aws_elasticache_replication_group", "replication_group_id"),),
    "Redis auth secret": (("aws_secretsmanager_secret", "name"),),
    "Container port": (
        ("aws_lb_target_group", "port"),
        ("aws_ecs_service", "load_balancer.container_port"),
    ),
    "Liveness path": (("aws_lb_target_group", "health_check.path"),),
    "WAF web ACL": (("aws_wafv2_web_acl", "name"),),
    "WAF log group": (("aws_cloudwatch_log_group", "name"),),
    "Deployment events rule": (("aws_cloudwatch_event_rule", "name"),),
}
CDK_ROWS: dict[str, tuple[tuple[str, str], ...]] = {
    "ECS cluster": (("AWS::ECS::Cluster", "ClusterName"),),
    "ECS service": (("AWS::ECS::Service", "ServiceName"),),
    "Container": (("AWS::ECS::TaskDefinition", "ContainerDefinitions.Name"),),
    "Task definition family": (("AWS::ECS::TaskDefinition", "Family"),),
    "Log group": (("AWS::Logs::LogGroup", "LogGroupName"),),
    "Load balancer": (("AWS::ElasticLoadBalancingV2::LoadBalancer", "Name"),),
    "Target group": (("AWS::ElasticLoadBalancingV2::TargetGroup", "Name"),),
    "Dashboard": (("AWS::CloudWatch::Dashboard", "DashboardName"),),
    "Alarm topic (SNS)": (("AWS::SNS::Topic", "TopicName"),),
    "Execution role": (("AWS::IAM::Role", "RoleName"),),
    "Task role": (("AWS::IAM::Role", "RoleName"),),
    "KMS key alias": (("AWS::KMS::Alias", "AliasName"),),
    "DB instance": (("AWS::RDS::DBInstance", "DBInstanceIdentifier"),),
    "DB name": (("AWS::RDS::DBInstance", "DBName"),),
    "Redis replication group": (("AWS::ElastiCache::ReplicationGroup", "ReplicationGroupId"),),
    "Redis auth secret": (("AWS::SecretsManager::Secret", "Name"),),
    "Container port": (
        ("AWS::ElasticLoadBalancingV2::TargetGroup", "Port"),
        ("AWS::ECS::TaskDefinition", "ContainerDefinitions.PortMappings.ContainerPort"),
    ),
    "Liveness path": (("AWS::ElasticLoadBalancingV2::TargetGroup", "HealthCheckPath"),),
    "WAF web ACL": (("AWS::WAFv2::WebACL", "Name"),),
    "WAF log group": (("AWS::Logs::LogGroup", "LogGroupName"),),
    "Deployment events rule": (("AWS::Events::Rule", "Name"),),
}
# Rows checked another way (see the tests below) or that name no resource.
OTHER_ROWS = {"ECR repository", "Deep health path", "DB master secret"}


def _variants(kind: str) -> list[str]:
    keys = []
    for key, overrides in VARIANTS.items():
        iac = overrides.get("iac", "both")
        if (kind == "terraform" and iac in ("terraform", "both")) or (
            kind == "cdk" and iac in ("cdk", "both")
        ):
            keys.append(key)
    return keys


def _checks(
    table: dict[str, dict[str, str]], rows: dict[str, tuple[tuple[str, str], ...]]
) -> Iterator[tuple[str, str, str, tuple[tuple[str, str], ...]]]:
    """(row label, environment, runbook value, where the infrastructure must define it)."""
    for label, cells in table.items():
        if label.startswith("Alarm `") or label in OTHER_ROWS:
            continue
        for env, value in cells.items():
            yield label, env, value, rows[label]


def _alarms_with_a_certificate(table: dict[str, dict[str, str]], env: str, certificate: bool) -> set[str]:
    """The runbook's alarms of ``env``; the certificate alarm only where there is a certificate
    (issue 14: an environment without one serves plain HTTP and has no certificate to watch)."""
    return {
        cells[env] for key, cells in alarm_rows(table).items() if certificate or key != "certificate_expiry"
    }


@pytest.mark.parametrize("key", list(VARIANTS))
def test_every_runbook_row_is_checked(key: str) -> None:
    repo = rendered(key)
    table = resource_table(repo.read("docs/runbook.md"))
    labels = {label for label in table if not label.startswith("Alarm `")}
    assert labels - set(TF_ROWS) - set(CDK_ROWS) - OTHER_ROWS == set()
    assert set(table["ECS cluster"]) == set(repo.environments)


@pytest.mark.slow
@pytest.mark.parametrize("key", _variants("terraform"))
def test_terraform_uses_the_runbook_names(key: str) -> None:
    repo: Rendered = rendered(key)
    runbook = repo.read("docs/runbook.md")
    table = resource_table(runbook)
    values = terraform_values(repo.path, repo.environments)
    problems = []
    for label, env, value, targets in _checks(table, TF_ROWS):
        for target in targets:
            if value not in values[env].get(target, set()):
                problems.append(f"{env} {label} {value!r}: not in {target} {values[env].get(target)}")
    for env in repo.environments:
        tfvars = (repo.path / "terraform" / "environments" / env / "terraform.tfvars").read_text()
        alarms = _alarms_with_a_certificate(table, env, 'certificate_arn = "arn:' in tfvars)
        defined = values[env][("aws_cloudwatch_metric_alarm", "alarm_name")]
        if alarms != defined:
            problems.append(f"{env} alarms: runbook {sorted(alarms)} != terraform {sorted(defined)}")
        ecr = table["ECR repository"][env]
        if not re.search(rf'^ecr_repository\s*=\s*"{re.escape(ecr)}"$', tfvars, flags=re.M):
            problems.append(f"{env} ECR repository {ecr!r} is not terraform.tfvars' ecr_repository")
    assert problems == [], "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("key", _variants("cdk"))
def test_synthesized_cdk_uses_the_runbook_names(key: str) -> None:
    repo: Rendered = rendered(key)
    runbook = repo.read("docs/runbook.md")
    table = resource_table(runbook)
    values = cdk_values(repo.path)
    assert sorted(values) == sorted(repo.environments)
    problems = []
    for label, env, value, targets in _checks(table, CDK_ROWS):
        for target in targets:
            if value not in values[env].get(target, set()):
                problems.append(f"{env} {label} {value!r}: not in {target} {values[env].get(target)}")
    config = repo.read("cdk/lib/config.ts")
    for env in repo.environments:
        block = config.split(f"name: '{env}',", 1)[1]
        https = re.search(r"certificateArn: '(arn:[^']*)?',\s*httpsRequired: (true|false)", block)
        assert https, block[:2000]
        alarms = _alarms_with_a_certificate(table, env, bool(https.group(1)) or https.group(2) == "true")
        defined = values[env][("AWS::CloudWatch::Alarm", "AlarmName")]
        if alarms != defined:
            problems.append(f"{env} alarms: runbook {sorted(alarms)} != CDK {sorted(defined)}")
        ecr = table["ECR repository"][env]
        images = " ".join(values[env][("image", "literal")])
        if f"/{ecr}:" not in images:
            problems.append(f"{env} ECR repository {ecr!r} is not in the image URI {images}")
    deep = table["Deep health path"][repo.environments[0]]
    if f"healthDeepPath: '{deep}'" not in config:
        problems.append(f"deep health path {deep!r} is not lib/config.ts' healthDeepPath")
    assert problems == [], "\n".join(problems)
