"""Rendered Azure variants of the Terraform tree and the Azure-specific checks on them.

The shared helpers (hcl.py, xref.py, schema.py, conftest.py) are written for the AWS tree:
xref.py only follows ``aws_*``/``random_*`` resource references and schema.py only knows the
AWS provider. This module adds what the Azure tree needs on top of them: its variants, its
computed names, references to ``azurerm_*``/``azapi_*`` resources and the azurerm schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.render import cloud_answers, cloud_variant, computed_values
from tests.terraform import schema
from tests.terraform.conftest import parsed_tree, resolved_tree
from tests.terraform.hcl import Module

# The distinct Azure Terraform outputs: every module and a custom domain; no database, no
# cache and no custom domain.
AZURE_VARIANTS: dict[str, dict[str, Any]] = {
    "full": {},
    "none": {"database": "none", "cache": "none", "domain_name": ""},
}
SCHEMA_FILE = Path(__file__).parent / "data" / "azurerm_provider_schema.json.gz"


def answers(name: str) -> dict[str, Any]:
    return cloud_answers("azure", **AZURE_VARIANTS[name])


def terraform_dir(name: str, **overrides: Any) -> Path:
    """The rendered terraform/ directory of a variant (read-only)."""
    return cloud_variant("azure", **{**AZURE_VARIANTS[name], **overrides}) / "terraform"


def environments(name: str) -> list[str]:
    envs: list[str] = answers(name)["environments"]
    return envs


def parsed(name: str) -> tuple[dict[str, Any], dict[str, Module]]:
    """Parsed files and modules of a variant's terraform/ tree."""
    return parsed_tree(terraform_dir(name))


def resolved(name: str, env: str) -> dict[str, Any]:
    """tfparse's view of an environment: module inputs and tfvars resolved into values."""
    return resolved_tree(terraform_dir(name))[env]


def computed_for(answer_set: dict[str, Any]) -> dict[str, Any]:
    """Every copier.yml value for an answer set (see tests.support.render.computed_values)."""
    return computed_values(answer_set)


def computed(name: str) -> dict[str, Any]:
    return computed_for(answers(name))


def one(data: dict[str, Any], kind: str, path_suffix: str = "") -> dict[str, Any]:
    """The single resolved resource of a type (optionally whose path ends with path_suffix)."""
    items = [r for r in data.get(kind, []) if r["__tfmeta"]["path"].endswith(path_suffix)]
    assert len(items) == 1, (kind, path_suffix, len(items))
    item: dict[str, Any] = items[0]
    return item


# --- azurerm provider schema (extracted by data/extract_azurerm_schema.py).


def load_schema() -> dict[str, Any]:
    """The committed azurerm schema: provider_version, resources and data_sources."""
    return schema.load_schema(SCHEMA_FILE)


def schema_errors(modules: dict[str, Module]) -> list[str]:
    """Unknown resource types, attributes and nested blocks of every azurerm_* resource and data source."""
    return schema.check_modules(modules, SCHEMA_FILE, "azurerm_")
