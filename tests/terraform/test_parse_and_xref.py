"""Every rendered .tf file of every cloud parses, holds the modules its answers call for and
only that cloud's resources, every reference in it resolves, and every variable is set,
described and typed."""

from __future__ import annotations

import pytest
import yaml

from tests.terraform.hcl import parse_tree
from tests.terraform.trees import DATA, STRUCTURE, TREES, ids
from tests.terraform.xref import check


@pytest.mark.parametrize(("cloud", "name"), STRUCTURE, ids=ids(STRUCTURE))
def test_every_file_parses(cloud: str, name: str) -> None:
    tree = TREES[cloud]
    files, modules = tree.parsed(name)
    root = tree.terraform_dir(name)
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*") if p.suffix in (".tf", ".tfvars")}
    assert set(files) == on_disk
    a = tree.answers(name)
    expected = tree.modules(a) | {f"environments/{env}" for env in a["environments"]}
    assert set(modules) == expected
    for env in a["environments"]:
        assert f"environments/{env}/terraform.tfvars" in files
    # Only this cloud's resources: nothing of another cloud's tree renders.
    kinds = {kind for module in modules.values() for kind, _ in module.resources}
    assert kinds and all(k.startswith(tuple(tree.facts["resource_prefixes"])) for k in kinds), kinds


@pytest.mark.parametrize(("cloud", "name"), STRUCTURE, ids=ids(STRUCTURE))
def test_every_reference_resolves(cloud: str, name: str) -> None:
    tree = TREES[cloud]
    files, modules = tree.parsed(name)
    assert tree.cross_reference(files, modules) == []


@pytest.mark.parametrize(("cloud", "name"), STRUCTURE, ids=ids(STRUCTURE))
def test_root_variables_are_all_set_by_tfvars(cloud: str, name: str) -> None:
    tree = TREES[cloud]
    files, modules = tree.parsed(name)
    # image_tag comes from the deploy pipeline. certificate_arn is always in terraform.tfvars:
    # empty (plain HTTP, or to fill in where HTTPS is required) or the answered certificate.
    left_to_set = {"image_tag"}
    for env in tree.answers(name)["environments"]:
        root = modules[f"environments/{env}"]
        # python-hcl2 adds bookkeeping keys such as __inline_comments__.
        values = {k for k in files[f"environments/{env}/terraform.tfvars"] if not k.startswith("__")}
        assert values <= set(root.variables), values - set(root.variables)
        required = {n for n, body in root.variables.items() if "default" not in body}
        assert required - values == left_to_set


@pytest.mark.parametrize(("cloud", "name"), STRUCTURE, ids=ids(STRUCTURE))
def test_every_variable_has_description_and_type(cloud: str, name: str) -> None:
    _, modules = TREES[cloud].parsed(name)
    for module in modules.values():
        for variable, body in module.variables.items():
            assert body.get("description"), f"{module.path}: variable {variable} lacks a description"
            assert body.get("type"), f"{module.path}: variable {variable} lacks a type"
        for output, body in module.outputs.items():
            assert body.get("description"), f"{module.path}: output {output} lacks a description"


# --- The checker itself: it must catch each kind of broken reference.

# data/xref_cases.yml: a consistent root module and its child, and [text in the root, what
# replaces it, a part of the error] of each breakage.
XREF = yaml.safe_load((DATA / "xref_cases.yml").read_text())
ROOT_MAIN: str = XREF["root_main"]
CHILD: str = XREF["child"]
CASES: list[list[str]] = XREF["cases"]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Checker errors of the consistent tree and of each broken copy, parsed in one run."""
    root = tmp_path_factory.mktemp("xref")
    trees = {"sample": ROOT_MAIN}
    for index, (before, after, _) in enumerate(CASES):
        assert before in ROOT_MAIN
        trees[f"case{index}"] = ROOT_MAIN.replace(before, after)
    for name, main in trees.items():
        (root / name / "environments" / "prod").mkdir(parents=True)
        (root / name / "modules" / "child").mkdir(parents=True)
        (root / name / "environments" / "prod" / "main.tf").write_text(main)
        (root / name / "modules" / "child" / "main.tf").write_text(CHILD)
    _, modules = parse_tree(root)
    return {name: [e for e in check(modules) if e.startswith(f"{name}/")] for name in trees}


def test_checker_accepts_a_consistent_tree(broken: dict[str, list[str]]) -> None:
    assert broken["sample"] == []


@pytest.mark.parametrize(("index", "message"), [(i, case[2]) for i, case in enumerate(CASES)])
def test_checker_catches_a_broken_reference(broken: dict[str, list[str]], index: int, message: str) -> None:
    errors = broken[f"case{index}"]
    assert any(message in error for error in errors), errors
