"""checkov finds nothing in staging and prod of each distinct variant; every skip is inline
and carries its reason."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from tests.terraform.conftest import VARIANTS, terraform_dir
from tests.terraform.runners import checkov_reports

pytestmark = pytest.mark.slow

ENVS = ("staging", "prod")
PAIRS = [(name, env) for name in sorted(VARIANTS) for env in ENVS]
SKIP = re.compile(r"#\s*checkov:skip=(?P<id>CKV2?_AWS_\d+):(?P<reason>.*)")
# Every skip in the modules; a new one must be added here on purpose, with its reason inline.
ALLOWED_SKIPS = {
    "CKV_AWS_18",  # the access-log bucket itself
    "CKV_AWS_144",  # no cross-region replication of access logs
    "CKV_AWS_145",  # ALB access logs only support SSE-S3
    "CKV2_AWS_62",  # no consumer of access-log events
    "CKV_AWS_150",  # ALB deletion protection only in prod
    "CKV_AWS_260",  # port 80 open to redirect, or for plain HTTP without a certificate
    "CKV_AWS_2",  # the plain-HTTP listener exists only without a certificate (never in prod)
    "CKV_AWS_103",  # the same listener: no TLS policy on plain HTTP
    "CKV2_AWS_20",  # HTTP redirects to HTTPS whenever a certificate is set
    "CKV_AWS_378",  # TLS terminates at the ALB
    "CKV2_AWS_50",  # Redis failover only where multi_az (prod)
    "CKV2_AWS_57",  # no managed rotation for ElastiCache AUTH tokens
}


@cache
def reports() -> dict[tuple[str, str], dict[str, Any]]:
    """One checkov run per (variant, environment), run concurrently (checkov is slow to start)."""
    return checkov_reports({pair: terraform_dir(pair[0]) / "environments" / pair[1] for pair in PAIRS})


@pytest.mark.parametrize(("name", "env"), PAIRS)
def test_checkov_finds_nothing(name: str, env: str) -> None:
    report = reports()[(name, env)]
    summary = report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert summary["parsing_errors"] == 0
    assert failed == []
    assert summary["passed"] > 200


@pytest.mark.parametrize(("name", "env"), PAIRS)
def test_checkov_skips_are_inline_and_reasoned(name: str, env: str) -> None:
    for check in reports()[(name, env)]["results"]["skipped_checks"]:
        assert check["check_id"] in ALLOWED_SKIPS, check["check_id"]
        assert len(check["check_result"].get("suppress_comment", "")) >= 30, check


def test_skip_comments_carry_reasons() -> None:
    seen: set[str] = set()
    for name in VARIANTS:
        for path in terraform_dir(name).rglob("*.tf"):
            for match in SKIP.finditer(path.read_text()):
                seen.add(match.group("id"))
                assert len(match.group("reason").strip()) >= 30, (path, match.group(0))
    assert seen == ALLOWED_SKIPS
