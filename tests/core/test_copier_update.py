"""Plain Copier and Renovate's copier manager can update a generated repository too.

The template is served by `git daemon` on loopback, so `_src_path` is a real git URL with tags,
as Renovate requires. The exact command Renovate's copier manager runs
(lib/modules/manager/copier in renovatebot/renovate, without --trust) must succeed.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from svcforge.cli import app
from svcforge.questions import parse_config, read_config
from svcforge.releases import read_releases
from tests.support.gitrepo import commit_all, generate, git, init_generated, template_repo
from tests.support.render import ROOT

EXAMPLE = yaml.safe_load((ROOT / "example-answers.yml").read_text())
RENOVATE = ["update", "--skip-answered", "--defaults", "--answers-file", ".copier-answers.yml"]
COPIER = str(Path(sys.executable).parent / "copier")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """This checkout's template tagged v1.0.0 and v2.0.0, and its git:// URL on loopback."""
    base = tmp_path_factory.mktemp("served")
    repo = template_repo(base / "template.git-work")
    git(repo, "tag", "v1.0.0")
    runbook = repo / "template" / "docs" / "runbook.md.jinja"
    runbook.write_text(runbook.read_text() + "\n<!-- v2 of the runbook template -->\n")
    commit_all(repo, "v2")
    git(repo, "tag", "v2.0.0")
    git(base, "clone", "-q", "--bare", str(repo), str(base / "template.git"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    daemon = subprocess.Popen(
        [
            "git",
            "daemon",
            f"--base-path={base}",
            "--export-all",
            "--reuseaddr",
            "--listen=127.0.0.1",
            f"--port={port}",
            str(base),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"git://127.0.0.1:{port}/template.git"
    for _ in range(100):
        if subprocess.run(["git", "ls-remote", url], capture_output=True).returncode == 0:
            break
        time.sleep(0.05)
    try:
        yield repo, url
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def _copier(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COPIER, *args], cwd=repo, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600
    )


def _edit_readme(repo: Path) -> None:
    readme = repo / "README.md"
    readme.write_text(readme.read_text() + "\nLocal note kept across updates.\n")
    commit_all(repo, "local edit")


def _check_updated(repo: Path) -> None:
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v2.0.0"
    assert "v2 of the runbook template" in (repo / "docs" / "runbook.md").read_text()
    assert "Local note kept across updates." in (repo / "README.md").read_text()
    assert not [line for line in (repo / "README.md").read_text().splitlines() if line.startswith("<<<<<<< ")]


def test_renovates_command_updates_a_repo_rendered_by_svcforge(
    served: tuple[Path, str], tmp_path: Path
) -> None:
    _, url = served
    repo = generate(url, tmp_path / "svc", real=True)
    assert yaml.safe_load((repo / ".copier-answers.yml").read_text())["_src_path"] == url
    _edit_readme(repo)

    renovate = _copier(repo, *RENOVATE, "--vcs-ref", "v2.0.0")

    assert renovate.returncode == 0, renovate.stderr
    _check_updated(repo)


def test_plain_copier_update_to_the_newest_tag(served: tuple[Path, str], tmp_path: Path) -> None:
    _, url = served
    repo = generate(url, tmp_path / "svc", real=True)
    _edit_readme(repo)

    update = _copier(repo, "update", "--defaults")

    assert update.returncode == 0, update.stderr
    _check_updated(repo)


def test_a_plain_copier_render_updates_with_svcforge(served: tuple[Path, str], copie: Any) -> None:
    """Rendered as plain Copier does (pytest-copie), updated by svcforge over git://."""
    template, url = served
    rendered = copie.copy(
        extra_answers={**EXAMPLE, "iac": "terraform"}, template_dir=template, vcs_ref="v1.0.0"
    )
    assert rendered.exit_code == 0, rendered.exception
    repo: Path = rendered.project_dir
    answers_file = repo / ".copier-answers.yml"
    answers_file.write_text(answers_file.read_text().replace(str(template), url))
    init_generated(repo)
    _edit_readme(repo)

    result = CliRunner().invoke(app, ["update", str(repo), "--json"])

    assert result.exit_code == 0, result.output
    _check_updated(repo)
    shutil.rmtree(repo)


def test_template_stays_safe_for_bots() -> None:
    """No tasks, migrations or Jinja extensions: Renovate and `copier update` run it without --trust."""
    settings, _ = read_config(ROOT / "copier.yml")
    assert not {"tasks", "migrations", "jinja_extensions"} & set(settings)


def test_every_question_added_since_the_first_release_has_a_default() -> None:
    """Bots update with --defaults; a new question without a default stops them (copier#1475)."""
    first_version, first_commit = next(iter(read_releases(ROOT).items()))
    shown = subprocess.run(
        ["git", "show", f"{first_commit}:copier.yml"], cwd=ROOT, capture_output=True, text=True
    )
    assert shown.returncode == 0, f"the clone must hold v{first_version}'s commit: {shown.stderr}"
    _, before = parse_config(shown.stdout)
    _, now = read_config(ROOT / "copier.yml")
    known = {q.name for q in before}
    added = [q for q in now if q.name not in known and not q.computed]
    assert [q.name for q in added if not q.has_default] == []
