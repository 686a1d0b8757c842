"""Each cloud's rendered Terraform trees, so the checks every cloud shares (parse, references,
schema, provider pins, `terraform fmt`, whitespace, checkov, READMEs) are one parametrized
suite over the registry's clouds; what only one cloud has stays in test_gcp.py / test_azure.py
(and the AWS topic files)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.registry import CLOUD_CHOICES, CLOUDS
from tests.terraform import azure_support, conftest, gcp, schema
from tests.terraform.hcl import Module
from tests.terraform.xref import check


@dataclass(frozen=True)
class Tree:
    """One cloud's Terraform variants and what the shared checks need to know about them."""

    cloud: str
    # The variants whose layout is checked (parse, references, schema, fmt, whitespace) and
    # those checked in full (checkov, READMEs, provider pins).
    structure: tuple[str, ...]
    checked: tuple[str, ...]
    answers: Callable[[str], dict[str, Any]]
    # The modules/ a variant's tree holds, from its answers.
    modules: Callable[[dict[str, Any]], set[str]]
    # What the names of the resources declared must start with (this cloud's kinds only).
    resource_prefixes: tuple[str, ...]
    terraform_dir: Callable[[str], Path]
    parsed: Callable[[str], tuple[dict[str, Any], dict[str, Module]]]
    cross_reference: Callable[[dict[str, Any], dict[str, Module]], list[str]]
    schema_file: Path
    # The provider version the roots pin ("~> x.y"; modules ">= "), and what its committed schema
    # must hold: at least this many resource types, and this block (resource type, then nested
    # block names).
    provider_pin: str
    schema_resources: int
    schema_block: tuple[str, ...]
    # Every checkov skip in the modules (a new one is added here on purpose, its reason inline).
    allowed_skips: frozenset[str]
    # How the top-level README names a skipped check it explains.
    skip_doc: str
    # Checks checkov must have passed in an environment, by variant.
    min_passed: Callable[[str], int]
    # Texts no rendered file of this cloud may hold, besides MARKERS.
    markers: tuple[str, ...]
    # What the top-level README must say, by variant.
    readme_needles: Callable[[str], tuple[str, ...]]

    @property
    def provider(self) -> str:
        return CLOUDS[self.cloud].provider

    def schema_errors(self, modules: dict[str, Module]) -> list[str]:
        return schema.check_modules(modules, self.schema_file, f"{self.provider}_")


def _aws_modules(a: dict[str, Any]) -> set[str]:
    found = {"modules/alb", "modules/ecs-service", "modules/monitoring"}
    found |= {"modules/network"} if a["vpc_mode"] == "create" else set()
    found |= {"modules/rds"} if a["database"] == "postgres" else set()
    return found | ({"modules/cache"} if a["cache"] == "redis" else set())


def _gcp_modules(a: dict[str, Any]) -> set[str]:
    found = {"modules/network", "modules/cloud-run", "modules/load-balancer", "modules/monitoring"}
    found |= {"modules/cloud-sql"} if a["database"] == "postgres" else set()
    return found | ({"modules/memorystore"} if a["cache"] == "redis" else set())


def _azure_modules(a: dict[str, Any]) -> set[str]:
    found = {"modules/network", "modules/key-vault", "modules/container-app", "modules/monitoring"}
    found |= {"modules/postgres"} if a["database"] == "postgres" else set()
    return found | ({"modules/redis"} if a["cache"] == "redis" else set())


def _xref(files: dict[str, Any], modules: dict[str, Module]) -> list[str]:
    return check(modules)


TREES: dict[str, Tree] = {
    "aws": Tree(
        "aws",
        structure=tuple(sorted(conftest.VARIANTS)),
        checked=tuple(sorted(conftest.VARIANTS)),
        answers=conftest.variant_answers,
        modules=_aws_modules,
        resource_prefixes=("aws_", "random_"),
        terraform_dir=conftest.terraform_dir,
        parsed=conftest.parsed,
        cross_reference=_xref,
        schema_file=schema.SCHEMA_FILE,
        provider_pin="6.25",
        schema_resources=1500,
        schema_block=("aws_ecs_service", "deployment_circuit_breaker"),
        allowed_skips=frozenset(
            {
                "CKV_AWS_18",  # the access-log bucket itself
                "CKV_AWS_144",  # no cross-region replication of access logs
                "CKV_AWS_145",  # ALB access logs only support SSE-S3
                "CKV2_AWS_62",  # no consumer of access-log events
                "CKV_AWS_150",  # ALB deletion protection only in prod
                "CKV_AWS_260",  # port 80 open to redirect, or for plain HTTP without a certificate
                "CKV_AWS_2",  # the plain-HTTP listener exists only without a certificate (never in prod)
                "CKV_AWS_103",  # the same listener: no TLS policy on plain HTTP
                "CKV2_AWS_20",  # HTTP redirects to HTTPS whenever a certificate is set
                "CKV_AWS_378",  # TLS terminates at the ALB
                "CKV2_AWS_50",  # Redis failover only where multi_az (prod)
                "CKV2_AWS_57",  # no managed rotation for ElastiCache AUTH tokens
            }
        ),
        skip_doc="`{}`",
        min_passed=lambda name: 201,
        markers=(),
        readme_needles=lambda name: ("certificate_arn", "backend-config"),
    ),
    "gcp": Tree(
        "gcp",
        structure=gcp.STRUCTURE,
        checked=gcp.CHECKED,
        answers=gcp.variant_answers,
        modules=_gcp_modules,
        resource_prefixes=("google_", "random_"),
        terraform_dir=gcp.terraform_dir,
        parsed=gcp.parsed,
        cross_reference=gcp.cross_reference,
        schema_file=gcp.SCHEMA_FILE,
        provider_pin="6.50",
        schema_resources=1000,
        schema_block=("google_cloud_run_v2_service", "template", "vpc_access"),
        allowed_skips=frozenset(
            {
                "CKV_GCP_6",  # ENCRYPTED_ONLY requires TLS; client certificates would need the Auth Proxy
                "CKV_GCP_79",  # PostgreSQL 16 is the major the service is tested against
                "CKV2_GCP_13",  # log_duration logs every statement; Query Insights has latency
            }
        ),
        skip_doc="| `{}` |",
        min_passed=lambda name: 60 if name == "full" else 30,
        markers=("None",),  # Python's None leaking through Jinja
        readme_needles=lambda name: (
            "gcloud services enable",
            "services identity create",
            gcp.computed(name)["gcp_state_bucket"],
        ),
    ),
    "azure": Tree(
        "azure",
        structure=tuple(sorted(azure_support.AZURE_VARIANTS)),
        checked=tuple(sorted(azure_support.AZURE_VARIANTS)),
        answers=azure_support.answers,
        modules=_azure_modules,
        resource_prefixes=("azurerm_", "azapi_", "random_"),
        terraform_dir=azure_support.terraform_dir,
        parsed=azure_support.parsed,
        cross_reference=_xref,
        schema_file=azure_support.SCHEMA_FILE,
        provider_pin="4.55",
        schema_resources=1000,
        schema_block=("azurerm_container_app", "template"),
        allowed_skips=frozenset(
            {
                "CKV_AZURE_139",  # registry public endpoint: CI pushes from GitHub-hosted runners
                "CKV_AZURE_164",  # Docker Content Trust is deprecated in ACR
                "CKV_AZURE_165",  # single-region service: no registry geo-replication
                "CKV_AZURE_166",  # quarantine would block every pull without an external scanner
                "CKV_AZURE_160",  # port 80 open only for the HTTPS redirect / certificate validation
                "CKV2_AZURE_57",  # VNet-integrated flexible server: private endpoints do not apply
            }
        ),
        skip_doc="`{}`",
        # Without a database the network has no database subnet, so fewer resources are checked.
        min_passed=lambda name: 50 if name != "none" else 35,
        markers=(),
        readme_needles=lambda name: (
            "use_azuread_auth",
            "az provider register",
            "image_tag",
            "-target=module.container_app",
        ),
    ),
}
assert tuple(TREES) == CLOUD_CHOICES, "tests/terraform/trees.py: every cloud of copier/cloud.yml"

# (cloud, variant) of every layout check and of every full check, and the environments checkov scans.
STRUCTURE: list[tuple[str, str]] = [(c, n) for c, tree in TREES.items() for n in tree.structure]
CHECKED: list[tuple[str, str]] = [(c, n) for c, tree in TREES.items() for n in tree.checked]
CHECKOV_ENVS = ("staging", "prod")
# Texts no rendered Terraform file of any cloud may hold: leftovers of the seed and of Jinja.
MARKERS = ("TODO", "FIXME", "myservice", "[Service Name]", "[Team/Individual]", "#team-channel", "{{", "{%")


def ids(cases: list[tuple[str, ...]]) -> list[str]:
    return ["-".join(case) for case in cases]
