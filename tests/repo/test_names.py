"""One set of names: every name in the runbook's resource table is the name the Terraform
(resolved with tfparse) and the synthesized CDK app give that resource, in every environment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.repo.helpers import VARIANTS, Rendered, alarm_rows, rendered, resource_table
from tests.repo.infra import cdk_values, terraform_values

# Per row of the runbook's resource table, the (resource type, attribute) pairs whose values it
# lists, in the Terraform and in the synthesized CloudFormation (data/name_attributes.yml).
_ROWS = yaml.safe_load((Path(__file__).parent / "data" / "name_attributes.yml").read_text())["runbook_rows"]
TF_ROWS: dict[str, tuple[tuple[str, str], ...]] = {
    label: tuple((kind, path) for kind, path in row["terraform"]) for label, row in _ROWS.items()
}
CDK_ROWS: dict[str, tuple[tuple[str, str], ...]] = {
    label: tuple((kind, path) for kind, path in row["cloudformation"]) for label, row in _ROWS.items()
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


def _row_problems(
    table: dict[str, dict[str, str]], rows: dict[str, tuple[tuple[str, str], ...]], values: Any
) -> list[str]:
    """Each runbook value not defined where ``rows`` say the infrastructure (``values`` per
    environment: (resource type, attribute) -> values) must define it."""
    problems = []
    for label, cells in table.items():
        if label.startswith("Alarm `") or label in OTHER_ROWS:
            continue
        for env, value in cells.items():
            for target in rows[label]:
                if value not in values[env].get(target, set()):
                    problems.append(f"{env} {label} {value!r}: not in {target} {values[env].get(target)}")
    return problems


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
    table = resource_table(repo.read("docs/runbook.md"))
    values = terraform_values(repo.path, repo.environments)
    problems = _row_problems(table, TF_ROWS, values)
    for env in repo.environments:
        tfvars = (repo.path / "terraform" / "environments" / env / "terraform.tfvars").read_text()
        alarms = _alarms_with_a_certificate(table, env, 'certificate_arn = "arn:' in tfvars)
        defined = values[env][("aws_cloudwatch_metric_alarm", "alarm_name")] | values[env].get(
            ("aws_cloudwatch_composite_alarm", "alarm_name"), set()
        )
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
    values = cdk_values(repo.path)
    assert sorted(values) == sorted(repo.environments)
    table = resource_table(repo.read("docs/runbook.md"))
    problems = _row_problems(table, CDK_ROWS, values)
    config = repo.read("cdk/lib/config.ts")
    for env in repo.environments:
        block = config.split(f"name: '{env}',", 1)[1]
        https = re.search(r"certificateArn: '(arn:[^']*)?',\s*httpsRequired: (true|false)", block)
        assert https, block[:2000]
        alarms = _alarms_with_a_certificate(table, env, bool(https.group(1)) or https.group(2) == "true")
        defined = values[env][("AWS::CloudWatch::Alarm", "AlarmName")] | values[env].get(
            ("AWS::CloudWatch::CompositeAlarm", "AlarmName"), set()
        )
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
