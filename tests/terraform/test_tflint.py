"""tflint (the version ci.yml pins, with its bundled Terraform ruleset) finds nothing in any
distinct Terraform output: every cloud with both stores, each store alone and none, and AWS
with an existing VPC. ci.yml runs `tflint --recursive` in terraform/, so a variable an unchosen
store leaves declared but unused fails a generated repository's first push (issue 14)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.registry import CLOUD_CHOICES
from tests.support.render import cloud_variant
from tests.support.tools import go_tool
from tests.terraform.conftest import VARIANTS as AWS_VARIANTS

STORES: dict[str, dict[str, Any]] = {
    "both": {},
    "postgres": {"cache": "none"},
    "redis": {"database": "none"},
    "none": {"database": "none", "cache": "none"},
}
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    f"{cloud}-{store}": (cloud, overrides) for cloud in CLOUD_CHOICES for store, overrides in STORES.items()
}
CASES["aws-existing"] = ("aws", AWS_VARIANTS["existing"])


def _terraform_dir(cloud: str, overrides: dict[str, Any]) -> Path:
    iac = {"iac": "terraform"} if cloud == "aws" else {}
    return cloud_variant(cloud, **iac, **overrides) / "terraform"


@pytest.mark.parametrize("case", list(CASES))
def test_tflint_finds_nothing(case: str) -> None:
    tflint = go_tool("tflint")
    cloud, overrides = CASES[case]
    proc = subprocess.run(
        [tflint, "--recursive", "--format", "compact"],
        cwd=_terraform_dir(cloud, overrides),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "", proc.stdout
