"""Rendered GCP variants of the Terraform tree and the checks the AWS helpers do not cover.

``full`` (Cloud SQL, Memorystore, a domain, so prod has the load balancer and staging answers
on its run.app URL) and ``none`` (no database, no cache, no domain) are checked in full;
``redis`` (Memorystore without Cloud SQL, the one other layout of the roots) is parsed,
cross-referenced, schema-checked and formatted. ``longest`` renders every environment with
the longest service name copier.yml allows on gcp, for the name-limit checks.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from tests.support.render import ROOT, cloud_answers, cloud_variant
from tests.support.tools import lint_python
from tests.terraform.hcl import META_ARGUMENTS, Module, parse_tree
from tests.terraform.schema import check_body
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


@cache
def _resolved_all(name: str) -> dict[str, dict[str, Any]]:
    root = terraform_dir(name) / "environments"
    dirs = sorted(str(path) for path in root.iterdir() if path.is_dir())
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


def resolved(name: str, env: str) -> dict[str, Any]:
    """tfparse's view of an environment: module inputs and tfvars resolved into values."""
    return _resolved_all(name)[env]


@cache
def _copier_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((ROOT / "copier.yml").read_text())
    return spec


@cache
def _computed(name: str) -> dict[str, Any]:
    """Every answer of a variant with copier.yml's defaults filled in, in file order, rendered
    from copier.yml itself (not from the template) so the tests compare against the source."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    context = dict(variant_answers(name))
    for key, question in _copier_spec().items():
        if key.startswith("_") or key in context or not isinstance(question, dict):
            continue
        default = question.get("default")
        if isinstance(default, str):
            rendered = env.from_string(default).render(context)
            context[key] = rendered if question.get("type") == "str" else yaml.safe_load(rendered or "null")
        else:
            context[key] = default
    return context


def computed(name: str) -> dict[str, Any]:
    """names, env_config and every answer of a variant, as copier.yml computes them."""
    return _computed(name)


@cache
def runbook_anchors() -> dict[str, str]:
    """Alarm key -> runbook anchor, from includes/runbook/anchors.jinja."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROOT)))
    template = env.get_template("includes/runbook/anchors.jinja")
    anchors: dict[str, str] = template.module.runbook_anchors  # type: ignore[attr-defined]
    return anchors


# --- Cross-reference: xref.check plus google_* resources and ephemeral resources.

_GOOGLE = re.compile(r"(?<![\w.-])(google_[a-z0-9_]+)\.([A-Za-z_][\w-]*)")
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
    """xref's checks, then every google_* and ephemeral.* reference resolves in its module."""
    errors = check(modules)
    ephemerals = _ephemerals(files)
    for path in sorted(modules):
        module = modules[path]
        bodies = [*module.bodies(), *_ephemeral_bodies(files, path)]
        for where, body in bodies:
            for expression in expressions(body):
                for match in _GOOGLE.finditer(expression):
                    if (match.group(1), match.group(2)) not in module.resources:
                        errors.append(f"{path}: {where}: {match.group(0)} is not declared")
                for match in _EPHEMERAL.finditer(expression):
                    if (match.group(1), match.group(2)) not in ephemerals.get(path, set()):
                        errors.append(f"{path}: {where}: {match.group(0)} is not declared")
    return errors


# --- Provider schema (data/google_provider_schema.json.gz, see extract_gcp_schema.py).


@cache
def load_schema() -> dict[str, Any]:
    """The committed google schema: provider_version, resources and data_sources."""
    data: dict[str, Any] = json.loads(gzip.decompress(SCHEMA_FILE.read_bytes()))
    return data


def check_schema(modules: dict[str, Module]) -> list[str]:
    """Unknown attributes and blocks of every google_* resource and data source."""
    schema = load_schema()
    errors: list[str] = []
    for path in sorted(modules):
        module = modules[path]
        for section, items, prefix in (
            ("resources", module.resources, ""),
            ("data_sources", module.data, "data."),
        ):
            for (kind, name), body in sorted(items.items()):
                if not kind.startswith("google_"):
                    continue
                where = f"{path}: {prefix}{kind}.{name}"
                spec = schema[section].get(kind)
                if spec is None:
                    errors.append(f"{where}: unknown {section[:-1].replace('_', ' ')} type")
                    continue
                plain = {k: v for k, v in body.items() if k not in META_ARGUMENTS}
                errors.extend(check_body(plain, spec, where))
    return errors
