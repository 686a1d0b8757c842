"""Parse rendered Terraform with python-hcl2 (in its own venv) into plain, unquoted data.

python-hcl2 8.x keeps the quotes of string literals (``'"aws_lb"'``), marks blocks with
``__is_block__`` and writes expressions as ``"${...}"``. :func:`parse_tree` runs it in the
separate interpreter from ``hcl_python()`` (it clashes with checkov's fork) and returns, per
directory, a :class:`Module` that the cross-reference and schema checks walk.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.tools import hcl_python

_PARSER = r"""
import json, sys
from pathlib import Path
import hcl2

root = Path(sys.argv[1])
out, errors = {}, {}
for path in sorted(root.rglob("*")):
    if path.suffix not in (".tf", ".tfvars") or not path.is_file():
        continue
    rel = str(path.relative_to(root))
    try:
        with path.open() as handle:
            out[rel] = hcl2.load(handle)
    except Exception as error:  # lark errors carry line and column
        errors[rel] = f"{type(error).__name__}: {error}"
json.dump({"files": out, "errors": errors}, sys.stdout)
"""

META_ARGUMENTS = frozenset({"count", "for_each", "provider", "depends_on", "lifecycle"})
MODULE_META = frozenset({"source", "version", "providers", "count", "for_each", "depends_on"})


class HclParseError(AssertionError):
    """A file did not parse; the message names each file and the parser's error."""


def unquote(value: Any) -> Any:
    """Strip python-hcl2's quotes from literals and keys and drop its comment records."""
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if k != "__comments__"}
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


def parse_files(root: Path) -> dict[str, Any]:
    """Every .tf and .tfvars file under ``root``, parsed and unquoted, by relative path."""
    result = subprocess.run(
        [hcl_python(), "-c", _PARSER, str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        raise HclParseError(f"python-hcl2 failed: {result.stderr.strip()}")
    data = json.loads(result.stdout)
    if data["errors"]:
        details = "\n".join(f"{path}: {error}" for path, error in data["errors"].items())
        raise HclParseError(f"files that do not parse:\n{details}")
    return {path: unquote(body) for path, body in data["files"].items()}


@dataclass
class Module:
    """The top-level blocks of one Terraform directory, merged over its .tf files."""

    path: str
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    other: list[dict[str, Any]] = field(default_factory=list)

    def bodies(self) -> Iterator[tuple[str, Any]]:
        """Every place an expression can appear, labelled for error messages."""
        for name, body in self.variables.items():
            yield f"variable.{name}", body
        for name, body in self.outputs.items():
            yield f"output.{name}", body
        for name, value in self.locals.items():
            yield f"local.{name}", value
        for (kind, name), body in self.resources.items():
            yield f"{kind}.{name}", body
        for (kind, name), body in self.data.items():
            yield f"data.{kind}.{name}", body
        for name, body in self.calls.items():
            yield f"module.{name}", body
        for body in self.other:
            yield "provider/terraform", body


def _labelled(entries: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for entry in entries:
        yield from entry.items()


def build_modules(files: dict[str, Any]) -> dict[str, Module]:
    """Group parsed .tf files by directory (``.`` for files at the root)."""
    modules: dict[str, Module] = {}
    for rel, content in files.items():
        if not rel.endswith(".tf"):
            continue
        directory = str(Path(rel).parent)
        module = modules.setdefault(directory, Module(directory))
        for name, body in _labelled(content.get("variable", [])):
            module.variables[name] = body
        for name, body in _labelled(content.get("output", [])):
            module.outputs[name] = body
        for entry in content.get("locals", []):
            module.locals.update({k: v for k, v in entry.items() if k != "__is_block__"})
        for kind, named in _labelled(content.get("resource", [])):
            for name, body in named.items():
                module.resources[(kind, name)] = body
        for kind, named in _labelled(content.get("data", [])):
            for name, body in named.items():
                module.data[(kind, name)] = body
        for name, body in _labelled(content.get("module", [])):
            module.calls[name] = body
        module.other.extend(content.get("provider", []))
        module.other.extend(content.get("terraform", []))
    return modules


def parse_tree(root: Path) -> tuple[dict[str, Any], dict[str, Module]]:
    """Parse every file under ``root``; return the files and the modules by directory."""
    files = parse_files(root)
    return files, build_modules(files)


def tfvars(files: dict[str, Any], rel: str) -> dict[str, Any]:
    """A parsed terraform.tfvars as a plain dict."""
    return {k: v for k, v in files[rel].items() if k != "__is_block__"}


def plain(block: dict[str, Any], *nested: str) -> dict[str, Any]:
    """``block`` (a parsed object such as tfvars' ``names``) without python-hcl2's bookkeeping
    key, nor in its ``nested`` maps."""
    out = {k: v for k, v in block.items() if k != "__is_block__"}
    for key in nested:
        out[key] = plain(out[key])
    return out
