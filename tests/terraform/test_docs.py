"""The Terraform READMEs: one per module listing its inputs and outputs, and markdownlint-clean."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.tools import tool
from tests.terraform.conftest import parsed, terraform_dir


def test_module_readmes_list_every_input_and_output(variant_name: str) -> None:
    root = terraform_dir(variant_name)
    readme = (root / "README.md").read_text()
    assert "certificate_arn" in readme and "backend-config" in readme
    for path, module in parsed(variant_name)[1].items():
        if not path.startswith("modules/"):
            continue
        text = (root / path / "README.md").read_text()
        for name in [*module.variables, *module.outputs]:
            assert f"| `{name}` |" in text, f"{path}/README.md does not document {name}"


@pytest.mark.slow
def test_readmes_pass_markdownlint(variant_name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = terraform_dir(variant_name)
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
