"""The rendered repositories whose own CI, Makefile and hooks run for real.

Few, because each run installs and tests a whole repository: together they cover each cloud,
each language, each IaC choice (terraform on gcp and azure, both and cdk on aws), each store
dropped, and one to three environments. Each answer set is shared with other tests where one
fits (the Rust one has the stores and cloud of tests/services' full Rust build, so the shared
cargo target directory only recompiles the crate).
"""

from __future__ import annotations

from typing import Any

from tests.repo.helpers import CLOUD_VARIANTS, VARIANTS, Rendered, rendered
from tests.support.render import answers, cloud_answers, cloud_variant, variant

# name -> (cloud, overrides of the canonical answers, what it adds to the coverage)
CI_VARIANTS: dict[str, tuple[str, dict[str, Any], str]] = {
    "python-both": ("aws", VARIANTS["python-both"], "aws, Python, Terraform and CDK, staging and prod"),
    "rust-cdk": (
        "aws",
        {
            "language": "rust",
            "iac": "cdk",
            "environments": ["dev"],
            "aws_account_id_dev": "333333333333",
            "domain_name": "",
            "min_capacity": 1,
            "max_capacity": 4,
        },
        "aws, Rust, CDK only, dev only, no domain",
    ),
    "gcp-typescript-redis": (
        *CLOUD_VARIANTS["gcp-typescript-redis"],
        "gcp, TypeScript, no database, three environments",
    ),
    "azure-python-nocache": (
        "azure",
        {"language": "python", "cache": "none"},
        "azure, Python, no cache",
    ),
}

# README commands and hooks: one repository per language.
MAKE_VARIANTS = ("python-both", "rust-cdk", "gcp-typescript-redis")


def repo(key: str) -> Rendered:
    cloud, overrides, _ = CI_VARIANTS[key]
    if cloud == "aws":
        return Rendered(key, variant(**overrides), answers(**overrides))
    return Rendered(key, cloud_variant(cloud, **overrides), cloud_answers(cloud, **overrides))


__all__ = ["CI_VARIANTS", "MAKE_VARIANTS", "rendered", "repo"]
