"""Bad answers are rejected with a message naming the question and the rule, by every path:
the wizard, --data, --data-file and plain Copier; and nothing is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from svcforge.cli import app
from svcforge.questions import Question
from svcforge.wizard import run_wizard
from tests.support.render import CLOUD_OVERRIDES, ROOT, answers

NAME_RULE = "lowercase letters, digits and single hyphens"
NAME_LENGTH = "must be at least 3 characters long"
INJECTION = ["../x", "{{ 7*7 }}", "$(id)", "a;rm -rf /", "a\nb"]
LOOKALIKE = "p\u0430yments"  # Cyrillic a (U+0430), looks like "payments"

CASES: list[tuple[str, Any, str]] = [
    ("service_name", "", NAME_RULE),
    ("service_name", "ab", NAME_LENGTH),
    ("service_name", "a" * 25, 'the ALB and target group name "<name>-staging" is limited to 32 characters'),
    ("service_name", "Payments", NAME_RULE),
    ("service_name", "pay ments", NAME_RULE),
    ("service_name", "pay--ments", NAME_RULE),
    ("service_name", "payments-", NAME_RULE),
    ("service_name", "9payments", NAME_RULE),
    ("service_name", LOOKALIKE, NAME_RULE),
    ("service_name", "internal-api", 'must not start with "internal-"'),
    *[("service_name", bad, NAME_RULE) for bad in INJECTION],
    ("description", "", "must be 3 to 160 characters"),
    ("description", "x" * 161, "must be 3 to 160 characters"),
    ("description", "{{ 7*7 }}", "no quotes, no templates"),
    ("description", "$(id)", "no quotes, no templates"),
    ("description", 'say "hi"', "no quotes, no templates"),
    ("owner_team", "", "team slug"),
    ("owner_team", "Payments Team", "team slug"),
    ("owner_team", "../x", "team slug"),
    ("owner_team", "t" * 40, "team slug"),
    ("owner_email", "", "plain e-mail address"),
    ("owner_email", "not-an-email", "plain e-mail address"),
    ("owner_email", "a@b", "plain e-mail address"),
    ("owner_email", "$(id)@example.org", "plain e-mail address"),
    ("owner_email", "p\u0430y@example.org", "plain e-mail address"),
    ("github_org", "-acme", "GitHub organisation name"),
    ("github_org", "ac me", "GitHub organisation name"),
    ("slack_channel", "payments", "a leading #"),
    ("slack_channel", "#Payments", "a leading #"),
    ("slack_channel", "#pay ments", "a leading #"),
    ("slack_channel", "#" + "a" * 81, "a leading #"),
    ("oncall_tool", "pagerdoodie", "pagerduty, opsgenie"),
    ("oncall_schedule", "", "1 to 100 letters"),
    ("oncall_schedule", "{{ 7*7 }}", "1 to 100 letters"),
    ("escalation_l2", "$(id)", "no quotes or templates"),
    ("escalation_l3", "", "3 to 120"),
    ("cloud", "oracle", "aws"),
    ("iac", "pulumi", "terraform, cdk, both"),
    ("language", "go", "python, typescript, rust"),
    ("language", "Python", "python, typescript, rust"),
    ("aws_region", "", "AWS region code"),
    ("aws_region", "us-east", "AWS region code"),
    ("aws_region", "US-EAST-1", "AWS region code"),
    ("aws_region", "us-east-1; id", "AWS region code"),
    ("environments", "[]", "non-empty YAML list"),
    ("environments", "prod", "non-empty YAML list"),
    ("environments", "[qa, prod]", "may only contain dev, staging and prod"),
    ("environments", "[prod, prod]", "must not repeat"),
    ("environments", "[staging", "valid YAML"),
    ("aws_account_id_prod", "12345", "exactly 12 digits"),
    ("aws_account_id_prod", "12345678901a", "exactly 12 digits"),
    ("aws_account_id_staging", "1234567890123", "exactly 12 digits"),
    ("database", "mysql", "postgres, none"),
    ("cache", "memcached", "redis, none"),
    ("container_port", "80", "between 1024 and 65535"),
    ("container_port", "70000", "between 1024 and 65535"),
    ("container_port", "http", "whole number"),
    ("cpu", "300", "256, 512, 1024"),
    ("memory", "3000", "not a valid Fargate size for cpu 512"),
    ("memory", "8192", "use 1024 to 4096 MiB in steps of 1024"),
    ("min_capacity", "1", "at least 2 when prod is generated"),
    ("min_capacity", "0", "between 1 and 100"),
    ("max_capacity", "1", "must be between min_capacity (2) and 200"),
    ("cpu_target", "95", "between 20 and 90"),
    ("vpc_mode", "default", "create, existing"),
    ("vpc_cidr", "10.0.0.0/8", "/16 to /20"),
    ("vpc_cidr", "300.0.0.0/16", "/16 to /20"),
    ("domain_name", "Not A Domain", "lowercase DNS name"),
    ("domain_name", "exa_mple.org", "lowercase DNS name"),
    ("certificate_arn", "arn:aws:acm:eu-west-1:123:certificate/x", "ACM certificate ARN"),
    (
        "certificate_arn",
        "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012",
        "must be in the service's region eu-west-1",
    ),
    # Edges of each SLO rule (NaN and infinities: tests/repo/test_slo.py, JSON has no such number).
    ("slo_availability_percent", "94.999", "must be a percentage from 95 to 99.999"),
    ("slo_availability_percent", "99.9991", "must be a percentage from 95 to 99.999"),
    ("slo_availability_percent", "100", "must be a percentage from 95 to 99.999"),
    ("slo_availability_percent", "90", "a 14.4x fast burn would need more than 100 % failing requests"),
    ("slo_availability_percent", "99.9505", "must have at most 3 decimals"),
    ("slo_availability_percent", "three nines", "must be a number"),
    ("slo_latency_percent", "94.9", "must be a percentage from 95 to 99.99"),
    ("slo_latency_percent", "99.991", "must be a percentage from 95 to 99.99"),
    ("slo_latency_percent", "95.0001", "must have at most 3 decimals"),
    ("slo_latency_threshold_ms", "0", "must be a whole number of milliseconds from 1 to 60000"),
    ("slo_latency_threshold_ms", "60001", "must be a whole number of milliseconds from 1 to 60000"),
    ("slo_latency_threshold_ms", "0.5", "whole number"),
    ("slo_window_days", "14", "30, 28, 7"),
]
EXISTING_VPC = {"vpc_mode": "existing"}
VPC_CASES: list[tuple[str, Any, str]] = [
    ("vpc_id", "vpc-123", "VPC id"),
    ("vpc_id", "VPC-0123456789abcdef0", "VPC id"),
    ("private_subnet_ids", "[subnet-0123456789abcdef0]", "at least two subnet ids"),
    (
        "private_subnet_ids",
        "[subnet-0123456789abcdef0, sg-0123456789abcdef0]",
        "only hold subnet ids",
    ),
    (
        "public_subnet_ids",
        "[subnet-0123456789abcdef0, subnet-0123456789abcdef0]",
        "must not repeat",
    ),
]
GOOD_VPC = {
    "vpc_id": "vpc-0123456789abcdef0",
    "private_subnet_ids": "[subnet-0123456789abcdef0, subnet-0123456789abcdef1]",
    "public_subnet_ids": "[subnet-0fedcba9876543210, subnet-0fedcba9876543211]",
}
GCP = CLOUD_OVERRIDES["gcp"]
AZURE = CLOUD_OVERRIDES["azure"]
# Rules that depend on the cloud: each cloud's name limits, sizes and settings.
CLOUD_CASES: list[tuple[str, Any, str, dict[str, Any]]] = [
    ("service_name", "a" * 27, 'the service account id "<name>-stg" is limited to 30 characters', GCP),
    (
        "service_name",
        "a" * 26,
        'IAM user (service account @ default project id) "<name>-stg@<name>-stg.iam" is limited to 63',
        GCP,
    ),
    (
        "gcp_project_id_prod",
        "a" * 30,
        "the project id may have at most 29",
        {**GCP, "service_name": "s" * 25},
    ),
    ("service_name", "google-pay", 'must not start with "goog" or contain "google"', GCP),
    ("service_name", "a" * 18, 'the Key Vault name "kv-<name>-stg" is limited to 24 characters', AZURE),
    ("iac", "cdk", "AWS CDK only deploys to AWS; choose terraform when cloud is gcp", GCP),
    ("iac", "both", "AWS CDK only deploys to AWS; choose terraform when cloud is azure", AZURE),
    ("cpu", "512", "must be 1024 to 8192 on gcp", GCP),
    ("memory", "8192", "not a valid Cloud Run size for cpu 1024: use 512 to 4096 MiB", GCP),
    ("memory", "1000", "in steps of 256", GCP),
    ("cpu", "8192", "must be at most 4096 on azure", AZURE),
    ("memory", "2048", "memory must be 1024 MiB (1 vCPU : 2 GiB)", AZURE),
    ("max_concurrency", "0", "between 1 and 1000", GCP),
    ("gcp_region", "US-CENTRAL1", "Google Cloud region", GCP),
    ("gcp_region", "us-central1; id", "Google Cloud region", GCP),
    ("gcp_project_id_prod", "abc", "must be a project id", GCP),
    ("gcp_project_id_staging", "my-google-project", "must be a project id", GCP),
    ("gcp_project_id_prod", "project-", "must be a project id", GCP),
    ("gcp_state_bucket", "Bad_Bucket", "GCS bucket name", GCP),
    ("gcp_state_bucket", "goog-state", 'must not start with "goog"', GCP),
    ("azure_location", "East US", "Azure region name", AZURE),
    ("azure_subscription_id_prod", "not-a-guid", "lowercase GUID", AZURE),
    ("azure_subscription_id_staging", "00000000-0000-0000-0000-00000000000G", "lowercase GUID", AZURE),
    ("azure_state_storage_account", "st-acme", "storage account name", AZURE),
    ("azure_state_storage_account", "s" * 25, "storage account name", AZURE),
    ("azure_state_resource_group", "rg.", "resource group name", AZURE),
]
ALL_CASES = (
    [(q, v, m, {}) for q, v, m in CASES]
    + [(q, v, m, {**EXISTING_VPC, **{k: g for k, g in GOOD_VPC.items() if k != q}}) for q, v, m in VPC_CASES]
    + [(q, v, m, {k: x for k, x in extra.items() if k != q}) for q, v, m, extra in CLOUD_CASES]
)
IDS = [f"{x.get('cloud', 'aws')}:{q}={v!r}"[:60] for q, v, _m, x in ALL_CASES]


def _base(extra: dict[str, Any]) -> dict[str, Any]:
    data = answers(**extra)
    return {k: v for k, v in data.items()}


def _assert_untouched(dest: Path) -> None:
    assert not dest.exists() or not any(dest.iterdir()), f"{dest} was written"


def _assert_cli_rejects(
    tmp_path: Path, data: dict[str, Any], args: list[str], source: str, rule: str
) -> None:
    """`svcforge new` with ``data`` as --data-file and ``args`` exits 2 naming ``source`` and
    ``rule``, and writes nothing."""
    dest = tmp_path / "out"
    data_file = tmp_path / "answers.yml"
    data_file.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["new", str(dest), "--data-file", str(data_file), *args])
    assert result.exit_code == 2, result.output
    assert source.format(data_file=data_file) in result.output
    assert rule in result.output
    _assert_untouched(dest)


@pytest.mark.parametrize(("question", "value", "rule", "extra"), ALL_CASES, ids=IDS)
def test_rejected_through_data(
    tmp_path: Path, question: str, value: Any, rule: str, extra: dict[str, Any]
) -> None:
    base = {k: v for k, v in _base(extra).items() if k != question}
    source = f"invalid answer for '{question}' from --data {question}="
    _assert_cli_rejects(tmp_path, base, ["--data", f"{question}={value}"], source, rule)


@pytest.mark.parametrize(("question", "value", "rule", "extra"), ALL_CASES, ids=IDS)
def test_rejected_through_data_file(
    tmp_path: Path, question: str, value: Any, rule: str, extra: dict[str, Any]
) -> None:
    data = _base(extra)
    # In a YAML file, list answers are written as YAML, the rest as strings.
    data[question] = yaml.safe_load(value) if question in {"environments"} and value != "[staging" else value
    source = f"invalid answer for '{question}' from --data-file {{data_file}}"
    _assert_cli_rejects(tmp_path, data, ["--defaults"], source, rule)


@pytest.mark.parametrize(("question", "value", "rule", "extra"), ALL_CASES, ids=IDS)
def test_rejected_by_plain_copier(
    tmp_path: Path, question: str, value: Any, rule: str, extra: dict[str, Any]
) -> None:
    import copier

    dest = tmp_path / "out"
    data = _base(extra)
    data[question] = value
    with pytest.raises(ValueError) as caught:
        copier.run_copy(_plain_template(), dest, data=data, defaults=True, quiet=True)
    message = str(caught.value)
    _assert_untouched(dest)
    if rule in {"whole number", "must be a number", "valid YAML"}:
        return  # Copier's own type errors do not name the question; svcforge's do.
    assert question in message
    # Copier words choice and type errors itself; validator rules come from copier.yml.
    assert rule in message or "Invalid choice" in message or "Invalid" in message
    _assert_untouched(dest)


_SNAPSHOT: list[str] = []


def _plain_template() -> str:
    """The template as a plain directory (what `copier copy <dir>` reads)."""
    from svcforge.template import render_source

    if not _SNAPSHOT:
        _SNAPSHOT.append(str(render_source()))
    return _SNAPSHOT[0]


class ScriptedPrompter:
    """Answers each question from a script; records what validation said."""

    def __init__(self, script: dict[str, list[Any]]) -> None:
        self.script = {k: list(v) for k, v in script.items()}
        self.rejections: list[tuple[str, str]] = []

    def section(self, title: str) -> None:
        pass

    def ask(self, question: Question, default: Any, validate: Any) -> Any:
        queue = self.script.get(question.name)
        while queue:
            raw = queue.pop(0)
            message = validate(raw)
            if message is None:
                return raw
            self.rejections.append((question.name, message))
        return default

    def confirm(self, message: str, default: bool = True) -> bool:
        return True

    def show(self, text: str) -> None:
        pass


@pytest.mark.parametrize(("question", "value", "rule", "extra"), ALL_CASES, ids=IDS)
def test_rejected_and_reasked_by_wizard(question: str, value: Any, rule: str, extra: dict[str, Any]) -> None:
    base = _base(extra)
    good = base.get(question, GOOD_VPC.get(question))
    script: dict[str, list[Any]] = {k: [v] for k, v in base.items()}
    script[question] = [value] + ([good] if good is not None else [])
    if question in GOOD_VPC or question == "vpc_mode":
        script.update({k: [v] for k, v in GOOD_VPC.items() if k != question})
    prompter = ScriptedPrompter(script)
    run_wizard(prompter)
    assert prompter.rejections, f"{question}={value!r} was accepted"
    name, message = prompter.rejections[0]
    assert name == question
    assert rule in message


def test_missing_required_answer_is_named(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    result = CliRunner().invoke(app, ["new", str(dest), "--defaults", "--data", "owner_team=payments"])
    assert result.exit_code == 2
    assert "invalid answer for 'service_name': an answer is required" in result.output
    _assert_untouched(dest)


def test_unknown_question_is_rejected(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["new", str(tmp_path / "o"), "--defaults", "--data", "colour=blue"])
    assert result.exit_code == 2
    assert (
        "invalid answer for 'colour' from --data colour=: is not a question of this template" in result.output
    )


def test_plain_copier_cli_rejects_bad_name(tmp_path: Path) -> None:
    """The real `copier copy` command line, without svcforge, applies the same rule."""
    dest = tmp_path / "out"
    copier_bin = Path(sys.executable).with_name("copier")
    proc = subprocess.run(
        [
            str(copier_bin),
            "copy",
            "--defaults",
            "--data-file",
            str(ROOT / "example-answers.yml"),
            "--data",
            "service_name=Bad Name",
            _plain_template(),
            str(dest),
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "service_name" in proc.stderr and NAME_RULE in proc.stderr
    _assert_untouched(dest)


@pytest.mark.parametrize(("cloud", "offered"), [("aws", 3), ("gcp", 1), ("azure", 1)])
def test_wizard_offers_cdk_only_on_aws(monkeypatch: pytest.MonkeyPatch, cloud: str, offered: int) -> None:
    """The iac menu greys out CDK and both, with the reason, unless the cloud is aws."""
    import questionary

    from svcforge.questions import by_name, load
    from svcforge.wizard import QuestionaryPrompter, _ask_one

    shown: list[Any] = []

    class Answered:
        def unsafe_ask(self) -> str:
            return "terraform"

    def select(message: str, choices: list[Any], **_: Any) -> Answered:
        shown.extend(choices)
        return Answered()

    monkeypatch.setattr(questionary, "select", select)
    answer = _ask_one(QuestionaryPrompter(), by_name(load())["iac"], {**_base({}), "cloud": cloud})
    assert answer == "terraform"
    assert [c.value for c in shown] == ["terraform", "cdk", "both"]
    assert sum(1 for c in shown if not c.disabled) == offered
    for choice in shown[1:]:
        assert (choice.disabled is None) == (cloud == "aws")
        if cloud != "aws":
            assert choice.disabled == f"AWS CDK only deploys to AWS; choose terraform when cloud is {cloud}"
