"""The Azure Terraform tree (cloud=azure): every name comes from copier.yml, and what checkov
cannot check holds (replicas, zone redundancy, private data stores, secrets). What every cloud's
tree must pass (parse, references, schema, provider pins, `terraform fmt`, checkov, READMEs) is
the parametrized suite over tests/terraform/trees.py."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.render import runbook_anchors
from tests.terraform.azure_support import (
    AZURE_VARIANTS,
    answers,
    computed,
    computed_for,
    environments,
    load_schema,
    one,
    parsed,
    resolved,
    terraform_dir,
)
from tests.terraform.conftest import tfparse_environments
from tests.terraform.hcl import parse_tree, plain
from tests.terraform.limits import UNRESOLVED, attribute_limits, names_within_limits
from tests.terraform.trees import TREES
from tests.terraform.xref import check

NAMES = sorted(AZURE_VARIANTS)


@pytest.fixture(params=NAMES)
def name(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


# --- Cross-reference (parse, references and schema on every cloud: test_parse_and_xref.py,
# test_provider_schema.py).


def test_reference_check_catches_an_undeclared_azure_resource(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text(
        'resource "azurerm_resource_group" "this" {\n  name     = "rg"\n  location = "x"\n}\n\n'
        'output "id" {\n  value = azurerm_resource_group.that.id\n}\n'
    )
    _, modules = parse_tree(tmp_path)
    assert check(modules) == ["m: output.id: azurerm_resource_group.that is not declared"]


# --- Names: every resource name is names[env] from copier.yml.

# (resource type, attribute) -> the names[env] keys its values come from.
NAME_KEYS: dict[tuple[str, str], set[str]] = {
    ("azurerm_resource_group", "name"): {"resource_group"},
    ("azurerm_log_analytics_workspace", "name"): {"log_analytics"},
    ("azurerm_virtual_network", "name"): {"vnet"},
    ("azurerm_subnet", "name"): {"apps_subnet", "db_subnet", "endpoints_subnet"},
    ("azurerm_network_security_group", "name"): {"apps_nsg", "db_nsg", "endpoints_nsg"},
    ("azurerm_key_vault", "name"): {"key_vault"},
    ("azurerm_private_endpoint", "name"): {"key_vault_endpoint", "redis_endpoint"},
    ("azurerm_private_dns_zone_virtual_network_link", "name"): {"vnet"},
    ("azurerm_monitor_diagnostic_setting", "name"): {"diagnostic_setting"},
    ("azurerm_postgresql_flexible_server", "name"): {"postgres_server"},
    ("azurerm_postgresql_flexible_server", "administrator_login"): {"db_admin_user"},
    ("azurerm_management_lock", "name"): {"db_lock"},
    ("azapi_resource", "name"): {
        "db_password_secret",
        "redis_password_secret",
        "telemetry_connection_secret",
    },
    ("azurerm_redis_cache", "name"): {"redis"},
    ("azurerm_user_assigned_identity", "name"): {"identity"},
    ("azurerm_container_registry", "name"): {"registry"},
    ("azurerm_container_app_environment", "name"): {"container_app_environment"},
    ("azurerm_container_app_environment", "infrastructure_resource_group_name"): {
        "container_app_infrastructure_resource_group"
    },
    ("azurerm_container_app", "name"): {"container_app"},
    ("azurerm_monitor_action_group", "name"): {"action_group", "action_group_page", "action_group_ticket"},
    ("azurerm_monitor_action_group", "short_name"): {
        "action_group_short_name",
        "action_group_page_short_name",
        "action_group_ticket_short_name",
    },
    ("azurerm_application_insights", "name"): {"application_insights"},
    ("azurerm_application_insights_standard_web_test", "name"): {"availability_test"},
    ("azurerm_portal_dashboard", "name"): {"dashboard"},
}
ALERT_TYPES = (
    "azurerm_monitor_metric_alert",
    "azurerm_monitor_activity_log_alert",
    "azurerm_monitor_scheduled_query_rules_alert_v2",
)
# Names Azure fixes (private-link zones) and names of sub-resources scoped to their parent
# (rules of one NSG, server parameters, the database, the custom domain): not resource names
# to derive.
FIXED_ZONES = {"privatelink.vaultcore.azure.net", "privatelink.redis.cache.windows.net"}
SUB_RESOURCES = {
    "azurerm_network_security_rule",
    "azurerm_postgresql_flexible_server_configuration",
    "azurerm_postgresql_flexible_server_database",
    "azurerm_container_app_custom_domain",
}


def test_tfvars_hold_the_computed_names_and_settings(name: str) -> None:
    files, _ = parsed(name)
    values = computed(name)
    for env in environments(name):
        tfvars = files[f"environments/{env}/terraform.tfvars"]
        names = plain(tfvars["names"], "alarms")
        postgres_only = (
            "postgres_server",
            "postgres_dns_zone",
            "db_admin_user",
            "db_user",
            "db_password_secret",
            "db_lock",
            "db_subnet",
            "db_nsg",
        )
        redis_only = ("redis", "redis_password_secret", "redis_endpoint")
        dropped = (() if values["use_postgres"] else postgres_only) + (
            () if values["use_redis"] else redis_only
        )
        assert names == {k: v for k, v in values["names"][env].items() if k not in dropped}
        c = values["env_config"][env]
        assert tfvars["min_replicas"] == c["min_capacity"]
        assert tfvars["max_replicas"] == c["max_capacity"]
        assert tfvars["zone_redundant"] is c["zone_redundant"]
        # The management lock is the database's: no database, no variable (issue 14: no unused one).
        if values["use_postgres"]:
            assert tfvars["deletion_protection"] is c["deletion_protection"]
        else:
            assert "deletion_protection" not in tfvars
        assert tfvars["subscription_id"] == c["subscription_id"]
        assert tfvars["location"] == values["azure_location"]
        assert tfvars["cpu_target"] == values["cpu_target"]
        assert (tfvars["cpu"], tfvars["memory"]) == (values["cpu"], values["memory"])
        if values["use_postgres"]:
            assert tfvars["db_sku"] == c["db_sku"]
            assert tfvars["db_high_availability"] == c["db_high_availability"]
            assert tfvars["db_storage_mb"] == c["db_storage_mb"]
            assert tfvars["db_pool_size"] * tfvars["max_replicas"] <= tfvars["db_max_connections"]
        if values["use_redis"]:
            assert (tfvars["redis_sku"], tfvars["redis_family"], tfvars["redis_capacity"]) == (
                c["redis_sku"],
                c["redis_family"],
                c["redis_capacity"],
            )


def _names_used(data: dict[str, Any], names: dict[str, Any]) -> dict[str, set[str]]:
    """Check every named resource against names[env]; return the names each key supplied."""
    used: dict[str, set[str]] = {}
    for kind, items in data.items():
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            continue
        if "__tfmeta" not in items[0] or kind in ("locals", "module", "output", "variable", "provider"):
            continue
        for item in items:
            where = f"{item['__tfmeta']['path']}"
            if kind in ALERT_TYPES:
                assert item["name"] in names["alarms"].values(), (where, item["name"])
                continue
            if kind in SUB_RESOURCES or kind in ("terraform", "random_password"):
                continue
            if kind == "azurerm_private_dns_zone":
                assert item["name"] in FIXED_ZONES | {names["postgres_dns_zone"]}, (where, item["name"])
                continue
            attributes = [attr for (k, attr) in NAME_KEYS if k == kind]
            if "name" not in item:
                continue
            assert attributes, f"{where}: resource type {kind} has a name but no names[env] key"
            for attribute in attributes:
                value = item.get(attribute)
                assert isinstance(value, str) and not UNRESOLVED.fullmatch(value), (where, attribute, value)
                keys = {key for key in NAME_KEYS[(kind, attribute)] if names[key] == value}
                assert keys, f"{where}.{attribute} = {value!r} is not one of names[env]"
                for key in keys:
                    used.setdefault(key, set()).add(value)
    return used


def test_every_resource_name_is_a_computed_name(name: str) -> None:
    values = computed(name)
    for env in environments(name):
        names = values["names"][env]
        used = _names_used(resolved(name, env), names)
        expected = {key for keys in NAME_KEYS.values() for key in keys}
        if not values["use_postgres"]:
            expected -= {"postgres_server", "db_admin_user", "db_lock", "db_password_secret"}
            expected -= {"db_subnet", "db_nsg"}
        if not values["use_redis"]:
            expected -= {"redis", "redis_endpoint", "redis_password_secret"}
        if not values["env_config"][env]["deletion_protection"]:
            expected -= {"db_lock"}
        # Names the Container App gives inside itself: its containers and its secret.
        expected -= {"collector_container"}
        assert set(used) == expected, set(used) ^ expected
        app = one(resolved(name, env), "azurerm_container_app")
        assert [c["name"] for c in app["template"]["container"]] == [
            names["container"],
            names["collector_container"],
        ]
        assert app["secret"]["name"] == names["telemetry_connection_secret"]


LONGEST = "payments-settlers"  # 17 characters, the maximum copier.yml allows on azure ("kv-<name>-stg")
ALL_ENVS = ["dev", "staging", "prod"]
LIMITS = attribute_limits("azure")


@cache
def _longest() -> dict[str, dict[str, Any]]:
    root = terraform_dir("full", service_name=LONGEST, environments=ALL_ENVS) / "environments"
    return tfparse_environments([root / env for env in ALL_ENVS])


@pytest.mark.slow
@pytest.mark.parametrize("env", ALL_ENVS)
def test_every_name_fits_azures_limits(env: str) -> None:
    data = _longest()[env]
    assert names_within_limits(data, LIMITS) >= 25
    (vault,) = data["azurerm_key_vault"]
    assert re.fullmatch(r"[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]", vault["name"])
    (registry,) = data["azurerm_container_registry"]
    assert re.fullmatch(r"[a-zA-Z0-9]{5,50}", registry["name"])
    names = computed_for({**answers("full"), "service_name": LONGEST, "environments": ALL_ENVS})["names"][env]
    assert vault["name"] == names["key_vault"] and registry["name"] == names["registry"]


# --- What checkov cannot check.


def test_prod_runs_at_least_two_replicas_and_scales_on_cpu(name: str) -> None:
    for env in environments(name):
        c = computed(name)["env_config"][env]
        template = one(resolved(name, env), "azurerm_container_app")["template"]
        assert template["min_replicas"] == c["min_capacity"]
        assert template["max_replicas"] == c["max_capacity"]
        if env == "prod":
            assert template["min_replicas"] >= 2
        rule = template["custom_scale_rule"]
        assert rule["custom_rule_type"] == "cpu"
        assert rule["metadata"]["type"] == "Utilization"
        assert rule["metadata"]["value"] == str(answers(name)["cpu_target"])


def test_prod_is_zone_redundant(name: str) -> None:
    files, modules = parsed(name)
    values = computed(name)
    for env in environments(name):
        data = resolved(name, env)
        prod = env == "prod"
        assert values["env_config"][env]["zone_redundant"] is prod
        environment = one(data, "azurerm_container_app_environment")
        assert environment["zone_redundancy_enabled"] is prod
        assert environment["internal_load_balancer_enabled"] is False
        if values["use_postgres"]:
            assert files[f"environments/{env}/terraform.tfvars"]["db_high_availability"] == (
                "ZoneRedundant" if prod else "Disabled"
            )
            server = one(data, "azurerm_postgresql_flexible_server")
            assert server["geo_redundant_backup_enabled"] is prod
            assert server["backup_retention_days"] == (30 if prod else 7)
            locks = data.get("azurerm_management_lock", [])
            assert [lock["lock_level"] for lock in locks] == (["CanNotDelete"] if prod else [])
        if values["use_redis"]:
            cache_ = one(data, "azurerm_redis_cache")
            assert cache_["sku_name"] == ("Premium" if prod else "Standard")
    if values["use_postgres"]:
        server = modules["modules/postgres"].resources[("azurerm_postgresql_flexible_server", "this")]
        (dynamic,) = server["dynamic"]
        content = dynamic["high_availability"]["content"][0]
        assert content["mode"] == "${high_availability.value}"
        assert '"ZoneRedundant" ? "2"' in content["standby_availability_zone"]
        assert server["zone"] == "1"
    if values["use_redis"]:
        redis = modules["modules/redis"].resources[("azurerm_redis_cache", "this")]
        assert "var.zone_redundant" in redis["zones"] and '"Premium"' in redis["zones"]


def test_data_stores_are_private(name: str) -> None:
    values = computed(name)
    for env in environments(name):
        data = resolved(name, env)
        vault = one(data, "azurerm_key_vault")
        assert vault["public_network_access_enabled"] is False
        assert vault["rbac_authorization_enabled"] is True
        assert vault["purge_protection_enabled"] is True
        assert vault["soft_delete_retention_days"] == 90
        assert vault["network_acls"]["default_action"] == "Deny"
        endpoints = {
            e["private_service_connection"]["subresource_names"][0]: e
            for e in data["azurerm_private_endpoint"]
        }
        assert set(endpoints) == {"vault"} | ({"redisCache"} if values["use_redis"] else set())
        assert not data.get("azurerm_postgresql_flexible_server_firewall_rule")
        if values["use_postgres"]:
            server = one(data, "azurerm_postgresql_flexible_server")
            assert server["public_network_access_enabled"] is False
            assert server["delegated_subnet_id"] and server["private_dns_zone_id"]
            assert server["version"] == "16"
            assert "administrator_password" not in server and server["administrator_password_wo"]
            params = {p["name"]: p["value"] for p in data["azurerm_postgresql_flexible_server_configuration"]}
            assert params.get("require_secure_transport") == "on"
            assert params.get("log_connections") == "on"
            assert params.get("max_connections") == str(values["env_config"][env]["db_max_connections"])
            (diagnostics,) = [
                d for d in data["azurerm_monitor_diagnostic_setting"] if "postgres" in d["__tfmeta"]["path"]
            ]
            assert diagnostics["enabled_log"]["category"] == "PostgreSQLLogs"
        if values["use_redis"]:
            cache_ = one(data, "azurerm_redis_cache")
            assert cache_["public_network_access_enabled"] is False
            assert cache_["non_ssl_port_enabled"] is False
            assert cache_["minimum_tls_version"] == "1.2"


def test_network_subnets_are_delegated_and_guarded(name: str) -> None:
    """The database subnet and the Redis rule exist only with their store (issue 14)."""
    values = computed(name)
    _, modules = parsed(name)
    network = modules["modules/network"]
    delegations = {
        subnet: body["delegation"][0]["service_delegation"][0]["name"]
        for (kind, subnet), body in network.resources.items()
        if kind == "azurerm_subnet" and "delegation" in body
    }
    database = {"db": "Microsoft.DBforPostgreSQL/flexibleServers"} if values["use_postgres"] else {}
    assert delegations == {"apps": "Microsoft.App/environments", **database}
    associations = {
        n for (kind, n) in network.resources if kind == "azurerm_subnet_network_security_group_association"
    }
    assert associations == {"apps", "endpoints", *database}
    for env in environments(name):
        rules = {r["name"]: r for r in resolved(name, env)["azurerm_network_security_rule"]}
        internet = [r for r in rules.values() if r["source_address_prefix"] == "Internet"]
        assert sorted(r["destination_port_range"] for r in internet) == ["443", "80"]
        postgres = rules.get("allow-postgres-from-apps", {}).get("destination_port_range")
        assert postgres == ("5432" if values["use_postgres"] else None)
        redis = rules.get("allow-redis-tls-from-apps", {}).get("destination_port_range")
        assert redis == ("6380" if values["use_redis"] else None)
        assert all(r["access"] == "Deny" for r in rules.values() if r["priority"] == 4000)


def test_identity_reads_exactly_the_services_secrets(name: str) -> None:
    values = computed(name)
    _, modules = parsed(name)
    app = modules["modules/container-app"]
    for env in environments(name):
        data = resolved(name, env)
        secrets = {s["name"]: s for s in data.get("azapi_resource", [])}
        # Application Insights' connection string (the collector reads it) in every variant.
        expected = {values["names"][env]["telemetry_connection_secret"]}
        if values["use_postgres"]:
            expected.add(values["names"][env]["db_password_secret"])
        if values["use_redis"]:
            expected.add(values["names"][env]["redis_password_secret"])
        assert set(secrets) == expected
        vault = one(data, "azurerm_key_vault")
        assert len({secret["parent_id"] for secret in secrets.values()}) <= 1
        for secret in secrets.values():
            assert secret["type"].startswith("Microsoft.KeyVault/vaults/secrets@")
            assert secret["body"]["properties"]["contentType"] == "text/plain"
            assert "value" not in secret["body"]["properties"]
        assignments = data["azurerm_role_assignment"]
        readers = [a for a in assignments if a["role_definition_name"] == "Key Vault Secrets User"]
        assert sorted(a["scope"] for a in readers) == sorted(s["id"] for s in secrets.values())
        assert all(a["scope"] != vault["id"] for a in assignments)
        (pull,) = [a for a in assignments if a["role_definition_name"] == "AcrPull"]
        assert pull["scope"] == one(data, "azurerm_container_registry")["id"]
        assert {a["role_definition_name"] for a in assignments} <= {"AcrPull", "Key Vault Secrets User"}
    for module, resource in (
        ("postgres", "password"),
        ("redis", "password"),
        ("monitoring", "connection_string"),
    ):
        if f"modules/{module}" in modules:
            secret = modules[f"modules/{module}"].resources[("azapi_resource", resource)]
            assert secret["parent_id"] == "${var.key_vault_id}"
            for env in environments(name):
                call = modules[f"environments/{env}"].calls[module]
                assert call["key_vault_id"] == "${module.key_vault.id}"
    # The first revision starts only once its identity may pull the image and read the secrets.
    depends_on = str(app.resources[("azurerm_container_app", "this")]["depends_on"])
    assert "azurerm_role_assignment.acr_pull" in depends_on
    assert "azurerm_role_assignment.secrets_user" in depends_on
    reader = app.resources[("azurerm_role_assignment", "secrets_user")]
    assert reader["for_each"] == "${var.key_vault_secret_ids}" and reader["scope"] == "${each.value}"
    assert reader["principal_id"] == "${azurerm_user_assigned_identity.this.principal_id}"


def test_container_environment_is_the_contract_and_holds_no_secret_value(name: str) -> None:
    values = computed(name)
    expected = {"PORT", "ENVIRONMENT", "SERVICE_NAME", "LOG_LEVEL", "SECRETS_BACKEND", "KEY_VAULT_URL"}
    expected |= {"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"}
    expected |= {"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"}
    if values["use_postgres"]:
        expected |= {"DB_PASSWORD_SECRET", "DB_USER", "DB_HOST", "DB_PORT", "DB_NAME", "DB_POOL_SIZE"}
    if values["use_redis"]:
        expected |= {"REDIS_URL", "REDIS_AUTH_SECRET"}
    _, modules = parsed(name)
    for env in environments(name):
        root = modules[f"environments/{env}"]
        (local,) = [i for i in resolved(name, env)["locals"] if i["__tfmeta"]["path"] == "locals"]
        assert set(local["container_environment"]) == expected
        assert local["container_environment"]["SECRETS_BACKEND"] == "azure"
        # The OpenTelemetry resource: the service's name and environment (tfparse leaves
        # variables in locals unresolved: the expressions).
        expression = root.locals["container_environment"]
        assert "OTEL_SERVICE_NAME = var.service_name," in expression
        assert 'OTEL_RESOURCE_ATTRIBUTES = "deployment.environment=${var.environment}"' in expression
        text = json.dumps(root.locals["container_environment"])
        assert (
            "KEY_VAULT_URL   = module.key_vault.vault_uri"
            in (terraform_dir(name) / "environments" / env / "main.tf").read_text()
        )
        for forbidden in ("random_password", "access_key", "password_wo", ".result", "connection_string"):
            assert forbidden not in text, forbidden
        if values["use_postgres"]:
            assert "module.postgres.password_secret_name" in text
        if values["use_redis"]:
            assert "rediss://${module.redis.hostname}:${module.redis.ssl_port}/0" in text
            assert "module.redis.password_secret_name" in text
    app = modules["modules/container-app"]
    assert app.locals["environment"] == (
        "${merge(var.environment, {AZURE_CLIENT_ID = azurerm_user_assigned_identity.this.client_id, "
        'OTEL_EXPORTER_OTLP_ENDPOINT = "http://localhost:4318"})}'
    )
    resource = app.resources[("azurerm_container_app", "this")]
    container, collector = resource["template"][0]["container"]
    (env_block,) = container["dynamic"]
    content = env_block["env"]["content"][0]
    assert set(content) - {"__is_block__"} == {"name", "value"}, "no secret_name: values are plain settings"
    # The app's one secret is a Key Vault reference (no value), read by the collector only.
    (secret,) = resource["secret"]
    assert set(secret) - {"__is_block__"} == {"name", "identity", "key_vault_secret_id"}
    assert secret["identity"] == "${azurerm_user_assigned_identity.this.id}"
    secret_envs = [e for e in collector["env"] if "secret_name" in e]
    assert [e["secret_name"] for e in secret_envs] == ["${var.telemetry_connection_secret_name}"]
    assert all("value" not in e for e in secret_envs)


def test_no_output_exposes_a_secret_value(name: str) -> None:
    _, modules = parsed(name)
    for module in modules.values():
        for output, body in module.outputs.items():
            value = json.dumps(body["value"])
            # The connection string's Key Vault secret (its id and URI) is not its value.
            value = value.replace("azapi_resource.connection_string.", "azapi_resource.SECRET.")
            for forbidden in (
                "random_password",
                "access_key",
                "password_wo",
                "connection_string",
                "sensitive_body",
            ):
                assert forbidden not in value, (module.path, output)
    for path in terraform_dir(name).rglob("*.tfvars"):
        assert not re.search(r"(?im)^\w*(password|secret|token|key)\w*\s*=", path.read_text()), path


def test_every_alarm_key_has_an_alert_linking_its_runbook_section(name: str) -> None:
    anchors = runbook_anchors()
    for env in environments(name):
        names = computed(name)["names"][env]
        data = resolved(name, env)
        alerts = {a["name"]: a for kind in ALERT_TYPES for a in data.get(kind, [])}
        assert set(alerts) == set(names["alarms"].values())
        groups = {g["name"]: g for g in data["azurerm_monitor_action_group"]}
        assert set(groups) == {
            names["action_group"],
            names["action_group_page"],
            names["action_group_ticket"],
        }
        for group in groups.values():
            assert group["email_receiver"]["email_address"] == answers(name)["owner_email"]
        alarms = computed(name)["behaviour"]["alarms"]
        for key, alert_name in names["alarms"].items():
            alert = alerts[alert_name]
            assert alert["description"].endswith(f"docs/runbook.md#{anchors[key]}"), alert["description"]
            action = alert["action"]
            notified = action.get("action_group_id") or action.get("action_groups", [None])[0]
            # The burn-rate alerts page or open a ticket; every other alert e-mails the team.
            route = alarms[key].get("route")
            group = names[f"action_group_{route}"] if route else names["action_group"]
            assert notified == groups[group]["id"], alert_name
        assert one(data, "azurerm_portal_dashboard")["name"] == names["dashboard"]
        test = one(data, "azurerm_application_insights_standard_web_test")
        assert test["validation_rules"]["expected_status_code"] == 200
        call = parsed(name)[1][f"environments/{env}"].calls["monitoring"]
        assert call["health_check_url"] == "https://${module.container_app.fqdn}${var.health_deep_path}"
        tfvars = parsed(name)[0][f"environments/{env}/terraform.tfvars"]
        assert tfvars["health_deep_path"] == computed(name)["health_deep_path"]


def test_ingress_is_https_only_and_probes_hit_the_liveness_path(name: str) -> None:
    values = computed(name)
    for env in environments(name):
        data = resolved(name, env)
        app = one(data, "azurerm_container_app")
        ingress = app["ingress"]
        assert ingress["external_enabled"] is True and ingress["allow_insecure_connections"] is False
        assert ingress["target_port"] == values["container_port"]
        container, collector = app["template"]["container"]
        assert "startup_probe" not in collector and "readiness_probe" not in collector
        assert collector["liveness_probe"]["port"] == values["behaviour"]["otel_collector"]["health_port"]
        for probe in ("startup_probe", "liveness_probe", "readiness_probe"):
            assert container[probe]["path"] == values["health_live_path"], probe
            assert container[probe]["port"] == values["container_port"], probe
            assert container[probe]["transport"] == "HTTP", probe
            # Azure's limits: failure threshold 1-10, period 1-240 s, initial delay 0-60 s.
            assert 1 <= container[probe]["failure_count_threshold"] <= 10, probe
            assert 1 <= container[probe]["interval_seconds"] <= 240, probe
            assert container[probe]["timeout"] < container[probe]["interval_seconds"], probe
            assert 0 <= container[probe].get("initial_delay", 1) <= 60, probe
        # The collector's share comes on top (its own test: test_behaviour_values.py), out of
        # the service's only at the 4-vCPU ceiling.
        assert container["cpu"] == min(values["cpu"], 4096 - 256) / 1024
        assert container["memory"] == f"{min(values['memory'], 8192 - 512) / 1024:g}Gi"
        assert app["identity"]["type"] == "UserAssigned"
        assert app["revision_mode"] == "Single"
        registry = one(data, "azurerm_container_registry")
        assert registry["admin_enabled"] is False and registry["anonymous_pull_enabled"] is False
        # The custom domain belongs to one environment: prod when generated, else the last one
        # (the runbook's domain_env); the others answer on their own host names.
        domain_env = "prod" if "prod" in environments(name) else environments(name)[-1]
        domains = data.get("azurerm_container_app_custom_domain", [])
        bound = values["domain_name"] and env == domain_env
        assert [d["name"] for d in domains] == ([values["domain_name"]] if bound else [])


def test_every_taggable_resource_is_tagged(name: str) -> None:
    schema = load_schema()["resources"]
    _, modules = parsed(name)
    tagged = 0
    for module in modules.values():
        for (kind, resource), body in module.resources.items():
            if kind.startswith("azurerm_") and "tags" in schema[kind]["attributes"]:
                # Or the module's tags plus one of its own (the burn-rate alerts' route).
                tags = body.get("tags")
                assert tags in ("${var.tags}", "${local.tags}") or str(tags).startswith(
                    "${merge(var.tags, {"
                ), f"{module.path}: {kind}.{resource}"
                tagged += 1
            if kind == "azapi_resource":
                assert "var.tags" in str(body.get("tags")), f"{module.path}: {kind}.{resource}"
    assert tagged >= 20
    for env in environments(name):
        (local,) = [i for i in resolved(name, env)["locals"] if i["__tfmeta"]["path"] == "locals"]
        tags = {k: v for k, v in local["tags"].items() if not k.startswith("__")}
        assert tags == {
            "service": answers(name)["service_name"],
            "environment": env,
            "owner": answers(name)["owner_team"],
            "managed-by": "terraform",
            "repo": computed(name)["repository"],
        }


def test_provider_and_backend(name: str) -> None:
    values = computed(name)
    keys = set()
    for env in environments(name):
        data = resolved(name, env)
        provider = one(data, "provider", "provider.azurerm")
        assert provider["features"]["key_vault"]["purge_soft_delete_on_destroy"] is False
        backend = next(t["backend"] for t in data["terraform"] if "backend" in t)
        assert backend["resource_group_name"] == values["azure_state_resource_group"]
        assert backend["storage_account_name"] == values["azure_state_storage_account"]
        assert backend["container_name"] == "tfstate"
        assert backend["use_azuread_auth"] is True
        assert env in backend["key"]
        keys.add(backend["key"])
    assert len(keys) == len(environments(name))
    _, modules = parsed(name)
    for env in environments(name):
        (azurerm,) = [p["azurerm"] for p in modules[f"environments/{env}"].other if "azurerm" in p]
        assert azurerm["subscription_id"] == '${var.subscription_id == "" ? null : var.subscription_id}'
        assert azurerm["storage_use_azuread"] is True


# --- READMEs.


def test_readmes_document_every_module_input_and_output(name: str) -> None:
    root = terraform_dir(name)
    readme = (root / "README.md").read_text()
    assert ("## Custom domain" in readme) is bool(answers(name)["domain_name"])
    for check_id in TREES["azure"].allowed_skips - (
        {"CKV2_AZURE_57"} if not computed(name)["use_postgres"] else set()
    ):
        assert f"`{check_id}`" in readme, check_id
    # Its setup steps and every module's inputs and outputs: test_docs.py.
    monitoring = (root / "modules" / "monitoring" / "README.md").read_text()
    for key in computed(name)["names"][environments(name)[0]]["alarms"]:
        assert f"| `{key}` |" in monitoring, key
