"""Each cloud's rendered Terraform trees, so the checks every cloud shares (parse, references,
schema, provider pins, `terraform fmt`, whitespace, checkov, READMEs) are one parametrized
suite over the registry's clouds; what only one cloud has stays in test_gcp.py / test_azure.py
(and the AWS-only topic files). The facts per cloud are data (data/trees.yml); the variants and
how to render, parse and cross-reference them come from each cloud's helper module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.support.registry import CLOUD_CHOICES, CLOUDS
from tests.terraform import azure_support, conftest, gcp, schema
from tests.terraform.hcl import Module
from tests.terraform.xref import check

DATA = Path(__file__).parent / "data"
FACTS: dict[str, dict[str, Any]] = yaml.safe_load((DATA / "trees.yml").read_text())


def _xref(files: dict[str, Any], modules: dict[str, Module]) -> list[str]:
    return check(modules)


@dataclass(frozen=True)
class Tree:
    """One cloud's Terraform variants, how to read them, and its facts (data/trees.yml)."""

    cloud: str
    # The variants whose layout is checked (parse, references, schema, fmt, whitespace) and
    # those checked in full (checkov, READMEs, provider pins).
    structure: tuple[str, ...]
    checked: tuple[str, ...]
    answers: Callable[[str], dict[str, Any]]
    terraform_dir: Callable[[str], Path]
    parsed: Callable[[str], tuple[dict[str, Any], dict[str, Module]]]
    schema_file: Path
    cross_reference: Callable[[dict[str, Any], dict[str, Module]], list[str]] = _xref

    @property
    def facts(self) -> dict[str, Any]:
        return FACTS[self.cloud]

    @property
    def provider(self) -> str:
        return CLOUDS[self.cloud].provider

    @property
    def provider_pin(self) -> str:
        return str(self.facts["provider_pin"])

    @property
    def allowed_skips(self) -> frozenset[str]:
        return frozenset(self.facts["allowed_skips"])

    @property
    def markers(self) -> tuple[str, ...]:
        return tuple(self.facts["markers"])

    def schema_errors(self, modules: dict[str, Module]) -> list[str]:
        return schema.check_modules(modules, self.schema_file, f"{self.provider}_")

    def modules(self, answers: dict[str, Any]) -> set[str]:
        """The modules/ a variant with these answers calls."""
        extra = {m for when, m in self.facts["modules_by_answer"].items() if _holds(when, answers)}
        return set(self.facts["modules"]) | extra

    def min_passed(self, name: str) -> int:
        passed = self.facts["min_passed"]
        return int(passed.get(name, passed["default"]))

    def readme_needles(self, name: str) -> list[str]:
        values = _computed(self.cloud, name)
        return [needle.format(**values) for needle in self.facts["readme_needles"]]


def _holds(condition: str, answers: dict[str, Any]) -> bool:
    question, value = condition.split("=")
    return bool(answers[question] == value)


@cache
def _computed(cloud: str, name: str) -> dict[str, Any]:
    from tests.support.render import computed_values

    return computed_values(TREES[cloud].answers(name))


def _tree(cloud: str, helpers: Any, structure: Any, checked: Any, answers: Any, schema_file: Path) -> Tree:
    """``helpers``: the cloud's module with ``terraform_dir`` and ``parsed`` (and, where the
    cloud needs more than xref.check, ``cross_reference``)."""
    xref = getattr(helpers, "cross_reference", _xref)
    parsed = helpers.parsed
    return Tree(
        cloud, tuple(structure), tuple(checked), answers, helpers.terraform_dir, parsed, schema_file, xref
    )


AWS, AZURE = sorted(conftest.VARIANTS), sorted(azure_support.AZURE_VARIANTS)
TREES: dict[str, Tree] = {
    "aws": _tree("aws", conftest, AWS, AWS, conftest.variant_answers, schema.SCHEMA_FILE),
    "gcp": _tree("gcp", gcp, gcp.STRUCTURE, gcp.CHECKED, gcp.variant_answers, gcp.SCHEMA_FILE),
    "azure": _tree("azure", azure_support, AZURE, AZURE, azure_support.answers, azure_support.SCHEMA_FILE),
}
assert tuple(TREES) == CLOUD_CHOICES == tuple(FACTS), "tests/terraform: every cloud of copier/cloud.yml"

# (cloud, variant) of every layout check and of every full check, and the environments checkov scans.
STRUCTURE: list[tuple[str, str]] = [(c, n) for c, tree in TREES.items() for n in tree.structure]
CHECKED: list[tuple[str, str]] = [(c, n) for c, tree in TREES.items() for n in tree.checked]
CHECKOV_ENVS = ("staging", "prod")
# Texts no rendered Terraform file of any cloud may hold: leftovers of the seed and of Jinja.
MARKERS = ("TODO", "FIXME", "myservice", "[Service Name]", "[Team/Individual]", "#team-channel", "{{", "{%")


def ids(cases: list[tuple[str, ...]]) -> list[str]:
    return ["-".join(case) for case in cases]
