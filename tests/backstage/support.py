"""Run the Backstage packages of integrations/backstage (built once per session) on svcforge's output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.render import ROOT
from tests.support.tools import IN_CI, tool

INTEGRATION = ROOT / "integrations" / "backstage"
CHECK = INTEGRATION / "dist" / "test" / "tools" / "check.js"


def _need_install() -> None:
    if not (INTEGRATION / "node_modules" / "@backstage" / "catalog-model").is_dir():
        message = f"{INTEGRATION}/node_modules is missing; .ci/run installs it (npm ci)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def node(*args: str, cwd: Path = INTEGRATION, env: dict[str, str] | None = None, timeout: int = 300) -> str:
    """Run node with ``args`` in the integration; return its standard output (fail on an error)."""
    proc = subprocess.run(
        [tool("node"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 0, f"node {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@cache
def build() -> str:
    """Compile the integration (sources, tests and tools) with tsc; the compiler's output."""
    _need_install()
    shutil.rmtree(INTEGRATION / "dist", ignore_errors=True)  # no stale output of a removed source
    return node("node_modules/typescript/bin/tsc", "-p", "tsconfig.json")


def check(command: str, *args: Path | str) -> Any:
    """``check.js``'s verdicts (see integrations/backstage/test/tools/check.ts)."""
    build()
    return json.loads(node(str(CHECK), command, *map(str, args)))


def svcforge_bin() -> str:
    """The svcforge console script of the running interpreter's environment."""
    path = Path(sys.executable).with_name("svcforge")
    assert path.is_file(), f"{path} is missing: install svcforge (pip install -e .)"
    return str(path)
