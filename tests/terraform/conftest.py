"""Rendered variants of the Terraform tree, parsed once per test session."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.render import answers, variant
from tests.support.tools import lint_python
from tests.terraform.hcl import Module, parse_tree

# The distinct Terraform outputs: every module present; no database and no cache; an
# existing VPC (no network module). Language only changes healthcheck_command.
VARIANTS: dict[str, dict[str, Any]] = {
    "full": {},
    "none": {"database": "none", "cache": "none"},
    "existing": {
        "vpc_mode": "existing",
        "vpc_id": "vpc-0123456789abcdef0",
        "private_subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        "public_subnet_ids": ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"],
    },
}


def terraform_dir(name: str) -> Path:
    """The rendered terraform/ directory of a variant."""
    return variant(**VARIANTS[name]) / "terraform"


def variant_answers(name: str) -> dict[str, Any]:
    return answers(**VARIANTS[name])


@cache
def parsed(name: str) -> tuple[dict[str, Any], dict[str, Module]]:
    """Parsed files and modules of a variant's terraform/ tree."""
    return parse_tree(terraform_dir(name))


_TFPARSE = r"""
import json, sys, tfparse
data = tfparse.load_from_path(sys.argv[1], stop_on_hcl_error=True, vars_paths=["terraform.tfvars"])
json.dump(data, sys.stdout, default=str)
"""


@cache
def resolved(name: str, env: str) -> dict[str, Any]:
    """tfparse's view of an environment: module inputs and tfvars resolved into values."""
    result = subprocess.run(
        [lint_python(), "-c", _TFPARSE, str(terraform_dir(name) / "environments" / env)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def environments(name: str) -> list[str]:
    envs: list[str] = variant_answers(name)["environments"]
    return envs


@pytest.fixture(scope="session", params=sorted(VARIANTS))
def variant_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def computed(name: str) -> dict[str, Any]:
    """copier.yml's computed values (names, env_config, ...) for a variant's answers,
    resolved from copier.yml by svcforge's question engine (Copier's Jinja setup), independently
    of the template, so the tests compare the rendered files against the source."""
    from svcforge.questions import resolve

    return resolve(variant_answers(name))


@cache
def runbook_anchors() -> dict[str, str]:
    """Alarm key -> runbook anchor, from includes/runbook/anchors.jinja."""
    import jinja2

    from tests.support.render import ROOT

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROOT)))
    anchors: dict[str, str] = env.get_template("includes/runbook/anchors.jinja").module.runbook_anchors  # type: ignore[attr-defined]
    return anchors
