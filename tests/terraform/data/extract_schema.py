"""Regenerate aws_provider_schema.json.gz from the jsii assembly of @cdktf/provider-aws.

The npm package ``@cdktf/provider-aws`` describes every resource and data source of the
Terraform AWS provider (21.22.1 = provider 6.25.0) as jsii types: each resource class links
``docs/resources/<name> aws_<name>``, its ``<Class>Config`` interface lists the arguments,
each property's docs carry the Terraform attribute name as an anchor (``#<attribute> ...``)
and nested blocks are datatype interfaces. This script keeps only names:

    {"provider_version": "6.25.0",
     "resources": {"aws_lb": {"attributes": [...], "blocks": {"access_logs": {...}}}},
     "data_sources": {...}}

Usage (about 10 s and 1.5 GB of memory; run it when the provider pin moves)::

    cd "$(mktemp -d)" && npm pack @cdktf/provider-aws@21.22.1 && tar xzf cdktf-provider-aws-*.tgz
    python tests/terraform/data/extract_schema.py package/.jsii \
        tests/terraform/data/aws_provider_schema.json.gz
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any


def summary_for(provider: str) -> re.Pattern[str]:
    """The docs link in a class summary of the ``provider``'s package: version, kind, type."""
    return re.compile(
        rf"registry\.terraform\.io/providers/hashicorp/{provider}/(?P<version>[0-9.]+)/docs/"
        rf"(?P<kind>resources|data-sources)/(?P<name>\w+) (?P<tf>{provider}_\w+)\}}"
    )


SUMMARY = summary_for("aws")
ANCHOR = re.compile(r"#(?P<attr>[A-Za-z0-9_]+) [A-Za-z0-9]+#")


def _datatype_fqn(type_ref: dict[str, Any], types: dict[str, Any]) -> str | None:
    """The fqn of the nested-block interface a property refers to, if any."""
    if "fqn" in type_ref:
        fqn = type_ref["fqn"]
        target = types.get(fqn)
        if target and target.get("datatype"):
            return str(fqn)
        return None
    if "collection" in type_ref:
        return _datatype_fqn(type_ref["collection"]["elementtype"], types)
    if "union" in type_ref:
        for member in type_ref["union"]["types"]:
            found = _datatype_fqn(member, types)
            if found:
                return found
    return None


def _block(fqn: str, types: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    attributes: list[str] = []
    blocks: dict[str, Any] = {}
    for prop in types[fqn].get("properties", []):
        docs = prop.get("docs", {})
        match = ANCHOR.search(f"{docs.get('summary', '')} {docs.get('remarks', '')}")
        if not match:
            continue
        name = match.group("attr")
        nested = _datatype_fqn(prop["type"], types)
        if nested and depth < 12:
            blocks[name] = _block(nested, types, depth + 1)
        else:
            attributes.append(name)
    return {"attributes": sorted(attributes), "blocks": dict(sorted(blocks.items()))}


def extract(jsii_path: Path) -> dict[str, Any]:
    assembly = json.loads(jsii_path.read_text())
    types: dict[str, Any] = assembly["types"]
    out: dict[str, Any] = {"provider_version": "", "resources": {}, "data_sources": {}}
    for spec in types.values():
        if spec.get("kind") != "class":
            continue
        match = SUMMARY.search(spec.get("docs", {}).get("summary", ""))
        if not match:
            continue
        # The constructor's `config` parameter names the arguments interface (usually
        # <Class>Config; renamed when a nested block already took that name).
        params = spec.get("initializer", {}).get("parameters", [])
        config = next((p["type"].get("fqn") for p in params if p.get("name") == "config"), None)
        if config not in types:
            continue
        out["provider_version"] = match.group("version")
        section = "resources" if match.group("kind") == "resources" else "data_sources"
        out[section][match.group("tf")] = _block(config, types)
    for section in ("resources", "data_sources"):
        out[section] = dict(sorted(out[section].items()))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema = extract(Path(argv[1]))
    data = json.dumps(schema, separators=(",", ":"), sort_keys=True).encode()
    # mtime=0 keeps the gzip bytes reproducible.
    Path(argv[2]).write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(
        f"provider {schema['provider_version']}: {len(schema['resources'])} resources,"
        f" {len(schema['data_sources'])} data sources, {len(data)} bytes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
