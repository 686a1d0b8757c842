"""Build throwaway git repositories: a versioned template repo, and generated repos."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from svcforge.releases import TEMPLATE_PARTS
from tests.support.render import ROOT

GIT_ENV = {
    "GIT_AUTHOR_NAME": "svcforge tests",
    "GIT_AUTHOR_EMAIL": "tests@example.org",
    "GIT_COMMITTER_NAME": "svcforge tests",
    "GIT_COMMITTER_EMAIL": "tests@example.org",
}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return its standard output."""
    import os

    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env
    ).stdout


def commit_all(repo: Path, message: str) -> None:
    """Stage everything and commit."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def template_repo(dst: Path) -> Path:
    """A git repository holding this checkout's template, committed but not tagged."""
    dst.mkdir(parents=True)
    for part in TEMPLATE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, dst / part)
        else:
            shutil.copy2(source, dst / part)
    git(dst, "init", "-q", "-b", "main")
    commit_all(dst, "template")
    return dst


def init_generated(repo: Path) -> None:
    """Turn a freshly rendered directory into a git repository with one commit."""
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "Scaffold from svcforge")


def generate(template: Path | str, dst: Path, *extra: str, ref: str = "v1.0.0", real: bool = False) -> Path:
    """`svcforge new` from ``template`` at ``ref`` into ``dst``, then its first commit.

    ``real``: answer with the canonical answers (the real template's questions) and render the
    Terraform-only variant, the smallest full repository.
    """
    from typer.testing import CliRunner

    from svcforge.cli import app

    answers = ["--data-file", str(ROOT / "example-answers.yml"), "--data", "iac=terraform"] if real else []
    args = ["new", str(dst), "--template", str(template), "--vcs-ref", ref, "--defaults", *answers, *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    init_generated(dst)
    return dst


def template_v1_v2(dst: Path, runbook_line: str, *replacements: tuple[str, str, str]) -> Path:
    """:func:`template_repo` tagged v1.0.0, then v2.0.0 with ``runbook_line`` appended to the
    runbook template and each (template file, old text, new text) replacement made once."""
    repo = template_repo(dst)
    git(repo, "tag", "v1.0.0")
    runbook = repo / "template" / "docs" / "runbook.md.jinja"
    runbook.write_text(runbook.read_text() + f"\n{runbook_line}\n")
    for rel, old, new in replacements:
        path = repo / "template" / rel
        assert old in path.read_text(), (rel, old)
        path.write_text(path.read_text().replace(old, new, 1))
    commit_all(repo, "v2")
    git(repo, "tag", "v2.0.0")
    return repo
