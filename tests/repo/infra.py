"""Names as the Terraform (resolved by tfparse) and the synthesized CDK app define them.

Both return, per environment, ``{(resource type, attribute): set of literal values}`` for the
attributes that carry the names the runbook lists, so the names test can compare cell by cell.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.cdk import pipeline
from tests.support.render import variant
from tests.support.tools import lint_python, tool

Values = dict[tuple[str, str], set[str]]

# Terraform resource type -> attribute paths ("a.b" walks nested blocks and lists), and
# CloudFormation resource type -> property paths (data/name_attributes.yml).
_ATTRIBUTES = yaml.safe_load((Path(__file__).parent / "data" / "name_attributes.yml").read_text())
TF_ATTRIBUTES: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _ATTRIBUTES["terraform"].items()}
CFN_PROPERTIES: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _ATTRIBUTES["cloudformation"].items()}

_TFPARSE = r"""
import json, sys
import tfparse

root, wanted = sys.argv[1], json.loads(sys.argv[2])

def walk(value, path):
    if isinstance(value, list):
        for item in value:
            yield from walk(item, path)
    elif not path:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            yield str(value)
    elif isinstance(value, dict):
        yield from walk(value.get(path[0]), path[1:])

out = {}
for env in sys.argv[3:]:
    parsed = tfparse.load_from_path(
        f"{root}/{env}", stop_on_hcl_error=True, vars_paths=["terraform.tfvars"]
    )
    found = {}
    for kind, paths in wanted.items():
        for path in paths:
            values = set()
            for resource in parsed.get(kind, []):
                values.update(walk(resource, path.split(".")))
            found[f"{kind} {path}"] = sorted(values)
    out[env] = found
json.dump(out, sys.stdout)
"""


def _walk(value: Any, path: list[str]) -> list[str]:
    if isinstance(value, list):
        return [found for item in value for found in _walk(item, path)]
    if not path:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return [str(value)]
        return []
    if isinstance(value, dict):
        return _walk(value.get(path[0]), path[1:])
    return []


def terraform_values(
    repo: Path, environments: list[str], attributes: dict[str, tuple[str, ...]] | None = None
) -> dict[str, Values]:
    """Resolved Terraform attributes of every environment root (tfparse applies tfvars):
    ``attributes`` (resource type -> attribute paths), by default the AWS ones."""
    result = subprocess.run(
        [
            lint_python(),
            "-c",
            _TFPARSE,
            str(repo / "terraform" / "environments"),
            json.dumps(TF_ATTRIBUTES if attributes is None else attributes),
            *environments,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    values: dict[str, Values] = {}
    for env, found in data.items():
        values[env] = {}
        for key, names in found.items():
            kind, attribute = key.split(" ", 1)
            values[env][(kind, attribute)] = set(names)
    return values


def _templates_of(directory: Path) -> dict[str, list[dict[str, Any]]]:
    """Synthesized templates by stage (environment) of a cdk/ directory with cdk.out."""
    stages: dict[str, list[dict[str, Any]]] = {}
    for assembly in sorted((directory / "cdk.out").glob("assembly-*")):
        env_name = assembly.name.removeprefix("assembly-")
        stages[env_name] = [json.loads(path.read_text()) for path in sorted(assembly.glob("*.template.json"))]
    return stages


def _already_built(repo: Path) -> dict[str, list[dict[str, Any]]] | None:
    """Templates tests/cdk already synthesized in this process for this same rendered repo.

    Reads tests/cdk/pipeline's per-process results defensively: when they are absent or
    shaped differently, the caller synthesizes on its own.
    """
    found: list[Any] = list(getattr(pipeline, "_BUILT", {}).values())
    for suite in getattr(pipeline, "_SUITE", []):
        found += list(getattr(suite, "variants", {}).values())
    for built in found:
        try:
            synth = built.steps.get("synth")
            same = variant(**pipeline.VARIANTS[built.name]) == repo
            directory = Path(built.directory)
        except (AttributeError, KeyError, TypeError):
            continue
        if same and synth is not None and synth.returncode == 0:
            return _templates_of(directory)
    return None


def _synth(repo: Path) -> dict[str, list[dict[str, Any]]]:
    """Synthesize the rendered CDK app with the CDK tests' shared node_modules."""
    work = Path(tempfile.mkdtemp(prefix="svcforge-repo-cdk-")) / "cdk"
    shutil.copytree(repo / "cdk", work, ignore=shutil.ignore_patterns("node_modules", "cdk.out"))
    (work / "node_modules").symlink_to(pipeline.shared_node_modules(work), target_is_directory=True)
    result = subprocess.run(
        [str(work / "node_modules" / ".bin" / "cdk"), "synth", "--quiet", "--no-notices"],
        cwd=work,
        env=pipeline.tool_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    try:
        return _templates_of(work)
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)


_TFPARSE_RESOURCES = r"""
import json, sys
import tfparse

root, kinds = sys.argv[1], json.loads(sys.argv[2])
out = {}
for env in sys.argv[3:]:
    parsed = tfparse.load_from_path(f"{root}/{env}", stop_on_hcl_error=True, vars_paths=["terraform.tfvars"])
    out[env] = {kind: parsed.get(kind, []) for kind in kinds}
json.dump(out, sys.stdout, default=str)
"""


@cache
def terraform_resources(repo: Path, environments: tuple[str, ...], kinds: tuple[str, ...]) -> dict[str, Any]:
    """Every resolved resource of these types, per environment root (tfparse applies tfvars and
    module inputs, and drops resources whose count is 0)."""
    result = subprocess.run(
        [
            lint_python(),
            "-c",
            _TFPARSE_RESOURCES,
            str(repo / "terraform" / "environments"),
            json.dumps(kinds),
            *environments,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@cache
def cdk_templates(repo: Path) -> dict[str, list[dict[str, Any]]]:
    """The synthesized templates of every stage (environment) of a rendered repo's CDK app."""
    tool("npm")
    return _already_built(repo) or _synth(repo)


@cache
def cdk_values(repo: Path) -> dict[str, Values]:
    """Names in the synthesized CDK app of a rendered repo, per stage (environment).

    Reuses the synthesis of tests/cdk when it already ran in this process for the same
    rendered repository; otherwise synthesizes once here.
    """
    stages = cdk_templates(repo)
    values: dict[str, Values] = {}
    for env_name, templates in stages.items():
        found: Values = {}
        for template in templates:
            for resource in template.get("Resources", {}).values():
                for prop in CFN_PROPERTIES.get(resource["Type"], ()):
                    walked = _walk(resource.get("Properties", {}), prop.split("."))
                    found.setdefault((resource["Type"], prop), set()).update(walked)
                if resource["Type"] == "AWS::ECS::TaskDefinition":
                    images = json.dumps(
                        [c.get("Image") for c in resource["Properties"]["ContainerDefinitions"]]
                    )
                    found.setdefault(("image", "literal"), set()).add(images)
        values[env_name] = found
    return values
