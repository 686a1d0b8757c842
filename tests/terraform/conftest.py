"""Rendered variants of the Terraform tree, parsed once per test session."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.render import EXISTING_VPC, answers, computed_values, variant
from tests.terraform.hcl import Module, parse_tree
from tests.terraform.runners import lint_script

# The distinct Terraform outputs: every module present; no database and no cache; an
# existing VPC (no network module). Language only changes healthcheck_command.
VARIANTS: dict[str, dict[str, Any]] = {
    "full": {},
    "none": {"database": "none", "cache": "none"},
    # prod's certificate (the one HTTPS-only environment here); staging serves plain HTTP.
    "existing": EXISTING_VPC,
}


def terraform_dir(name: str) -> Path:
    """The rendered terraform/ directory of a variant."""
    return variant(**VARIANTS[name]) / "terraform"


def variant_answers(name: str) -> dict[str, Any]:
    return answers(**VARIANTS[name])


@cache
def parsed_tree(root: Path) -> tuple[dict[str, Any], dict[str, Module]]:
    """Parsed files and modules of a rendered terraform/ tree (any cloud's), once."""
    return parse_tree(root)


@cache
def resolved_tree(root: Path) -> dict[str, dict[str, Any]]:
    """tfparse's view of every environment of a rendered terraform/ tree, by name, once."""
    return tfparse_environments(sorted(path for path in (root / "environments").iterdir() if path.is_dir()))


def parsed(name: str) -> tuple[dict[str, Any], dict[str, Module]]:
    """Parsed files and modules of a variant's terraform/ tree."""
    return parsed_tree(terraform_dir(name))


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
    return {Path(path).name: value for path, value in lint_script(_TFPARSE, dirs).items()}


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
