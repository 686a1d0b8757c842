"""One set of names on Google Cloud and Azure: every name in the runbook's resource table is the
value terraform.tfvars passes (``names``, or a top-level setting) and the name the Terraform
(resolved with tfparse, tfvars applied) gives that resource, in every environment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.repo.helpers import (
    CLOUD_VARIANTS,
    Rendered,
    alarm_rows,
    computed,
    rendered,
    resource_table,
)
from tests.repo.infra import terraform_values

Target = tuple[str, str]

# Runbook row -> (where terraform.tfvars holds it: "names.<key>" or a top-level setting,
# the resource attributes that must carry it). Cells reading "none" or "not set" name nothing.
# Per cloud and runbook row: the computed value it shows and where the Terraform holds it
# (data/name_attributes.yml).
_TABLES = yaml.safe_load((Path(__file__).parent / "data" / "name_attributes.yml").read_text())
ROWS: dict[str, dict[str, tuple[str, tuple[Target, ...]]]] = {
    cloud: {label: (row["value"], tuple(map(tuple, row["terraform"]))) for label, row in rows.items()}
    for cloud, rows in _TABLES["cloud_runbook_rows"].items()
}
# Where each cloud's Terraform gives the alerts their names.
ALARM_TARGETS: dict[str, tuple[Target, ...]] = {
    "gcp": (("google_monitoring_alert_policy", "display_name"),),
    "azure": (
        ("azurerm_monitor_metric_alert", "name"),
        ("azurerm_monitor_activity_log_alert", "name"),
        ("azurerm_monitor_scheduled_query_rules_alert_v2", "name"),
    ),
}
# Attributes tfparse reads that are checked in the tests below beyond the rows.
EXTRA_TARGETS: dict[str, tuple[Target, ...]] = {
    "gcp": (
        ("google_service_account", "account_id"),
        ("google_cloud_run_v2_service", "template.containers.image"),
        ("google_cloud_run_v2_service", "location"),
    ),
    "azure": (
        ("azurerm_application_insights_standard_web_test", "request.url"),
        ("azurerm_resource_group", "location"),
    ),
}
EMPTY_CELLS = {"none", "not set"}


def _keys(cloud: str) -> list[str]:
    return [key for key, (c, _) in CLOUD_VARIANTS.items() if c == cloud]


def _tfvars(repo: Rendered, env: str) -> dict[str, Any]:
    from tests.terraform.hcl import parse_files, tfvars

    files = parse_files(repo.path / "terraform" / "environments" / env)
    data: dict[str, Any] = tfvars(files, "terraform.tfvars")
    return data


def _tfvars_value(tfvars: dict[str, Any], where: str) -> Any:
    if where.startswith("names."):
        return tfvars["names"].get(where.split(".", 1)[1])
    return tfvars.get(where)


def _attributes(cloud: str) -> dict[str, tuple[str, ...]]:
    wanted: dict[str, set[str]] = {}
    targets = [t for _, ts in ROWS[cloud].values() for t in ts]
    targets += [*ALARM_TARGETS[cloud], *EXTRA_TARGETS[cloud]]
    for kind, attribute in targets:
        wanted.setdefault(kind, set()).add(attribute)
    return {kind: tuple(sorted(attributes)) for kind, attributes in wanted.items()}


@pytest.mark.parametrize("key", list(CLOUD_VARIANTS))
def test_every_runbook_row_is_checked(key: str) -> None:
    repo = rendered(key)
    table = resource_table(repo.read("docs/runbook.md"))
    labels = {label for label in table if not label.startswith("Alarm `")}
    assert labels - set(ROWS[repo.cloud]) == set()
    assert set(next(iter(table.values()))) == set(repo.environments)


@pytest.mark.parametrize("key", list(CLOUD_VARIANTS))
def test_runbook_names_are_the_tfvars_names(key: str) -> None:
    """Every cell equals what terraform.tfvars passes, and what copier.yml computed."""
    repo = rendered(key)
    table = resource_table(repo.read("docs/runbook.md"))
    names = computed(repo)["names"]
    problems = []
    for env in repo.environments:
        tfvars = _tfvars(repo, env)
        for label, cells in table.items():
            if label.startswith("Alarm `"):
                continue
            where, _ = ROWS[repo.cloud][label]
            cell = cells[env]
            expected = _tfvars_value(tfvars, where)
            if cell in EMPTY_CELLS:
                # "not set": no subscription id in the answers; "none": a load balancer
                # resource of an environment without a public domain (so without the balancer).
                empty = "subscription_id" if label == "Subscription" else "domain_name"
                if tfvars.get(empty):
                    problems.append(f"{env} {label}: runbook {cell!r}, but terraform.tfvars sets {empty}")
                continue
            if str(expected) != cell:
                problems.append(f"{env} {label}: runbook {cell!r} != terraform.tfvars {where} {expected!r}")
            if where.startswith("names.") and names[env][where[6:]] != cell:
                problems.append(f"{env} {label}: runbook {cell!r} != copier.yml names.{where[6:]}")
        alarms = {k: cells[env] for k, cells in alarm_rows(table).items()}
        tf_alarms = {k: v for k, v in tfvars["names"]["alarms"].items() if k != "__is_block__"}
        if alarms != tf_alarms:
            problems.append(f"{env} alarms: runbook {alarms} != terraform.tfvars {tf_alarms}")
    assert problems == [], "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("key", list(CLOUD_VARIANTS))
def test_terraform_uses_the_runbook_names(key: str) -> None:
    """The resources carry the runbook's names once Terraform's modules resolved them."""
    repo = rendered(key)
    table = resource_table(repo.read("docs/runbook.md"))
    values = terraform_values(repo.path, repo.environments, _attributes(repo.cloud))
    problems = []
    for env in repo.environments:
        found = values[env]
        for label, cells in table.items():
            if label.startswith("Alarm `") or cells[env] in EMPTY_CELLS:
                continue
            for target in ROWS[repo.cloud][label][1]:
                if cells[env] not in found.get(target, set()):
                    problems.append(f"{env} {label} {cells[env]!r}: not in {target} {found.get(target)}")
        alarms = {cells[env] for cells in alarm_rows(table).values()}
        defined = set().union(*(found.get(t, set()) for t in ALARM_TARGETS[repo.cloud]))
        if repo.cloud == "gcp" and defined != alarms:
            # The threshold policies are a for_each over a map that holds the uptime check's
            # computed id, which tfparse leaves unresolved (the burn-rate policies resolve):
            # what resolves must be the runbook's names, and the rest gets them through the wiring.
            if not defined <= alarms:
                problems.append(f"{env} alarms: terraform {sorted(defined - alarms)} not in the runbook")
            main = (repo.path / "terraform" / "environments" / env / "main.tf").read_text()
            if not re.search(r"=\s*var\.names\.alarms\b", main):
                problems.append(f"{env}: the monitoring module does not get var.names.alarms")
        elif alarms != defined:
            problems.append(f"{env} alarms: runbook {sorted(alarms)} != terraform {sorted(defined)}")
        problems += _cloud_specific(repo, env, table, found)
    assert problems == [], "\n".join(problems)


def _cloud_specific(
    repo: Rendered, env: str, table: dict[str, dict[str, str]], found: dict[Target, set[str]]
) -> list[str]:
    problems = []
    if repo.cloud == "gcp":
        email = table["Service account"][env]
        account_id, _, domain = email.partition("@")
        project = table["Project"][env]
        if domain != f"{project}.iam.gserviceaccount.com":
            problems.append(f"{env} service account {email!r} is not in project {project}")
        if account_id not in found.get(("google_service_account", "account_id"), set()):
            problems.append(f"{env} service account id {account_id!r} is not a google_service_account")
        resolved = found.get(("google_cloud_run_v2_service", "location"), set())
        if table["Region"][env] not in resolved:
            problems.append(f"{env} region {table['Region'][env]!r}: Cloud Run location {resolved}")
        # The resources take their project from the provider, which takes terraform.tfvars'
        # project_id (equal to the runbook's, see the tfvars test).
        root = repo.path / "terraform" / "environments" / env
        providers = "".join(p.read_text() for p in root.glob("*.tf"))
        block = re.search(r'provider "google" \{(.*?)\n\}', providers, flags=re.S)
        if not block or not re.search(r"^\s*project\s*=\s*var\.project_id$", block.group(1), flags=re.M):
            problems.append(f"{env}: the google provider does not take var.project_id")
        images = found.get(("google_cloud_run_v2_service", "template.containers.image"), set())
        image = table["Image"][env]
        if images and not any(i.startswith(f"{image}:") for i in images):
            problems.append(f"{env} image {image!r}: Cloud Run runs {images}")
    else:
        location = table["Location"][env]
        if location not in found.get(("azurerm_resource_group", "location"), set()):
            problems.append(f"{env} location {location!r} is not the resource group's")
        urls = found.get(("azurerm_application_insights_standard_web_test", "request.url"), set())
        deep = table["Deep health path"][env]
        if urls and not all(url.endswith(deep) for url in urls):
            problems.append(f"{env} availability test {urls} does not call {deep}")
    return problems


@pytest.mark.parametrize("key", _keys("gcp") + _keys("azure"))
def test_deploy_and_smoke_test_use_the_runbook_names(key: str) -> None:
    """The workflow pushes where the Terraform pulls from and the smoke test asks the CLI about
    the service the runbook names."""
    repo = rendered(key)
    table = resource_table(repo.read("docs/runbook.md"))
    deploy = repo.read(".github/workflows/deploy.yml")
    smoke = repo.read("scripts/smoke-test.sh")
    for env in repo.environments:
        domain = repo.answers["domain_name"]
        by_domain = f'    {env})\n      echo "https://{domain}"' in smoke
        if repo.cloud == "gcp":
            assert f'docker push "{table["Image"][env]}:${{GITHUB_SHA}}"' in deploy, env
            service = (
                f"gcloud run services describe {table['Cloud Run service'][env]} "
                f"--project {table['Project'][env]}"
            )
            assert (service in smoke) or by_domain, env
        else:
            registry = table["Container registry"][env]
            repository = _tfvars(repo, env)["image_repository"]
            assert f"az acr login --name {registry}" in deploy, env
            assert f'docker push "{registry}.azurecr.io/{repository}:${{GITHUB_SHA}}"' in deploy
            app = f"--resource-group {table['Resource group'][env]} --name {table['Container App'][env]} "
            assert (app in smoke) or by_domain, env
