"""The Terraform READMEs of every cloud: the top-level one says what the cloud's setup needs, one
per module lists its inputs and outputs, and all are markdownlint-clean."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.tools import tool
from tests.terraform.trees import CHECKED, TREES, ids


@pytest.mark.parametrize(("cloud", "name"), CHECKED, ids=ids(CHECKED))
def test_module_readmes_list_every_input_and_output(cloud: str, name: str) -> None:
    tree = TREES[cloud]
    root = tree.terraform_dir(name)
    readme = (root / "README.md").read_text()
    for needle in tree.readme_needles(name):
        assert needle in readme, needle
    for path, module in tree.parsed(name)[1].items():
        if not path.startswith("modules/"):
            continue
        text = (root / path / "README.md").read_text()
        for item in [*module.variables, *module.outputs]:
            assert f"| `{item}` |" in text, f"{path}/README.md does not document {item}"


@pytest.mark.slow
@pytest.mark.parametrize(("cloud", "name"), CHECKED, ids=ids(CHECKED))
def test_readmes_pass_markdownlint(cloud: str, name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = TREES[cloud].terraform_dir(name)
    config = tmp_path_factory.mktemp("mdl") / ".markdownlint-cli2.jsonc"
    config.write_text(json.dumps({"config": {"default": True, "MD013": False}}))
    result = subprocess.run(
        [tool("markdownlint-cli2"), "--config", str(config), f"{root}/**/*.md"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
