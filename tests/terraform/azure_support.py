"""Rendered Azure variants of the Terraform tree and the Azure-specific checks on them.

The shared helpers (hcl.py, xref.py, schema.py, conftest.py) are written for the AWS tree:
xref.py only follows ``aws_*``/``random_*`` resource references and schema.py only knows the
AWS provider. This module adds what the Azure tree needs on top of them: its variants, its
computed names, references to ``azurerm_*``/``azapi_*`` resources and the azurerm schema.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from tests.support.render import ROOT, cloud_answers, cloud_variant
from tests.support.tools import lint_python
from tests.terraform.hcl import META_ARGUMENTS, Module, parse_tree
from tests.terraform.schema import check_body
from tests.terraform.xref import expressions

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


def tfparse_dirs(dirs: list[Path]) -> dict[str, dict[str, Any]]:
    """tfparse's view of each environment directory (module inputs and tfvars resolved), by name."""
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
def _resolved_variant(name: str) -> dict[str, dict[str, Any]]:
    root = terraform_dir(name) / "environments"
    return tfparse_dirs([root / env for env in environments(name)])


def resolved(name: str, env: str) -> dict[str, Any]:
    return _resolved_variant(name)[env]


@cache
def _copier_spec() -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load((ROOT / "copier.yml").read_text())
    return data


def computed_for(answer_set: dict[str, Any]) -> dict[str, Any]:
    """Every copier.yml value (answers, question defaults, computed names and sizes) for an
    answer set, rendered from copier.yml itself so the tests compare against the source."""
    import jinja2
    import yaml

    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    context = dict(answer_set)
    for key, spec in _copier_spec().items():
        if key.startswith("_") or key in context or not isinstance(spec, dict) or "default" not in spec:
            continue
        rendered = env.from_string(str(spec["default"])).render(context)
        kind = spec.get("type", "str")
        context[key] = rendered if kind == "str" else yaml.safe_load(rendered)
    return context


def computed(name: str) -> dict[str, Any]:
    return computed_for(answers(name))


@cache
def runbook_anchors() -> dict[str, str]:
    """Alarm key -> runbook anchor, from includes/runbook/anchors.jinja."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROOT)))
    anchors: dict[str, str] = env.get_template("includes/runbook/anchors.jinja").module.runbook_anchors  # type: ignore[attr-defined]
    return anchors


def one(data: dict[str, Any], kind: str, path_suffix: str = "") -> dict[str, Any]:
    """The single resolved resource of a type (optionally whose path ends with path_suffix)."""
    items = [r for r in data.get(kind, []) if r["__tfmeta"]["path"].endswith(path_suffix)]
    assert len(items) == 1, (kind, path_suffix, len(items))
    item: dict[str, Any] = items[0]
    return item


# --- References to azurerm_*/azapi_* resources (xref.py follows aws_* and random_* only).

_AZURE_RESOURCE = re.compile(r"(?<![\w.-])((?:azurerm|azapi)_[a-z0-9_]+)\.([A-Za-z_][\w-]*)")


def azure_reference_errors(modules: dict[str, Module]) -> list[str]:
    """Every ``azurerm_x.y``/``azapi_x.y`` reference names a resource declared in its directory."""
    errors: list[str] = []
    for path in sorted(modules):
        module = modules[path]
        for where, body in module.bodies():
            for expression in expressions(body):
                for match in _AZURE_RESOURCE.finditer(expression):
                    if (match.group(1), match.group(2)) not in module.resources:
                        errors.append(f"{path}: {where}: {match.group(1)}.{match.group(2)} is not declared")
    return errors


# --- azurerm provider schema (extracted by data/extract_azurerm_schema.py).


@cache
def load_schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(SCHEMA_FILE.read_bytes()))
    return data


def schema_errors(modules: dict[str, Module]) -> list[str]:
    """Unknown resource types, attributes and nested blocks of every azurerm_* resource and data source."""
    schema = load_schema()
    errors: list[str] = []
    for path in sorted(modules):
        module = modules[path]
        for section, items, prefix in (
            ("resources", module.resources, ""),
            ("data_sources", module.data, "data."),
        ):
            for (kind, name), body in sorted(items.items()):
                if not kind.startswith("azurerm_"):
                    continue
                where = f"{path}: {prefix}{kind}.{name}"
                spec = schema[section].get(kind)
                if spec is None:
                    errors.append(f"{where}: unknown {section[:-1].replace('_', ' ')} type")
                    continue
                plain = {k: v for k, v in body.items() if k not in META_ARGUMENTS}
                errors.extend(check_body(plain, spec, where))
    return errors
