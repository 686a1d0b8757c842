"""What checkov cannot check: deploy safety, wiring of names, secrets and health checks."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.render import runbook_anchors
from tests.terraform.conftest import (
    computed,
    parsed,
    resolved,
    terraform_dir,
    variant_answers,
)
from tests.terraform.hcl import plain


def _one(data: dict[str, Any], kind: str, path_suffix: str = "") -> dict[str, Any]:
    items = [r for r in data.get(kind, []) if r["__tfmeta"]["path"].endswith(path_suffix)]
    assert len(items) == 1, (kind, path_suffix, len(items))
    return items[0]


def _envs(name: str) -> list[str]:
    envs: list[str] = variant_answers(name)["environments"]
    return envs


def _module(name: str, path: str) -> Any:
    return parsed(name)[1][path]


def test_ecs_deploys_roll_back_and_never_drop_capacity(variant_name: str) -> None:
    service = _module(variant_name, "modules/ecs-service").resources[("aws_ecs_service", "this")]
    assert service["deployment_circuit_breaker"] == [{"enable": True, "rollback": True, "__is_block__": True}]
    assert service["deployment_minimum_healthy_percent"] == 100
    assert service["deployment_maximum_percent"] == 200
    assert service["lifecycle"][0]["ignore_changes"] == ["desired_count"]
    assert service["availability_zone_rebalancing"] == "ENABLED"
    assert service["platform_version"] == "LATEST"
    assert service["enable_execute_command"] is False
    assert service["network_configuration"][0]["assign_public_ip"] is False
    assert service["health_check_grace_period_seconds"] == "${var.health_check_grace_period_seconds}"


def test_prod_runs_at_least_two_tasks(variant_name: str) -> None:
    for env in _envs(variant_name):
        data = resolved(variant_name, env)
        target = _one(data, "aws_appautoscaling_target")
        service = _one(data, "aws_ecs_service")
        c = computed(variant_name)["env_config"][env]
        assert target["min_capacity"] == c["min_capacity"] == service["desired_count"]
        assert target["max_capacity"] == c["max_capacity"]
        if env == "prod":
            assert target["min_capacity"] >= 2


def test_autoscaling_tracks_cpu_memory_and_requests(variant_name: str) -> None:
    data = resolved(variant_name, _envs(variant_name)[-1])
    policies = {
        p["target_tracking_scaling_policy_configuration"]["predefined_metric_specification"][
            "predefined_metric_type"
        ]: p["target_tracking_scaling_policy_configuration"]
        for p in data["aws_appautoscaling_policy"]
    }
    assert set(policies) == {
        "ECSServiceAverageCPUUtilization",
        "ECSServiceAverageMemoryUtilization",
        "ALBRequestCountPerTarget",
    }
    cpu = policies["ECSServiceAverageCPUUtilization"]
    assert cpu["target_value"] == variant_answers(variant_name)["cpu_target"]
    for config in policies.values():
        assert (config["scale_in_cooldown"], config["scale_out_cooldown"]) == (300, 60)


def test_health_checks_probe_the_liveness_path(variant_name: str) -> None:
    values = computed(variant_name)
    for env in _envs(variant_name):
        group = _one(resolved(variant_name, env), "aws_lb_target_group")
        check = group["health_check"]
        assert check["path"] == values["health_live_path"]
        assert check["matcher"] == "200"
        assert 10 <= check["interval"] <= 15 and check["timeout"] < check["interval"]
        assert check["healthy_threshold"] == 2
        assert group["deregistration_delay"] == 30
        assert group["target_type"] == "ip"
    # The container's own check runs healthcheck_command (which probes the same path).
    files, modules = parsed(variant_name)
    task = modules["modules/ecs-service"].resources[("aws_ecs_task_definition", "this")]
    definitions = task["container_definitions"]
    assert "healthCheck = {command = var.healthcheck_command" in definitions
    assert "readonlyRootFilesystem = true" in definitions
    assert 'containerPath = \\"/tmp\\"' in definitions or 'containerPath = "/tmp"' in definitions
    assert "secrets" not in definitions and "valueFrom" not in definitions
    assert 'mode = \\"non-blocking\\"' in definitions or 'mode = "non-blocking"' in definitions
    for env in _envs(variant_name):
        root = modules[f"environments/{env}"]
        assert root.calls["ecs_service"]["healthcheck_command"] == "${var.healthcheck_command}"
        tfvars = files[f"environments/{env}/terraform.tfvars"]
        assert tfvars["healthcheck_command"] == values["healthcheck_command"]
        assert tfvars["health_live_path"] == values["health_live_path"]
        assert re.fullmatch(r"[1-9][0-9]*", tfvars["runtime_user"])


def test_container_environment_is_the_contract(variant_name: str) -> None:
    a = variant_answers(variant_name)
    expected = {"PORT", "ENVIRONMENT", "SERVICE_NAME", "AWS_REGION", "LOG_LEVEL"}
    expected |= {"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"}
    secrets: set[str] = set()
    if a["database"] == "postgres":
        expected |= {"DB_SECRET_ARN", "DB_HOST", "DB_PORT", "DB_NAME", "DB_POOL_SIZE"}
        secrets.add("${module.rds.master_user_secret_arn}")
    if a["cache"] == "redis":
        expected |= {"REDIS_URL", "REDIS_AUTH_SECRET_ARN"}
        secrets.add("${module.cache.auth_secret_arn}")
    for env in _envs(variant_name):
        data = resolved(variant_name, env)
        (local,) = [item for item in data["locals"] if item["__tfmeta"]["path"] == "locals"]
        assert set(local["container_environment"]) == expected
        root = _module(variant_name, f"environments/{env}")
        assert set(root.locals["secret_arns"]) == secrets
    main = (terraform_dir(variant_name) / "environments" / _envs(variant_name)[0] / "main.tf").read_text()
    if a["cache"] == "redis":
        assert 'REDIS_URL             = "rediss://${module.cache.primary_endpoint_address}' in main


def test_task_role_reads_exactly_its_secrets(variant_name: str) -> None:
    module = _module(variant_name, "modules/ecs-service")
    policy = module.data[("aws_iam_policy_document", "task")]
    read, decrypt = policy["statement"]
    assert read["actions"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    assert read["resources"] == "${var.secret_arns}"
    assert decrypt["actions"] == ["kms:Decrypt"]
    assert decrypt["condition"][0]["variable"] == "kms:ViaService"
    execution = module.data[("aws_iam_policy_document", "execution")]
    assert not any("secretsmanager" in a for s in execution["statement"] for a in s["actions"])


def test_no_secret_in_code_or_tfvars(variant_name: str) -> None:
    literal = re.compile(r"^\s*(master_)?password(_wo)?\s*=", re.M)
    for path in terraform_dir(variant_name).rglob("*"):
        if path.suffix not in (".tf", ".tfvars"):
            continue
        text = path.read_text()
        assert not literal.search(text), path
        assert not re.search(r'auth_token\s*=\s*"', text), path
        if path.suffix == ".tfvars":
            # Top-level settings only: names.db_secret and friends are names, not values.
            assert not re.search(r"(?im)^\w*(password|secret|token)\w*\s*=", text), path


def test_alarms_have_exactly_the_computed_names_and_link_the_runbook(variant_name: str) -> None:
    anchors = runbook_anchors()
    for env in _envs(variant_name):
        names = computed(variant_name)["names"][env]
        data = resolved(variant_name, env)
        alarms = {
            a["alarm_name"]: a
            for kind in ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")
            for a in data[kind]
        }
        table = computed(variant_name)["behaviour"]["alarms"]
        # No certificate (plain HTTP), no certificate alarm (issue 14).
        expected = {
            key: name
            for key, name in names["alarms"].items()
            if key != "certificate_expiry" or _certificate(variant_name, env)
        }
        assert set(alarms) == set(expected.values())
        for key, alarm_name in expected.items():
            description = alarms[alarm_name]["alarm_description"]
            assert description.endswith(f"docs/runbook.md#{anchors[key]}"), description
            # The window alarms of a burn-rate alert notify no one: their composite alarm does.
            assert bool(alarms[alarm_name]["alarm_actions"]) is (table[key].get("notify") is not False), (
                alarm_name
            )
        assert _one(data, "aws_cloudwatch_dashboard")["dashboard_name"] == names["dashboard"]
        # One topic per route: ticket (the topic every alarm notified before) and page.
        assert sorted(t["name"] for t in data["aws_sns_topic"]) == sorted(
            [names["sns_topic"], names["page_topic"]]
        )


def test_tfvars_hold_the_computed_names_and_settings(variant_name: str) -> None:
    files, _ = parsed(variant_name)
    values = computed(variant_name)
    for env in _envs(variant_name):
        tfvars = files[f"environments/{env}/terraform.tfvars"]
        names = plain(tfvars["names"], "alarms", "stacks")
        # The names only one store uses stay out when that store is not chosen (issue 14).
        postgres_only = ("db_identifier", "db_parameter_group", "db_subnet_group", "db_security_group",
                         "db_final_snapshot", "rds_monitoring_role")  # fmt: skip
        redis_only = ("cache_replication_group", "cache_subnet_group", "cache_security_group",
                      "cache_slow_log_group", "redis_auth_secret")  # fmt: skip
        dropped = (() if values["use_postgres"] else postgres_only) + (
            () if values["use_redis"] else redis_only
        )
        assert names == {k: v for k, v in values["names"][env].items() if k not in dropped}
        c = values["env_config"][env]
        # multi_az only matters to a database or cache (issue 14: no unused variable).
        stores = values["use_postgres"] or values["use_redis"]
        for key in ("min_capacity", "max_capacity", "deletion_protection", *(["multi_az"] if stores else [])):
            assert tfvars[key] == c[key], key
        assert ("multi_az" in tfvars) is stores
        assert tfvars["repository"] == values["repository"]
        if values["use_postgres"]:
            assert tfvars["db_max_connections"] == c["db_max_connections"]
            assert tfvars["db_pool_size"] == c["db_pool_size"]
            assert tfvars["db_name"] == values["db_name"]


def test_provider_tags_and_backend(variant_name: str) -> None:
    keys = set()
    for env in _envs(variant_name):
        data = resolved(variant_name, env)
        provider = _one(data, "provider")
        tags = provider["default_tags"]["tags"]
        assert {k for k in tags if not k.startswith("__")} == {
            "Service",
            "Environment",
            "Owner",
            "ManagedBy",
            "Repo",
        }
        assert tags["Repo"] == computed(variant_name)["repository"]
        assert tags["Environment"] == env
        backend = next(t["backend"] for t in data["terraform"] if "backend" in t)
        assert backend["use_lockfile"] is True and backend["encrypt"] is True
        assert backend["kms_key_id"] and env in backend["key"]
        keys.add(backend["key"])
    assert len(keys) == len(_envs(variant_name))


def _certificate(variant_name: str, env: str) -> str:
    files, _ = parsed(variant_name)
    return str(files[f"environments/{env}/terraform.tfvars"]["certificate_arn"])


def _https_required(variant_name: str, env: str) -> bool:
    """prod, and the environment that serves domain_name (issue 14: the others may run HTTP)."""
    a = variant_answers(variant_name)
    domain_env = (
        ("prod" if "prod" in a["environments"] else a["environments"][-1]) if a["domain_name"] else ""
    )
    return env in ("prod", domain_env)


def test_alb_serves_https_with_a_certificate_and_plain_http_without(variant_name: str) -> None:
    seen = set()
    for env in _envs(variant_name):
        data = resolved(variant_name, env)
        listeners = {listener["port"]: listener for listener in data["aws_lb_listener"]}
        if _certificate(variant_name, env):
            seen.add("https")
            assert set(listeners) == {80, 443}
            assert listeners[443]["protocol"] == "HTTPS"
            assert listeners[443]["ssl_policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
            redirect = listeners[80]["default_action"]
            assert redirect["type"] == "redirect" and redirect["redirect"]["protocol"] == "HTTPS"
        else:
            seen.add("http")
            assert set(listeners) == {80}
            forward = listeners[80]["default_action"]
            assert listeners[80]["protocol"] == "HTTP" and forward["type"] == "forward"
        _, modules = parsed(variant_name)
        declared = modules[f"environments/{env}"].variables["certificate_arn"]
        # Where HTTPS is required there is no default, and only an ARN passes the validation.
        assert ("default" not in declared) is _https_required(variant_name, env), (env, declared)
        lb = _one(data, "aws_lb")
        assert lb["drop_invalid_header_fields"] is True
        assert lb["enable_deletion_protection"] is (env == "prod")
        assert lb["access_logs"]["enabled"] is True


def test_module_built_resources_use_the_computed_names(variant_name: str) -> None:
    values = computed(variant_name)
    for env in _envs(variant_name):
        names = values["names"][env]
        data = resolved(variant_name, env)
        assert _one(data, "aws_wafv2_web_acl")["name"] == names["waf_web_acl"]
        log_groups = {group["name"] for group in data["aws_cloudwatch_log_group"]}
        assert names["waf_log_group"] in log_groups
        assert _one(data, "aws_cloudwatch_event_rule")["name"] == names["deployment_events_rule"]
        assert _one(data, "aws_s3_bucket")["bucket_prefix"] == names["alb_logs_bucket_prefix"]
        roles = {role["name"] for role in data["aws_iam_role"]}
        assert (names["flow_log_role"] in roles) is (values["vpc_mode"] == "create")
        assert (names["rds_monitoring_role"] in roles) is values["use_postgres"]
        assert (names["cache_slow_log_group"] in log_groups) is values["use_redis"]
        if values["use_postgres"]:
            db = _one(data, "aws_db_instance")
            assert db["final_snapshot_identifier"] == names["db_final_snapshot"]
            metric_filter = _one(data, "aws_cloudwatch_log_metric_filter")
            assert metric_filter["log_group_name"] == f"/aws/rds/instance/{names['db_identifier']}/postgresql"
            assert metric_filter["pattern"] == '"password authentication failed"'
        else:
            assert not data.get("aws_cloudwatch_log_metric_filter")


def test_new_alarms_watch_storage_certificate_and_logins(variant_name: str) -> None:
    values = computed(variant_name)
    for env in _envs(variant_name):
        names = values["names"][env]["alarms"]
        data = resolved(variant_name, env)
        alarms = {a["alarm_name"]: a for a in data["aws_cloudwatch_metric_alarm"]}
        storage = alarms[names["ephemeral_storage_high"]]
        assert storage["threshold"] == 80 and storage["comparison_operator"] == "GreaterThanThreshold"
        queries = storage["metric_query"]
        assert [q["expression"] for q in queries if "expression" in q] == ["100 * used / reserved"]
        metrics = {q["metric"]["metric_name"]: q["metric"] for q in queries if "metric" in q}
        assert set(metrics) == {"EphemeralStorageUtilized", "EphemeralStorageReserved"}
        assert all(m["namespace"] == "ECS/ContainerInsights" for m in metrics.values())
        if _certificate(variant_name, env):
            certificate = alarms[names["certificate_expiry"]]
            assert certificate["metric_name"] == "DaysToExpiry" and certificate["threshold"] == 30
            assert certificate["comparison_operator"] == "LessThanThreshold"
            assert set(certificate["dimensions"]) - {"__is_block__"} == {"CertificateArn"}
        else:
            assert names["certificate_expiry"] not in alarms
        if values["use_postgres"]:
            logins = alarms[names["db_auth_failures"]]
            assert logins["threshold"] == 0 and logins["period"] == 300
            assert logins["comparison_operator"] == "GreaterThanThreshold"


@pytest.mark.parametrize("name", ["full"])
def test_database_and_cache_settings(name: str) -> None:
    for env in _envs(name):
        c = computed(name)["env_config"][env]
        data = resolved(name, env)
        db = _one(data, "aws_db_instance")
        assert db["manage_master_user_password"] is True
        assert "password" not in db
        assert db["multi_az"] is c["multi_az"] and db["deletion_protection"] is c["deletion_protection"]
        assert db["storage_encrypted"] is True and db["iam_database_authentication_enabled"] is True
        assert re.fullmatch(r"16\.[0-9]+", db["engine_version"])
        params = {p["name"]: p["value"] for p in _one(data, "aws_db_parameter_group")["parameter"]}
        assert params["rds.force_ssl"] == "1" and params["log_connections"] == "1"
        assert params["max_connections"] == str(c["db_max_connections"])
        cache = _one(data, "aws_elasticache_replication_group")
        assert cache["transit_encryption_enabled"] is True
        assert cache["at_rest_encryption_enabled"] in (True, "true")
        assert cache["automatic_failover_enabled"] is c["multi_az"]


def test_outputs_name_what_the_runbook_needs(variant_name: str) -> None:
    a = variant_answers(variant_name)
    expected = {
        "cluster_name",
        "service_name",
        "alb_dns_name",
        "target_group_arn",
        "log_group_name",
        "dashboard_name",
        "alarm_names",
        "sns_topic_arn",
        "page_topic_arn",
        "collector_log_group_name",
        "metrics_log_group_name",
    }
    if a["database"] == "postgres":
        expected |= {"db_identifier", "db_secret_arn"}
    if a["cache"] == "redis":
        expected |= {"redis_auth_secret_arn"}
    for env in _envs(variant_name):
        outputs = _module(variant_name, f"environments/{env}").outputs
        assert expected <= set(outputs)


@pytest.mark.parametrize("language", ["python", "typescript", "rust"])
def test_tfvars_carry_each_languages_healthcheck_command(language: str) -> None:
    """Language only changes healthcheck_command: render the tfvars include for each one."""
    import jinja2

    from tests.support.render import ROOT

    context = computed("full")
    context["language"] = language
    spec = jinja2.Environment(undefined=jinja2.StrictUndefined)
    command = yaml_load(spec.from_string(_copier_default("healthcheck_command")).render(context))
    context["healthcheck_command"] = command
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(ROOT)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    text = env.from_string(
        "{% set env = 'prod' %}{% include 'includes/terraform/aws/env/terraform.tfvars.jinja' %}"
    ).render(context)
    line = next(x for x in text.splitlines() if x.startswith("healthcheck_command"))
    assert line == "healthcheck_command = " + ", ".join(f'"{p}"' for p in command).join("[]")
    assert command[0] == "CMD" and len(command) >= 2


def yaml_load(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def _copier_default(key: str) -> str:
    from svcforge.questions import by_name, load

    return str(by_name(load())[key].default)
