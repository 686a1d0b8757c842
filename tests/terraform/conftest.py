"""Rendered variants of the Terraform tree, parsed once per test session."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.render import answers, computed_values, variant
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
        # prod's certificate (the one HTTPS-only environment here); staging serves plain HTTP.
        "certificate_arn": (
            "arn:aws:acm:eu-west-1:222222222222:certificate/0a1b2c3d-0000-4000-8000-00000000000b"
        ),
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
out = {}
for env_dir in sys.argv[1:]:
    out[env_dir] = tfparse.load_from_path(env_dir, stop_on_hcl_error=True, vars_paths=["terraform.tfvars"])
json.dump(out, sys.stdout, default=str)
"""


def tfparse_environments(dirs: list[Path]) -> dict[str, dict[str, Any]]:
    """tfparse's view of each environment directory (module inputs and tfvars resolved into
    values), by directory name; one interpreter start for all of them."""
    result = subprocess.run(
        [lint_python(), "-c", _TFPARSE, *map(str, dirs)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return {Path(path).name: value for path, value in data.items()}


@cache
def resolved(name: str, env: str) -> dict[str, Any]:
    """tfparse's view of an environment: module inputs and tfvars resolved into values."""
    return tfparse_environments([terraform_dir(name) / "environments" / env])[env]


def environments(name: str) -> list[str]:
    envs: list[str] = variant_answers(name)["environments"]
    return envs


@pytest.fixture(scope="session", params=sorted(VARIANTS))
def variant_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def computed(name: str) -> dict[str, Any]:
    """copier.yml's computed values (names, env_config, ...) for a variant's answers."""
    return computed_values(variant_answers(name))
