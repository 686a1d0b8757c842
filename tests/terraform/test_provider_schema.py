"""Every attribute and nested block of every resource and data source of each cloud's provider
exists in the provider schema the roots pin (extracted from the @cdktf/provider-* packages: see
data/extract_*schema.py), and the roots and modules pin that provider."""

from __future__ import annotations

import pytest
import yaml

from tests.support.registry import CLOUD_CHOICES
from tests.terraform.hcl import parse_tree
from tests.terraform.schema import load_schema
from tests.terraform.trees import CHECKED, DATA, STRUCTURE, TREES, ids


@pytest.mark.parametrize("cloud", CLOUD_CHOICES)
def test_schema_is_the_pinned_provider(cloud: str) -> None:
    tree = TREES[cloud]
    schema = load_schema(tree.schema_file)
    assert schema["provider_version"] == f"{tree.provider_pin}.0"
    assert len(schema["resources"]) > tree.facts["schema_resources"]
    resource, *path, block = tree.facts["schema_block"]
    spec = schema["resources"][resource]
    for name in path:
        spec = spec["blocks"][name]
    assert block in spec["blocks"]


@pytest.mark.parametrize(("cloud", "name"), STRUCTURE, ids=ids(STRUCTURE))
def test_rendered_terraform_matches_the_schema(cloud: str, name: str) -> None:
    tree = TREES[cloud]
    _, modules = tree.parsed(name)
    assert tree.schema_errors(modules) == []


@pytest.mark.parametrize(("cloud", "name"), CHECKED, ids=ids(CHECKED))
def test_roots_pin_the_providers(cloud: str, name: str) -> None:
    tree = TREES[cloud]
    files, _ = tree.parsed(name)
    versions = [body for path, body in files.items() if path.endswith("/versions.tf")]
    assert versions
    for path, body in files.items():
        if not path.endswith("versions.tf"):
            continue
        terraform = body["terraform"][0]
        providers = {k: v for k, v in terraform["required_providers"][0].items() if k != "__is_block__"}
        assert terraform["required_version"] == ">= 1.11", path
        if path.startswith("environments/"):
            assert providers[tree.provider]["version"] == f"~> {tree.provider_pin}", path
            assert providers[tree.provider]["source"] == f"hashicorp/{tree.provider}", path
            for other in set(providers) - {tree.provider}:
                assert providers[other]["version"].startswith("~> "), (path, other)
        else:
            for key, provider in providers.items():
                assert provider["version"].startswith(">= "), (path, key)


# --- The checker itself: a misspelt attribute, block or type in a sample is named (gcp's:
# test_gcp.py's test_schema_check_catches_unknown_names).

# data/schema_cases.yml: per cloud, a sample and [text in it, its misspelling, a part of the error].
SAMPLES: dict[str, tuple[str, list[list[str]]]] = {
    cloud: (entry["sample"], entry["cases"])
    for cloud, entry in yaml.safe_load((DATA / "schema_cases.yml").read_text()).items()
}
MISSPELT = [
    (cloud, index, case[2]) for cloud, (_, cases) in SAMPLES.items() for index, case in enumerate(cases)
]


@pytest.fixture(scope="module")
def misspelt(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Schema errors of each sample and of each misspelt copy, parsed in one run."""
    root = tmp_path_factory.mktemp("schema")
    for cloud, (sample, cases) in SAMPLES.items():
        (root / f"{cloud}-sample").mkdir()
        (root / f"{cloud}-sample" / "main.tf").write_text(sample)
        for index, (before, after, _) in enumerate(cases):
            assert before in sample
            (root / f"{cloud}-case{index}").mkdir()
            (root / f"{cloud}-case{index}" / "main.tf").write_text(sample.replace(before, after))
    _, modules = parse_tree(root)
    return {path: TREES[path.split("-")[0]].schema_errors({path: module}) for path, module in modules.items()}


@pytest.mark.parametrize("cloud", sorted(SAMPLES))
def test_check_accepts_the_sample(misspelt: dict[str, list[str]], cloud: str) -> None:
    assert misspelt[f"{cloud}-sample"] == []


@pytest.mark.parametrize(("cloud", "index", "message"), MISSPELT)
def test_check_catches_misspellings(
    misspelt: dict[str, list[str]], cloud: str, index: int, message: str
) -> None:
    errors = misspelt[f"{cloud}-case{index}"]
    assert any(message in error for error in errors), errors
