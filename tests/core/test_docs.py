"""svcforge's own documentation builds strictly, with the question reference from copier.yml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from svcforge.questions import load
from tests.support.render import ROOT


def test_mkdocs_builds_strict_with_every_question(tmp_path: Path) -> None:
    site = tmp_path / "site"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-q",
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(site),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    reference = (site / "reference" / "questions" / "index.html").read_text()
    for question in load():
        if not question.computed:
            assert f"<code>{question.name}</code>" in reference, question.name


def test_readme_names_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "sudo bash .ci/run" in readme or "bash .ci/run" in readme
    assert "svcforge new" in readme and "--defaults" in readme
    assert "-m pytest" in ci
