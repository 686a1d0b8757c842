"""Regenerate azurerm_provider_schema.json.gz from the jsii assembly of @cdktf/provider-azurerm.

The same extraction as extract_schema.py (which see for the format), pointed at the azurerm
provider: ``@cdktf/provider-azurerm`` 14.23.1 describes provider 4.55.0.

Usage (about 10 s; run it when the azurerm provider pin moves)::

    cd "$(mktemp -d)" && npm pack @cdktf/provider-azurerm@14.23.1 && tar xzf cdktf-provider-azurerm-*.tgz
    python tests/terraform/data/extract_azurerm_schema.py package/.jsii \
        tests/terraform/data/azurerm_provider_schema.json.gz
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import extract_schema

extract_schema.SUMMARY = extract_schema.summary_for("azurerm")

if __name__ == "__main__":
    raise SystemExit(extract_schema.main(sys.argv))
