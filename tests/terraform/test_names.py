"""With the longest allowed service_name and every environment, each name the Terraform
gives AWS fits that resource type's limit."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from tests.support.render import variant
from tests.terraform.conftest import tfparse_environments
from tests.terraform.limits import attribute_limits, names_within_limits

LONGEST = "payments-settlement-apis"  # 24 characters, the maximum copier.yml allows
ENVS = ["dev", "staging", "prod"]

LIMITS = attribute_limits("aws")


@cache
def _resolved() -> dict[str, dict[str, Any]]:
    root = variant(service_name=LONGEST, environments=ENVS, iac="terraform") / "terraform"
    return tfparse_environments([root / "environments" / env for env in ENVS])


@pytest.mark.parametrize("env", ENVS)
def test_every_name_fits_its_limit(env: str) -> None:
    data = _resolved()[env]
    assert names_within_limits(data, LIMITS) >= 40


@pytest.mark.parametrize("env", ENVS)
def test_names_follow_aws_character_rules(env: str) -> None:
    data = _resolved()[env]
    (lb,) = data["aws_lb"]
    assert re.fullmatch(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?", lb["name"])
    assert not lb["name"].startswith("internal-")
    (db,) = data["aws_db_instance"]
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", db["identifier"])
    assert re.fullmatch(r"[a-z][a-z0-9_]*", db["db_name"])
    (bucket,) = data["aws_s3_bucket"]
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", bucket["bucket_prefix"])
    # The computed prefix fits as it is: nothing truncates it any more.
    assert bucket["bucket_prefix"] == f"{LONGEST}-{env}-alb-"
    waf_logs = [g["name"] for g in data["aws_cloudwatch_log_group"] if "waf" in g["name"]]
    assert waf_logs == [f"aws-waf-logs-{LONGEST}-{env}"]
    (cache_group,) = data["aws_elasticache_replication_group"]
    # ElastiCache names the nodes <group>-001, -002: those ids share the 40-character limit.
    assert len(f"{cache_group['replication_group_id']}-001") <= 40
