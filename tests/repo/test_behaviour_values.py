"""One behaviour table: every value of ``behaviour`` (copier/behaviour.yml) appears, identically, in every
place the generated repo encodes it.

Per cloud: the Terraform as tfparse resolves it (tfvars and module inputs applied) or, for the
alert map Google's for_each builds, as python-hcl2 parses the module; the synthesized CDK app;
the Python, TypeScript and Rust services' config defaults and bounds; the Dockerfile HEALTHCHECK;
docker compose; the module READMEs and the runbook. A value written anywhere else than the table
drifts the first time someone changes it, and fails here.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest
import yaml
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.exceptions import FilterArgumentError
from jinja2.sandbox import SandboxedEnvironment

from tests.repo.helpers import Rendered, rendered, section
from tests.repo.infra import cdk_templates, terraform_resources
from tests.support.registry import CLOUD_CHOICES, LANGUAGE_CHOICES
from tests.support.render import ROOT, cloud_variant, computed_values, runbook_anchors
from tests.terraform.hcl import parse_files

CLOUDS = CLOUD_CHOICES
LANGUAGES = LANGUAGE_CHOICES
# The answer sets rendered per cloud (tests/repo/helpers.py): every module and store present.
CLOUD_KEYS = {"aws": "python-both", "gcp": "gcp-python", "azure": "azure-python"}


@cache
def repo_of(cloud: str) -> Rendered:
    return rendered(CLOUD_KEYS[cloud])


def table(repo: Rendered) -> dict[str, Any]:
    values: dict[str, Any] = computed_values(repo.answers)["behaviour"]
    return values


def threshold(alarm: dict[str, Any]) -> float:
    (key,) = (key for key in alarm if key.startswith("threshold"))
    value: float = alarm[key]
    return value


def minutes(alarm: dict[str, Any]) -> int:
    """The minutes the alarm's prose names: its window, or one period for an instant alarm."""
    return int((alarm["window_s"] or alarm["period_s"]) // 60)


def _cloudformation_key(name: str) -> str:
    """CloudFormation's spelling of a Terraform attribute name (target_value -> TargetValue)."""
    return "".join(part.title() for part in name.split("_"))


def assert_target_tracking(
    policies: list[dict[str, Any]], scaling: dict[str, Any], *, key: Callable[[str], str]
) -> None:
    """The ECS target-tracking policies (Terraform's or CloudFormation's, named through ``key``)
    track the table's targets with its cooldowns."""
    targets = {}
    for policy in policies:
        config = policy[key("target_tracking_scaling_policy_configuration")]
        metric = config[key("predefined_metric_specification")][key("predefined_metric_type")]
        targets[metric] = config[key("target_value")]
        assert config[key("scale_in_cooldown")] == scaling["scale_in_cooldown_s"]
        assert config[key("scale_out_cooldown")] == scaling["scale_out_cooldown_s"]
    assert targets == {
        "ECSServiceAverageCPUUtilization": scaling["cpu_target_percent"],
        "ECSServiceAverageMemoryUtilization": scaling["memory_target_percent"],
        "ALBRequestCountPerTarget": scaling["requests_per_target"],
    }


# --- the table itself


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_table_is_consistent(cloud: str) -> None:
    repo = repo_of(cloud)
    behaviour = table(repo)
    deep, container = behaviour["deep_health"], behaviour["container_health_check"]
    assert 0 < deep["timeout_min_ms"] <= deep["timeout_ms"] <= deep["timeout_max_ms"]
    assert 0 <= deep["cache_ttl_ms"] <= deep["cache_ttl_max_ms"]
    # A probe must be able to fail before the next one starts, and the image's own probe must
    # give up before the runtime stops waiting for it.
    assert container["probe_timeout_s"] < container["timeout_s"] < container["interval_s"]
    assert 2 <= behaviour["stop_timeout_s"] <= 120  # Fargate's ceiling
    if cloud == "aws":
        lb = behaviour["load_balancer_health_check"]
        assert lb["timeout_s"] < lb["interval_s"] <= 15
        # ECS must not act on load balancer checks before the container can pass them.
        assert behaviour["health_check_grace_period_s"] >= container["start_period_s"]
        assert behaviour["health_check_grace_period_s"] >= lb["interval_s"] * lb["healthy_threshold"]
    else:
        # The deep endpoint answers within about its timeout; the monitor calling it must wait longer.
        assert deep["timeout_max_ms"] < behaviour["deep_health_monitor"]["timeout_s"] * 1000
        for probe in behaviour["platform_probes"].values():
            assert probe["timeout_s"] < probe["interval_s"]
    for env in repo.answers["environments"]:
        assert set(behaviour["alarms"]) == set(computed_values(repo.answers)["names"][env]["alarms"])
    anchors = runbook_anchors()
    for key, alarm in behaviour["alarms"].items():
        assert alarm["anchor"] == anchors[key], key
        if alarm.get("kind") == "composite":
            # A burn-rate alert: its window alarms are in the table, under its runbook section.
            for window in alarm["alarms"]:
                assert behaviour["alarms"][window]["anchor"] == alarm["anchor"], key
        elif cloud == "aws":
            assert alarm["window_s"] == alarm["period_s"] * alarm["evaluation_periods"], key


# --- the burn-rate alerts of the service level objectives: read from `slo`, never retyped

# AWS answer sets: default objectives (python-both), and others (python-terraform-bare:
# Terraform; rust-cdk-nocache: CDK).
SLO_KEYS = ("python-both", "python-terraform-bare", "rust-cdk-nocache")


def burn_alerts(values: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(table key, objective, the objective and the alert) of every burn-rate alert of ``slo``."""
    return [
        (f"{sli}_{burn}_burn", sli, objective, alert)
        for sli, objective in values["slo"]["objectives"].items()
        for burn, alert in objective["alerts"].items()
    ]


@pytest.mark.parametrize("key", SLO_KEYS)
def test_burn_rate_alerts_are_the_slo_map(key: str) -> None:
    """Per objective and burn rate: a long- and a short-window math alarm at the slo map's
    threshold and windows, which notify no one, and the composite alarm over both that notifies
    with the alert's severity; nothing else in the table reads the objectives."""
    values = computed_values(rendered(key).answers)
    alarms = values["behaviour"]["alarms"]
    expected = set()
    for alert_key, sli, objective, alert in burn_alerts(values):
        composite = alarms[alert_key]
        assert composite["kind"] == "composite"
        assert composite["alarms"] == [f"{alert_key}_long", f"{alert_key}_short"]
        assert composite["severity"] == alert["severity"]
        assert composite["threshold_percent"] == alert["threshold_percent"]
        for window in ("long", "short"):
            alarm = alarms[f"{alert_key}_{window}"]
            seconds = alert[f"{window}_window_s"]
            assert (alarm["period_s"], alarm["window_s"], alarm["evaluation_periods"]) == (
                seconds,
                seconds,
                1,
            )
            assert alarm["threshold_percent"] == alert["threshold_percent"]
            assert alarm["comparison"] == ">" == {"gt": ">"}[alert["op"]]
            assert alarm["notify"] is False
            assert alarm.get("missing_data", "notBreaching") == "notBreaching"
            stats = {m["id"]: m["stat"] for m in alarm["metrics"]}
            if sli == "latency":
                assert stats == {"fast": f"TC(:{objective['threshold_s']})", "requests": "SampleCount"}
            else:
                assert stats == {"target_5xx": "Sum", "elb_5xx": "Sum", "requests": "Sum"}
            expected.add(f"{alert_key}_{window}")
        expected.add(alert_key)
    assert {key for key, alarm in alarms.items() if "slo" in alarm} == expected
    # The percentages agree with the ratios: 100 x threshold_ratio.
    for _, _, _, alert in burn_alerts(values):
        assert alert["threshold_percent"] == pytest.approx(100 * alert["threshold_ratio"])


# --- the services: config defaults and bounds, Dockerfile, docker compose


CONFIG_PATTERNS = {
    "python": (
        "service/app/config.py",
        r'read\.integer\("{name}", (\d+), (\d+), ([\d_]+)\)',
    ),
    "typescript": (
        "service/src/config.ts",
        r"read\.integer\('{name}', (\d+), (\d+), ([\d_]+)\)",
    ),
    "rust": (
        "service/src/config.rs",
        r'env\.millis\("{name}", (\d+), (\d+)\.\.=([\d_]+)\)',
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_service_config_defaults_and_bounds(language: str) -> None:
    repo = cloud_variant("aws", language=language)
    deep = table(rendered("python-both"))["deep_health"]
    path, pattern = CONFIG_PATTERNS[language]
    text = (repo / path).read_text()
    found = {}
    for name in ("HEALTH_CHECK_TIMEOUT_MS", "HEALTH_CACHE_TTL_MS"):
        matches = re.findall(pattern.format(name=name), text)
        assert len(matches) == 1, f"{path}: {name} is read {len(matches)} times"
        found[name] = tuple(int(value.replace("_", "")) for value in matches[0])
    assert found["HEALTH_CHECK_TIMEOUT_MS"] == (
        deep["timeout_ms"],
        deep["timeout_min_ms"],
        deep["timeout_max_ms"],
    )
    assert found["HEALTH_CACHE_TTL_MS"] == (deep["cache_ttl_ms"], 0, deep["cache_ttl_max_ms"])
    readme = (repo / "service/README.md").read_text()
    assert re.search(rf"HEALTH_CHECK_TIMEOUT_MS`? \|? ?`?\(?(?:default )?{deep['timeout_ms']}\b", readme)
    assert re.search(rf"HEALTH_CACHE_TTL_MS`? \|? ?`?\(?(?:default )?{deep['cache_ttl_ms']}\b", readme)


# Cloud Run sends SIGKILL 10 s after SIGTERM, whatever the stop timeout (not configurable).
CLOUD_RUN_KILL_AFTER_S = 10
# What a service needs between the drain deadline and SIGKILL: close pools, flush logs, exit.
EXIT_MARGIN_S = 2


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_drain_ends_before_the_stop_timeout(cloud: str) -> None:
    behaviour = table(repo_of(cloud))
    drain = behaviour["drain_timeout_s"]
    assert 1 <= behaviour["drain_timeout_min_s"] <= drain <= behaviour["drain_timeout_max_s"]
    assert drain < behaviour["stop_timeout_s"]
    kill_after = CLOUD_RUN_KILL_AFTER_S if cloud == "gcp" else behaviour["stop_timeout_s"]
    assert kill_after - drain >= EXIT_MARGIN_S
    # The telemetry flush runs after the drain and still leaves a second to exit in.
    assert 1 <= behaviour["telemetry_flush_timeout_s"] <= kill_after - drain - 1


DRAIN_PATTERNS = {
    "python": (
        "service/app/config.py",
        r'float\(read\.integer\("SHUTDOWN_TIMEOUT_SECONDS", (\d+), (\d+), (\d+)\)\)',
        1,
        r"`SHUTDOWN_TIMEOUT_SECONDS` \| `{}`",
    ),
    "typescript": (
        "service/src/config.ts",
        r"read\.integer\('SHUTDOWN_TIMEOUT_MS', ([\d_]+), ([\d_]+), ([\d_]+)\)",
        1000,
        r"`SHUTDOWN_TIMEOUT_MS` \(default {}\b",
    ),
    "rust": (
        "service/src/config.rs",
        r'env\.seconds\("SHUTDOWN_TIMEOUT_SECONDS", (\d+), (\d+)\.\.=(\d+)\)',
        1,
        r"`SHUTDOWN_TIMEOUT_SECONDS` \| `{}`",
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_service_drain_timeout_default_and_bounds(cloud: str, language: str) -> None:
    """Each service reads the table's drain timeout as its default, within its bounds, and its
    README names the default (the tests in tests/services prove the drain itself)."""
    repo = cloud_variant(cloud, language=language)
    behaviour = table(repo_of(cloud))
    path, pattern, per_second, documented = DRAIN_PATTERNS[language]
    matches = re.findall(pattern, (repo / path).read_text())
    assert len(matches) == 1, f"{path}: the drain timeout is read {len(matches)} times"
    found = tuple(int(value.replace("_", "")) / per_second for value in matches[0])
    assert found == (
        behaviour["drain_timeout_s"],
        behaviour["drain_timeout_min_s"],
        behaviour["drain_timeout_max_s"],
    )
    readme = (repo / "service/README.md").read_text()
    assert re.search(documented.format(behaviour["drain_timeout_s"] * per_second), readme), path


@pytest.mark.parametrize("cloud", CLOUDS)
def test_python_telemetry_flush_timeout(cloud: str) -> None:
    """The Python service flushes telemetry for the table's time and its README says so."""
    repo = cloud_variant(cloud, language="python")
    flush = table(repo_of(cloud))["telemetry_flush_timeout_s"]
    config = (repo / "service/app/config.py").read_text()
    assert re.findall(r"^TELEMETRY_FLUSH_TIMEOUT_S = (\d+)$", config, re.MULTILINE) == [str(flush)]
    readme = (repo / "service/README.md").read_text()
    assert f"| `OTEL_EXPORTER_OTLP_TIMEOUT` | `{flush}` |" in readme
    assert f"get at most\n  {flush} s to reach the collector" in readme


@pytest.mark.parametrize("cloud", CLOUDS)
def test_typescript_telemetry_flush_timeout(cloud: str) -> None:
    """The TypeScript service flushes telemetry for the table's time and its README says so."""
    repo = cloud_variant(cloud, language="typescript")
    flush = table(repo_of(cloud))["telemetry_flush_timeout_s"]
    constants = (repo / "service/src/constants.ts").read_text()
    found = re.findall(r"^export const TELEMETRY_FLUSH_TIMEOUT_MS = ([\d_]+);$", constants, re.MULTILINE)
    assert [int(value.replace("_", "")) for value in found] == [flush * 1000]
    readme = (repo / "service/README.md").read_text()
    assert f"`OTEL_EXPORTER_OTLP_TIMEOUT` (default {flush * 1000})" in readme
    assert f"get at most\n  {flush} s to reach the collector" in readme


@pytest.mark.parametrize("cloud", CLOUDS)
def test_rust_telemetry_flush_timeout(cloud: str) -> None:
    """The Rust service flushes telemetry for the table's time (main.rs, after the drain) and
    its README says so (the exporter's timeout in milliseconds, the specification's unit)."""
    repo = cloud_variant(cloud, language="rust")
    flush = table(repo_of(cloud))["telemetry_flush_timeout_s"]
    defaults = (repo / "service/src/defaults.rs").read_text()
    pattern = r"^pub const TELEMETRY_FLUSH_TIMEOUT: std::time::Duration = .*::from_secs\((\d+)\);$"
    assert re.findall(pattern, defaults, re.MULTILINE) == [str(flush)]
    main = (repo / "service/src/main.rs").read_text()
    assert main.count("telemetry.shutdown(TELEMETRY_FLUSH_TIMEOUT).await;") == 1
    readme = (repo / "service/README.md").read_text()
    assert f"| `OTEL_EXPORTER_OTLP_TIMEOUT` | `{flush * 1000}` |" in readme
    assert f"get at most\n  {flush} s to reach the collector" in readme


PROBE_PATTERNS = {
    "python": ("service/app/healthcheck.py", r"def probe\(port: int, timeout_s: float = ([\d.]+)\)", 1),
    "typescript": ("service/src/healthcheck.ts", r"const timeoutMs = (\d+);", 1000),
    "rust": ("service/src/main.rs", r"healthcheck::probe\(port, Duration::from_secs\((\d+)\)\)", 1),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_healthcheck_command_timeout(language: str) -> None:
    """The command the container check runs gives up within the table's probe timeout."""
    repo = cloud_variant("aws", language=language)
    container = table(rendered("python-both"))["container_health_check"]
    path, pattern, per_second = PROBE_PATTERNS[language]
    values = re.findall(pattern, (repo / path).read_text())
    assert len(values) == 1, f"{path}: no single probe timeout"
    assert float(values[0]) / per_second == container["probe_timeout_s"]


def _seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)s", value)
    assert match, value
    return int(match.group(1))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_dockerfile_and_compose_health_checks(cloud: str, language: str) -> None:
    repo = cloud_variant(cloud, language=language)
    behaviour = table(repo_of(cloud))
    container, deep = behaviour["container_health_check"], behaviour["deep_health"]
    expected = {
        "interval": container["interval_s"],
        "timeout": container["timeout_s"],
        "start-period": container["start_period_s"],
        "retries": container["retries"],
    }

    dockerfile = (repo / "service/Dockerfile").read_text()
    (line,) = [line for line in dockerfile.splitlines() if line.startswith("HEALTHCHECK ")]
    flags = dict(re.findall(r"--([a-z-]+)=(\S+)", line))
    assert {key: int(value.rstrip("s")) for key, value in flags.items()} == expected

    compose = yaml.safe_load((repo / "docker-compose.yml").read_text())["services"]["service"]
    check = compose["healthcheck"]
    assert {
        "interval": _seconds(check["interval"]),
        "timeout": _seconds(check["timeout"]),
        "start-period": _seconds(check["start_period"]),
        "retries": check["retries"],
    } == expected
    assert _seconds(compose["stop_grace_period"]) == behaviour["stop_timeout_s"]
    environment = compose["environment"]
    assert int(environment["HEALTH_CHECK_TIMEOUT_MS"]) == deep["timeout_ms"]
    assert int(environment["HEALTH_CACHE_TTL_MS"]) == deep["cache_ttl_ms"]


# --- AWS: Terraform (resolved) and CDK (synthesized) health checks and scaling


def test_aws_terraform_health_checks_and_scaling() -> None:
    repo = repo_of("aws")
    behaviour = table(repo)
    lb, container = behaviour["load_balancer_health_check"], behaviour["container_health_check"]
    scaling = behaviour["autoscaling"]
    kinds = ("aws_lb_target_group", "aws_ecs_service", "aws_appautoscaling_policy")
    resolved = terraform_resources(repo.path, tuple(repo.answers["environments"]), kinds)
    for env in repo.answers["environments"]:
        data = resolved[env]
        (group,) = data["aws_lb_target_group"]
        assert group["deregistration_delay"] == lb["deregistration_delay_s"]
        check = group["health_check"]
        assert (check["interval"], check["timeout"]) == (lb["interval_s"], lb["timeout_s"])
        assert check["healthy_threshold"] == lb["healthy_threshold"]
        assert check["unhealthy_threshold"] == lb["unhealthy_threshold"]
        (service,) = data["aws_ecs_service"]
        assert service["health_check_grace_period_seconds"] == behaviour["health_check_grace_period_s"]
        assert_target_tracking(data["aws_appautoscaling_policy"], scaling, key=str)
    # The container definition is jsonencode()d from module inputs tfparse leaves unresolved:
    # read the module's literal health check and its stop_timeout default.
    module = parse_files(repo.path / "terraform/modules/ecs-service")
    text = (repo.path / "terraform/modules/ecs-service/main.tf").read_text()
    # The service's container (the collector's health check, a local, is indented less).
    block = re.search(r"\n      healthCheck = \{(.*?)\n      \}", text, re.S)
    assert block, "the task definition has no healthCheck"
    values = dict(re.findall(r"(\w+)\s+= (\d+)", block.group(1)))
    assert {key: int(value) for key, value in values.items()} == {
        "interval": container["interval_s"],
        "timeout": container["timeout_s"],
        "retries": container["retries"],
        "startPeriod": container["start_period_s"],
    }
    defaults = {
        name: body.get("default")
        for item in module["variables.tf"]["variable"]
        for name, body in item.items()
    }
    assert defaults["stop_timeout"] == behaviour["stop_timeout_s"]
    assert "stopTimeout            = var.stop_timeout" in text


def test_aws_cdk_health_checks_and_scaling() -> None:
    repo = repo_of("aws")
    behaviour = table(repo)
    lb, container = behaviour["load_balancer_health_check"], behaviour["container_health_check"]
    scaling = behaviour["autoscaling"]
    for env, templates in cdk_templates(repo.path).items():
        resources = [r for t in templates for r in t.get("Resources", {}).values()]
        by_type: dict[str, list[dict[str, Any]]] = {}
        for resource in resources:
            by_type.setdefault(resource["Type"], []).append(resource.get("Properties", {}))
        (group,) = by_type["AWS::ElasticLoadBalancingV2::TargetGroup"]
        assert group["HealthCheckIntervalSeconds"] == lb["interval_s"], env
        assert group["HealthCheckTimeoutSeconds"] == lb["timeout_s"], env
        assert group["HealthyThresholdCount"] == lb["healthy_threshold"], env
        assert group["UnhealthyThresholdCount"] == lb["unhealthy_threshold"], env
        attributes = {a["Key"]: a["Value"] for a in group.get("TargetGroupAttributes", [])}
        assert attributes["deregistration_delay.timeout_seconds"] == str(lb["deregistration_delay_s"])
        (service,) = by_type["AWS::ECS::Service"]
        assert service["HealthCheckGracePeriodSeconds"] == behaviour["health_check_grace_period_s"]
        (task,) = by_type["AWS::ECS::TaskDefinition"]
        container_name = computed_values(repo.answers)["names"][env]["container"]
        (definition,) = (c for c in task["ContainerDefinitions"] if c["Name"] == container_name)
        check = definition["HealthCheck"]
        assert (check["Interval"], check["Timeout"]) == (container["interval_s"], container["timeout_s"])
        assert (check["Retries"], check["StartPeriod"]) == (container["retries"], container["start_period_s"])
        assert definition["StopTimeout"] == behaviour["stop_timeout_s"]
        assert_target_tracking(
            by_type["AWS::ApplicationAutoScaling::ScalingPolicy"], scaling, key=_cloudformation_key
        )


# --- AWS: the OpenTelemetry collector sidecar, its task-role grants, the alarm routes


def collector_config(behaviour: dict[str, Any], names: dict[str, Any]) -> dict[str, Any]:
    """The collector's configuration (AOT_CONFIG_CONTENT) the table and names call for."""
    c = behaviour["otel_collector"]
    pipeline = {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"]}
    return {
        "extensions": {"health_check": {"endpoint": c["health_endpoint"]}},
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": c["receiver_endpoint"]}}}},
        "processors": {
            "memory_limiter": {
                "check_interval": f"{c['check_interval_s']}s",
                "limit_mib": c["limit_mib"],
                "spike_limit_mib": c["spike_limit_mib"],
            },
            "batch": {},
        },
        "exporters": {
            "awsxray": {},
            "awsemf": {
                "namespace": names["metrics_namespace"],
                "log_group_name": names["metrics_log_group"],
                "log_stream_name": "{TaskId}",
                "dimension_rollup_option": "NoDimensionRollup",
            },
        },
        "service": {
            "extensions": ["health_check"],
            "telemetry": {"metrics": {"level": "none"}},
            "pipelines": {
                "traces": {**pipeline, "exporters": ["awsxray"]},
                "metrics": {**pipeline, "exporters": ["awsemf"]},
            },
        },
    }


def otel_environment(behaviour: dict[str, Any], names: dict[str, Any], env: str) -> dict[str, str]:
    """The telemetry contract's variables of the service container (tests/../s21 contract)."""
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": behaviour["otel_collector"]["otlp_endpoint"],
        "OTEL_SERVICE_NAME": names["service"],
        "OTEL_RESOURCE_ATTRIBUTES": f"deployment.environment={env}",
    }


def test_the_collector_fits_its_table() -> None:
    collector = table(repo_of("aws"))["otel_collector"]
    # The memory limiter must act before the container's hard limit kills the collector.
    assert collector["spike_limit_mib"] < collector["limit_mib"] < collector["memory_mib"]
    assert collector["otlp_endpoint"] == f"http://{collector['receiver_endpoint']}"
    assert collector["receiver_endpoint"].startswith("localhost:")
    assert collector["health_endpoint"].startswith("127.0.0.1:")
    assert re.fullmatch(
        r"public\.ecr\.aws/aws-observability/aws-otel-collector:v\d+\.\d+\.\d+", collector["image"]
    )
    check = collector["health_check"]
    assert check["timeout_s"] < check["interval_s"]
    # Fargate: the smallest task (256 CPU units, 512 MiB) keeps most of itself for the service.
    assert collector["cpu_units"] <= 64 and collector["memory_mib"] <= 128


def assert_collector_container(
    container: dict[str, Any], values: dict[str, Any], names: dict[str, Any]
) -> None:
    """An ECS container definition (its JSON keys) is the table's collector: image, size,
    hardening, health check, logs and configuration."""
    c = values["behaviour"]["otel_collector"]
    assert container["name"] == names["collector_container"]
    assert container["image"] == c["image"]
    assert container["essential"] is False
    assert (container["cpu"], container["memory"]) == (c["cpu_units"], c["memory_mib"])
    assert container["readonlyRootFilesystem"] is True and container["privileged"] is False
    assert container["user"] == str(values["container_uid"])
    assert container["stopTimeout"] == c["stop_timeout_s"]
    assert container["linuxParameters"]["capabilities"]["drop"] == ["ALL"]
    check = c["health_check"]
    assert container["healthCheck"] == {
        "command": ["CMD", "/healthcheck"],
        "interval": check["interval_s"],
        "timeout": check["timeout_s"],
        "retries": check["retries"],
        "startPeriod": check["start_period_s"],
    }
    assert container["logConfiguration"]["options"]["awslogs-stream-prefix"] == names["collector_container"]
    ((variable),) = container["environment"]
    assert variable["name"] == "AOT_CONFIG_CONTENT"
    assert json.loads(variable["value"]) == collector_config(values["behaviour"], names)


def _camel(value: Any) -> Any:
    """CloudFormation's PascalCase keys as the ECS API's camelCase (log driver options, which
    are lower case already, unchanged)."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: _camel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_camel(item) for item in value]
    return value


def test_aws_terraform_collector_sidecar_and_its_grants() -> None:
    """The resolved Terraform: the collector container, its configuration, the service's
    contract variables and dependency, and the task role's exact telemetry statements."""
    repo = repo_of("aws")
    values = computed_values(repo.answers)
    behaviour = values["behaviour"]
    kinds = (
        "locals",
        "aws_cloudwatch_log_group",
        "aws_iam_policy_document",
        "aws_iam_role_policy",
        "aws_iam_role",
    )
    resolved = terraform_resources(repo.path, tuple(repo.environments), kinds)
    for env in repo.environments:
        names = values["names"][env]
        data = resolved[env]
        (module_locals,) = (item for item in data["locals"] if "collector_container" in item)
        container = module_locals["collector_container"]
        assert_collector_container(container, values, names)
        assert container["linuxParameters"] == {"capabilities": {"drop": ["ALL"]}}
        assert container["logConfiguration"]["options"]["awslogs-group"] == names["collector_log_group"]
        assert module_locals["collector_config"] == collector_config(behaviour, names)
        assert module_locals["otel_environment"] == otel_environment(behaviour, names, env)
        assert module_locals["collector_dependency"] == [
            {"containerName": names["collector_container"], "condition": "HEALTHY"}
        ]
        groups = {group["name"]: group for group in data["aws_cloudwatch_log_group"]}
        metrics = groups[names["metrics_log_group"]]
        assert names["collector_log_group"] in groups
        (document,) = (
            d for d in data["aws_iam_policy_document"] if d["__tfmeta"]["path"].endswith(".telemetry")
        )
        statements = {s["sid"]: s for s in document["statement"]}
        assert set(statements) == {"SendTraces", "WriteEmfMetrics"}
        assert statements["SendTraces"]["actions"] == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
        assert statements["SendTraces"]["resources"] == ["*"]
        emf = statements["WriteEmfMetrics"]
        assert emf["actions"] == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
        # tfparse writes a reference to the log group's ARN as the group's id.
        assert emf["resources"] == [metrics["id"], f"{metrics['id']}:log-stream:*"]
        (policy,) = (p for p in data["aws_iam_role_policy"] if p["policy"] == document["id"])
        (task_role,) = (r for r in data["aws_iam_role"] if r["name"] == names["task_role"])
        assert policy["role"] == task_role["id"]
    # The app container's definition is jsonencode()d (unresolved by tfparse): its text.
    text = (repo.path / "terraform/modules/ecs-service/main.tf").read_text()
    assert "      dependsOn = local.collector_dependency\n" in text
    assert "    local.collector_container,\n  ])" in text
    assert "merge(var.environment, local.otel_environment)" in text


def test_aws_cdk_collector_sidecar_and_its_grants() -> None:
    repo = repo_of("aws")
    values = computed_values(repo.answers)
    behaviour = values["behaviour"]
    for env, templates in cdk_templates(repo.path).items():
        names = values["names"][env]
        resources = {i: r for t in templates for i, r in t.get("Resources", {}).items()}
        (task,) = (r["Properties"] for r in resources.values() if r["Type"] == "AWS::ECS::TaskDefinition")
        app, collector = task["ContainerDefinitions"]
        assert app["Name"] == names["container"]
        # CloudFormation spells the container definition's keys in PascalCase.
        assert_collector_container(_camel(collector), values, names)
        log_options = collector["LogConfiguration"]["Options"]
        assert app["DependsOn"] == [{"ContainerName": names["collector_container"], "Condition": "HEALTHY"}]
        environment = {item["Name"]: item["Value"] for item in app["Environment"]}
        for key, value in otel_environment(behaviour, names, env).items():
            assert environment[key] == value, key
        groups = {
            r["Properties"]["LogGroupName"]: i
            for i, r in resources.items()
            if r["Type"] == "AWS::Logs::LogGroup"
        }
        assert log_options["awslogs-group"] == {"Ref": groups[names["collector_log_group"]]}
        statements = {
            s.get("Sid"): s
            for r in resources.values()
            if r["Type"] == "AWS::IAM::Policy"
            and r["Properties"]["Roles"]
            == [
                {
                    "Ref": next(
                        i
                        for i, x in resources.items()
                        if x["Type"] == "AWS::IAM::Role"
                        and x["Properties"].get("RoleName") == names["task_role"]
                    )
                }
            ]
            for s in r["Properties"]["PolicyDocument"]["Statement"]
        }
        assert statements["SendTraces"]["Action"] == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
        assert statements["SendTraces"]["Resource"] == "*"
        emf = statements["WriteEmfMetrics"]
        assert emf["Action"] == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
        # Exactly the metrics log group and its streams: arn:aws:logs:<region>:<account>:log-group:<name>.
        metrics_ref = {"Ref": groups[names["metrics_log_group"]]}
        prefix = next(part for part in emf["Resource"][0]["Fn::Join"][1] if isinstance(part, str))
        assert re.fullmatch(rf"arn:aws:logs:{repo.answers['aws_region']}:\d{{12}}:log-group:", prefix), prefix
        assert sorted(emf["Resource"], key=json.dumps) == sorted(
            [
                {"Fn::Join": ["", [prefix, metrics_ref]]},
                {"Fn::Join": ["", [prefix, metrics_ref, ":log-stream:*"]]},
            ],
            key=json.dumps,
        )
        assert "GetSampling" not in json.dumps(statements) and "CreateLogGroup" not in json.dumps(statements)


# --- Head sampling of traces: the table's sampler and ratio on every cloud's service container


def sampling_environment(behaviour: dict[str, Any], env: str) -> dict[str, str]:
    """OTEL_TRACES_SAMPLER(_ARG) as the table sets them for ``env`` (Terraform's tostring and
    JavaScript's String write 1 and 0.1 as Python's :g does)."""
    sampling = behaviour["trace_sampling"]
    return {
        "OTEL_TRACES_SAMPLER": sampling["sampler"],
        "OTEL_TRACES_SAMPLER_ARG": f"{sampling['ratio'][env]:g}",
    }


@pytest.mark.parametrize("cloud", CLOUDS)
def test_trace_sampling_table(cloud: str) -> None:
    """A caller's decision stands (no trace is cut in half); every environment has a ratio in
    (0, 1], and prod keeps only a share of its new traces, except where the SLO alerts count the
    traced requests (Azure: Application Insights' requests), which must all be there."""
    sampling = table(repo_of(cloud))["trace_sampling"]
    assert sampling["sampler"] == "parentbased_traceidratio"
    assert set(sampling["ratio"]) == {"dev", "staging", "prod"}
    for env, ratio in sampling["ratio"].items():
        assert isinstance(ratio, int | float) and 0 < ratio <= 1, env
    burn_alerts = [a for a in table(repo_of(cloud))["alarms"].values() if a.get("slo")]
    # Application Insights' `requests` table holds the service's SERVER spans.
    counts_traces = any(str(a.get("query", "")).startswith("requests") for a in burn_alerts)
    assert burn_alerts
    assert counts_traces is (cloud == "azure")
    assert (sampling["ratio"]["prod"] < 1) is not counts_traces


@pytest.mark.parametrize("cloud", CLOUDS)
def test_terraform_trace_sampling_per_environment(cloud: str) -> None:
    """Each environment's tfvars hold the table's sampler and ratio, and its root passes them to
    the service container."""
    repo = repo_of(cloud)
    behaviour = table(repo)
    for env in repo.environments:
        root = repo.path / "terraform/environments" / env
        tfvars = parse_files(root)["terraform.tfvars"]
        expected = sampling_environment(behaviour, env)
        assert tfvars["trace_sampler"] == expected["OTEL_TRACES_SAMPLER"]
        assert f"{tfvars['trace_sampling_ratio']:g}" == expected["OTEL_TRACES_SAMPLER_ARG"]
        main = (root / "main.tf").read_text()
        ratio = r"^\s+OTEL_TRACES_SAMPLER_ARG\s+= tostring\(var\.trace_sampling_ratio\)$"
        assert re.search(r"^\s+OTEL_TRACES_SAMPLER\s+= var\.trace_sampler$", main, re.M)
        assert re.search(ratio, main, re.M)


@pytest.mark.parametrize("key", ["python-terraform-bare", "gcp-rust-bare"])
def test_terraform_trace_sampling_resolved(key: str) -> None:
    """tfparse resolves the root's container environment with each environment's tfvars (in the
    variants without data stores: a store's module output leaves the whole merged map null, and
    Azure's always holds one, the vault's URI)."""
    repo = rendered(key)
    behaviour = table(repo)
    envs = tuple(repo.environments)
    data = terraform_resources(repo.path, envs, ("locals",))
    for env in envs:
        (local,) = [i for i in data[env]["locals"] if i["__tfmeta"]["path"] == "locals"]
        environment = local["container_environment"]
        for name, value in sampling_environment(behaviour, env).items():
            assert environment[name] == value, (env, name)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_runbook_and_readme_state_the_sampling(cloud: str) -> None:
    """The runbook's traces text says what each environment keeps (prod: about ratio x 100 %),
    and the service README that the infrastructure sets the sampler and each ratio."""
    repo = repo_of(cloud)
    sampling = table(repo)["trace_sampling"]
    runbook = (repo.path / "docs/runbook.md").read_text()
    kept = [
        f"`{env}` keeps " + ("every trace" if r >= 1 else f"about {r * 100:g} % of them")
        for env, r in ((env, sampling["ratio"][env]) for env in repo.environments)
    ]
    notes = re.findall(r"^\*\*Sampling:\*\* .*?(?=\n\n)", runbook, re.M | re.S)
    assert notes
    for note in notes:
        flat = " ".join(note.split())
        assert f"(`{sampling['sampler']}`, set by the infrastructure): " + ", ".join(kept) + ";" in flat
        assert "find a specific failing request by its log lines" in flat and "`trace_id`" in flat
    readme = " ".join((repo.path / "service/README.md").read_text().split())
    ratios = ", ".join(f"`{env}` `{sampling['ratio'][env]:g}`" for env in repo.environments)
    sets = f"the infrastructure sets `{sampling['sampler']}`"
    assert f"{sets} and each environment's ratio ({ratios})" in readme


def test_aws_cdk_trace_sampling_per_environment() -> None:
    repo = repo_of("aws")
    values = computed_values(repo.answers)
    behaviour = values["behaviour"]
    templates_by_env = cdk_templates(repo.path)
    assert set(templates_by_env) == set(repo.environments)
    for env, templates in templates_by_env.items():
        container_name = values["names"][env]["container"]
        (task,) = (
            r["Properties"]
            for t in templates
            for r in t.get("Resources", {}).values()
            if r["Type"] == "AWS::ECS::TaskDefinition"
        )
        (app,) = (c for c in task["ContainerDefinitions"] if c["Name"] == container_name)
        environment = {item["Name"]: item["Value"] for item in app["Environment"]}
        for key, value in sampling_environment(behaviour, env).items():
            assert environment[key] == value, (env, key)


def _expected_routes(behaviour: dict[str, Any]) -> dict[str, str | None]:
    """Alarm key -> the route it notifies (page or ticket), None for the silent window alarms."""
    return {
        key: None if alarm.get("notify") is False else alarm["severity"]
        for key, alarm in behaviour["alarms"].items()
    }


def test_aws_alarm_severities() -> None:
    """Every alarm that notifies has a route; burn rates follow the slo map (fast pages)."""
    behaviour = table(repo_of("aws"))
    routes = _expected_routes(behaviour)
    assert set(routes.values()) == {"page", "ticket", None}
    for key, alarm in behaviour["alarms"].items():
        if alarm.get("kind") == "composite":
            assert routes[key] == ("page" if alarm["burn"] == "fast" else "ticket"), key


@pytest.mark.parametrize("key", ["python-both", "python-terraform-bare"])
def test_aws_terraform_alarm_routes(key: str) -> None:
    """The resolved Terraform: every alarm notifies the topic of its severity, on ALARM and OK."""
    repo = rendered(key)
    values = computed_values(repo.answers)
    routes = _expected_routes(values["behaviour"])
    kinds = ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm", "aws_sns_topic")
    resolved = terraform_resources(repo.path, tuple(repo.environments), kinds)
    for env in repo.environments:
        names = values["names"][env]
        data = resolved[env]
        topics = {t["name"]: t["id"] for t in data["aws_sns_topic"]}
        assert set(topics) == {names["page_topic"], names["sns_topic"]}
        assert all(t["kms_master_key_id"] for t in data["aws_sns_topic"])
        topic_ids = {"page": [topics[names["page_topic"]]], "ticket": [topics[names["sns_topic"]]]}
        by_name = {a["alarm_name"]: a for kind in kinds[:2] for a in data[kind]}
        checked = 0
        for alarm_key, route in routes.items():
            alarm = by_name.get(names["alarms"][alarm_key])
            if alarm is None:
                assert alarm_key == "certificate_expiry", alarm_key
                continue
            if route is None:
                assert alarm["alarm_actions"] is None, alarm_key
            else:
                assert alarm["alarm_actions"] == topic_ids[route], alarm_key
                if values["behaviour"]["alarms"][alarm_key].get("notify_ok") is not False:
                    assert alarm["ok_actions"] == topic_ids[route], alarm_key
                checked += 1
        assert checked >= 8


@pytest.mark.parametrize("key", ["python-both", "rust-cdk-nocache"])
def test_aws_cdk_alarm_routes(key: str) -> None:
    repo = rendered(key)
    values = computed_values(repo.answers)
    routes = _expected_routes(values["behaviour"])
    for env, templates in cdk_templates(repo.path).items():
        names = values["names"][env]
        resources = {i: r for t in templates for i, r in t.get("Resources", {}).items()}
        topics = {
            r["Properties"]["TopicName"]: i for i, r in resources.items() if r["Type"] == "AWS::SNS::Topic"
        }
        assert set(topics) == {names["page_topic"], names["sns_topic"]}
        # The ticket topic keeps the logical ID of the one topic every alarm notified before.
        assert re.fullmatch(r"AlarmTopic[0-9A-F]{8}", topics[names["sns_topic"]])
        assert all(resources[i]["Properties"].get("KmsMasterKeyId") for i in topics.values())
        refs = {
            "page": [{"Ref": topics[names["page_topic"]]}],
            "ticket": [{"Ref": topics[names["sns_topic"]]}],
        }
        by_name = {
            r["Properties"]["AlarmName"]: r["Properties"]
            for r in resources.values()
            if r["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        }
        checked = 0
        for alarm_key, route in routes.items():
            alarm = by_name.get(names["alarms"][alarm_key])
            if alarm is None:
                assert alarm_key == "certificate_expiry", alarm_key
                continue
            if route is None:
                assert "AlarmActions" not in alarm, alarm_key
            else:
                assert alarm["AlarmActions"] == refs[route], alarm_key
                checked += 1
        assert checked >= 8


# --- Google Cloud and Azure: platform probes, the deep-health monitor, scaling


def _platform_resources(
    cloud: str, kinds: tuple[str, ...]
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(the behaviour table, one environment's resolved resources of ``kinds``) per environment."""
    repo = repo_of(cloud)
    behaviour = table(repo)
    resolved = terraform_resources(repo.path, tuple(repo.answers["environments"]), kinds)
    for env in repo.answers["environments"]:
        yield behaviour, resolved[env]


def _containers(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The containers of a resolved Cloud Run service, by name."""
    return {container["name"]: container for container in _listed(service["template"]["containers"])}


def test_gcp_probes_and_uptime_check() -> None:
    kinds = ("google_cloud_run_v2_service", "google_monitoring_uptime_check_config")
    repo = repo_of("gcp")
    resolved = terraform_resources(repo.path, tuple(repo.environments), kinds)
    for env in repo.environments:
        behaviour = table(repo)
        data = resolved[env]
        probes, monitor = behaviour["platform_probes"], behaviour["deep_health_monitor"]
        (service,) = data["google_cloud_run_v2_service"]
        container = _containers(service)[computed_values(repo.answers)["names"][env]["container"]]
        startup, liveness = container["startup_probe"], container["liveness_probe"]
        assert startup["initial_delay_seconds"] == probes["startup"]["initial_delay_s"]
        for probe, want in ((startup, probes["startup"]), (liveness, probes["liveness"])):
            assert probe["period_seconds"] == want["interval_s"]
            assert probe["timeout_seconds"] == want["timeout_s"]
            assert probe["failure_threshold"] == want["failure_threshold"]
        (check,) = data["google_monitoring_uptime_check_config"]
        assert (_seconds(check["period"]), _seconds(check["timeout"])) == (
            monitor["interval_s"],
            monitor["timeout_s"],
        )


@pytest.mark.parametrize("key", ["gcp-python", "gcp-rust-bare"])
def test_gcp_otel_collector_sidecar(key: str) -> None:
    """The resolved Cloud Run service runs the table's collector beside the service: its pinned
    image, limits and startup probe, the service starting after it, the OTLP/HTTP receiver on
    loopback where the service sends, traces and metrics through the memory limiter and a batch
    to Google Cloud; the service account may write traces and metrics and nothing beyond its
    logs; the service's OTEL_* variables are the contract's."""
    repo = rendered(key)
    values = computed_values(repo.answers)
    collector = values["behaviour"]["otel_collector"]
    kinds = ("google_cloud_run_v2_service", "google_project_iam_member")
    assert re.fullmatch(r"us-docker\.pkg\.dev/[\w./-]+/otelcol-google:\d+\.\d+\.\d+", collector["image"])
    assert collector["spike_limit_mib"] < collector["limit_mib"] < collector["memory_mib"]
    receiver = collector["receiver_endpoint"]
    assert receiver.startswith("localhost:") and collector["otlp_endpoint"] == f"http://{receiver}"
    resolved = terraform_resources(repo.path, tuple(repo.environments), kinds)
    for env in repo.environments:
        names = values["names"][env]
        data = resolved[env]
        (service,) = data["google_cloud_run_v2_service"]
        containers = _containers(service)
        assert set(containers) == {names["container"], names["collector_container"]}
        app, sidecar = containers[names["container"]], containers[names["collector_container"]]
        assert app["depends_on"] == [names["collector_container"]]
        assert "ports" not in sidecar
        assert sidecar["image"] == collector["image"]
        assert sidecar["args"] == ["--config=env:OTELCOL_CONFIG"]
        assert sidecar["resources"]["limits"] == {
            "cpu": str(collector["cpu"]),
            "memory": f"{collector['memory_mib']}Mi",
        }
        assert sidecar["resources"]["cpu_idle"] == app["resources"]["cpu_idle"]
        probe, want = sidecar["startup_probe"], collector["startup_probe"]
        assert (
            probe["initial_delay_seconds"],
            probe["period_seconds"],
            probe["timeout_seconds"],
            probe["failure_threshold"],
        ) == (want["initial_delay_s"], want["interval_s"], want["timeout_s"], want["failure_threshold"])
        assert probe["http_get"]["port"] == collector["health_port"]
        (variable,) = _listed(sidecar["env"])
        assert variable["name"] == "OTELCOL_CONFIG"
        config = yaml.safe_load(variable["value"])
        assert config["receivers"] == {"otlp": {"protocols": {"http": {"endpoint": receiver}}}}
        assert config["processors"]["memory_limiter"] == {
            "check_interval": f"{collector['check_interval_s']}s",
            "limit_mib": collector["limit_mib"],
            "spike_limit_mib": collector["spike_limit_mib"],
        }
        assert config["extensions"]["health_check"]["endpoint"].endswith(f":{collector['health_port']}")
        assert config["service"]["extensions"] == ["health_check"]
        assert set(config["exporters"]) == {"googlecloud"}
        pipelines = config["service"]["pipelines"]
        assert set(pipelines) == {"traces", "metrics"}
        for pipeline in pipelines.values():
            assert pipeline["receivers"] == ["otlp"]
            assert pipeline["processors"][0] == "memory_limiter"
            assert pipeline["processors"][-1] == "batch"
            assert pipeline["exporters"] == ["googlecloud"]
        roles = {member["role"] for member in data["google_project_iam_member"]}
        project_roles = {"roles/cloudtrace.agent", "roles/monitoring.metricWriter", "roles/logging.logWriter"}
        assert roles - {"roles/cloudsql.client", "roles/cloudsql.instanceUser"} == project_roles
    module = parse_files(repo.path / "terraform/modules/cloud-run")["main.tf"]
    (body,) = [
        item["google_cloud_run_v2_service"]["this"]
        for item in module["resource"]
        if "google_cloud_run_v2_service" in item
    ]
    (app_block,) = [c for c in body["template"][0]["containers"] if c["name"] == "${var.container_name}"]
    (env_block,) = _listed(app_block["dynamic"][0]["env"])
    assert env_block["for_each"] == (
        '${merge(var.environment, {OTEL_EXPORTER_OTLP_ENDPOINT = "' + collector["otlp_endpoint"] + '"})}'
    )
    for env in repo.environments:
        root = parse_files(repo.path / "terraform/environments" / env)["main.tf"]
        (locals_,) = [block for block in root["locals"] if "container_environment" in block]
        merged = locals_["container_environment"]
        assert "OTEL_SERVICE_NAME = var.service_name" in merged
        assert 'OTEL_RESOURCE_ATTRIBUTES = "deployment.environment=${var.environment}"' in merged


def test_azure_probes_availability_test_and_scaling() -> None:
    kinds = ("azurerm_container_app", "azurerm_application_insights_standard_web_test")
    repo = repo_of("azure")
    for (behaviour, data), env in zip(_platform_resources("azure", kinds), repo.environments, strict=True):
        probes, monitor = behaviour["platform_probes"], behaviour["deep_health_monitor"]
        names = computed_values(repo.answers)["names"][env]
        (app,) = data["azurerm_container_app"]
        template = _single(app["template"])
        assert template["termination_grace_period_seconds"] == behaviour["stop_timeout_s"]
        containers = {c["name"]: c for c in _listed(template["container"])}
        assert set(containers) == {names["container"], names["collector_container"]}
        container = containers[names["container"]]
        # The collector's liveness probe asks its health_check extension.
        collector, want = behaviour["otel_collector"], behaviour["otel_collector"]["liveness"]
        probe = _single(containers[names["collector_container"]]["liveness_probe"])
        assert (probe["port"], probe["transport"]) == (collector["health_port"], "HTTP")
        assert (probe["interval_seconds"], probe["timeout"], probe["failure_count_threshold"]) == (
            want["interval_s"],
            want["timeout_s"],
            want["failure_threshold"],
        )
        for kind in ("startup", "liveness", "readiness"):
            probe, want = _single(container[f"{kind}_probe"]), probes[kind]
            assert probe["interval_seconds"] == want["interval_s"], kind
            assert probe["timeout"] == want["timeout_s"], kind
            assert probe["failure_count_threshold"] == want["failure_threshold"], kind
            if "initial_delay_s" in want:
                assert probe["initial_delay"] == want["initial_delay_s"], kind
        rule = _single(template["custom_scale_rule"])
        assert int(rule["metadata"]["value"]) == behaviour["autoscaling"]["cpu_target_percent"]
        (test,) = data["azurerm_application_insights_standard_web_test"]
        assert (test["frequency"], test["timeout"]) == (monitor["interval_s"], monitor["timeout_s"])


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _single(value: Any) -> Any:
    (item,) = _listed(value)
    return item


# --- alarms: Terraform of each cloud, CDK, module READMEs, runbook


def _minutes_in(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"(?:for|within|last|over) (\d+) minutes", text)}


def test_aws_terraform_alarms() -> None:
    repo = repo_of("aws")
    alarms = table(repo)["alarms"]
    for env in repo.answers["environments"]:
        names = computed_values(repo.answers)["names"][env]["alarms"]
        data = terraform_resources(repo.path, (env,), ("aws_cloudwatch_metric_alarm", "aws_db_instance"))[env]
        by_name = {a["alarm_name"]: a for a in data["aws_cloudwatch_metric_alarm"]}
        https = bool(repo.answers.get("certificate_arn"))
        expected = {
            key
            for key, alarm in alarms.items()
            if (https or key != "certificate_expiry") and alarm["kind"] != "composite"
        }
        assert {key for key in alarms if names[key] in by_name} == expected
        for key in expected:
            alarm, resource = alarms[key], by_name[names[key]]
            # Window alarms of a burn-rate alert notify no one; every other alarm does.
            assert (resource["alarm_actions"] is None) is (alarm.get("notify") is False), key
            assert resource["evaluation_periods"] == alarm["evaluation_periods"], key
            # Unset (absent, or null in a for_each entry) means every datapoint.
            datapoints = resource.get("datapoints_to_alarm")
            assert (alarm["evaluation_periods"] if datapoints is None else datapoints) == alarm[
                "evaluation_periods"
            ], key
            periods = (
                {resource["period"]}
                if resource.get("period") is not None
                else {q["metric"]["period"] for q in _listed(resource["metric_query"]) if "metric" in q}
            )
            assert periods == {alarm["period_s"]}, key
            if key == "db_connections_high":
                assert "threshold_percent" in alarm
                assert resource["threshold"] == pytest.approx(
                    int(_max_connections(resource) * alarm["threshold_percent"] / 100)
                )
            elif key == "at_max_capacity":
                assert resource["threshold"] == alarm["threshold_tasks"] == repo.answers["max_capacity"]
            else:
                assert resource["threshold"] == threshold(alarm), key
            prose = resource["alarm_description"]
            assert _minutes_in(prose) <= {minutes(alarm)}, (key, prose)
            assert prose.endswith(f"docs/runbook.md#{alarm['anchor']}"), key


@pytest.mark.parametrize("key", ["python-both", "python-terraform-bare"])
def test_aws_terraform_burn_rate_alerts(key: str) -> None:
    """The resolved Terraform: each window alarm at the slo map's threshold over one period as
    long as its window, silent; the composite alarm ANDs exactly its two windows and notifies."""
    repo = rendered(key)
    values = computed_values(repo.answers)
    kinds = ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")
    resolved = terraform_resources(repo.path, tuple(repo.environments), kinds)
    for env in repo.environments:
        names = values["names"][env]["alarms"]
        data = resolved[env]
        metric = {a["alarm_name"]: a for a in data["aws_cloudwatch_metric_alarm"]}
        composite = {a["alarm_name"]: a for a in data["aws_cloudwatch_composite_alarm"]}
        alerts = burn_alerts(values)
        assert set(composite) == {names[alert_key] for alert_key, *_ in alerts}
        for alert_key, sli, objective, alert in alerts:
            resource = composite[names[alert_key]]
            assert resource["alarm_rule"] == " AND ".join(
                f'ALARM("{names[f"{alert_key}_{window}"]}")' for window in ("long", "short")
            )
            assert resource["alarm_actions"] and resource["ok_actions"], alert_key
            assert resource["tags"] == {"Severity": alert["severity"]}
            assert resource["alarm_description"].endswith(f"docs/runbook.md#{alarms_anchor(alert_key)}")
            assert f"More than {alert['threshold_percent']}% of requests" in resource["alarm_description"]
            for window in ("long", "short"):
                alarm = metric[names[f"{alert_key}_{window}"]]
                assert alarm["threshold"] == alert["threshold_percent"], (alert_key, window)
                assert alarm["comparison_operator"] == "GreaterThanThreshold"
                assert alarm["treat_missing_data"] == "notBreaching"
                assert (alarm["evaluation_periods"], alarm["datapoints_to_alarm"]) == (1, 1)
                assert alarm["alarm_actions"] is None and alarm["ok_actions"] is None
                # tfparse replaces each query's id by a uuid: the metrics in the table's order.
                queries = _listed(alarm["metric_query"])
                metrics = [q["metric"] for q in queries if q.get("metric")]
                assert {m["period"] for m in metrics} == {alert[f"{window}_window_s"]}
                assert all(m["namespace"] == "AWS/ApplicationELB" for m in metrics)
                assert all(set(m["dimensions"]) == {"LoadBalancer"} for m in metrics)
                if sli == "latency":
                    assert [(m["metric_name"], m["stat"]) for m in metrics] == [
                        ("TargetResponseTime", f"TC(:{objective['threshold_s']})"),
                        ("TargetResponseTime", "SampleCount"),
                    ]
                else:
                    assert [(m["metric_name"], m["stat"]) for m in metrics] == [
                        ("HTTPCode_Target_5XX_Count", "Sum"),
                        ("HTTPCode_ELB_5XX_Count", "Sum"),
                        ("RequestCount", "Sum"),
                    ]


def _max_connections(resource: dict[str, Any]) -> int:
    match = re.search(r"max_connections \((\d+)\)", resource["alarm_description"])
    assert match, resource["alarm_description"]
    return int(match.group(1))


def test_gcp_terraform_alarms() -> None:
    repo = repo_of("gcp")
    alarms = table(repo)["alarms"]
    module = parse_files(repo.path / "terraform/modules/monitoring")
    defaults = {
        name: body.get("default")
        for item in module["variables.tf"]["variable"]
        for name, body in item.items()
    }
    (locals_,) = [block for block in module["main.tf"]["locals"] if "alerts" in block]
    policies = locals_["alerts"]
    # Threshold policies here; the burn-rate ones (kind burn): test_gcp_terraform_burn_rate_alerts.
    thresholds = {key: alarm for key, alarm in alarms.items() if alarm.get("kind") != "burn"}
    assert set(policies) == set(thresholds)
    assert set(locals_["burn_alerts"]) == set(alarms) - set(thresholds)
    for key, alarm in thresholds.items():
        policy = policies[key]
        assert _seconds(policy["period"]) == alarm["period_s"], key
        assert _seconds(policy["duration"]) == alarm["window_s"], key
        value = policy["threshold"]
        if isinstance(value, str):
            match = re.fullmatch(r"\$\{var\.(\w+)(?: \* ([\d.]+)| - ([\d.]+))?\}", value)
            assert match, (key, value)
            if match.group(2):
                assert float(match.group(2)) * 100 == alarm["threshold_percent"], key
                continue
            if match.group(3):
                assert alarm["threshold_instances"] == repo.answers["max_capacity"], key
                continue
            value = defaults[match.group(1)]
        assert value == threshold(alarm), key
        summary = re.sub(
            r"\$\{var\.(\w+) \* 100\}", lambda m: f"{defaults[m.group(1)] * 100:g}", policy["summary"]
        )
        assert _minutes_in(summary) <= {minutes(alarm)}, (key, summary)
        for share in re.findall(r"above (\d+)%", summary):
            assert int(share) == round(threshold(alarm) * (1 if "threshold_percent" in alarm else 100)), key


# Google Cloud answer sets: the default objectives (gcp-python), and the edges of every rule
# (gcp-rust-bare: 99.999 %, 99.99 % within 60000 ms, 7 days).
GCP_SLO_KEYS = ("gcp-python", "gcp-rust-bare")
GCP_SEVERITY = {"page": "CRITICAL", "ticket": "WARNING"}


@pytest.mark.parametrize("key", GCP_SLO_KEYS)
def test_gcp_burn_rate_alerts_are_the_slo_map(key: str) -> None:
    """One table entry per objective and burn rate: the slo map's burn rate, windows and route,
    and nothing else in the table reads the objectives."""
    values = computed_values(rendered(key).answers)
    alarms = values["behaviour"]["alarms"]
    alerts = burn_alerts(values)
    assert {k for k, alarm in alarms.items() if "slo" in alarm} == {alert_key for alert_key, *_ in alerts}
    for alert_key, sli, objective, alert in alerts:
        alarm = alarms[alert_key]
        assert alarm["kind"] == "burn"
        assert (alarm["slo"], alarm["burn"]) == (sli, alert_key.split("_")[1])
        assert alarm["threshold_burn_rate"] == alert["burn_rate"]
        assert (alarm["long_window_s"], alarm["short_window_s"]) == (
            alert["long_window_s"],
            alert["short_window_s"],
        )
        assert alarm["window_s"] == alert["long_window_s"]
        assert alarm["comparison"] == ">" == {"gt": ">"}[alert["op"]]
        assert alarm["route"] == alert["severity"]
        assert alarm["severity"] == GCP_SEVERITY[alert["severity"]]
        assert f"more than {alert['threshold_percent']}% of the requests" in alarm["description"]
        assert f"would last {alert['budget_exhausted_in_h']} hours" in alarm["description"]
        budget = (
            f"({objective['error_budget_percent']}% of requests over {values['slo']['window_days']} days)"
        )
        assert budget in alarm["description"]


def _blocks(module: dict[str, Any], kind: str) -> dict[str, Any]:
    """The resources of one type in a parsed module file, by name."""
    return {name: body for item in module.get("resource", []) for name, body in item.get(kind, {}).items()}


@pytest.mark.parametrize("key", GCP_SLO_KEYS)
def test_gcp_terraform_burn_rate_alerts(key: str) -> None:
    """The monitoring module as python-hcl2 parses it: two request-based SLOs at the slo map's
    goals over its window; per objective and burn rate a policy over both windows' burn rate
    (AND) at the map's burn rate, notifying the page channel on a fast burn and the team's
    channel on a slow one; the environments wire the names and the page address."""
    repo = rendered(key)
    values = computed_values(repo.answers)
    objectives, days = values["slo"]["objectives"], values["slo"]["window_days"]
    module = parse_files(repo.path / "terraform/modules/monitoring")
    main = module["main.tf"]
    (locals_,) = [block for block in main["locals"] if "burn_alerts" in block]

    # The service and its two objectives.
    (service,) = _blocks(main, "google_monitoring_custom_service").values()
    assert service["service_id"] == "${var.slo_service_name}"
    slos = _blocks(main, "google_monitoring_slo")
    assert set(slos) == set(objectives) == {"availability", "latency"}
    for sli, slo in slos.items():
        assert slo["service"] == "${google_monitoring_custom_service.this.service_id}"
        assert slo["slo_id"] == sli
        assert slo["goal"] == objectives[sli]["target_ratio"]
        assert slo["rolling_period_days"] == days
        assert f"{objectives[sli]['objective_percent']}% of requests" in slo["display_name"]
        assert locals_["slo_names"][sli] == f"${{google_monitoring_slo.{sli}.id}}"
    run = '${local.run_filter} AND metric.type = \\"run.googleapis.com/'
    assert locals_["requests"] == run + 'request_count\\"'
    assert locals_["latencies"] == run + 'request_latencies\\"'
    (ratio,) = slos["availability"]["request_based_sli"][0]["good_total_ratio"]
    assert ratio["total_service_filter"] == "${local.requests}"
    five_xx = 'metric.labels.response_code_class = \\"5xx\\"'
    assert ratio["bad_service_filter"] == "${local.requests} AND " + five_xx
    assert "good_service_filter" not in ratio
    (cut,) = slos["latency"]["request_based_sli"][0]["distribution_cut"]
    assert cut["distribution_filter"] == "${local.latencies}"
    # request_latencies is in milliseconds: good is at most the threshold.
    assert cut["range"] == [{"max": objectives["latency"]["threshold_ms"], "__is_block__": True}]

    # The policies: the table's entries, each the map's numbers.
    policies = locals_["burn_alerts"]
    alerts = burn_alerts(values)
    assert set(policies) == {alert_key for alert_key, *_ in alerts}
    for alert_key, sli, _, alert in alerts:
        policy = policies[alert_key]
        assert policy["slo"] == sli
        assert policy["burn_rate"] == alert["burn_rate"]
        assert (policy["long_window"], policy["short_window"]) == (
            f"{alert['long_window_s']}s",
            f"{alert['short_window_s']}s",
        )
        assert policy["route"] == alert["severity"]
        assert policy["severity"] == GCP_SEVERITY[alert["severity"]]
        assert f"more than {alert['threshold_percent']}% of the requests" in policy["summary"]
    resource = _blocks(main, "google_monitoring_alert_policy")["burn_rate"]
    assert resource["for_each"] == "${local.burn_alerts}"
    assert resource["display_name"] == "${var.alarm_names[each.key]}"
    assert resource["combiner"] == "AND"
    conditions = [c["condition_threshold"][0] for c in resource["conditions"]]
    assert [c["filter"] for c in conditions] == [
        f'select_slo_burn_rate(\\"${{local.slo_names[each.value.slo]}}\\", \\"${{each.value.{window}}}\\")'
        for window in ("long_window", "short_window")
    ]
    for condition in conditions:
        assert condition["threshold_value"] == "${each.value.burn_rate}"
        assert condition["comparison"] == "COMPARISON_GT"
        assert condition["duration"] == "0s"

    # Routing: fast burns page through their own channel, slow burns reach the team's.
    assert resource["notification_channels"] == ["${local.routes[each.value.route]}"]
    assert locals_["routes"] == {
        "page": "${google_monitoring_notification_channel.page.id}",
        "ticket": "${google_monitoring_notification_channel.email.id}",
    }
    channels = _blocks(main, "google_monitoring_notification_channel")
    assert channels["page"]["labels"] == {"email_address": "${var.page_email}"}
    assert channels["page"]["display_name"] == "${var.page_notification_channel_name}"
    assert channels["email"]["labels"] == {"email_address": "${var.alarm_email}"}
    threshold_policy = _blocks(main, "google_monitoring_alert_policy")["this"]
    assert threshold_policy["notification_channels"] == ["${google_monitoring_notification_channel.email.id}"]
    for env in repo.environments:
        files = parse_files(repo.path / "terraform/environments" / env)
        (call,) = [item["monitoring"] for item in files["main.tf"]["module"] if "monitoring" in item]
        assert call["page_notification_channel_name"] == "${var.names.page_notification_channel}"
        assert call["slo_service_name"] == "${var.names.slo_service}"
        assert call["page_email"] == "${var.page_email}"
        tfvars = files["terraform.tfvars"]
        names = values["names"][env]
        assert tfvars["names"]["page_notification_channel"] == names["page_notification_channel"]
        assert tfvars["names"]["slo_service"] == names["slo_service"]
        assert tfvars["page_email"] == repo.answers["owner_email"]


def test_azure_terraform_alarms() -> None:
    repo = repo_of("azure")
    alarms = table(repo)["alarms"]
    kinds = (
        "azurerm_monitor_metric_alert",
        "azurerm_monitor_scheduled_query_rules_alert_v2",
        "azurerm_monitor_activity_log_alert",
    )
    resolved = terraform_resources(repo.path, tuple(repo.answers["environments"]), kinds)
    for env in repo.answers["environments"]:
        names = computed_values(repo.answers)["names"][env]["alarms"]
        data = resolved[env]
        by_name = {r["name"]: r for kind in kinds for r in data[kind]}
        assert {key for key in alarms if names[key] in by_name} == set(alarms)
        for key, alarm in alarms.items():
            resource = by_name[names[key]]
            if "frequency" in resource:
                assert _iso_minutes(resource["frequency"]) * 60 == alarm["period_s"], key
                assert _iso_minutes(resource["window_size"]) * 60 == alarm["window_s"], key
            elif "evaluation_frequency" in resource:
                assert _iso_minutes(resource["evaluation_frequency"]) * 60 == alarm["period_s"], key
                assert _iso_minutes(resource["window_duration"]) * 60 == alarm["window_s"], key
            criteria = resource.get("criteria") or resource.get(
                "application_insights_web_test_location_availability_criteria"
            )
            # An activity log alert fires on every matching event: no threshold, no window.
            if criteria is not None and key != "revision_failed":
                criteria = _single(criteria)
                if key == "db_connections_high":
                    assert criteria["threshold"] == int(
                        _max_connections_azure(resource) * alarm["threshold_percent"] / 100
                    )
                elif key == "at_max_capacity":
                    assert (
                        criteria["threshold"] == alarm["threshold_replicas"] == repo.answers["max_capacity"]
                    )
                elif "failed_location_count" in criteria:
                    assert criteria["failed_location_count"] == alarm["threshold_locations"]
                else:
                    assert criteria["threshold"] == threshold(alarm), key
            prose = resource.get("description", "")
            assert _minutes_in(prose) <= {minutes(alarm)}, (key, prose)
            assert f"docs/runbook.md#{alarm['anchor']}" in prose, key


def test_azure_terraform_dimension_filters() -> None:
    """The metric alerts' dimension filters (a nested dynamic block tfparse does not expand):
    the module's map carries each alarm's filter of the table, and the alert applies it."""
    repo = repo_of("azure")
    alarms = table(repo)["alarms"]
    module = parse_files(repo.path / "terraform/modules/monitoring")
    (locals_,) = [block for block in module["main.tf"]["locals"] if "metric_alerts" in block]
    metric_alerts = locals_["metric_alerts"]
    assert set(metric_alerts) == {key for key, alarm in alarms.items() if alarm["kind"] == "metric"}
    for key, alert in metric_alerts.items():
        dimension = alarms[key].get("dimension")
        expected = [{"name": dimension["name"], "values": dimension["values"]}] if dimension else []
        assert alert["dimensions"] == expected, key
    assert any(alert["dimensions"] for alert in metric_alerts.values())
    (resource,) = [
        body
        for block in module["main.tf"]["resource"]
        for body in block.get("azurerm_monitor_metric_alert", {}).values()
        if body.get("for_each") == "${local.metric_alerts}"
    ]
    (criteria,) = _listed(resource["criteria"])
    (dynamic,) = _listed(criteria["dynamic"])
    assert dynamic["dimension"]["for_each"] == "${each.value.dimensions}"
    assert _single(dynamic["dimension"]["content"])["operator"] == "Include"


def _iso_minutes(value: str) -> int:
    """Minutes of an ISO 8601 duration as Azure Monitor takes them (PT5M, PT1H, PT6H)."""
    match = re.fullmatch(r"PT(\d+)([MH])", value)
    assert match, value
    return int(match.group(1)) * (60 if match.group(2) == "H" else 1)


# --- Azure: the burn-rate alerts (log search alerts over Application Insights' requests) and
# the telemetry wiring (collector sidecar, connection string from Key Vault)

# Azure answer sets: default objectives (azure-python) and 95 % / 95 % under 1 ms (azure-rust-postgres).
AZURE_SLO_KEYS = ("azure-python", "azure-rust-postgres")
# The bad requests of each objective in KQL over `requests` (a failed request that is not a 4xx).
AZURE_FAILED = "success == false and resultCode !startswith '4'"
BURN_QUERY = re.compile(
    r"requests\n"
    r"\| where timestamp > ago\((?P<long>\d+)s\)\n"
    r"\| summarize long_total = count\(\), long_bad = countif\((?P<long_bad>[^\n]+?)\), "
    r"short_total = countif\(timestamp > ago\((?P<short>\d+)s\)\), "
    r"short_bad = countif\(timestamp > ago\((?P<short_again>\d+)s\) and (?P<short_bad>[^\n]+?)\)\n"
    r"\| project bad_percent = min_of\(iff\(long_total > 0, 100\.0 \* long_bad / long_total, 0\.0\), "
    r"iff\(short_total > 0, 100\.0 \* short_bad / short_total, 0\.0\)\)\n"
)


def _azure_bad(sli: str, objective: dict[str, Any]) -> str:
    return f"duration > {objective['threshold_ms']}" if sli == "latency" else AZURE_FAILED


def _assert_burn_query(query: str, alert: dict[str, Any], bad: str) -> None:
    """The query counts ``bad`` over the long and the short window of ``alert`` and returns the
    smaller share (in %): it exceeds the threshold only when both windows do."""
    match = BURN_QUERY.fullmatch(query)
    assert match, query
    assert int(match["long"]) == alert["long_window_s"]
    assert int(match["short"]) == int(match["short_again"]) == alert["short_window_s"]
    assert match["long_bad"] == match["short_bad"] == bad


@pytest.mark.parametrize("key", AZURE_SLO_KEYS)
def test_azure_burn_rate_alerts_are_the_slo_map(key: str) -> None:
    """Per objective and burn rate: one log search alert at the slo map's threshold, evaluated
    once per short window over the long one, routed by the alert's severity; its KQL reads the
    map's windows and latency threshold; nothing else in the table reads the objectives."""
    values = computed_values(rendered(key).answers)
    alarms = values["behaviour"]["alarms"]
    expected = set()
    for alert_key, sli, objective, alert in burn_alerts(values):
        alarm = alarms[alert_key]
        assert alarm["kind"] == "burn_rate"
        assert (alarm["slo"], alarm["route"]) == (sli, alert["severity"])
        assert alarm["severity"] == {"page": "critical", "ticket": "warning"}[alert["severity"]]
        assert alarm["threshold_percent"] == alert["threshold_percent"]
        assert alarm["comparison"] == ">" == {"gt": ">"}[alert["op"]]
        assert (alarm["window_s"], alarm["period_s"], alarm["evaluation_periods"]) == (
            alert["long_window_s"],
            alert["short_window_s"],
            1,
        )
        assert (alarm["long_window_s"], alarm["short_window_s"]) == (
            alert["long_window_s"],
            alert["short_window_s"],
        )
        assert alarm["bad"] == _azure_bad(sli, objective)
        _assert_burn_query(alarm["query"], alert, alarm["bad"])
        assert (alarm["measure"], alarm["aggregation"]) == ("bad_percent", "Maximum")
        expected.add(alert_key)
    assert {key for key, alarm in alarms.items() if "slo" in alarm} == expected


@pytest.mark.parametrize("key", AZURE_SLO_KEYS)
def test_azure_terraform_burn_rate_alerts(key: str) -> None:
    """The resolved Terraform: each alert queries Application Insights with the map's windows
    and threshold, and notifies the page action group on a fast burn, the ticket one on a slow
    burn (separate routes, each e-mailing its address)."""
    repo = rendered(key)
    values = computed_values(repo.answers)
    kinds = (
        "azurerm_monitor_scheduled_query_rules_alert_v2",
        "azurerm_monitor_action_group",
        "azurerm_application_insights",
    )
    resolved = terraform_resources(repo.path, tuple(repo.environments), kinds)
    for env in repo.environments:
        names = values["names"][env]
        data = resolved[env]
        rules = {r["name"]: r for r in data["azurerm_monitor_scheduled_query_rules_alert_v2"]}
        groups = {g["name"]: g for g in data["azurerm_monitor_action_group"]}
        (insights,) = data["azurerm_application_insights"]
        routes = {"page": groups[names["action_group_page"]], "ticket": groups[names["action_group_ticket"]]}
        assert routes["page"]["short_name"] == names["action_group_page_short_name"]
        assert routes["ticket"]["short_name"] == names["action_group_ticket_short_name"]
        assert len({g["id"] for g in groups.values()}) == 3
        for group in routes.values():
            assert _single(group["email_receiver"])["email_address"] == repo.answers["owner_email"]
        for alert_key, sli, objective, alert in burn_alerts(values):
            rule = rules[names["alarms"][alert_key]]
            route = alert["severity"]
            assert _single(rule["action"])["action_groups"] == [routes[route]["id"]], alert_key
            assert rule["tags"]["route"] == route
            assert rule["severity"] == {"page": 1, "ticket": 3}[route]
            assert rule["scopes"] == [insights["id"]]
            assert _iso_minutes(rule["window_duration"]) * 60 == alert["long_window_s"]
            assert _iso_minutes(rule["evaluation_frequency"]) * 60 == alert["short_window_s"]
            assert rule["auto_mitigation_enabled"] is True
            criteria = _single(rule["criteria"])
            assert criteria["threshold"] == alert["threshold_percent"], alert_key
            assert (criteria["operator"], criteria["time_aggregation_method"]) == ("GreaterThan", "Maximum")
            assert criteria["metric_measure_column"] == "bad_percent"
            _assert_burn_query(criteria["query"], alert, _azure_bad(sli, objective))
            periods = _single(criteria["failing_periods"])
            assert periods["minimum_failing_periods_to_trigger_alert"] == 1
            assert periods["number_of_evaluation_periods"] == 1
            assert f"More than {alert['threshold_percent']}% of requests" in rule["description"]
            assert rule["description"].endswith(f"docs/runbook.md#{alarms_anchor(alert_key)}")


def _max_connections_azure(resource: dict[str, Any]) -> int:
    match = re.search(r"max_connections \((\d+)\)", resource["description"])
    assert match, resource["description"]
    return int(match.group(1))


# The logical IDs the CDK stack gave each alarm before it built them in a loop over the table
# (svcforge 0.1): a different ID would make CloudFormation replace the alarm on the next deploy.
CDK_ALARM_IDS = {
    "cpu_high": "CpuHigh997196C2",
    "memory_high": "MemoryHighD71E0BB6",
    "at_max_capacity": "AtMaxCapacity1AAB4B87",
    "target_5xx": "Target5xx472ED778",
    "unhealthy_hosts": "UnhealthyHosts41FE4E74",
    "deployment_rollback": "DeploymentRollback8D7C58E4",
    "ephemeral_storage_high": "EphemeralStorageHighEC7DA70A",
    "certificate_expiry": "CertificateExpiry9C261083",
    "db_connections_high": "DbConnectionsHigh35206D2A",
    "db_storage_low": "DbStorageLowA861A42E",
    "db_cpu_high": "DbCpuHigh6C7DC2F8",
    "db_auth_failures": "DbAuthFailures4971A314",
    "cache_memory_high": "CacheMemoryHighC4C689E3",
    "cache_cpu_high": "CacheCpuHigh5881D84B",
}


def test_aws_cdk_alarms() -> None:
    repo = repo_of("aws")
    alarms = table(repo)["alarms"]
    for env, templates in cdk_templates(repo.path).items():
        names = computed_values(repo.answers)["names"][env]["alarms"]
        found = {
            r["Properties"]["AlarmName"]: r["Properties"]
            for t in templates
            for r in t.get("Resources", {}).values()
            if r["Type"] == "AWS::CloudWatch::Alarm"
        }
        logical_ids = {
            r["Properties"]["AlarmName"]: logical_id
            for t in templates
            for logical_id, r in t.get("Resources", {}).items()
            if r["Type"] == "AWS::CloudWatch::Alarm"
        }
        for key, alarm in alarms.items():
            if alarm["kind"] == "composite":
                continue
            if names[key] not in found:
                assert key == "certificate_expiry", key
                continue
            construct = "".join(part.capitalize() for part in key.split("_"))
            assert re.fullmatch(f"{construct}[0-9A-F]{{8}}", logical_ids[names[key]]), key
            assert logical_ids[names[key]] == CDK_ALARM_IDS.get(key, logical_ids[names[key]]), key
            resource = found[names[key]]
            assert resource["EvaluationPeriods"] == alarm["evaluation_periods"], key
            assert resource["DatapointsToAlarm"] == alarm["evaluation_periods"], key
            periods = (
                {resource["Period"]}
                if "Period" in resource
                else {q["MetricStat"]["Period"] for q in resource["Metrics"] if "MetricStat" in q}
                | {q["Period"] for q in resource["Metrics"] if "Period" in q}
            )
            assert periods == {alarm["period_s"]}, key
            if key not in ("db_connections_high", "at_max_capacity"):
                assert resource["Threshold"] == threshold(alarm), key
            elif key == "at_max_capacity":
                assert resource["Threshold"] == repo.answers["max_capacity"]
            assert _minutes_in(resource["AlarmDescription"]) <= {minutes(alarm)}, key
            assert resource["AlarmDescription"].endswith(f"docs/runbook.md#{alarm['anchor']}"), key


def _get_att_ids(value: Any) -> set[str]:
    """The logical ids a CloudFormation value reads with Fn::GetAtt."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            return {value["Fn::GetAtt"][0]}
        return {found for item in value.values() for found in _get_att_ids(item)}
    if isinstance(value, list):
        return {found for item in value for found in _get_att_ids(item)}
    return set()


@pytest.mark.parametrize("key", ["python-both", "rust-cdk-nocache"])
def test_aws_cdk_burn_rate_alerts(key: str) -> None:
    """The synthesized CDK app: the same window alarms (threshold, period, silent) and the
    composite alarm over exactly its two windows, notifying, tagged with the alert's severity."""
    repo = rendered(key)
    values = computed_values(repo.answers)
    for env, templates in cdk_templates(repo.path).items():
        names = values["names"][env]["alarms"]
        resources = {logical_id: r for t in templates for logical_id, r in t.get("Resources", {}).items()}
        alarms = {
            r["Properties"]["AlarmName"]: (logical_id, r["Properties"])
            for logical_id, r in resources.items()
            if r["Type"] == "AWS::CloudWatch::Alarm"
        }
        composites = {
            r["Properties"]["AlarmName"]: r["Properties"]
            for r in resources.values()
            if r["Type"] == "AWS::CloudWatch::CompositeAlarm"
        }
        alerts = burn_alerts(values)
        assert set(composites) == {names[alert_key] for alert_key, *_ in alerts}, env
        for alert_key, sli, objective, alert in alerts:
            windows = {}
            for window in ("long", "short"):
                logical_id, alarm = alarms[names[f"{alert_key}_{window}"]]
                windows[window] = logical_id
                assert alarm["Threshold"] == alert["threshold_percent"], (env, alert_key, window)
                assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
                assert alarm["TreatMissingData"] == "notBreaching"
                assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (1, 1)
                assert "AlarmActions" not in alarm and "OKActions" not in alarm, alert_key
                stats = {q["Id"]: q["MetricStat"] for q in alarm["Metrics"] if "MetricStat" in q}
                assert {s["Period"] for s in stats.values()} == {alert[f"{window}_window_s"]}
                if sli == "latency":
                    assert stats["fast"]["Stat"] == f"TC(:{objective['threshold_s']})"
                    assert stats["requests"]["Stat"] == "SampleCount"
            composite = composites[names[alert_key]]
            assert composite["AlarmActions"] and composite["OKActions"], alert_key
            assert _get_att_ids(composite["AlarmRule"]) == set(windows.values()), alert_key
            assert " AND " in json.dumps(composite["AlarmRule"]), alert_key
            assert {"Key": "Severity", "Value": alert["severity"]} in composite.get("Tags", []), alert_key
            assert composite["AlarmDescription"].endswith(f"docs/runbook.md#{alarms_anchor(alert_key)}")


def alarms_anchor(alert_key: str) -> str:
    return alert_key.replace("_", "-")


@pytest.mark.parametrize("cloud", CLOUDS)
def test_module_readme_states_the_table(cloud: str) -> None:
    repo = repo_of(cloud)
    alarms = table(repo)["alarms"]
    readme = (repo.path / "terraform/modules/monitoring/README.md").read_text()
    rows = {
        match.group(1): match.group(0)
        for match in re.finditer(r"^\| `(\w+)` \|.*$", readme, re.M)
        if match.group(1) in alarms
    }
    assert rows, "the monitoring README lists no alarm"
    for key, row in rows.items():
        assert _minutes_in(row) <= {minutes(alarms[key])}, row


@pytest.mark.parametrize("cloud", CLOUDS)
def test_runbook_states_the_table(cloud: str) -> None:
    repo = repo_of(cloud)
    alarms = table(repo)["alarms"]
    runbook = (repo.path / "docs/runbook.md").read_text()
    certificate = r"expires in less than (\d+) days\)|`notAfter` more than (\d+) days away"
    for days in re.findall(certificate, runbook):
        assert int("".join(days)) == alarms["certificate_expiry"]["threshold_days"]
    for percent in re.findall(r"product stays below about (\d+) % of", runbook):
        assert int(percent) == alarms["db_connections_high"]["threshold_percent"]
    for count in re.findall(r"rejected a password in the last (\d+) minutes", runbook):
        assert int(count) == minutes(alarms["db_auth_failures"])
    for percent in re.findall(r"task ephemeral storage above (\d+) %", runbook):
        assert int(percent) == alarms["ephemeral_storage_high"]["threshold_percent"]
    headings = {_slug(h) for h in re.findall(r"^#+ (.+)$", runbook, re.M)}
    assert {alarm["anchor"] for alarm in alarms.values()} <= headings
    # Each section's alarm line names exactly the alarms whose anchor it is, in every environment
    # (the names in brackets are notes: the path and the check an alarm watches).
    names = computed_values(repo.answers)["names"]
    for anchor in {alarm["anchor"] for alarm in alarms.values()}:
        keys = [key for key, alarm in alarms.items() if alarm["anchor"] == anchor]
        body = re.sub(r"\([^)]*\)", "", section(runbook, anchor).split("\n", 1)[1].strip())
        line = re.match(r"\*\*Alarms?:\*\*.*?\.(?=\s|$)", body, re.S)
        assert line, body
        assert line[0].startswith("**Alarms:**" if len(keys) > 1 else "**Alarm:**"), line[0]
        named = set(re.findall(r"`([^`]+)`", line[0]))
        assert named == {names[env]["alarms"][key] for key in keys for env in repo.environments}, line[0]


def _render_runbook(values: dict[str, Any]) -> str:
    """docs/runbook.md from ``values`` with Copier's Jinja setup (its filters, strict undefined)."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(ROOT),
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template("template/docs/runbook.md.jinja").render(**values)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_runbook_lists_an_alarm_added_to_the_table(cloud: str) -> None:
    """For the runbook, an alarm of an existing failure mode is its entry in the table (and its
    name); one whose failure mode has no section fails the render, naming both."""
    repo = repo_of(cloud)
    values = copy.deepcopy(computed_values(repo.answers))
    assert _render_runbook(values) == (repo.path / "docs/runbook.md").read_text()
    values["behaviour"]["alarms"]["memory_swapping"] = dict(values["behaviour"]["alarms"]["memory_high"])
    for env in repo.environments:
        values["names"][env]["alarms"]["memory_swapping"] = f"{env}-memory-swapping"
    line = section(_render_runbook(values), "high-memory").split("**Symptoms:**")[0]
    assert "**Alarms:**" in line
    for env in repo.environments:
        assert f"`{values['names'][env]['alarms']['memory_high']}`" in line
        assert f"`{env}-memory-swapping`" in line
    values["behaviour"]["alarms"]["memory_swapping"]["anchor"] = "swapping"
    with pytest.raises(FilterArgumentError, match=r"alarm 'memory_swapping' .* runbook section 'swapping'"):
        _render_runbook(values)


def _slug(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _hcl_block(files: dict[str, Any], path: str, kind: str, name: str) -> dict[str, Any]:
    """One block (``kind`` "resource type", "module", "output", ...) named ``name`` of a
    python-hcl2 parsed file."""
    found = [body for block in files[path][kind] for key, body in block.items() if key == name]
    (body,) = found
    return body if kind == "module" or kind == "output" else _single(list(body.values()))


@pytest.mark.parametrize("key", ["azure-python", "azure-typescript-redis"])
def test_azure_telemetry_collector_and_key_vault_reference(key: str) -> None:
    """The collector sidecar receives OTLP/HTTP on the loopback where the service exports and
    sends to Application Insights with the connection string the app references in Key Vault
    through its identity: no plain secret in the app, Key Vault Secrets User on exactly the
    service's secrets (this one among them), never on the vault."""
    repo = rendered(key)
    values = computed_values(repo.answers)
    collector = values["behaviour"]["otel_collector"]
    kinds = ("azurerm_container_app", "azapi_resource", "azurerm_role_assignment", "azurerm_key_vault")
    kinds += ("azurerm_user_assigned_identity",)
    resolved = terraform_resources(repo.path, tuple(repo.environments), kinds)
    for env in repo.environments:
        names = values["names"][env]
        data = resolved[env]
        (app,) = data["azurerm_container_app"]
        (identity,) = data["azurerm_user_assigned_identity"]
        assert len(data["azurerm_key_vault"]) == 1
        secrets = {
            s["name"]: s for s in data["azapi_resource"] if s["type"].startswith("Microsoft.KeyVault/")
        }
        connection = secrets[names["telemetry_connection_secret"]]
        # In the service's one vault, with its other secrets (tfparse resolves the module
        # output to one id; the root passes module.key_vault.id, checked below).
        assert {s["parent_id"] for s in secrets.values()} == {connection["parent_id"]}
        # The app's only secret: a Key Vault reference resolved with its identity, no value.
        (secret,) = _listed(app["secret"])
        assert secret["name"] == names["telemetry_connection_secret"]
        assert secret["identity"] == identity["id"]
        assert not secret.get("value")
        readers = [
            r
            for r in data["azurerm_role_assignment"]
            if r["role_definition_name"] == "Key Vault Secrets User"
        ]
        assert sorted(r["scope"] for r in readers) == sorted(s["id"] for s in secrets.values())
        containers = {c["name"]: c for c in _listed(_single(app["template"])["container"])}
        sidecar, service = containers[names["collector_container"]], containers[names["container"]]
        image, _, tag = sidecar["image"].rpartition(":")
        assert sidecar["image"] == collector["image"] and image.endswith("/opentelemetry-collector-contrib")
        assert re.fullmatch(r"\d+\.\d+\.\d+", tag), tag
        env_vars = {e["name"]: e for e in _listed(sidecar["env"])}
        assert env_vars["APPLICATIONINSIGHTS_CONNECTION_STRING"]["secret_name"] == secret["name"]
        assert not env_vars["APPLICATIONINSIGHTS_CONNECTION_STRING"].get("value")
        assert sidecar["args"] == ["--config=env:COLLECTOR_CONFIG"]
        config = yaml.safe_load(env_vars["COLLECTOR_CONFIG"]["value"])
        assert config["receivers"] == {
            "otlp": {"protocols": {"http": {"endpoint": collector["receiver_endpoint"]}}}
        }
        assert config["exporters"] == {
            "azuremonitor": {"connection_string": "${env:APPLICATIONINSIGHTS_CONNECTION_STRING}"}
        }
        limiter = config["processors"]["memory_limiter"]
        assert (limiter["limit_mib"], limiter["spike_limit_mib"]) == (
            collector["limit_mib"],
            collector["spike_limit_mib"],
        )
        assert limiter["limit_mib"] < collector["memory_gib"] * 1024
        assert config["extensions"]["health_check"]["endpoint"].endswith(f":{collector['health_port']}")
        pipelines = config["service"]["pipelines"]
        assert set(pipelines) == {"traces", "metrics"}
        for pipeline in pipelines.values():
            assert pipeline == {
                "receivers": ["otlp"],
                "processors": ["memory_limiter", "batch"],
                "exporters": ["azuremonitor"],
            }
        # A replica's size stays a Consumption one: the service's answer plus the collector's
        # share, out of the service's at the 4-vCPU ceiling; 2 GiB per vCPU in each container.
        cpu = min(repo.answers.get("cpu", 512) / 1024, 4 - collector["cpu_vcpu"])
        assert (service["cpu"], sidecar["cpu"]) == (cpu, collector["cpu_vcpu"])
        assert (service["memory"], sidecar["memory"]) == (f"{cpu * 2:g}Gi", f"{collector['memory_gib']:g}Gi")
        assert collector["memory_gib"] == 2 * collector["cpu_vcpu"]
        assert (service["cpu"] + sidecar["cpu"]) * 4 == int((service["cpu"] + sidecar["cpu"]) * 4) <= 16
    # The wiring tfparse leaves unresolved (the vault's data-plane URI, the service's dynamic env).
    root = parse_files(repo.path / "terraform/environments" / repo.environments[0])
    assert _hcl_block(root, "main.tf", "module", "monitoring")["key_vault_id"] == "${module.key_vault.id}"
    module = _hcl_block(root, "main.tf", "module", "container_app")
    assert module["telemetry_connection_secret_uri"] == "${module.monitoring.connection_string_secret_uri}"
    assert module["telemetry_connection_secret_name"] == "${var.names.telemetry_connection_secret}"
    (locals_,) = [b for b in root["main.tf"]["locals"] if "key_vault_secret_ids" in b]
    assert (
        locals_["key_vault_secret_ids"]["telemetry_connection"]
        == "${module.monitoring.connection_string_secret_id}"
    )
    monitoring = parse_files(repo.path / "terraform/modules/monitoring")
    uri = _hcl_block(monitoring, "outputs.tf", "output", "connection_string_secret_uri")["value"]
    assert uri == "${var.key_vault_uri}secrets/${azapi_resource.connection_string.name}"
    stored = _hcl_block(monitoring, "main.tf", "resource", "azapi_resource")
    assert stored["sensitive_body"]["properties"] == {
        "value": "${azurerm_application_insights.this.connection_string}"
    }
    app_module = parse_files(repo.path / "terraform/modules/container-app")
    app_body = _hcl_block(app_module, "main.tf", "resource", "azurerm_container_app")
    assert _single(app_body["secret"])["key_vault_secret_id"] == "${var.telemetry_connection_secret_uri}"
    readers_body = [
        body
        for block in app_module["main.tf"]["resource"]
        for name, body in block.get("azurerm_role_assignment", {}).items()
        if name == "secrets_user"
    ]
    assert readers_body[0]["principal_id"] == "${azurerm_user_assigned_identity.this.principal_id}"
    assert readers_body[0]["for_each"] == "${var.key_vault_secret_ids}"
    endpoint = collector["otlp_endpoint"]
    assert endpoint.endswith(":" + collector["receiver_endpoint"].rsplit(":", 1)[1])
    assert (
        f'OTEL_EXPORTER_OTLP_ENDPOINT = "{endpoint}"'
        in (repo.path / "terraform/modules/container-app/main.tf").read_text()
    )
    # The service's own resource attributes: its name and environment (the contract's).
    main = (repo.path / "terraform/environments" / repo.environments[0] / "main.tf").read_text()
    assert re.search(r"^\s+OTEL_SERVICE_NAME\s+= var\.service_name$", main, re.M)
    assert re.search(
        r'^\s+OTEL_RESOURCE_ATTRIBUTES = "deployment\.environment=\$\{var\.environment\}"$', main, re.M
    )
