"""The svcforge command line through Typer's CliRunner: pipelines, safety, introspection."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

import svcforge
from svcforge.cli import app
from tests.support.registry import LANGUAGE_CHOICES
from tests.support.render import ROOT

EXAMPLE = str(ROOT / "example-answers.yml")
runner = CliRunner()


def _new(dest: Path, *extra: str) -> object:
    return runner.invoke(app, ["new", str(dest), "--data-file", EXAMPLE, "--defaults", *extra])


def test_version_comes_from_the_release_tags() -> None:
    from svcforge.releases import checkout_versions

    versions = checkout_versions(ROOT)
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"svcforge {versions.package} (template {versions.template})"
    assert svcforge.__version__ == versions.package
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dynamic"] == ["version"]


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("new", "update", "questions"):
        assert command in result.output


def test_help_does_not_import_copier() -> None:
    code = (
        "import sys; from svcforge.cli import app; "
        "print('copier' in sys.modules, 'questionary' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_questions_json_lists_every_asked_question() -> None:
    result = runner.invoke(app, ["questions", "--json"])
    assert result.exit_code == 0
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert "service_name" in rows and rows["service_name"]["required"] is True
    assert rows["language"]["choices"] == ["python", "typescript", "rust"]
    assert rows["memory"]["rule"].startswith("{%")
    assert "names" not in rows  # computed values are not questions
    for row in rows.values():
        assert row["help"], f"{row['name']} has no help"


def test_new_renders_non_interactively(tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    result = runner.invoke(
        app,
        [
            "new",
            str(dest),
            "--name",
            "orders-api",
            "--language",
            "rust",
            "--iac",
            "terraform",
            "--region",
            "eu-central-1",
            "--data",
            "owner_team=orders",
            "--data",
            "owner_email=orders@example.org",
        ],
    )
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["service_name"] == "orders-api"
    assert answers["language"] == "rust"
    assert answers["aws_region"] == "eu-central-1"
    from svcforge.template import installation

    assert answers["_commit"] == installation().versions.template
    assert answers["_src_path"] == "https://github.com/svcforge/svcforge.git"
    assert "Next steps:" in result.output


def test_dest_defaults_to_service_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["new", "--data-file", EXAMPLE, "--defaults"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "payments-api" / ".copier-answers.yml").is_file()


def test_flags_override_data_file(tmp_path: Path) -> None:
    result = _new(tmp_path / "svc", "--name", "ledger", "--data", "cpu=1024", "--data", "memory=2048")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert (answers["service_name"], answers["cpu"], answers["memory"]) == ("ledger", 1024, 2048)


def test_pretend_writes_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    result = _new(dest, "--pretend")
    assert result.exit_code == 0, result.output
    assert "create   .copier-answers.yml" in result.output
    assert "create   docs/runbook.md" in result.output
    assert not dest.exists()


def test_refuses_non_empty_destination(tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    result = _new(dest)
    assert result.exit_code == 2
    assert "is not empty; pass --overwrite" in result.output
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]


def test_overwrite_keeps_user_files_and_reports_replacements(tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    (dest / "README.md").write_text("old readme")
    result = _new(dest, "--overwrite")
    assert result.exit_code == 0, result.output
    assert (dest / "notes.txt").read_text() == "mine"
    assert (dest / "README.md").read_text() != "old readme"
    assert "replaced  README.md" in result.output


def test_destination_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    result = _new(target)
    assert result.exit_code == 2
    assert target.read_text() == "x"


def test_interrupt_during_render_leaves_destination_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    dest = tmp_path / "svc"
    dest.mkdir()
    (dest / "README.md").write_text("old readme")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(copier, "run_copy", interrupted)
    result = _new(dest, "--overwrite")
    assert result.exit_code == 130
    assert "nothing was written" in result.output
    assert [p.name for p in dest.iterdir()] == ["README.md"]
    assert (dest / "README.md").read_text() == "old readme"


def test_interrupt_while_installing_files_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from svcforge import generate

    dest = tmp_path / "svc"
    dest.mkdir()
    (dest / "README.md").write_text("old readme")
    real_replace = os.replace
    calls = {"n": 0}

    def flaky_replace(src: object, dst: object) -> None:
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(generate.os, "replace", flaky_replace)
    result = _new(dest, "--overwrite")
    assert result.exit_code == 130
    assert sorted(p.name for p in dest.iterdir()) == ["README.md"]
    assert (dest / "README.md").read_text() == "old readme"
    assert not list(tmp_path.glob(".svcforge-*")), "staging directory left behind"


def test_template_error_leaves_destination_untouched(tmp_path: Path) -> None:
    template = tmp_path / "broken"
    (template / "template").mkdir(parents=True)
    (template / "copier.yml").write_text("_subdirectory: template\nname:\n  type: str\n  default: x\n")
    (template / "template" / "a.txt.jinja").write_text("{{ name }}\n")
    (template / "template" / "b.txt.jinja").write_text("{{ undefined_variable.attr }}\n")
    dest = tmp_path / "svc"
    result = runner.invoke(
        app, ["new", str(dest), "--template", str(template), "--defaults", "--data-file", EXAMPLE]
    )
    assert result.exit_code != 0
    assert not dest.exists()


def test_template_with_a_missing_include_is_named_and_nothing_written(tmp_path: Path) -> None:
    """A template whose copier.yml includes a part that is not there fails with exit 1, naming it."""
    template = tmp_path / "broken"
    (template / "template").mkdir(parents=True)
    (template / "copier.yml").write_text("_subdirectory: template\n---\n- !include copier/questions.yml\n")
    dest = tmp_path / "svc"
    result = runner.invoke(app, ["new", str(dest), "--template", str(template), "--defaults"])
    assert result.exit_code == 1, result.output
    assert "!include copier/questions.yml matches no file" in result.output
    assert not dest.exists()


def test_bad_data_syntax_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "x"), "--data", "no-equals-sign"])
    assert result.exit_code == 2
    assert "--data expects KEY=VALUE" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [("- a\n- b\n", "must be a mapping"), ("a: [\n", "not valid YAML")],
)
def test_bad_data_file_is_a_usage_error(tmp_path: Path, content: str, message: str) -> None:
    data_file = tmp_path / "answers.yml"
    data_file.write_text(content)
    result = runner.invoke(app, ["new", str(tmp_path / "x"), "--data-file", str(data_file)])
    assert result.exit_code == 2
    assert message in result.output


def test_missing_data_file_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "x"), "--data-file", str(tmp_path / "nope.yml")])
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_no_tty_never_prompts(tmp_path: Path) -> None:
    """As a pipeline runs it: a real process with stdin closed, no --defaults."""
    dest = tmp_path / "svc"
    proc = subprocess.run(
        [sys.executable, "-m", "svcforge", "new", str(dest), "--data-file", EXAMPLE],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (dest / ".copier-answers.yml").is_file()
    missing = subprocess.run(
        [sys.executable, "-m", "svcforge", "new", str(tmp_path / "other")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2
    assert "'service_name'" in missing.stderr
    assert not (tmp_path / "other").exists()


def _complete(words: str) -> Result:
    """Bash completion of ``words`` (the cursor after the last one)."""
    env = {"_SVCFORGE_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": "3"}
    return runner.invoke(app, [], env=env, prog_name="svcforge")


def test_shell_completion_offers_choices_from_copier_yml() -> None:
    result = _complete("svcforge new --language ")
    assert result.exit_code == 0
    assert set(result.output.split()) >= set(LANGUAGE_CHOICES)


def test_shell_completion_of_data_keys() -> None:
    result = _complete("svcforge new --data service_")
    assert "service_name=" in result.output.split()


@pytest.mark.parametrize(
    ("cloud", "question", "rule"),
    [
        ("aws", "aws_region", "AWS region code"),
        ("gcp", "gcp_region", "Google Cloud region"),
        ("azure", "azure_location", "Azure region name"),
    ],
)
def test_region_flag_answers_the_clouds_region_question(
    tmp_path: Path, cloud: str, question: str, rule: str
) -> None:
    dest = tmp_path / "out"
    args = ["new", str(dest), "--data-file", str(ROOT / "example-answers.yml"), "--defaults"]
    args += ["--cloud", cloud, "--iac", "terraform", "--data", "cpu=1024", "--data", "memory=2048"]
    result = CliRunner().invoke(app, [*args, "--region", "Not A Region"])
    assert result.exit_code == 2, result.output
    assert f"invalid answer for '{question}' from --region" in result.output
    assert rule in result.output
    assert not dest.exists()


def test_template_url_environment_variable_is_recorded_by_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCFORGE_TEMPLATE_URL", "https://git.example.org/platform/svcforge.git")
    result = _new(tmp_path / "svc")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "https://git.example.org/platform/svcforge.git"
