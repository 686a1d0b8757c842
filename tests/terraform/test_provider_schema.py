"""Every attribute and nested block of every aws_* resource and data source exists in the
AWS provider schema the roots pin (6.25, extracted from @cdktf/provider-aws 21.22.1)."""

from __future__ import annotations

import pytest

from tests.terraform.conftest import parsed
from tests.terraform.hcl import parse_tree
from tests.terraform.schema import check_modules, load_schema


def test_schema_is_the_pinned_provider() -> None:
    schema = load_schema()
    assert schema["provider_version"] == "6.25.0"
    assert len(schema["resources"]) > 1500
    assert "deployment_circuit_breaker" in schema["resources"]["aws_ecs_service"]["blocks"]


def test_rendered_terraform_matches_the_schema(variant_name: str) -> None:
    _, modules = parsed(variant_name)
    assert check_modules(modules) == []


def test_roots_pin_the_schemas_provider_major(variant_name: str) -> None:
    files, _ = parsed(variant_name)
    versions = [body for path, body in files.items() if path.endswith("/versions.tf")]
    assert versions
    for path, body in files.items():
        if not path.endswith("versions.tf"):
            continue
        terraform = body["terraform"][0]
        aws = terraform["required_providers"][0]["aws"]
        if path.startswith("environments/"):
            assert terraform["required_version"] == ">= 1.11", path
            assert aws["version"] == "~> 6.25", path
        else:
            assert aws["version"].startswith(">= "), path


SAMPLE = """
resource "aws_lb_target_group" "this" {
  name        = "x"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"

  health_check {
    path    = "/health/live"
    matcher = "200"
  }

  lifecycle {
    create_before_destroy = true
  }
}

data "aws_iam_policy_document" "this" {
  statement {
    actions   = ["sns:Publish"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  alarm_name          = "x"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = 1

  dynamic "metric_query" {
    for_each = ["a"]

    content {
      id         = "m${metric_query.key}"
      expression = "MAX(METRICS())"
    }
  }
}
"""


CASES = [
    (
        "  target_type = ",
        "  target_typ  = ",
        "aws_lb_target_group.this: unknown attribute 'target_typ'",
    ),
    (
        '    matcher = "200"',
        '    matchr  = "200"',
        "aws_lb_target_group.this.health_check: unknown attribute 'matchr'",
    ),
    (
        '      identifiers = ["cloudwatch',
        '      identifers  = ["cloudwatch',
        "statement.principals: unknown attribute 'identifers'",
    ),
    ("  health_check {", "  health_chek {", "unknown nested block 'health_chek'"),
    ('dynamic "metric_query"', 'dynamic "metric_queri"', "unknown nested block 'metric_queri'"),
    (
        '      expression = "MAX',
        '      expresion  = "MAX',
        "aws_cloudwatch_metric_alarm.this.metric_query: unknown attribute 'expresion'",
    ),
    (
        'resource "aws_lb_target_group"',
        'resource "aws_lb_target_groupp"',
        "aws_lb_target_groupp.this: unknown resource type",
    ),
    (
        'data "aws_iam_policy_document"',
        'data "aws_iam_policy_documents"',
        "data.aws_iam_policy_documents.this: unknown data source type",
    ),
]


@pytest.fixture(scope="module")
def misspelt(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Schema errors of the sample and of each misspelt copy, parsed in one run."""
    root = tmp_path_factory.mktemp("schema")
    (root / "sample").mkdir()
    (root / "sample" / "main.tf").write_text(SAMPLE)
    for index, (before, after, _) in enumerate(CASES):
        assert before in SAMPLE
        (root / f"case{index}").mkdir()
        (root / f"case{index}" / "main.tf").write_text(SAMPLE.replace(before, after))
    _, modules = parse_tree(root)
    return {path: check_modules({path: module}) for path, module in modules.items()}


def test_check_accepts_the_sample(misspelt: dict[str, list[str]]) -> None:
    assert misspelt["sample"] == []


@pytest.mark.parametrize(("index", "message"), [(i, case[2]) for i, case in enumerate(CASES)])
def test_check_catches_misspellings(misspelt: dict[str, list[str]], index: int, message: str) -> None:
    errors = misspelt[f"case{index}"]
    assert any(message in error for error in errors), errors
