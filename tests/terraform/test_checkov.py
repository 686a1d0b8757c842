"""checkov finds nothing in staging and prod of each distinct variant of every cloud; every skip
is inline, carries its reason and is one the cloud's tree allows (trees.py)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from tests.support.registry import CLOUD_CHOICES
from tests.terraform.runners import checkov_reports
from tests.terraform.trees import CHECKED, CHECKOV_ENVS, TREES, ids

pytestmark = pytest.mark.slow

PAIRS = [(cloud, name, env) for cloud, name in CHECKED for env in CHECKOV_ENVS]


def _skip(cloud: str) -> re.Pattern[str]:
    """A `checkov:skip=` comment of this cloud's checks, with its reason."""
    return re.compile(rf"#\s*checkov:skip=(?P<id>CKV2?_{cloud.upper()}_\d+):(?P<reason>.*)")


@cache
def reports() -> dict[tuple[str, str, str], dict[str, Any]]:
    """One checkov run per (cloud, variant, environment), run concurrently (checkov is slow to start)."""
    return checkov_reports(
        {
            (cloud, name, env): TREES[cloud].terraform_dir(name) / "environments" / env
            for cloud, name, env in PAIRS
        }
    )


@pytest.mark.parametrize(("cloud", "name", "env"), PAIRS, ids=ids(PAIRS))
def test_checkov_finds_nothing(cloud: str, name: str, env: str) -> None:
    report = reports()[(cloud, name, env)]
    summary = report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert summary["parsing_errors"] == 0
    assert failed == []
    assert summary["passed"] >= TREES[cloud].min_passed(name)


@pytest.mark.parametrize(("cloud", "name", "env"), PAIRS, ids=ids(PAIRS))
def test_checkov_skips_are_inline_and_reasoned(cloud: str, name: str, env: str) -> None:
    for check in reports()[(cloud, name, env)]["results"]["skipped_checks"]:
        assert check["check_id"] in TREES[cloud].allowed_skips, check["check_id"]
        assert len(check["check_result"].get("suppress_comment", "")) >= 30, check


@pytest.mark.parametrize("cloud", CLOUD_CHOICES)
def test_skip_comments_carry_reasons_and_are_documented(cloud: str) -> None:
    tree = TREES[cloud]
    seen: set[str] = set()
    for name in tree.checked:
        root = tree.terraform_dir(name)
        readme = (root / "README.md").read_text()
        found: set[str] = set()
        for path in root.rglob("*.tf"):
            for match in _skip(cloud).finditer(path.read_text()):
                found.add(match.group("id"))
                assert len(match.group("reason").strip()) >= 30, (path, match.group(0))
        for check_id in found:
            assert tree.facts["skip_doc"].format(check_id) in readme, (
                f"{name}: README does not explain {check_id}"
            )
        seen |= found
    assert seen == tree.allowed_skips
