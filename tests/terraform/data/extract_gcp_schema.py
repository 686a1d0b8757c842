"""Regenerate google_provider_schema.json.gz from the jsii assembly of @cdktf/provider-google.

The same extraction as extract_schema.py (which see for the format), pointed at the Google
provider: ``@cdktf/provider-google`` 16.12.1 describes provider 6.50.0.

Usage (run it when the google provider pin moves)::

    cd "$(mktemp -d)" && npm pack @cdktf/provider-google@16.12.1 && tar xzf cdktf-provider-google-*.tgz
    python tests/terraform/data/extract_gcp_schema.py package/.jsii \
        tests/terraform/data/google_provider_schema.json.gz
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import extract_schema  # type: ignore[import-not-found]

extract_schema.SUMMARY = extract_schema.summary_for("google")
_extract = extract_schema.extract


def _extract_with_custom_docs(jsii_path: Path) -> dict[str, Any]:
    """Some google properties keep their registry link in a custom doc tag (``@pattern``
    in the provider's description), where extract_schema does not look: move those tags
    into ``remarks`` first."""
    assembly = json.loads(jsii_path.read_text())
    for spec in assembly["types"].values():
        for prop in spec.get("properties", []):
            docs = prop.get("docs", {})
            custom = " ".join(str(v) for v in docs.get("custom", {}).values())
            if custom:
                docs["remarks"] = f"{docs.get('remarks', '')} {custom}"
    with tempfile.TemporaryDirectory() as tmp:
        patched = Path(tmp) / ".jsii"
        patched.write_text(json.dumps(assembly))
        schema: dict[str, Any] = _extract(patched)
        return schema


extract_schema.extract = _extract_with_custom_docs

if __name__ == "__main__":
    raise SystemExit(extract_schema.main(sys.argv))
