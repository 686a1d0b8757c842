"""docs/runbook.md of the Google Cloud and Azure variants: the same structure as the AWS one,
every alert with its section, and gcloud/az commands that exist, with the real names of the
environment they are written for."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.repo.awscli import split_commands
from tests.repo.clicheck import check, check_az, check_gcloud, commands_in_repo
from tests.repo.helpers import (
    CLOUD_VARIANTS,
    Rendered,
    alarm_rows,
    assert_alarm_sections,
    assert_sections_by_store,
    code_blocks,
    computed,
    rendered,
    resource_table,
    section,
    slugs,
)

KEYS = list(CLOUD_VARIANTS)
ALWAYS_ANCHORS = {
    "service-overview",
    "severity-guide",
    "architecture",
    "resource-names",
    "failure-modes",
    "high-cpu",
    "high-memory",
    "http-5xx-spike",
    "health-check-failing",
    "revision-failed",
    "troubleshooting",
    "health-endpoints",
    "logs",
    "log-queries",
    "dashboard-and-alarms",
    "dependency-health",
    "escalation",
    "recovery-procedures",
    "roll-back-to-the-previous-revision",
    "scale",
}
CLOUD_ANCHORS = {
    "gcp": {"certificate-expiry", "restart-the-instances"},
    "azure": {"certificate", "restart-the-revision"},
}
POSTGRES_ANCHORS = {
    "database-connection-exhaustion",
    "database-high-cpu",
    "out-of-disk",
    "database-failover",
    "point-in-time-restore",
}
REDIS_ANCHORS = {"cache-memory-high", "cache-high-cpu"}
SECRET_ANCHORS = {"secret-rotation-breaks-authentication", "rotate-a-secret"}

# gcloud commands whose positional arguments are resource names (they must be real names).
GCLOUD_NAMED = {
    "gcloud run services describe",
    "gcloud run services update",
    "gcloud run services update-traffic",
    "gcloud run services logs read",
    "gcloud run revisions describe",
    "gcloud sql instances describe",
    "gcloud sql instances patch",
    "gcloud sql instances failover",
    "gcloud sql instances restart",
    "gcloud sql instances clone",
    "gcloud sql instances get-latest-recovery-time",
    "gcloud sql users set-password",
    "gcloud redis instances describe",
    "gcloud redis instances update",
    "gcloud redis instances get-auth-string",
    "gcloud secrets versions list",
    "gcloud secrets versions add",
    "gcloud compute ssl-certificates describe",
    "gcloud compute addresses describe",
}
# Options whose value is a name of names[env] (gcloud), or the key of names[env] it must equal.
GCLOUD_NAME_OPTIONS = {
    "--project": "project",
    "--region": "region",
    "--instance": "sql_instance",
    "--service": "service",
}
AZ_NAME_OPTIONS = {
    "--subscription": "subscription_id",
    "--resource-group": "resource_group",
    "--server-name": "postgres_server",
    "--source-server": "postgres_server",
    "--vault-name": "key_vault",
}
# gcloud options that take a value (so the word after them is no positional argument).
GCLOUD_VALUE_OPTIONS_RE = re.compile(r"^--[a-z-]+$")


@pytest.fixture(scope="module", params=KEYS)
def repo(request: pytest.FixtureRequest) -> Rendered:
    return rendered(request.param)


def names_of(repo: Rendered) -> dict[str, dict[str, Any]]:
    names: dict[str, dict[str, Any]] = computed(repo)["names"]
    return names


def env_blocks(markdown: str) -> list[tuple[str, str]]:
    """(environment, body) of every per-environment bash block ("In `env`:" then the block)."""
    pattern = r"^In `([a-z]+)`:\n\n```bash\n(.*?)^```$"
    return [(m.group(1), m.group(2)) for m in re.finditer(pattern, markdown, flags=re.M | re.S)]


def flat_values(names: dict[str, Any]) -> set[str]:
    values = set()
    for value in names.values():
        if isinstance(value, dict):
            values |= {str(v) for v in value.values()}
        else:
            values.add(str(value))
    return values


def test_sections_follow_the_choices(repo: Rendered) -> None:
    anchors = set(slugs(repo.read("docs/runbook.md")))
    assert ALWAYS_ANCHORS | CLOUD_ANCHORS[repo.cloud] <= anchors
    other = "azure" if repo.cloud == "gcp" else "gcp"
    assert not (CLOUD_ANCHORS[other] - CLOUD_ANCHORS[repo.cloud]) & anchors
    assert_sections_by_store(repo, anchors, POSTGRES_ANCHORS, REDIS_ANCHORS, SECRET_ANCHORS)


def test_every_alert_has_its_section_and_the_section_names_it(repo: Rendered) -> None:
    text = repo.read("docs/runbook.md")
    alarms = alarm_rows(resource_table(text))
    names = names_of(repo)
    for env in repo.environments:
        assert {key: cells[env] for key, cells in alarms.items()} == names[env]["alarms"], env
    expected = {"cpu_high", "memory_high", "at_max_capacity", "http_5xx"}
    expected |= {"health_check_failed", "revision_failed"}
    if repo.cloud == "gcp":
        expected.add("certificate_expiry")
    if repo.cloud in ("gcp", "azure"):
        # The burn-rate alerts of the service level objectives.
        expected |= {f"{sli}_{burn}_burn" for sli in ("availability", "latency") for burn in ("fast", "slow")}
    postgres = {"db_connections_high", "db_storage_high", "db_cpu_high", "db_auth_failures"}
    assert_alarm_sections(repo, text, alarms, expected, postgres, {"cache_memory_high", "cache_cpu_high"})


def test_every_cli_command_exists_with_its_options(repo: Rendered) -> None:
    tool = "gcloud" if repo.cloud == "gcp" else "az"
    found = list(commands_in_repo(repo.path, tool))
    assert len(found) > 20
    problems = [problem for words in found for problem in check(words)]
    assert problems == []
    wrong = "az" if tool == "gcloud" else "gcloud"
    assert list(commands_in_repo(repo.path, wrong)) == []
    assert list(commands_in_repo(repo.path, "aws")) == []


def test_the_command_checker_rejects_what_the_clis_reject() -> None:
    assert check_gcloud(("gcloud", "run", "services", "describe", "s", "--region", "r")) == []
    assert check_gcloud(("gcloud", "redis", "instances", "update", "r", "--no-enable-auth")) == []
    assert check_gcloud(("gcloud", "sql", "instances", "describe", "i", "--region", "r"))
    assert check_gcloud(("gcloud", "run", "services", "describe", "s", "--bogus"))
    assert check_gcloud(("gcloud", "run", "services", "s"))
    assert check_gcloud(("gcloud", "run", "services"))
    assert check_az(("az", "containerapp", "show", "--name", "a", "--resource-group", "g")) == []
    assert check_az(("az", "containerapp", "show", "--revision", "r"))
    assert check_az(("az", "containerapp", "frobnicate", "--name", "a"))
    assert check_az(("az", "containerapp", "show", "--name", "a", "--query", "[?x=="))


def test_commands_name_the_environment_they_are_written_for(repo: Rendered) -> None:
    """Each per-environment block uses that environment's project and region (gcloud) or
    subscription and resource group (az), and its resource names, never another one's."""
    text = repo.read("docs/runbook.md")
    names = names_of(repo)
    blocks = env_blocks(text)
    assert {env for env, _ in blocks} == set(repo.environments)
    for env, body in blocks:
        n = names[env]
        known = flat_values(n) | {computed(repo)["db_name"], repo.answers["domain_name"]}
        others = set().union(*(flat_values(names[e]) for e in repo.environments if e != env)) - known
        for line in body.splitlines():
            for command in split_commands(line):
                words = command.words
                if not words or words[0] not in ("gcloud", "az"):
                    continue
                if words[0] == "gcloud":
                    _check_gcloud_names(words, n, known)
                else:
                    _check_az_names(words, n, known)
            for other in others:
                assert not re.search(rf"(?<![\w.-]){re.escape(other)}(?![\w-])", line), (env, other, line)


def _check_gcloud_names(words: tuple[str, ...], n: dict[str, Any], known: set[str]) -> None:
    line = " ".join(words)
    if words[1:3] != ("auth", "print-access-token"):
        assert "--project" in words, line
    for option, key in GCLOUD_NAME_OPTIONS.items():
        if option in words:
            assert words[words.index(option) + 1] == n[key], line
    if words[1] in ("run", "redis"):
        assert "--region" in words, line
    path = " ".join(w for w in words[:5] if not w.startswith("-"))
    named = next((p for p in GCLOUD_NAMED if path.startswith(p)), None)
    if named is None:
        return
    rest = list(words[len(named.split()) :])
    positional = []
    skip = False
    for word in rest:
        if skip:
            skip = False
            continue
        if word.startswith("--"):
            skip = "=" not in word and not _is_bool_flag(named, word)
            continue
        positional.append(word)
    assert positional, line
    for word in positional:
        assert word in known or word.startswith("$"), (word, line)


def _is_bool_flag(command: str, option: str) -> bool:
    from tests.repo.clicheck import _models

    node = _models()["gcloud"]
    for word in command.split()[1:]:
        node = node["commands"][word]
    flags = {**_models()["gcloud"]["flags"], **node["flags"]}
    name = "--" + option[5:] if option.startswith("--no-") else option
    return bool(flags.get(name) == "bool")


def _check_az_names(words: tuple[str, ...], n: dict[str, Any], known: set[str]) -> None:
    line = " ".join(words)
    subscription = n["subscription_id"]
    if words[1] == "account":
        assert words[1:3] == ("account", "show") and not subscription, line
        return
    if words[1] == "rest":
        url = words[words.index("--url") + 1]
        if "management.azure.com" in url:
            assert f"/subscriptions/{subscription or '$'}" in url, line
            if "resourceGroups" in url:
                assert f"/resourceGroups/{n['resource_group']}/" in url, line
        return
    if "--resource" not in words:  # a full resource id names its resource group
        assert words[words.index("--resource-group") + 1] == n["resource_group"], line
    if subscription:
        assert words[words.index("--subscription") + 1] == subscription, line
    else:
        assert "--subscription" not in words, line
    for option, key in AZ_NAME_OPTIONS.items():
        if option in words:
            assert words[words.index(option) + 1] == n[key], line
    if "--name" in words:
        value = words[words.index("--name") + 1]
        assert value in known or value.startswith("$") or value == "max_connections", line
    if "--resource" in words:
        resource = words[words.index("--resource") + 1]
        prefix = f"/subscriptions/{subscription or '$'}"
        assert resource.startswith(prefix), line
        assert f"/resourceGroups/{n['resource_group']}/providers/" in resource, line
        assert resource.rsplit("/", 1)[1] in known, line


def test_architecture_follows_the_choices(repo: Rendered) -> None:
    diagram = code_blocks(repo.read("docs/runbook.md"), "mermaid")
    assert len(diagram) == 1
    if repo.cloud == "gcp":
        assert "Cloud Run service" in diagram[0]
        assert ("Cloud SQL PostgreSQL" in diagram[0]) is repo.use_postgres
        assert ("Memorystore Redis" in diagram[0]) is repo.use_redis
        assert ("Secret Manager" in diagram[0]) is (repo.use_postgres or repo.use_redis)
        assert ("Load Balancer" in diagram[0]) is bool(repo.answers["domain_name"])
    else:
        assert "Container App" in diagram[0]
        assert ("PostgreSQL flexible server" in diagram[0]) is repo.use_postgres
        assert ("Azure Cache for Redis" in diagram[0]) is repo.use_redis


def test_health_urls_are_real(repo: Rendered) -> None:
    text = repo.read("docs/runbook.md")
    health = section(text, "health-endpoints")
    domain = repo.answers["domain_name"]
    envs = repo.environments
    domain_env = ("prod" if "prod" in envs else envs[-1]) if domain else ""
    names = names_of(repo)
    if domain:
        assert f'"https://{domain}/health/live"' in health
        assert f'"https://{domain}/health"' in health
    for env in (e for e in envs if e != domain_env):
        n = names[env]
        if repo.cloud == "gcp":
            assert (
                f"SERVICE_URL=$(gcloud run services describe {n['service']} --project {n['project']} "
                f"--region {n['region']} --format 'value(status.url)')"
            ) in health
            assert '"${SERVICE_URL}/health/live"' in health
        else:
            assert f"--name {n['container_app']} --query properties.configuration.ingress.fqdn" in health
            assert '"https://${APP_FQDN}/health/live"' in health


def test_recovery_procedures(repo: Rendered) -> None:
    text = repo.read("docs/runbook.md")
    names = names_of(repo)
    config = computed(repo)["env_config"]
    scale = section(text, "scale")
    assert "**temporary**" in scale and "24 hours" in scale
    assert ("--max-instances" if repo.cloud == "gcp" else "--max-replicas") in scale
    rollback = section(text, "roll-back-to-the-previous-revision")
    assert ("update-traffic" if repo.cloud == "gcp" else "revision copy") in rollback
    if repo.use_postgres:
        failover = dict(env_blocks(section(text, "database-failover")))
        restore = section(text, "point-in-time-restore")
        for env in repo.environments:
            n, c, body = names[env], config[env], failover[env]
            if repo.cloud == "gcp":
                ha = c["db_availability_type"] == "REGIONAL"
                verb = "failover" if ha else "restart"
                assert f"gcloud sql instances {verb} {n['sql_instance']} " in body, env
                assert f'clone {n["sql_instance"]} "$RESTORED"' in restore
                assert '--point-in-time "$RESTORE_TIME"' in restore
            else:
                ha = c["db_high_availability"] != "Disabled"
                assert "az postgres flexible-server restart " in body
                assert f"--name {n['postgres_server']}" in body, env
                assert ("--failover Forced" in body) is ha, env
                assert f"--source-server {n['postgres_server']}" in restore
                assert '--restore-time "$RESTORE_TIME"' in restore
    if repo.use_postgres or repo.use_redis:
        rotate = section(text, "rotate-a-secret")
        assert "password_version" in rotate or not repo.use_postgres
        assert ("unset NEW_PASSWORD" in rotate) is repo.use_postgres


@pytest.mark.parametrize("key", [key for key in KEYS if CLOUD_VARIANTS[key][0] == "gcp"])
def test_gcp_burn_rate_sections_state_the_slo_map(key: str) -> None:
    """Each burn-rate section of the Google Cloud runbook: the objective, budget, burn rate,
    windows and consequences of the slo map; the channel it notifies; the burn rate of both
    windows of the environment's SLO; the request log of the real service, filtered on what
    the objective counts as bad."""
    repo = rendered(key)
    text = repo.read("docs/runbook.md")
    values = computed(repo)
    hours = {3600: "1 hour", 21600: "6 hours", 300: "5 minutes", 1800: "30 minutes"}
    for sli, objective in values["slo"]["objectives"].items():
        for burn, alert in objective["alerts"].items():
            body = section(text, f"{sli}-{burn}-burn")
            prose = " ".join(body.split())
            assert f"**Objective:** {objective['objective_percent']} % of requests" in prose
            assert f"over a rolling {values['slo']['window_days']} days" in prose
            assert f"Error budget: {objective['error_budget_percent']} % of requests" in prose
            assert f"more than {alert['burn_rate']}x faster" in prose
            long, short = hours[alert["long_window_s"]], hours[alert["short_window_s"]]
            assert f"over both the last {long} and the last {short}" in prose
            assert f"more than {alert['threshold_percent']} % of requests" in prose
            assert f"{alert['budget_consumed_percent']} % of the budget is spent in {long}" in prose
            assert f"gone in {alert['budget_exhausted_in_h']} hours" in prose
            assert ("This one pages" in prose) is (alert["severity"] == "page")
            assert ("This one is a ticket" in prose) is (alert["severity"] == "ticket")
            # The traces of the failing or slow requests, in each environment's project.
            assert f"filter on `service.name` `{repo.answers['service_name']}`" in prose
            for env in repo.environments:
                project = values["names"][env]["project"]
                assert f"(https://console.cloud.google.com/traces/explorer?project={project})" in prose
            blocks = dict(env_blocks(body))
            assert set(blocks) == set(repo.environments)
            for env, block in blocks.items():
                n = values["names"][env]
                assert f"`{n['page_notification_channel']}`" in prose
                assert f"`{n['notification_channel']}`" in prose
                slo = f"projects/{n['project']}/services/{n['slo_service']}/serviceLevelObjectives/{sli}"
                for window in ("long", "short"):
                    assert f'select_slo_burn_rate("{slo}", "{alert[window + "_window_s"]}s")' in block
                assert f'resource.labels.service_name="{n["service"]}"' in block
                assert f"projects/{n['project']}/logs/run.googleapis.com%2Frequests" in block
                assert f"--freshness {alert['long_window_s'] // 60}m" in block
                bad = (
                    "httpRequest.status>=500"
                    if sli == "availability"
                    else f'httpRequest.latency>"{objective["threshold_s"]}s"'
                )
                assert bad in block
