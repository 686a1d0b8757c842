"""`svcforge update`: every file classified, local work never lost, the work tree changed all at
once or not at all, and one exit code per kind of failure.

Most tests use the tiny versioned template (tests/support/tinytemplate.py); the ones about
answers of the real template (identity, `cache=none`) use a tagged copy of this checkout's.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from svcforge import updater
from svcforge.cli import app
from svcforge.errors import EXIT_CONFLICTS, EXIT_NOT_UPDATABLE, EXIT_SOURCE, EXIT_USAGE
from svcforge.releases import read_releases
from tests.support import tinytemplate
from tests.support.gitrepo import commit_all, generate, git, init_generated, template_v1_v2
from tests.support.render import ROOT

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tinytemplate.build(tmp_path_factory.mktemp("tiny") / "template")


def update(repo: Path, *args: str) -> Any:
    return runner.invoke(app, ["update", str(repo), *args])


def report(result: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def files(result: Any) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in report(result)["files"]}


def snapshot(repo: Path) -> dict[str, bytes]:
    """Every file of the work tree (not .git) with its content, to compare before and after."""
    return {
        str(p.relative_to(repo)): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }


def commit_edit(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    path.write_text(path.read_text().replace(old, new))
    commit_all(repo, f"edit {rel}")


# --- what happens to each file --------------------------------------------------------------


def test_edit_kept_template_changes_applied_and_every_file_classified(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    commit_edit(repo, "NOTES.md", "Line 2 of", "Line 2 (edited locally) of")

    result = update(repo, "--vcs-ref", "v2.0.0", "--json")

    assert result.exit_code == 0, result.output
    data = report(result)
    assert (data["status"], data["from"], data["to"]) == ("updated", "v1.0.0", "v2.0.0")
    assert data["source"] == str(tiny)
    assert files(result) == {
        ".copier-answers.yml": {"path": ".copier-answers.yml", "status": "modified"},
        "CHANGES.md": {"path": "CHANGES.md", "status": "added"},
        "DROPPED.md": {"path": "DROPPED.md", "status": "deleted"},
        "GUIDE.md": {"path": "GUIDE.md", "status": "modified"},
        "NOTES.md": {"path": "NOTES.md", "status": "modified", "kind": "merged"},
        "run.sh": {"path": "run.sh", "status": "modified"},
    }
    notes = (repo / "NOTES.md").read_text()
    assert "Line 2 (edited locally) of" in notes and "Line 11 (revised in v2) of" in notes
    assert not (repo / "DROPPED.md").exists()
    assert os.access(repo / "run.sh", os.X_OK) and "v2" in (repo / "run.sh").read_text()
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert (answers["_commit"], answers["_src_path"]) == ("v2.0.0", str(tiny))


def test_default_target_is_the_newest_release_of_the_source(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    result = update(repo, "--json", "--data", "cost_center=cc-42")
    assert result.exit_code == 0, result.output
    assert report(result)["to"] == "v3.0.0"
    assert (repo / "COSTS.md").read_text() == "Billed to cc-42.\n"


def test_conflicting_edit_has_markers_exit_3_and_everything_else_applied(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    commit_edit(repo, "NOTES.md", "Line 11 of", "Line 11 (my own wording) of")

    result = update(repo, "--vcs-ref", "v2.0.0")

    assert result.exit_code == EXIT_CONFLICTS, result.output
    assert "conflict  NOTES.md (inline, 1 hunk(s))" in result.output
    assert "Every other change listed was applied" in result.output
    assert "Nothing else was changed" not in result.output
    text = (repo / "NOTES.md").read_text()
    assert "Line 11 (my own wording) of" in text and "Line 11 (revised in v2) of" in text
    assert "<<<<<<< local changes" in text and ">>>>>>> template v2.0.0" in text
    assert (repo / "CHANGES.md").is_file(), "the rest of the update is applied"


def test_conflict_report_as_json(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    commit_edit(repo, "NOTES.md", "Line 11 of", "Line 11 (mine) of")

    result = update(repo, "--vcs-ref", "v2.0.0", "--json")

    assert result.exit_code == EXIT_CONFLICTS
    data = report(result)
    assert (data["status"], data["exit_code"]) == ("conflicts", EXIT_CONFLICTS)
    [conflict] = data["conflicts"]
    assert (conflict["path"], conflict["kind"], conflict["hunks"]) == ("NOTES.md", "inline", 1)


def test_edited_file_the_new_version_drops_is_kept_as_a_conflict(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    commit_edit(repo, "DROPPED.md", "Dropped in v2.", "Dropped in v2, but we keep our notes here.")

    result = update(repo, "--vcs-ref", "v2.0.0", "--json")

    assert result.exit_code == EXIT_CONFLICTS, result.output
    entry = files(result)["DROPPED.md"]
    assert (entry["status"], entry["kind"]) == ("conflict", "deleted-upstream")
    assert "no longer has this file" in entry["note"]
    assert (repo / "DROPPED.md").read_text() == "Dropped in v2, but we keep our notes here.\n"


def test_answer_change_that_drops_an_edited_file_keeps_it(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    commit_edit(repo, "cache.conf", "64mb", "256mb")

    result = update(repo, "--vcs-ref", "v1.0.0", "--data", "cache=none", "--json")

    assert result.exit_code == EXIT_CONFLICTS, result.output
    data = report(result)
    assert data["answers"] == {"cache": {"from": "redis", "to": "none"}}
    assert files(result)["cache.conf"]["kind"] == "deleted-upstream"
    assert "256mb" in (repo / "cache.conf").read_text()


def test_unedited_file_dropped_by_an_answer_change_is_deleted(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    result = update(repo, "--vcs-ref", "v1.0.0", "--data", "cache=none", "--json")
    assert result.exit_code == 0, result.output
    assert files(result)["cache.conf"]["status"] == "deleted"
    assert not (repo / "cache.conf").exists()


def test_template_change_to_a_locally_deleted_file_is_reported(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    git(repo, "rm", "-q", "GUIDE.md")
    commit_all(repo, "we do not need the guide")

    result = update(repo, "--vcs-ref", "v2.0.0")
    as_json = update(repo, "--vcs-ref", "v2.0.0", "--json", "--pretend")

    assert result.exit_code == 0, result.output
    assert "skipped   GUIDE.md (deleted-locally)" in result.output
    assert "that change is not applied" in result.output
    assert not (repo / "GUIDE.md").exists()
    entry = files(as_json)["GUIDE.md"] if as_json.exit_code == 0 else None
    assert entry is None or entry["kind"] == "deleted-locally"


def test_template_change_follows_a_locally_renamed_file(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    git(repo, "mv", "GUIDE.md", "docs-guide.md")
    commit_all(repo, "rename the guide")

    result = update(repo, "--vcs-ref", "v2.0.0", "--json")

    assert result.exit_code == 0, result.output
    entry = files(result)["docs-guide.md"]
    assert (entry["status"], entry["kind"]) == ("modified", "renamed-locally")
    assert "you renamed GUIDE.md to docs-guide.md" in entry["note"]
    assert "Step 3 (revised in v2) of" in (repo / "docs-guide.md").read_text()
    assert not (repo / "GUIDE.md").exists()


def test_required_question_of_the_new_version_is_answered_with_data(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc", ref="v2.0.0")

    missing = update(repo, "--vcs-ref", "v3.0.0")
    answered = update(repo, "--vcs-ref", "v3.0.0", "--data", "cost_center=platform-7")

    assert missing.exit_code == EXIT_USAGE
    assert "invalid answer for 'cost_center' (template v3.0.0)" in missing.output
    assert "pass --data cost_center=VALUE" in missing.output
    assert answered.exit_code == 0, answered.output
    assert yaml.safe_load((repo / ".copier-answers.yml").read_text())["cost_center"] == "platform-7"


def test_new_version_question_through_data_file(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc", ref="v2.0.0")
    answers = tmp_path / "answers.yml"
    answers.write_text("cost_center: finance-3\n")
    result = update(repo, "--vcs-ref", "v3.0.0", "--data-file", str(answers))
    assert result.exit_code == 0, result.output
    assert (repo / "COSTS.md").read_text() == "Billed to finance-3.\n"


def test_new_with_template_reads_that_versions_questions(tiny: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "new",
            str(tmp_path / "svc"),
            "--template",
            str(tiny),
            "--vcs-ref",
            "v3.0.0",
            "--defaults",
            "--data",
            "cost_center=x-1",
        ],
    )
    assert result.exit_code == 0, result.output
    unknown = runner.invoke(
        app,
        [
            "new",
            str(tmp_path / "other"),
            "--template",
            str(tiny),
            "--vcs-ref",
            "v1.0.0",
            "--defaults",
            "--data",
            "cost_center=x",
        ],
    )
    assert unknown.exit_code == EXIT_USAGE
    assert "invalid answer for 'cost_center' (template v1.0.0) from --data cost_center=" in unknown.output
    assert not (tmp_path / "other").exists()


def test_bad_answer_changes_nothing(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    before = snapshot(repo)
    result = update(repo, "--vcs-ref", "v2.0.0", "--data", "service_name=Not Valid")
    assert result.exit_code == EXIT_USAGE
    assert "invalid answer for 'service_name' (template v2.0.0) from --data service_name=" in result.output
    assert snapshot(repo) == before


def test_pretend_classifies_and_writes_nothing(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    commit_edit(repo, "NOTES.md", "Line 11 of", "Line 11 (mine) of")
    before = snapshot(repo)

    text = update(repo, "--vcs-ref", "v2.0.0", "--pretend")
    as_json = update(repo, "--vcs-ref", "v2.0.0", "--pretend", "--json")

    assert text.exit_code == 0, text.output
    assert "Would update" in text.output and "Nothing was written (--pretend)." in text.output
    assert "conflict  NOTES.md (inline, 1 hunk(s))" in text.output
    assert report(as_json)["status"] == "pretend"
    assert files(as_json)["CHANGES.md"]["status"] == "added"
    assert snapshot(repo) == before
    assert git(repo, "status", "--porcelain") == ""


def test_up_to_date_changes_nothing(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc", ref="v2.0.0")
    before = snapshot(repo)
    result = update(repo, "--vcs-ref", "v2.0.0", "--json")
    assert result.exit_code == 0, result.output
    assert report(result)["status"] == "up-to-date"
    assert snapshot(repo) == before


def test_runs_from_a_subdirectory_of_the_repository(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = generate(tiny, tmp_path / "svc")
    (repo / "service").mkdir()
    (repo / "service" / "main.py").write_text("print('hi')\n")
    commit_all(repo, "a service")
    monkeypatch.chdir(repo / "service")
    result = runner.invoke(app, ["update", "--vcs-ref", "v2.0.0", "--json"])
    assert result.exit_code == 0, result.output
    assert report(result)["path"] == str(repo)
    assert (repo / "CHANGES.md").is_file()


def test_template_option_overrides_the_source_for_one_run(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    mirror = tmp_path / "mirror"
    git(tmp_path, "clone", "-q", "--mirror", str(tiny), str(mirror))
    answers = repo / ".copier-answers.yml"
    recorded = yaml.safe_load(answers.read_text())["_src_path"]

    result = update(repo, "--vcs-ref", "v2.0.0", "--template", str(mirror), "--json")

    assert result.exit_code == 0, result.output
    assert report(result)["source"] == str(mirror)
    assert yaml.safe_load(answers.read_text())["_src_path"] == recorded, "the recorded source stays"


def test_template_url_environment_variable_is_honoured_by_update(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = generate(tiny, tmp_path / "svc")
    answers = repo / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(str(tiny), "https://git.invalid/nowhere.git"))
    commit_all(repo, "source moved")
    monkeypatch.setenv("SVCFORGE_TEMPLATE_URL", str(tiny))
    result = update(repo, "--vcs-ref", "v2.0.0", "--json")
    assert result.exit_code == 0, result.output
    assert report(result)["source"] == str(tiny)


# --- refused before anything is touched, one exit code per cause ----------------------------


def test_not_a_git_repository(tmp_path: Path) -> None:
    result = update(tmp_path, "--json")
    assert result.exit_code == EXIT_NOT_UPDATABLE
    data = report(result)
    assert data == {"status": "error", "error": data["error"], "exit_code": EXIT_NOT_UPDATABLE}
    assert "is not in a git repository" in data["error"]
    assert "Traceback" not in result.output


def test_no_answers_file(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    result = update(tmp_path)
    assert result.exit_code == EXIT_NOT_UPDATABLE
    assert "no .copier-answers.yml" in result.output


def test_uncommitted_changes_are_refused(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    (repo / "NOTES.md").write_text("work in progress\n")
    (repo / "scratch.txt").write_text("untracked\n")
    result = update(repo, "--vcs-ref", "v2.0.0")
    assert result.exit_code == EXIT_NOT_UPDATABLE
    assert "uncommitted changes (NOTES.md, scratch.txt)" in result.output
    assert (repo / "NOTES.md").read_text() == "work in progress\n"


def test_unknown_version(tiny: Path, tmp_path: Path) -> None:
    repo = generate(tiny, tmp_path / "svc")
    result = update(repo, "--vcs-ref", "v9.9.9", "--json")
    assert result.exit_code == EXIT_SOURCE
    data = report(result)
    assert f"{tiny} has no version v9.9.9" in data["error"]
    assert "pass --vcs-ref with one it has (v1.0.0, v2.0.0, v3.0.0)" in data["error"]


def test_unreachable_source_names_it_and_the_fix(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCFORGE_CACHE_DIR", str(tmp_path / "cache"))
    repo = generate(tiny, tmp_path / "svc")
    result = update(repo, "--template", "git://127.0.0.1:9/nothing-listens-here.git", "--json")
    assert result.exit_code == EXIT_SOURCE
    error = report(result)["error"]
    assert "cannot reach the template source git://127.0.0.1:9/nothing-listens-here.git" in error
    assert "pass --template with a reachable clone or mirror" in error


def test_version_missing_from_the_installed_history(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / ".copier-answers.yml").write_text(
        "_commit: v0.0.1\n_src_path: https://github.com/svcforge/svcforge.git\nservice_name: x\n"
    )
    commit_all(tmp_path, "answers")
    result = update(tmp_path)
    assert result.exit_code == EXIT_SOURCE
    assert "v0.0.1 is not a version svcforge" in result.output
    assert "and cannot reach the template source https://github.com/svcforge/svcforge.git" in result.output
    assert "install the svcforge release that has it" in result.output


# --- atomic: the work tree changes completely or not at all --------------------------------


def _interrupt_self() -> None:
    os.kill(os.getpid(), signal.SIGINT)


@pytest.fixture
def ctrl_c() -> Iterator[None]:
    """Python's own SIGINT handler for the test: a process started in the background by a
    non-interactive shell inherits SIGINT ignored, and Python then never raises KeyboardInterrupt."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("ctrl_c")
def test_interrupt_while_rendering_changes_nothing(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from svcforge import generate as generate_module

    repo = generate(tiny, tmp_path / "svc")
    before = snapshot(repo)
    parent = os.getpid()
    real = generate_module.render_tree

    def render_then_interrupt(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        if os.getpid() == parent:
            _interrupt_self()

    monkeypatch.setattr(generate_module, "render_tree", render_then_interrupt)
    result = update(repo, "--vcs-ref", "v2.0.0")
    assert result.exit_code == 130
    assert "nothing changed" in result.output
    assert snapshot(repo) == before


@pytest.mark.usefixtures("ctrl_c")
@pytest.mark.parametrize("after_writes", [1, 3])
def test_interrupt_while_writing_rolls_everything_back(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after_writes: int
) -> None:
    repo = generate(tiny, tmp_path / "svc")
    commit_edit(repo, "NOTES.md", "Line 2 of", "Line 2 (mine) of")
    before = snapshot(repo)
    real = updater._write
    calls = {"n": 0}

    def write_then_interrupt(target: Path, content: Any) -> None:
        real(target, content)
        calls["n"] += 1
        if calls["n"] == after_writes:
            _interrupt_self()

    monkeypatch.setattr(updater, "_write", write_then_interrupt)
    result = update(repo, "--vcs-ref", "v2.0.0")
    assert result.exit_code == 130, result.output
    assert "the update was rolled back; nothing changed" in result.output
    assert snapshot(repo) == before
    assert git(repo, "status", "--porcelain") == ""


def test_failure_while_writing_rolls_everything_back(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = generate(tiny, tmp_path / "svc")
    before = snapshot(repo)
    real = updater._write
    calls = {"n": 0}

    def write_then_fail(target: Path, content: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device")
        real(target, content)

    monkeypatch.setattr(updater, "_write", write_then_fail)
    result = update(repo, "--vcs-ref", "v2.0.0")
    assert result.exit_code == 1
    assert "No space left on device" in result.output and "every file was restored" in result.output
    assert snapshot(repo) == before


def test_interrupt_after_writing_says_the_update_is_applied(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from svcforge import cli

    repo = generate(tiny, tmp_path / "svc")

    def interrupted_report(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_report_update", interrupted_report)
    result = update(repo, "--vcs-ref", "v2.0.0")
    assert result.exit_code == 130
    assert "interrupted after the update was applied" in result.output
    assert (repo / "CHANGES.md").is_file() and not (repo / "DROPPED.md").exists()
    assert yaml.safe_load((repo / ".copier-answers.yml").read_text())["_commit"] == "v2.0.0"


def test_wizard_asks_what_the_new_version_adds(tiny: Path, tmp_path: Path) -> None:
    """On a terminal (without --defaults) the questions no answer covers are asked."""
    repo = generate(tiny, tmp_path / "svc", ref="v2.0.0")
    asked: list[str] = []

    def ask(questions: list[Any], prefilled: dict[str, Any]) -> dict[str, Any]:
        from svcforge.wizard import run_wizard

        class Scripted:
            def section(self, title: str) -> None: ...
            def show(self, text: str) -> None: ...
            def confirm(self, message: str, default: bool = True) -> bool:
                return True

            def ask(self, question: Any, default: Any, validate: Any) -> Any:
                asked.append(question.name)
                return "ops-9"

        return run_wizard(Scripted(), prefilled, questions=questions)

    request = updater.UpdateRequest(start=repo, vcs_ref="v3.0.0", ask=ask)
    result = updater.update(request)
    assert asked == ["cost_center"], "only the new question is asked"
    assert not result.conflicts
    assert (repo / "COSTS.md").read_text() == "Billed to ops-9.\n"


# --- identity: renames and moves of live resources are refused --------------------------------


@pytest.fixture(scope="module")
def real_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's template, tagged v1.0.0, and v2.0.0 with one changed line in the runbook."""
    return template_v1_v2(tmp_path_factory.mktemp("real") / "template", "<!-- reviewed for template v2 -->")


@pytest.fixture(scope="module")
def real_repo(real_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A terraform-only render of the real template at v1.0.0 (copied by each test)."""
    dst = tmp_path_factory.mktemp("real-render") / "svc"
    generate(real_template, dst, real=True)
    return dst


@pytest.fixture
def real_copy(real_repo: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "svc"
    shutil.copytree(real_repo, copy, symlinks=True)
    return copy


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (["service_name=payments"], "names.cluster: payments-api-prod -> payments-prod"),
        (
            ["service_name=payments"],
            "environments.prod.terraform_state: s3 key payments-api-prod/terraform.tfstate"
            " -> s3 key payments-prod/terraform.tfstate",
        ),
        (["service_name=payments"], "environments.prod.database: payments_api -> payments"),
        (["aws_region=us-west-2"], "environments.prod.region: eu-west-1 -> us-west-2"),
        (["aws_account_id_prod=333333333333"], "environments.prod.account: 222222222222 -> 333333333333"),
        (["environments=[prod]"], "environment staging would be removed"),
    ],
)
def test_identity_change_is_refused_naming_what_would_change(
    real_copy: Path, data: list[str], expected: str
) -> None:
    before = snapshot(real_copy)
    args = [arg for item in data for arg in ("--data", item)]
    result = update(real_copy, "--vcs-ref", "v2.0.0", *args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert "would rename or move live resources" in result.output
    assert expected in result.output
    assert "--allow-identity-change" in result.output
    assert snapshot(real_copy) == before


def test_cloud_change_is_refused(real_copy: Path) -> None:
    result = update(
        real_copy, "--vcs-ref", "v2.0.0", "--data", "cloud=gcp", "--data", "cpu=1024", "--data", "memory=2048"
    )
    assert result.exit_code == EXIT_USAGE, result.output
    assert "cloud: aws -> gcp" in result.output


def test_identity_change_goes_through_when_asked_for(real_copy: Path) -> None:
    result = update(
        real_copy,
        "--vcs-ref",
        "v2.0.0",
        "--data",
        "service_name=payments",
        "--allow-identity-change",
        "--json",
    )
    assert result.exit_code == 0, result.output
    backend = (real_copy / "terraform" / "environments" / "prod" / "backend.tf").read_text()
    assert 'key          = "payments-prod/terraform.tfstate"' in backend


def test_filling_in_an_account_id_is_not_an_identity_change(real_template: Path, tmp_path: Path) -> None:
    repo = generate(real_template, tmp_path / "svc", "--data", "aws_account_id_prod=", real=True)
    result = update(repo, "--vcs-ref", "v2.0.0", "--data", "aws_account_id_prod=444444444444", "--json")
    assert result.exit_code == 0, result.output
    assert report(result)["answers"]["aws_account_id_prod"] == {"from": "", "to": "444444444444"}


def test_real_template_update_applies_the_change_and_keeps_an_edit(real_copy: Path) -> None:
    commit_edit(real_copy, "README.md", "payments-api", "payments-api (owned by the payments team)")
    result = update(real_copy, "--vcs-ref", "v2.0.0", "--json")
    assert result.exit_code == 0, result.output
    assert set(report(result)["changed"]) == {".copier-answers.yml", "catalog-info.yaml", "docs/runbook.md"}
    assert "reviewed for template v2" in (real_copy / "docs" / "runbook.md").read_text()
    assert "owned by the payments team" in (real_copy / "README.md").read_text()


# --- the first release (one copier.yml) updates to this checkout (copier/ parts) -------------


def test_a_render_of_the_first_release_updates_to_this_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """v0.1.0 held every question in copier.yml; this checkout includes them from copier/. Both
    versions' questions load (the old one from the checkout's history), and the update applies."""
    first_version, first_commit = next(iter(read_releases(ROOT).items()))
    assert "copier.yml" in git(ROOT, "ls-tree", "--name-only", first_commit).split()
    assert "copier" not in git(ROOT, "ls-tree", "--name-only", first_commit).split()
    monkeypatch.setenv("SVCFORGE_CACHE_DIR", str(tmp_path / "cache"))
    old_answers = tmp_path / "answers.yml"
    old_answers.write_text(git(ROOT, "show", f"{first_commit}:example-answers.yml"))
    repo = tmp_path / "svc"
    args = ["new", str(repo), "--vcs-ref", f"v{first_version}", "--data-file", str(old_answers), "--defaults"]
    created = runner.invoke(app, args)
    assert created.exit_code == 0, created.output
    init_generated(repo)

    result = update(repo, "--json")

    assert result.exit_code == 0, result.output
    data = report(result)
    assert data["from"] == f"v{first_version}" and data["to"] != data["from"]
    assert data["conflicts"] == []
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert answers["_commit"] == data["to"]
    assert "lifecycle" in answers  # a question v0.1.0 did not ask, answered by its default
