"""The rendered CDK app type-checks, passes its own tests, synthesizes every environment
offline with cdk-nag enforcing, lints clean with cfn-lint and uses the computed names."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cdk.pipeline import ENVIRONMENTS, VARIANTS, Built, Suite, build_all
from tests.support.tools import tool

pytestmark = pytest.mark.slow

# Literal names for the example answers (service payments-api), as copier.yml computes them.
EXPECTED_NAMES: dict[str, dict[str, Any]] = {
    "staging": {
        "cluster": "payments-api-staging",
        "service": "payments-api",
        "task_family": "payments-api-staging",
        "log_group": "/ecs/payments-api-staging",
        "collector_log_group": "/ecs/payments-api-staging/otel-collector",
        "metrics_log_group": "/ecs/payments-api-staging/metrics",
        "flow_log_group": "/vpc/payments-api-staging/flow-logs",
        "alb": "payments-api-staging",
        "target_group": "payments-api-staging",
        "roles": ["payments-api-staging-execution", "payments-api-staging-task"],
        "security_groups": {
            "alb": "payments-api-staging-alb",
            "service": "payments-api-staging-service",
            "db": "payments-api-staging-db",
            "cache": "payments-api-staging-cache",
        },
        "kms_alias": "alias/payments-api-staging",
        "vpc": "payments-api-staging",
        "db_identifier": "payments-api-staging",
        "db_parameter_group": "payments-api-staging-postgres16",
        "db_subnet_group": "payments-api-staging",
        "cache_replication_group": "payments-api-staging",
        "cache_subnet_group": "payments-api-staging",
        "redis_auth_secret": "payments-api/staging/redis-auth",
        "sns_topic": "payments-api-staging-alarms",
        "page_topic": "payments-api-staging-page",
        "dashboard": "payments-api-staging",
        "waf_web_acl": "payments-api-staging",
        "waf_log_group": "aws-waf-logs-payments-api-staging",
        "flow_log_role": "payments-api-staging-flow-logs",
        "rds_monitoring_role": "payments-api-staging-rds-monitoring",
        "db_log_group": "/aws/rds/instance/payments-api-staging/postgresql",
        "cache_slow_log_group": "/elasticache/payments-api-staging/slow-log",
        "deployment_events_rule": "payments-api-staging-deployment-failed",
        "alarms": [
            "payments-api-staging-cpu-high",
            "payments-api-staging-memory-high",
            "payments-api-staging-at-max-capacity",
            "payments-api-staging-target-5xx",
            "payments-api-staging-unhealthy-hosts",
            "payments-api-staging-deployment-rollback",
            "payments-api-staging-ephemeral-storage-high",
            "payments-api-staging-certificate-expiry",
        ],
        "db_alarms": [
            "payments-api-staging-db-connections-high",
            "payments-api-staging-db-storage-low",
            "payments-api-staging-db-cpu-high",
            "payments-api-staging-db-auth-failures",
        ],
        "cache_alarms": [
            "payments-api-staging-cache-memory-high",
            "payments-api-staging-cache-cpu-high",
        ],
    },
    "prod": {
        "cluster": "payments-api-prod",
        "service": "payments-api",
        "task_family": "payments-api-prod",
        "log_group": "/ecs/payments-api-prod",
        "collector_log_group": "/ecs/payments-api-prod/otel-collector",
        "metrics_log_group": "/ecs/payments-api-prod/metrics",
        "flow_log_group": "/vpc/payments-api-prod/flow-logs",
        "alb": "payments-api-prod",
        "target_group": "payments-api-prod",
        "roles": ["payments-api-prod-execution", "payments-api-prod-task"],
        "security_groups": {
            "alb": "payments-api-prod-alb",
            "service": "payments-api-prod-service",
            "db": "payments-api-prod-db",
            "cache": "payments-api-prod-cache",
        },
        "kms_alias": "alias/payments-api-prod",
        "vpc": "payments-api-prod",
        "db_identifier": "payments-api-prod",
        "db_parameter_group": "payments-api-prod-postgres16",
        "db_subnet_group": "payments-api-prod",
        "cache_replication_group": "payments-api-prod",
        "cache_subnet_group": "payments-api-prod",
        "redis_auth_secret": "payments-api/prod/redis-auth",
        "sns_topic": "payments-api-prod-alarms",
        "page_topic": "payments-api-prod-page",
        "dashboard": "payments-api-prod",
        "waf_web_acl": "payments-api-prod",
        "waf_log_group": "aws-waf-logs-payments-api-prod",
        "flow_log_role": "payments-api-prod-flow-logs",
        "rds_monitoring_role": "payments-api-prod-rds-monitoring",
        "db_log_group": "/aws/rds/instance/payments-api-prod/postgresql",
        "cache_slow_log_group": "/elasticache/payments-api-prod/slow-log",
        "deployment_events_rule": "payments-api-prod-deployment-failed",
        "alarms": [
            "payments-api-prod-cpu-high",
            "payments-api-prod-memory-high",
            "payments-api-prod-at-max-capacity",
            "payments-api-prod-target-5xx",
            "payments-api-prod-unhealthy-hosts",
            "payments-api-prod-deployment-rollback",
            "payments-api-prod-ephemeral-storage-high",
            "payments-api-prod-certificate-expiry",
        ],
        "db_alarms": [
            "payments-api-prod-db-connections-high",
            "payments-api-prod-db-storage-low",
            "payments-api-prod-db-cpu-high",
            "payments-api-prod-db-auth-failures",
        ],
        "cache_alarms": [
            "payments-api-prod-cache-memory-high",
            "payments-api-prod-cache-cpu-high",
        ],
    },
}

ACCOUNTS = {"staging": "111111111111", "prod": "222222222222"}


@pytest.fixture(scope="session")
def suite() -> Suite:
    return build_all(tool("cfn-lint"))


@pytest.fixture(scope="session")
def built(suite: Suite) -> dict[str, Built]:
    return suite.variants


def _uses(name: str) -> tuple[bool, bool, bool]:
    """(postgres, redis, created VPC) of a variant."""
    overrides = VARIANTS[name]
    return (
        overrides.get("database", "postgres") == "postgres",
        overrides.get("cache", "redis") == "redis",
        overrides.get("vpc_mode", "create") == "create",
    )


def _resources(templates: dict[str, dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [
        resource.get("Properties", {})
        for template in templates.values()
        for resource in template.get("Resources", {}).values()
        if resource["Type"] == kind
    ]


def _values(templates: dict[str, dict[str, Any]], kind: str, prop: str) -> list[Any]:
    return sorted((props[prop] for props in _resources(templates, kind) if prop in props), key=json.dumps)


def test_typescript_compiles(suite: Suite) -> None:
    """tsc --noEmit over every variant (strict, no unused locals or parameters)."""
    assert suite.tsc.returncode == 0, suite.tsc.describe()


@pytest.mark.parametrize("name", list(VARIANTS))
def test_generated_tests_pass(built: dict[str, Built], name: str) -> None:
    step = built[name].steps["vitest"]
    assert step.returncode == 0, step.describe()
    assert " failed" not in step.output.split("Test Files")[-1], step.describe()


@pytest.mark.parametrize("name", list(VARIANTS))
def test_synth_offline_with_cdk_nag(built: dict[str, Built], name: str) -> None:
    """Synth needs no credentials nor network, and fails on any unacknowledged finding."""
    step = built[name].steps["synth"]
    assert step.returncode == 0, step.describe()
    for env in ENVIRONMENTS:
        stacks = built[name].templates(env)
        assert len(stacks) == (3 if _uses(name)[2] else 2), sorted(stacks)
    report_file = built[name].directory / "cdk.out" / "validation-report.json"
    report = json.loads(report_file.read_text()) if report_file.is_file() else {}
    errors = [
        violation["ruleName"]
        for plugin in report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
        if violation.get("severity", "error") == "error"
    ]
    assert errors == []


def test_cfn_lint_has_no_errors(suite: Suite) -> None:
    """cfn-lint on every synthesized template of every variant: no error (rc 2 bit)."""
    assert suite.cfn_lint is not None, "nothing was synthesized"
    assert suite.cfn_lint.returncode == 0, suite.cfn_lint.describe()
    linted = suite.cfn_lint.command[3:]
    for name, item in suite.variants.items():
        files = [str(path) for path in item.template_files()]
        assert files, f"{name}: no template"
        assert set(files) <= set(linted)


@pytest.mark.parametrize("name", list(VARIANTS))
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_physical_names_are_the_computed_names(built: dict[str, Built], name: str, env: str) -> None:
    postgres, redis, created_vpc = _uses(name)
    expected = EXPECTED_NAMES[env]
    templates = built[name].templates(env)

    assert _values(templates, "AWS::ECS::Cluster", "ClusterName") == [expected["cluster"]]
    assert _values(templates, "AWS::ECS::Service", "ServiceName") == [expected["service"]]
    assert _values(templates, "AWS::ECS::TaskDefinition", "Family") == [expected["task_family"]]
    assert _values(templates, "AWS::ElasticLoadBalancingV2::LoadBalancer", "Name") == [expected["alb"]]
    assert _values(templates, "AWS::ElasticLoadBalancingV2::TargetGroup", "Name") == [
        expected["target_group"]
    ]
    log_groups = [expected["log_group"], expected["waf_log_group"]]
    log_groups += [expected["collector_log_group"], expected["metrics_log_group"]]
    log_groups += [expected["flow_log_group"]] if created_vpc else []
    log_groups += [expected["db_log_group"]] if postgres else []
    log_groups += [expected["cache_slow_log_group"]] if redis else []
    assert _values(templates, "AWS::Logs::LogGroup", "LogGroupName") == sorted(log_groups)
    roles = expected["roles"] + ([expected["flow_log_role"]] if created_vpc else [])
    roles += [expected["rds_monitoring_role"]] if postgres else []
    assert _values(templates, "AWS::IAM::Role", "RoleName") == sorted(roles)
    assert _values(templates, "AWS::WAFv2::WebACL", "Name") == [expected["waf_web_acl"]]
    assert _values(templates, "AWS::Events::Rule", "Name") == [expected["deployment_events_rule"]]
    filters = _values(templates, "AWS::Logs::MetricFilter", "FilterName")
    assert filters == ([f"{expected['cluster']}-db-auth-failures"] if postgres else [])
    groups = expected["security_groups"]
    wanted_groups = [groups["alb"], groups["service"]]
    wanted_groups += [groups["db"]] if postgres else []
    wanted_groups += [groups["cache"]] if redis else []
    assert _values(templates, "AWS::EC2::SecurityGroup", "GroupName") == sorted(wanted_groups)
    assert _values(templates, "AWS::KMS::Alias", "AliasName") == [expected["kms_alias"]]
    assert _values(templates, "AWS::SNS::Topic", "TopicName") == sorted(
        [expected["sns_topic"], expected["page_topic"]]
    )
    assert _values(templates, "AWS::CloudWatch::Dashboard", "DashboardName") == [expected["dashboard"]]

    alarms = expected["alarms"] + (expected["db_alarms"] if postgres else [])
    alarms += expected["cache_alarms"] if redis else []
    if env != "prod":
        # Issue 14: staging has no domain, so it serves plain HTTP: no certificate, no alarm.
        alarms = [name for name in alarms if not name.endswith("-certificate-expiry")]
    # The burn-rate alerts of the service level objectives: a composite alarm over a long- and
    # a short-window alarm, per objective and burn rate.
    alerts = [
        f"{expected['cluster']}-{sli}-{burn}-burn"
        for sli in ("availability", "latency")
        for burn in ("fast", "slow")
    ]
    alarms += [f"{alert}-{window}" for alert in alerts for window in ("long", "short")]
    assert _values(templates, "AWS::CloudWatch::Alarm", "AlarmName") == sorted(alarms)
    assert _values(templates, "AWS::CloudWatch::CompositeAlarm", "AlarmName") == sorted(alerts)

    # The database secret is managed by RDS (named by RDS, like the Terraform's): only the
    # Redis AUTH secret is a secret of the stack.
    secrets = [expected["redis_auth_secret"]] if redis else []
    assert _values(templates, "AWS::SecretsManager::Secret", "Name") == sorted(secrets)
    db_ids = _values(templates, "AWS::RDS::DBInstance", "DBInstanceIdentifier")
    assert db_ids == ([expected["db_identifier"]] if postgres else [])
    if postgres:
        assert _values(templates, "AWS::RDS::DBParameterGroup", "DBParameterGroupName") == [
            expected["db_parameter_group"]
        ]
        assert _values(templates, "AWS::RDS::DBSubnetGroup", "DBSubnetGroupName") == [
            expected["db_subnet_group"]
        ]
    cache_ids = _values(templates, "AWS::ElastiCache::ReplicationGroup", "ReplicationGroupId")
    assert cache_ids == ([expected["cache_replication_group"]] if redis else [])
    if redis:
        assert _values(templates, "AWS::ElastiCache::SubnetGroup", "CacheSubnetGroupName") == [
            expected["cache_subnet_group"]
        ]
    vpc_tags = [
        tag["Value"]
        for props in _resources(templates, "AWS::EC2::VPC")
        for tag in props.get("Tags", [])
        if tag["Key"] == "Name"
    ]
    assert vpc_tags == ([expected["vpc"]] if created_vpc else [])


@pytest.mark.parametrize("name", list(VARIANTS))
def test_no_secret_value_in_any_container_environment(built: dict[str, Built], name: str) -> None:
    postgres, redis, _ = _uses(name)
    for env in ENVIRONMENTS:
        (task,) = _resources(built[name].templates(env), "AWS::ECS::TaskDefinition")
        # The service's container, then the OpenTelemetry collector's (its configuration only).
        container, collector = task["ContainerDefinitions"]
        assert "Secrets" not in container and "Secrets" not in collector
        assert [item["Name"] for item in collector["Environment"]] == ["AOT_CONFIG_CONTENT"]
        variables = {item["Name"]: item["Value"] for item in container["Environment"]}
        expected = {"PORT", "ENVIRONMENT", "SERVICE_NAME", "AWS_REGION", "LOG_LEVEL"}
        expected |= {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"}
        expected |= {"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"}
        if postgres:
            expected |= {"DB_SECRET_ARN", "DB_HOST", "DB_PORT", "DB_NAME", "DB_POOL_SIZE"}
        if redis:
            expected |= {"REDIS_URL", "REDIS_AUTH_SECRET_ARN"}
        assert set(variables) == expected
        assert variables["PORT"] == "8080"
        assert variables["ENVIRONMENT"] == env
        assert "resolve:secretsmanager" not in json.dumps(variables)
        if redis:
            assert json.dumps(variables["REDIS_URL"]).startswith('{"Fn::Join": ["", ["rediss://"')


def test_existing_vpc_is_imported_by_id(built: dict[str, Built]) -> None:
    overrides = VARIANTS["existing"]
    for env in ENVIRONMENTS:
        templates = built["existing"].templates(env)
        assert _resources(templates, "AWS::EC2::VPC") == []
        (service,) = _resources(templates, "AWS::ECS::Service")
        subnets = service["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"]
        assert subnets == overrides["private_subnet_ids"]
        (alb,) = _resources(templates, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        assert alb["Subnets"] == overrides["public_subnet_ids"]
        vpc_ids = {props["VpcId"] for props in _resources(templates, "AWS::EC2::SecurityGroup")}
        assert vpc_ids == {overrides["vpc_id"]}


@pytest.mark.parametrize("name", ["full", "no-accounts"])
def test_stages_pin_accounts_only_when_given(built: dict[str, Built], name: str) -> None:
    manifest = json.loads((built[name].directory / "cdk.out" / "assembly-prod" / "manifest.json").read_text())
    environments = {
        artifact["environment"]
        for artifact in manifest["artifacts"].values()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    account = ACCOUNTS["prod"] if name == "full" else "unknown-account"
    assert environments == {f"aws://{account}/eu-west-1"}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_stack_names_are_the_computed_names(built: dict[str, Built], name: str) -> None:
    created_vpc = _uses(name)[2]
    for env in ENVIRONMENTS:
        manifest_file = built[name].directory / "cdk.out" / f"assembly-{env}" / "manifest.json"
        manifest = json.loads(manifest_file.read_text())
        stack_names = sorted(
            artifact["properties"]["stackName"]
            for artifact in manifest["artifacts"].values()
            if artifact.get("type") == "aws:cloudformation:stack"
        )
        prefix = EXPECTED_NAMES[env]["cluster"]
        wanted = [f"{prefix}-data", f"{prefix}-service"] + ([f"{prefix}-network"] if created_vpc else [])
        assert stack_names == sorted(wanted)
