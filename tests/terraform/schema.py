"""Check attribute and block names of every resource and data source of one provider against
its schema, extracted from the @cdktf/provider-* packages (see data/extract_*schema.py). AWS is
the default; the GCP and Azure tests pass their schema file and prefix."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

from tests.terraform.hcl import META_ARGUMENTS, Module

SCHEMA_FILE = Path(__file__).parent / "data" / "aws_provider_schema.json.gz"


@cache
def load_schema(path: Path = SCHEMA_FILE) -> dict[str, Any]:
    """A committed schema: provider_version, resources and data_sources."""
    data: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return data


def _is_block(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and v.get("__is_block__") for v in value)
    )


def check_body(body: dict[str, Any], spec: dict[str, Any], where: str) -> list[str]:
    """Unknown names in one (nested) block body, recursing into nested blocks."""
    errors: list[str] = []
    attributes = set(spec["attributes"])
    blocks: dict[str, Any] = spec["blocks"]
    for key, value in body.items():
        if key == "__is_block__":
            continue
        if key == "dynamic":
            for entry in value:
                for label, dynamic in entry.items():
                    if label not in blocks:
                        errors.append(f"{where}: unknown nested block {label!r} (dynamic)")
                        continue
                    for content in dynamic.get("content", []):
                        errors.extend(check_body(content, blocks[label], f"{where}.{label}"))
            continue
        if key in blocks and _is_block(value):
            for item in value:
                errors.extend(check_body(item, blocks[key], f"{where}.{key}"))
        elif key not in attributes and key not in blocks:
            kind = "nested block" if _is_block(value) else "attribute"
            errors.append(f"{where}: unknown {kind} {key!r}")
    return errors


def check_modules(
    modules: dict[str, Module], schema_file: Path = SCHEMA_FILE, provider: str = "aws_"
) -> list[str]:
    """Schema errors of every ``<provider>*`` resource and data source in ``modules``."""
    schema = load_schema(schema_file)
    errors: list[str] = []
    for path in sorted(modules):
        module = modules[path]
        for section, items, prefix in (
            ("resources", module.resources, ""),
            ("data_sources", module.data, "data."),
        ):
            for (kind, name), body in sorted(items.items()):
                if not kind.startswith(provider):
                    continue
                where = f"{path}: {prefix}{kind}.{name}"
                spec = schema[section].get(kind)
                if spec is None:
                    errors.append(f"{where}: unknown {section[:-1].replace('_', ' ')} type")
                    continue
                plain = {k: v for k, v in body.items() if k not in META_ARGUMENTS}
                errors.extend(check_body(plain, spec, where))
    return errors
