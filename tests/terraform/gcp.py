"""Rendered GCP variants of the Terraform tree and the checks the AWS helpers do not cover.

``full`` (Cloud SQL, Memorystore, a domain, so prod has the load balancer and staging answers
on its run.app URL) and ``none`` (no database, no cache, no domain) are checked in full;
``redis`` (Memorystore without Cloud SQL, the one other layout of the roots) is parsed,
cross-referenced, schema-checked and formatted. ``longest`` renders every environment with
the longest service name copier.yml allows on gcp, for the name-limit checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from tests.support.render import cloud_answers, cloud_variant, computed_values
from tests.terraform import schema
from tests.terraform.conftest import parsed_tree, resolved_tree
from tests.terraform.hcl import Module
from tests.terraform.xref import check, expressions

LONGEST = "payments-settlement-api-x"  # 25 characters, the gcp maximum in copier.yml

VARIANTS: dict[str, dict[str, Any]] = {
    "full": {},
    "none": {"database": "none", "cache": "none", "domain_name": ""},
    "redis": {"database": "none", "language": "typescript"},
    # Project ids of 22 characters: with 30 (the maximum) the Cloud SQL IAM user
    # <service account>@<project>.iam exceeds PostgreSQL's 63-character role names, which the
    # cloud-sql module's iam_user validation rejects at plan time.
    "longest": {
        "service_name": LONGEST,
        "environments": ["dev", "staging", "prod"],
        "gcp_project_id_dev": "payments-settle-dev-01",
        "gcp_project_id_staging": "payments-settle-stg-01",
        "gcp_project_id_prod": "payments-settle-prd-01",
    },
}
# The variants the structural checks (checkov, fmt, xref, content) run on.
CHECKED = ("full", "none")
# The variants whose layout (parse, references, schema, fmt) is checked.
STRUCTURE = ("full", "none", "redis")
ENVS = ("staging", "prod")

SCHEMA_FILE = Path(__file__).parent / "data" / "google_provider_schema.json.gz"


def terraform_dir(name: str) -> Path:
    """The rendered terraform/ directory of a GCP variant."""
    return cloud_variant("gcp", **VARIANTS[name]) / "terraform"


def variant_answers(name: str) -> dict[str, Any]:
    return cloud_answers("gcp", **VARIANTS[name])


def parsed(name: str) -> tuple[dict[str, Any], dict[str, Module]]:
    """Parsed files and modules of a variant's terraform/ tree."""
    return parsed_tree(terraform_dir(name))


def resolved(name: str, env: str) -> dict[str, Any]:
    """tfparse's view of an environment: module inputs and tfvars resolved into values."""
    return resolved_tree(terraform_dir(name))[env]


@cache
def _computed(name: str) -> dict[str, Any]:
    return computed_values(variant_answers(name))


def computed(name: str) -> dict[str, Any]:
    """names, env_config and every answer of a variant, as copier.yml computes them."""
    return _computed(name)


# --- Cross-reference: xref.check (google_* resources included) plus ephemeral resources.

_EPHEMERAL = re.compile(r"(?<![\w.-])ephemeral\.([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)")


def _ephemerals(files: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for rel, content in files.items():
        directory = str(Path(rel).parent)
        for entry in content.get("ephemeral", []) if rel.endswith(".tf") else []:
            for kind, named in entry.items():
                for label in named:
                    found.setdefault(directory, set()).add((kind, label))
    return found


def _ephemeral_bodies(files: dict[str, Any], directory: str) -> Iterator[tuple[str, Any]]:
    for rel, content in files.items():
        if rel.endswith(".tf") and str(Path(rel).parent) == directory:
            for entry in content.get("ephemeral", []):
                for kind, named in entry.items():
                    for label, body in named.items():
                        yield f"ephemeral.{kind}.{label}", body


def cross_reference(files: dict[str, Any], modules: dict[str, Module]) -> list[str]:
    """xref's checks (google_* resources included), then every ephemeral.* reference resolves
    in its module."""
    errors = check(modules)
    ephemerals = _ephemerals(files)
    for path in sorted(modules):
        module = modules[path]
        bodies = [*module.bodies(), *_ephemeral_bodies(files, path)]
        for where, body in bodies:
            for expression in expressions(body):
                for match in _EPHEMERAL.finditer(expression):
                    if (match.group(1), match.group(2)) not in ephemerals.get(path, set()):
                        errors.append(f"{path}: {where}: {match.group(0)} is not declared")
    return errors


# --- Provider schema (data/google_provider_schema.json.gz, see extract_gcp_schema.py).


def load_schema() -> dict[str, Any]:
    """The committed google schema: provider_version, resources and data_sources."""
    return schema.load_schema(SCHEMA_FILE)


def check_schema(modules: dict[str, Module]) -> list[str]:
    """Unknown attributes and blocks of every google_* resource and data source."""
    return schema.check_modules(modules, SCHEMA_FILE, "google_")
