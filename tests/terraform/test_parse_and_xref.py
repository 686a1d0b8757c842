"""Every rendered .tf file parses, and every reference in it resolves."""

from __future__ import annotations

import pytest

from tests.terraform.conftest import parsed, terraform_dir, variant_answers
from tests.terraform.hcl import parse_tree
from tests.terraform.xref import check


def test_every_file_parses(variant_name: str) -> None:
    files, modules = parsed(variant_name)
    on_disk = {
        str(p.relative_to(terraform_dir(variant_name)))
        for p in terraform_dir(variant_name).rglob("*")
        if p.suffix in (".tf", ".tfvars")
    }
    assert set(files) == on_disk
    expected = {"modules/alb", "modules/ecs-service", "modules/monitoring"}
    a = variant_answers(variant_name)
    expected |= {f"environments/{env}" for env in a["environments"]}
    if a["vpc_mode"] == "create":
        expected.add("modules/network")
    if a["database"] == "postgres":
        expected.add("modules/rds")
    if a["cache"] == "redis":
        expected.add("modules/cache")
    assert set(modules) == expected


def test_every_reference_resolves(variant_name: str) -> None:
    _, modules = parsed(variant_name)
    assert check(modules) == []


def test_root_variables_are_all_set_by_tfvars(variant_name: str) -> None:
    files, modules = parsed(variant_name)
    a = variant_answers(variant_name)
    # image_tag comes from the deploy pipeline. certificate_arn is always in terraform.tfvars:
    # empty (plain HTTP, or to fill in where HTTPS is required) or the answered certificate.
    left_to_set = {"image_tag"}
    for env in a["environments"]:
        root = modules[f"environments/{env}"]
        # python-hcl2 adds bookkeeping keys such as __inline_comments__.
        values = {
            k: v for k, v in files[f"environments/{env}/terraform.tfvars"].items() if not k.startswith("__")
        }
        assert set(values) <= set(root.variables), "tfvars sets undeclared variables"
        required = {n for n, body in root.variables.items() if "default" not in body}
        assert required - set(values) == left_to_set


def test_every_variable_has_description_and_type(variant_name: str) -> None:
    _, modules = parsed(variant_name)
    for module in modules.values():
        for name, body in module.variables.items():
            assert body.get("description"), f"{module.path}: variable {name} lacks a description"
            assert body.get("type"), f"{module.path}: variable {name} lacks a type"
        for name, body in module.outputs.items():
            assert body.get("description"), f"{module.path}: output {name} lacks a description"


# --- The checker itself: it must catch each kind of broken reference.

ROOT_MAIN = """
variable "name" {
  type = string
}

locals {
  upper = upper(var.name)
}

resource "aws_sns_topic" "this" {
  name = local.upper
}

data "aws_caller_identity" "current" {}

module "child" {
  source = "../../modules/child"

  topic_arn = aws_sns_topic.this.arn
  account   = data.aws_caller_identity.current.account_id
}

output "child_id" {
  value = module.child.id
}
"""

CHILD = """
variable "topic_arn" {
  type = string
}

variable "account" {
  type = string
}

variable "optional" {
  type    = string
  default = "x"
}

output "id" {
  value = "${var.account}/${var.topic_arn}"
}
"""


CASES = [
    ("upper(var.name)", "upper(var.nmae)", "var.nmae is not declared"),
    ("name = local.upper", "name = local.uper", "local.uper is not defined"),
    ("aws_sns_topic.this.arn", "aws_sns_topic.that.arn", "aws_sns_topic.that is not declared"),
    (
        "data.aws_caller_identity.current.account_id",
        "data.aws_caller_identity.me.account_id",
        "data.aws_caller_identity.me is not declared",
    ),
    ("module.child.id", "module.child.ident", "module.child has no output 'ident'"),
    ("module.child.id", "module.kid.id", "module.kid is not called here"),
    (
        "  account   = data",
        "  unknown   = 1\n  account   = data",
        "passes 'unknown', which case6/modules/child does not declare",
    ),
    ("  topic_arn = aws_sns_topic.this.arn\n", "", "does not pass required variable 'topic_arn'"),
    ("../../modules/child", "../../modules/kid", "is not a parsed module"),
]


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
