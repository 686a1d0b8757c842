"""Fleets: `svcforge status` over many repositories, and `svcforge update` of many at once.

Repositories are rendered from the tiny versioned template (tests/support/tinytemplate.py) at
v1.0.0, with v2.0.0 the newer release; one test uses a copy of the real template.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from svcforge.cli import app
from svcforge.errors import EXIT_BEHIND_OR_DRIFTED, EXIT_CONFLICTS, EXIT_NOT_UPDATABLE
from tests.support import tinytemplate
from tests.support.gitrepo import commit_all, generate, git, init_generated
from tests.support.render import ROOT

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny template with only its v1.0.0 and v2.0.0 releases (v3 needs an answer)."""
    root = tinytemplate.build(tmp_path_factory.mktemp("tiny") / "template")
    git(root, "tag", "-d", "v3.0.0")
    return root


@pytest.fixture(scope="module")
def rendered(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three repositories at v1.0.0 with different names (each test works on copies)."""
    base = tmp_path_factory.mktemp("fleet")
    repos = {}
    for name in ("orders", "billing", "search"):
        dst = generate(tiny, base / name, "--data", f"service_name={name}")
        repos[name] = dst
    return repos


@pytest.fixture
def fleet(rendered: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    copies = {}
    for name, path in rendered.items():
        copies[name] = tmp_path / name
        shutil.copytree(path, copies[name], symlinks=True)
    return copies


def tree(repo: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(repo)): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }


def status_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["status", "--json", *args])
    return result.exit_code, json.loads(result.stdout)


def test_status_reports_each_repo_behind_and_drift_only_where_edited(
    fleet: dict[str, Path], tiny: Path
) -> None:
    orders = fleet["orders"]
    (orders / "NOTES.md").write_text(
        (orders / "NOTES.md").read_text().replace("Line 4 of", "Line 4 (ours) of")
    )
    git(orders, "rm", "-q", "GUIDE.md")
    (orders / "app.py").write_text("print('our own code')\n")
    commit_all(orders, "local work")

    code, data = status_json(*map(str, fleet.values()), "--jobs", "2")

    assert code == 0, "without --check, behind and drift are reported, not failed"
    rows = {Path(row["path"]).name: row for row in data["repos"]}
    for name, row in rows.items():
        assert (row["version"], row["newest"], row["newest_from"]) == ("v1.0.0", "v2.0.0", "source"), name
        assert row["behind"] is True and row["source"] == str(tiny)
    assert rows["orders"]["modified"] == ["NOTES.md"]
    assert rows["orders"]["deleted"] == ["GUIDE.md"]
    assert rows["orders"]["extra"] == ["app.py"]
    assert rows["orders"]["drifted"] is True
    for name in ("billing", "search"):
        assert (rows[name]["modified"], rows[name]["deleted"], rows[name]["extra"]) == ([], [], []), name
        assert rows[name]["drifted"] is False


def test_status_check_exit_codes(fleet: dict[str, Path]) -> None:
    behind = runner.invoke(app, ["status", "--check", str(fleet["billing"])])
    assert behind.exit_code == EXIT_BEHIND_OR_DRIFTED, behind.output

    assert runner.invoke(app, ["update", str(fleet["billing"]), "--vcs-ref", "v2.0.0"]).exit_code == 0
    commit_all(fleet["billing"], "template v2.0.0")
    current = runner.invoke(app, ["status", "--check", str(fleet["billing"])])
    assert current.exit_code == 0, current.output
    assert "current" in current.output

    notes = fleet["billing"] / "NOTES.md"
    notes.write_text(notes.read_text() + "Our own line.\n")
    commit_all(fleet["billing"], "edit")
    drifted = runner.invoke(app, ["status", "--check", str(fleet["billing"])])
    assert drifted.exit_code == EXIT_BEHIND_OR_DRIFTED
    assert "current, drifted" in drifted.output and "modified  NOTES.md" in drifted.output


def test_status_table_and_unreadable_repo_in_its_row(fleet: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "not-generated"
    broken.mkdir()
    git(broken, "init", "-q")
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# the fleet\n{fleet['orders']}\n\nnot-generated\n{fleet['search']}\n")

    result = runner.invoke(app, ["status", "--repos", str(listing)])

    assert result.exit_code == EXIT_NOT_UPDATABLE
    lines = result.output.splitlines()
    assert lines[0].split() == ["REPOSITORY", "VERSION", "NEWEST", "STATE", "DRIFT"]
    assert any(str(fleet["orders"]) in line and "behind" in line for line in lines)
    assert any(str(fleet["search"]) in line and "behind" in line for line in lines)
    assert any(
        "not-generated" in line and "error" in line and "no .copier-answers.yml" in line for line in lines
    )


def test_status_of_svcforges_own_source_reads_the_bundled_history_when_offline(tmp_path: Path) -> None:
    from svcforge.template import installation

    repo = tmp_path / "svc"
    result = runner.invoke(
        app,
        [
            "new",
            str(repo),
            "--data-file",
            str(ROOT / "example-answers.yml"),
            "--defaults",
            "--data",
            "iac=terraform",
        ],
    )
    assert result.exit_code == 0, result.output
    init_generated(repo)

    _, data = status_json(str(repo))

    [row] = data["repos"]
    assert row["source"] == "https://github.com/svcforge/svcforge.git"
    assert row["newest_from"] == "bundled history", "github.com is not reachable from this machine"
    releases = installation().releases
    assert row["newest"] == f"v{list(releases)[-1]}"
    assert (row["modified"], row["deleted"]) == ([], [])


def test_update_of_many_in_parallel_equals_one_by_one(
    fleet: dict[str, Path], rendered: dict[str, Path], tmp_path: Path
) -> None:
    one_by_one = {}
    for name, path in rendered.items():
        copy = tmp_path / "single" / name
        shutil.copytree(path, copy, symlinks=True)
        assert runner.invoke(app, ["update", str(copy), "--vcs-ref", "v2.0.0"]).exit_code == 0
        one_by_one[name] = tree(copy)

    result = runner.invoke(
        app, ["update", *map(str, fleet.values()), "--vcs-ref", "v2.0.0", "--jobs", "2", "--json"]
    )

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["status"] for r in data["repos"]] == ["updated"] * 3
    for name, path in fleet.items():
        assert tree(path) == one_by_one[name], name


def test_a_broken_repo_is_reported_and_the_others_are_updated(fleet: dict[str, Path], tmp_path: Path) -> None:
    (fleet["search"] / "NOTES.md").write_text("uncommitted\n")
    notes = fleet["orders"] / "NOTES.md"
    notes.write_text(notes.read_text().replace("Line 11 of", "Line 11 (ours) of"))
    commit_all(fleet["orders"], "conflicting edit")
    listing = tmp_path / "repos.txt"
    listing.write_text("\n".join(str(p) for p in fleet.values()) + f"\n{tmp_path / 'missing'}\n")

    result = runner.invoke(app, ["update", "--repos", str(listing), "--vcs-ref", "v2.0.0"])

    assert result.exit_code == EXIT_NOT_UPDATABLE, "the worst code: uncommitted changes (4) > conflicts (3)"
    assert f"{fleet['search']}: error: {fleet['search']} has uncommitted changes" in result.output
    assert f"{tmp_path / 'missing'}: error:" in result.output and "does not exist" in result.output
    assert "4 repositories: 1 conflicts, 2 error, 1 updated" in result.output
    assert (fleet["billing"] / "CHANGES.md").is_file()
    assert (fleet["orders"] / "CHANGES.md").is_file()
    assert not (fleet["search"] / "CHANGES.md").exists()


def test_branch_commits_the_update_with_versions_and_conflicts_in_the_message(fleet: dict[str, Path]) -> None:
    orders, billing = fleet["orders"], fleet["billing"]
    notes = orders / "NOTES.md"
    notes.write_text(notes.read_text().replace("Line 11 of", "Line 11 (ours) of"))
    commit_all(orders, "conflicting edit")
    heads = {name: git(path, "rev-parse", "HEAD").strip() for name, path in fleet.items()}

    result = runner.invoke(
        app, ["update", str(orders), str(billing), "--vcs-ref", "v2.0.0", "--branch", "template/v2", "--json"]
    )

    assert result.exit_code == EXIT_CONFLICTS, result.output
    reports = {Path(r["path"]).name: r for r in json.loads(result.stdout)["repos"]}
    for name in ("orders", "billing"):
        repo = fleet[name]
        assert git(repo, "branch", "--show-current").strip() == "template/v2"
        assert git(repo, "rev-parse", "HEAD~1").strip() == heads[name]
        assert git(repo, "status", "--porcelain") == ""
        assert reports[name]["branch"] == "template/v2"
        assert reports[name]["commit"] == git(repo, "rev-parse", "HEAD").strip()
        message = git(repo, "log", "-1", "--format=%B")
        assert message.startswith("Update the svcforge template: v1.0.0 -> v2.0.0")
        assert "- added CHANGES.md" in message
    orders_message = git(orders, "log", "-1", "--format=%B")
    assert "Conflicts to resolve before merging" in orders_message and "- NOTES.md (inline)" in orders_message
    assert "<<<<<<< local changes" in git(orders, "show", "HEAD:NOTES.md")
    assert "Conflicts" not in git(billing, "log", "-1", "--format=%B")


def test_branch_that_exists_is_refused_and_nothing_changes(fleet: dict[str, Path]) -> None:
    repo = fleet["orders"]
    git(repo, "branch", "template/v2")
    result = runner.invoke(app, ["update", str(repo), "--vcs-ref", "v2.0.0", "--branch", "template/v2"])
    assert result.exit_code == EXIT_NOT_UPDATABLE
    assert "branch template/v2 already exists" in result.output
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert git(repo, "status", "--porcelain") == ""
    assert yaml.safe_load((repo / ".copier-answers.yml").read_text())["_commit"] == "v1.0.0"
