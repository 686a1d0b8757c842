"""With the longest allowed service_name and every environment, each name the Terraform
gives AWS fits that resource type's limit."""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.render import variant
from tests.terraform.conftest import lint_python

LONGEST = "payments-settlement-apis"  # 24 characters, the maximum copier.yml allows
ENVS = ["dev", "staging", "prod"]

# (resource type, attribute) -> AWS limit in characters.
LIMITS: dict[tuple[str, str], int] = {
    ("aws_lb", "name"): 32,
    ("aws_lb_target_group", "name"): 32,
    ("aws_s3_bucket", "bucket_prefix"): 37,
    ("aws_iam_role", "name"): 64,
    ("aws_iam_role_policy", "name"): 128,
    ("aws_security_group", "name"): 255,
    ("aws_ecs_cluster", "name"): 255,
    ("aws_ecs_service", "name"): 255,
    ("aws_ecs_task_definition", "family"): 255,
    ("aws_cloudwatch_log_group", "name"): 512,
    ("aws_cloudwatch_metric_alarm", "alarm_name"): 255,
    ("aws_cloudwatch_event_rule", "name"): 64,
    ("aws_cloudwatch_dashboard", "dashboard_name"): 255,
    ("aws_sns_topic", "name"): 256,
    ("aws_kms_alias", "name"): 256,
    ("aws_wafv2_web_acl", "name"): 128,
    ("aws_appautoscaling_policy", "name"): 255,
    ("aws_db_instance", "identifier"): 63,
    ("aws_db_instance", "final_snapshot_identifier"): 255,
    ("aws_db_instance", "db_name"): 63,
    ("aws_db_parameter_group", "name"): 255,
    ("aws_db_subnet_group", "name"): 255,
    ("aws_elasticache_replication_group", "replication_group_id"): 40,
    ("aws_elasticache_subnet_group", "name"): 255,
    ("aws_secretsmanager_secret", "name"): 512,
    ("aws_cloudwatch_log_metric_filter", "name"): 512,
}

# tfparse puts a UUID where a value does not resolve.
_UNRESOLVED = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

_TFPARSE = r"""
import json, sys, tfparse
out = {}
for env_dir in sys.argv[1:]:
    out[env_dir] = tfparse.load_from_path(env_dir, stop_on_hcl_error=True, vars_paths=["terraform.tfvars"])
json.dump(out, sys.stdout, default=str)
"""


@cache
def _resolved() -> dict[str, dict[str, Any]]:
    root = variant(service_name=LONGEST, environments=ENVS, iac="terraform") / "terraform"
    dirs = [str(root / "environments" / env) for env in ENVS]
    result = subprocess.run(
        [lint_python(), "-c", _TFPARSE, *dirs],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return {Path(path).name: value for path, value in data.items()}


@pytest.mark.parametrize("env", ENVS)
def test_every_name_fits_its_limit(env: str) -> None:
    data = _resolved()[env]
    checked = 0
    for (kind, attribute), limit in LIMITS.items():
        for resource in data.get(kind, []):
            value = resource.get(attribute)
            where = f"{resource['__tfmeta']['path']}.{attribute}"
            assert isinstance(value, str) and value, f"{where} does not resolve to a name"
            assert not _UNRESOLVED.fullmatch(value) and "${" not in value, where
            assert len(value) <= limit, f"{where} = {value!r} ({len(value)} > {limit})"
            checked += 1
    assert checked >= 40


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
