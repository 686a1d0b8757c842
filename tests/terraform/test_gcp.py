"""The GCP Terraform: it takes every name from names[env] within Google's limits and behaves as
the runbook and the service contract expect; its checkers catch what they must. What every
cloud's tree must pass (parse, references, schema, provider pins, `terraform fmt`, checkov,
READMEs) is the parametrized suite over tests/terraform/trees.py."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.render import runbook_anchors
from tests.terraform.gcp import (
    CHECKED,
    ENVS,
    LONGEST,
    check_schema,
    computed,
    cross_reference,
    parsed,
    resolved,
    terraform_dir,
)
from tests.terraform.hcl import plain, tfvars
from tests.terraform.limits import attribute_limits, names_within_limits
from tests.terraform.xref import expressions

PAIRS = [(name, env) for name in CHECKED for env in ENVS]


def _env_files(name: str, env: str) -> dict[str, Any]:
    files, _ = parsed(name)
    return {k: v for k, v in files.items() if k.startswith(f"environments/{env}/")}


def _vars(name: str, env: str) -> dict[str, Any]:
    return tfvars(parsed(name)[0], f"environments/{env}/terraform.tfvars")


# --- parse and cross-reference


def test_cross_reference_catches_broken_references() -> None:
    files, modules = parsed("full")
    broken = dict(modules)
    monitoring = broken["modules/monitoring"]
    original = monitoring.resources[("google_monitoring_alert_policy", "this")]
    try:
        monitoring.resources[("google_monitoring_alert_policy", "this")] = {
            **original,
            "notification_channels": ["${google_monitoring_notification_channel.missing.id}"],
        }
        errors = cross_reference(files, broken)
    finally:
        monitoring.resources[("google_monitoring_alert_policy", "this")] = original
    assert any("google_monitoring_notification_channel.missing" in e for e in errors), errors


@pytest.mark.parametrize("name", CHECKED)
def test_every_variable_and_output_is_described_and_typed(name: str) -> None:
    """Described and typed on every cloud: test_parse_and_xref.py; on gcp, validated too."""
    _, modules = parsed(name)
    validated = [v for m in modules.values() for v in m.variables.values() if v.get("validation")]
    assert len(validated) >= 30


# --- names

LIMITS = attribute_limits("gcp")
_NAME_RE = re.compile(r"[a-z]([a-z0-9-]*[a-z0-9])?")


def _name_values(names: dict[str, Any]) -> set[str]:
    return {v for k, v in names.items() if isinstance(v, str)} | set(names["alarms"].values())


@pytest.mark.parametrize("name", CHECKED)
def test_tfvars_names_are_copier_names(name: str) -> None:
    expected = computed(name)
    for env in ENVS:
        names = _vars(name, env)["names"]
        # The names only one store uses stay out when that store is not chosen, and the private
        # services access range when neither is (issue 14).
        postgres_only = (
            "sql_instance",
            "db_iam_user",
            "db_auth_failures_metric",
            "db_user",
            "db_password_secret",
        )
        redis_only = ("redis_instance", "redis_auth_secret")
        dropped = (() if expected["use_postgres"] else postgres_only) + (
            () if expected["use_redis"] else redis_only
        )
        dropped += () if expected["use_postgres"] or expected["use_redis"] else ("psa_range",)
        assert plain(names, "alarms") == {k: v for k, v in expected["names"][env].items() if k not in dropped}


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_every_resource_name_is_a_copier_name_within_limits(env: str) -> None:
    data = resolved("longest", env)
    names = computed("longest")["names"][env]
    allowed = _name_values(names) | {computed("longest")["db_name"]}
    checked = names_within_limits(data, LIMITS, allowed, f"names[{env}]")
    # prod has the load balancer (the domain is prod's); dev and staging do not.
    assert checked >= (34 if env == "prod" else 22)
    assert LONGEST in names["service"]
    assert re.fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", names["service_account"])
    assert len(f"{names['project']}:{names['sql_instance']}") <= 98
    # The longest IAM user copier.yml allows (account id and project id of 30) is 65
    # characters; the cloud-sql module refuses it at plan time instead of failing at login.
    iam_user = parsed("full")[1]["modules/cloud-sql"].variables["iam_user"]
    assert any("length(var.iam_user) <= 63" in v["condition"] for v in iam_user["validation"])
    for kind in ("google_cloud_run_v2_service", "google_redis_instance", "google_sql_database_instance"):
        for resource in data.get(kind, []):
            assert _NAME_RE.fullmatch(resource["name"]), resource["name"]


@pytest.mark.parametrize("name", CHECKED)
def test_alert_policies_and_dashboard_take_their_names_from_names(name: str) -> None:
    _, modules = parsed(name)
    monitoring = modules["modules/monitoring"]
    policy = monitoring.resources[("google_monitoring_alert_policy", "this")]
    assert policy["display_name"] == "${var.alarm_names[each.key]}"
    assert policy["for_each"] == "${local.alerts}"
    burn_rate = monitoring.resources[("google_monitoring_alert_policy", "burn_rate")]
    assert burn_rate["display_name"] == "${var.alarm_names[each.key]}"
    assert burn_rate["for_each"] == "${local.burn_alerts}"
    page = monitoring.resources[("google_monitoring_notification_channel", "page")]
    assert page["display_name"] == "${var.page_notification_channel_name}"
    service = monitoring.resources[("google_monitoring_custom_service", "this")]
    assert service["service_id"] == service["display_name"] == "${var.slo_service_name}"
    dashboard = monitoring.resources[("google_monitoring_dashboard", "this")]
    assert "displayName = var.dashboard_name" in dashboard["dashboard_json"]
    for env in ENVS:
        call = modules[f"environments/{env}"].calls["monitoring"]
        assert call["alarm_names"] == "${var.names.alarms}"
        assert call["dashboard_name"] == "${var.names.dashboard}"
        assert call["page_notification_channel_name"] == "${var.names.page_notification_channel}"
        assert call["slo_service_name"] == "${var.names.slo_service}"


# --- behaviour checkov cannot see


@pytest.mark.parametrize("name", CHECKED)
def test_every_alarm_key_has_a_policy_and_a_runbook_link(name: str) -> None:
    _, modules = parsed(name)
    monitoring = modules["modules/monitoring"]
    # Threshold policies (local.alerts) and burn-rate policies (local.burn_alerts), one per key.
    assert not set(monitoring.locals["alerts"]) & set(monitoring.locals["burn_alerts"])
    alerts = set(monitoring.locals["alerts"]) | set(monitoring.locals["burn_alerts"])
    anchors = runbook_anchors()
    repository = computed(name)["repository"]
    for env in ENVS:
        keys = set(computed(name)["names"][env]["alarms"])
        assert alerts == keys
        urls = _vars(name, env)["runbook_urls"]
        assert {k for k in urls if k != "__is_block__"} == keys
        for key in keys:
            assert urls[key] == f"https://github.com/{repository}/blob/main/docs/runbook.md#{anchors[key]}"
    runbook = (terraform_dir(name).parent / "docs" / "runbook.md").read_text()
    slugs = {_slug(h) for h in re.findall(r"^#+ (.+)$", runbook, re.M)}
    for key in alerts:
        assert anchors[key] in slugs, f"{key}: docs/runbook.md has no section #{anchors[key]}"


def _slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_database_and_cache_alarms_follow_the_answers() -> None:
    full = set(parsed("full")[1]["modules/monitoring"].locals["alerts"])
    none = set(parsed("none")[1]["modules/monitoring"].locals["alerts"])
    assert {k for k in full if k.startswith(("db_", "cache_"))} == {
        "db_connections_high",
        "db_storage_high",
        "db_cpu_high",
        "db_auth_failures",
        "cache_memory_high",
        "cache_cpu_high",
    }
    assert not {k for k in none if k.startswith(("db_", "cache_"))}
    assert {"health_check_failed", "revision_failed", "certificate_expiry", "http_5xx"} <= none


@pytest.mark.parametrize(("name", "env"), PAIRS)
def test_instances_and_sizes(name: str, env: str) -> None:
    (service,) = resolved(name, env)["google_cloud_run_v2_service"]
    answers = computed(name)
    template = service["template"]
    scaling = template["scaling"]
    assert scaling["min_instance_count"] == answers["env_config"][env]["min_capacity"]
    assert scaling["max_instance_count"] == answers["env_config"][env]["max_capacity"]
    if env == "prod":
        assert scaling["min_instance_count"] >= 2
    assert template["max_instance_request_concurrency"] == answers["max_concurrency"]
    # The service's container (the collector's beside it: test_behaviour_values.py).
    (container,) = [c for c in template["containers"] if c["name"] == answers["names"][env]["container"]]
    limits = container["resources"]["limits"]
    assert limits == {"cpu": str(answers["cpu"] // 1024), "memory": f"{answers['memory']}Mi"}
    assert service["location"] == answers["gcp_region"]
    assert template["vpc_access"]["egress"] == "PRIVATE_RANGES_ONLY"
    for probe in ("startup_probe", "liveness_probe"):
        http = container[probe]["http_get"]
        assert http["path"] == answers["health_live_path"]
        assert http["port"] == answers["container_port"]
    assert template["service_account"] != ""
    # min_instances >= 2 in prod is also a variable validation of every root.
    variables = parsed(name)[1][f"environments/{env}"].variables
    conditions = [v["condition"] for v in variables["min_instances"]["validation"]]
    assert any('var.environment == "prod" ? 2 : 1' in c for c in conditions)


@pytest.mark.parametrize(("name", "env"), PAIRS)
def test_load_balancer_exactly_where_there_is_a_domain(name: str, env: str) -> None:
    data = resolved(name, env)
    answers = computed(name)
    has_domain = bool(answers["domain_name"]) and env == "prod"
    (service,) = data["google_cloud_run_v2_service"]
    certificates = data.get("google_compute_managed_ssl_certificate", [])
    if has_domain:
        (certificate,) = certificates
        assert certificate["managed"]["domains"] == [answers["domain_name"]]
        assert service["ingress"] == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
        (policy,) = data["google_compute_ssl_policy"]
        assert policy["min_tls_version"] == "TLS_1_2"
        rules = data["google_compute_global_forwarding_rule"]
        assert {r["port_range"] for r in rules} == {"443", "80"}
        assert {r["load_balancing_scheme"] for r in rules} == {"EXTERNAL_MANAGED"}
        (backend,) = data["google_compute_backend_service"]
        assert backend["security_policy"]
        assert _vars(name, env)["domain_name"] == answers["domain_name"]
    else:
        assert certificates == []
        assert service["ingress"] == "INGRESS_TRAFFIC_ALL"
        assert "domain_name" not in _vars(name, env)


@pytest.mark.parametrize(("name", "env"), [p for p in PAIRS if p[0] == "full"])
def test_database_is_private_regional_in_prod_and_protected(name: str, env: str) -> None:
    data = resolved(name, env)
    (instance,) = data["google_sql_database_instance"]
    prod = env == "prod"
    settings = instance["settings"]
    assert instance["database_version"] == "POSTGRES_16"
    assert settings["availability_type"] == ("REGIONAL" if prod else "ZONAL")
    assert instance["deletion_protection"] is prod
    assert settings["deletion_protection_enabled"] is prod
    ip = settings["ip_configuration"]
    assert ip["ipv4_enabled"] is False
    assert "authorized_networks" not in ip
    assert ip["ssl_mode"] == "ENCRYPTED_ONLY"
    backups = settings["backup_configuration"]
    assert backups["enabled"] is True and backups["point_in_time_recovery_enabled"] is True
    assert settings["insights_config"]["query_insights_enabled"] is True
    flags = settings["database_flags"]
    flags = {f["name"]: f["value"] for f in (flags if isinstance(flags, list) else [flags])}
    assert flags["cloudsql.iam_authentication"] == "on"
    assert flags["log_connections"] == "on"
    users = {u["name"]: u["type"] for u in data["google_sql_user"]}
    names = computed(name)["names"][env]
    assert users == {names["db_user"]: "BUILT_IN", names["db_iam_user"]: "CLOUD_IAM_SERVICE_ACCOUNT"}
    assert names["db_iam_user"] == names["service_account_email"].removesuffix(".gserviceaccount.com")
    (redis,) = data["google_redis_instance"]
    assert redis["tier"] == ("STANDARD_HA" if prod else "BASIC")
    assert redis["connect_mode"] == "PRIVATE_SERVICE_ACCESS"
    assert redis["auth_enabled"] is True
    assert redis["transit_encryption_mode"] == "SERVER_AUTHENTICATION"
    assert redis["redis_version"].startswith("REDIS_7")


@pytest.mark.parametrize(("name", "env"), PAIRS)
def test_secret_accessor_only_on_the_services_secrets(name: str, env: str) -> None:
    data = resolved(name, env)
    names = computed(name)["names"][env]
    secrets = {s["secret_id"] for s in data.get("google_secret_manager_secret", [])}
    expected = set()
    if name == "full":
        expected = {names["db_password_secret"], names["redis_auth_secret"]}
    assert secrets == expected
    grants = data.get("google_secret_manager_secret_iam_member", [])
    assert len(grants) == len(expected)
    for grant in grants:
        assert grant["role"] == "roles/secretmanager.secretAccessor"
    for member in data.get("google_project_iam_member", []):
        assert "secretmanager" not in member["role"], member["role"]
        assert member["role"] not in ("roles/owner", "roles/editor", "roles/viewer")
    _, modules = parsed(name)
    cloud_run = modules["modules/cloud-run"]
    grant = cloud_run.resources[("google_secret_manager_secret_iam_member", "this")]
    assert grant["for_each"] == "${var.secret_ids}"
    assert grant["member"] == "serviceAccount:${google_service_account.this.email}"
    secret_ids = modules[f"environments/{env}"].locals["secret_ids"]
    expected_refs = {}
    if name == "full":
        expected_refs = {
            "db_password": "${module.cloud_sql.password_secret_id}",
            "redis_auth": "${module.memorystore.auth_secret_id}",
        }
    assert {k: v for k, v in secret_ids.items() if k != "__is_block__"} == expected_refs


# Attributes that hold secret values (a resource merely labelled "password" is fine).
_SECRET_VALUE = re.compile(
    r"auth_string|secret_data|\.result\b|random_password|\.password\b(?!\.)|root_password"
)


@pytest.mark.parametrize(("name", "env"), PAIRS)
def test_environment_is_the_contract_and_holds_no_secret_value(name: str, env: str) -> None:
    _, modules = parsed(name)
    root = modules[f"environments/{env}"]
    merged = root.locals["container_environment"]
    keys = set(re.findall(r"\b([A-Z][A-Z0-9_]+)\s*=", merged))
    expected = {"SECRETS_BACKEND", "ENVIRONMENT", "SERVICE_NAME", "LOG_LEVEL"}
    # The telemetry contract: the service's name and environment as the collector reports them
    # (the module adds OTEL_EXPORTER_OTLP_ENDPOINT, the collector beside it).
    expected |= {"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"}
    expected |= {"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"}  # head sampling
    if name == "full":
        expected |= {"DB_PASSWORD_SECRET", "DB_USER", "DB_HOST", "DB_PORT", "DB_NAME", "DB_POOL_SIZE"}
        expected |= {"REDIS_URL", "REDIS_AUTH_SECRET", "REDIS_CA_CERT"}
        assert "module.cloud_sql.password_secret_version" in merged
        assert "module.memorystore.auth_secret_version" in merged
        assert '"rediss://${module.memorystore.host}:${module.memorystore.port}/0"' in merged
    assert keys == expected
    assert 'SECRETS_BACKEND = "gcp"' in merged
    assert "PORT" not in keys  # Cloud Run sets PORT from container_port
    assert not _SECRET_VALUE.search(merged), merged
    # The secret-name outputs the environment reads are names built from the secret's id.
    for module_path, output in (
        ("modules/cloud-sql", "password_secret_version"),
        ("modules/memorystore", "auth_secret_version"),
    ):
        if module_path in modules:
            value = modules[module_path].outputs[output]["value"]
            assert value.endswith("/versions/latest") and ".id}" in value, value


@pytest.mark.parametrize("name", CHECKED)
def test_no_output_exposes_a_secret_value(name: str) -> None:
    _, modules = parsed(name)
    for path, module in modules.items():
        for output, body in module.outputs.items():
            for expression in expressions(body.get("value")):
                assert not _SECRET_VALUE.search(expression), f"{path}: output {output}: {expression}"
            assert body.get("sensitive") is not True, f"{path}: output {output} is sensitive"


def test_passwords_are_write_only() -> None:
    files, modules = parsed("full")
    sql = modules["modules/cloud-sql"]
    user = sql.resources[("google_sql_user", "app")]
    version = sql.resources[("google_secret_manager_secret_version", "password")]
    assert "password" not in user and user["password_wo"] == "${ephemeral.random_password.db.result}"
    assert "secret_data" not in version
    assert version["secret_data_wo"] == "${ephemeral.random_password.db.result}"
    assert user["password_wo_version"] == version["secret_data_wo_version"] == "${var.password_version}"
    redis = modules["modules/memorystore"].resources[("google_secret_manager_secret_version", "auth")]
    assert "secret_data" not in redis and redis["secret_data_wo"].endswith("auth_string}")
    tfvars_text = "\n".join(
        (terraform_dir("full") / rel).read_text() for rel in files if rel.endswith(".tfvars")
    )
    assert "password =" not in tfvars_text and "auth_string" not in tfvars_text


@pytest.mark.parametrize(("name", "env"), PAIRS)
def test_state_backend_and_default_labels(name: str, env: str) -> None:
    files = _env_files(name, env)
    answers = computed(name)
    backend = files[f"environments/{env}/backend.tf"]["terraform"][0]["backend"][0]["gcs"]
    assert backend["bucket"] == answers["gcp_state_bucket"]
    assert backend["prefix"] == answers["names"][env]["prefix"]
    (provider,) = files[f"environments/{env}/main.tf"]["provider"]
    labels = provider["google"]["default_labels"]
    assert set(labels) - {"__is_block__"} == {"service", "environment", "owner", "managed-by", "repo"}
    assert provider["google"]["project"] == "${var.project_id}"
    values = _vars(name, env)
    assert values["project_id"] == answers["env_config"][env]["project"]
    assert values["region"] == answers["gcp_region"]


@pytest.mark.parametrize("name", CHECKED)
def test_roots_and_modules_pin_the_providers(name: str) -> None:
    files, _ = parsed(name)
    for path, body in files.items():
        if not path.endswith("versions.tf"):
            continue
        terraform = body["terraform"][0]
        providers = terraform["required_providers"][0]
        assert terraform["required_version"] == ">= 1.11", path
        # The rest of the pins on every cloud: test_provider_schema.py's test_roots_pin_the_providers.
        if path.startswith("environments/"):
            assert ("random" in providers) is (name == "full"), path
        else:
            assert providers["google"]["version"] == ">= 6.50", path
        assert "google-beta" not in providers


# --- provider schema


def test_schema_check_catches_unknown_names() -> None:
    _, modules = parsed("full")
    cloud_run = modules["modules/cloud-run"]
    key = ("google_cloud_run_v2_service", "this")
    original = cloud_run.resources[key]
    try:
        cloud_run.resources[key] = {**original, "min_instances": 2}
        errors = check_schema(modules)
    finally:
        cloud_run.resources[key] = original
    assert errors == [
        "modules/cloud-run: google_cloud_run_v2_service.this: unknown attribute 'min_instances'"
    ]
