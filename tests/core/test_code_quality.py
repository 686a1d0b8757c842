"""svcforge's own code is ruff-clean (lint and format) and passes mypy --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.render import ROOT

BIN = Path(sys.executable).parent
PATHS = ["src", "tests", "benchmarks", "docs/hooks", "scripts"]


@pytest.mark.parametrize(
    "command",
    [
        [str(BIN / "ruff"), "check", *PATHS],
        [str(BIN / "ruff"), "format", "--check", *PATHS],
        [str(BIN / "mypy")],
        [str(BIN / "mypy"), "--strict", "--explicit-package-bases", "scripts/lockfiles", "scripts/relock"],
    ],
    ids=["ruff-check", "ruff-format", "mypy", "mypy-scripts"],
)
def test_clean(command: list[str]) -> None:
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
