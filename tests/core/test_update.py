"""`svcforge update`: a newer template version merges with the user's edits (Copier 3-way)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from svcforge.cli import app
from svcforge.errors import EXIT_CONFLICTS
from tests.support.gitrepo import commit_all, git, init_generated, template_repo
from tests.support.render import ROOT

NOTES_V1 = "".join(f"Line {i} of the operating notes.\n" for i in range(1, 13))
NOTES_V2 = NOTES_V1.replace("Line 11 of", "Line 11 (revised in v2) of")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template repo tagged v1.0.0 and v2.0.0; v2 changes one file and adds another."""
    repo = template_repo(tmp_path_factory.mktemp("tpl") / "template")
    (repo / "template" / "NOTES.md").write_text(NOTES_V1)
    commit_all(repo, "v1")
    git(repo, "tag", "v1.0.0")
    (repo / "template" / "NOTES.md").write_text(NOTES_V2)
    (repo / "template" / "CHANGES.md").write_text("# Changes\n\nAdded in template v2.\n")
    commit_all(repo, "v2")
    git(repo, "tag", "v2.0.0")
    return repo


def _generate(template: Path, dst: Path) -> Path:
    result = CliRunner().invoke(
        app,
        [
            "new",
            str(dst),
            "--template",
            str(template),
            "--vcs-ref",
            "v1.0.0",
            "--data-file",
            str(ROOT / "example-answers.yml"),
            "--defaults",
        ],
    )
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((dst / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1.0.0"
    assert answers["_src_path"] == str(template)
    init_generated(dst)
    return dst


def test_update_keeps_user_edit_and_brings_template_change(template: Path, tmp_path: Path) -> None:
    repo = _generate(template, tmp_path / "svc")
    notes = repo / "NOTES.md"
    notes.write_text(notes.read_text().replace("Line 2 of", "Line 2 (edited locally) of"))
    commit_all(repo, "local edit")

    result = CliRunner().invoke(app, ["update", str(repo), "--defaults", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["status"] == "updated"
    assert (report["from"], report["to"]) == ("v1.0.0", "v2.0.0")
    assert report["conflicts"] == []
    assert "CHANGES.md" in report["changed"]
    text = notes.read_text()
    assert "Line 2 (edited locally) of" in text
    assert "Line 11 (revised in v2) of" in text
    assert (repo / "CHANGES.md").read_text().startswith("# Changes")
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v2.0.0"
    assert answers["service_name"] == "payments-api"


def test_conflicting_edit_is_reported_with_distinct_exit_code(template: Path, tmp_path: Path) -> None:
    repo = _generate(template, tmp_path / "svc")
    notes = repo / "NOTES.md"
    notes.write_text(notes.read_text().replace("Line 11 of", "Line 11 (my own wording) of"))
    commit_all(repo, "conflicting edit")

    result = CliRunner().invoke(app, ["update", str(repo), "--defaults"])

    assert result.exit_code == EXIT_CONFLICTS, result.output
    assert "CONFLICT  NOTES.md (inline, 1 hunk(s))" in result.output
    text = notes.read_text()
    # Nothing is lost: both versions of the line are in the file, between markers.
    assert "Line 11 (my own wording) of" in text
    assert "Line 11 (revised in v2) of" in text
    assert "<<<<<<< " in text and ">>>>>>> " in text


def test_conflict_report_as_json(template: Path, tmp_path: Path) -> None:
    repo = _generate(template, tmp_path / "svc")
    notes = repo / "NOTES.md"
    notes.write_text(notes.read_text().replace("Line 11 of", "Line 11 (mine) of"))
    commit_all(repo, "conflicting edit")

    result = CliRunner().invoke(app, ["update", str(repo), "--defaults", "--json"])

    assert result.exit_code == EXIT_CONFLICTS
    report = json.loads(result.stdout)
    assert report["status"] == "conflicts"
    assert report["conflicts"] == [{"path": "NOTES.md", "kind": "inline", "hunks": 1}]


def test_update_rejects_bad_answer_and_leaves_repo_untouched(template: Path, tmp_path: Path) -> None:
    repo = _generate(template, tmp_path / "svc")
    head = git(repo, "rev-parse", "HEAD")

    result = CliRunner().invoke(app, ["update", str(repo), "--defaults", "--data", "cpu=3"])

    assert result.exit_code == 2
    assert "invalid answer for 'cpu' from --data cpu= (got '3')" in result.output
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "rev-parse", "HEAD") == head


def test_update_outside_a_generated_repo_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["update", str(tmp_path), "--defaults"])
    assert result.exit_code == 2
    assert "has no .copier-answers.yml" in result.output
