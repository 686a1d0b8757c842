"""The length limits providers put on the names Terraform sets (data/attribute_limits.yml)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

LIMITS_FILE = Path(__file__).parent / "data" / "attribute_limits.yml"


def attribute_limits(cloud: str) -> dict[tuple[str, str], int]:
    """(resource type, attribute) -> the provider's limit in characters, for ``cloud``."""
    table: dict[str, int] = yaml.safe_load(LIMITS_FILE.read_text())[cloud]
    return {tuple(key.split(".", 1)): limit for key, limit in table.items()}  # type: ignore[misc]


# tfparse puts a UUID where a value does not resolve.
UNRESOLVED = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def names_within_limits(
    data: dict[str, Any],
    limits: dict[tuple[str, str], int],
    allowed: set[str] | None = None,
    source: str = "",
) -> int:
    """Every limited name of tfparse's ``data`` resolves and fits its limit (and, with
    ``allowed``, is one of those values, from ``source``); how many names were checked."""
    checked = 0
    for (kind, attribute), limit in limits.items():
        for resource in data.get(kind, []):
            value = resource.get(attribute)
            where = f"{resource['__tfmeta']['path']}.{attribute}"
            assert isinstance(value, str) and value, f"{where} does not resolve to a name"
            assert not UNRESOLVED.fullmatch(value) and "${" not in value, where
            if allowed is not None:
                assert value in allowed, f"{where} = {value!r} is not a {source} value"
            assert len(value) <= limit, f"{where} = {value!r} ({len(value)} > {limit})"
            checked += 1
    return checked
