"""Plain Copier and `svcforge new` give the same repository for the same answers."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from svcforge.cli import app
from tests.support.gitrepo import git, template_repo
from tests.support.render import ROOT

EXAMPLE = str(ROOT / "example-answers.yml")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# Files that record the template version: svcforge records the version it rendered, `copier copy`
# of a plain directory knows none. catalog-info.yaml differs in that annotation only.
VERSIONED = [".copier-answers.yml", "catalog-info.yaml"]


def _without_version(catalog_info: bytes) -> list[bytes]:
    return [line for line in catalog_info.splitlines() if b"backstage.io/template-version:" not in line]


def _copier(*args: str) -> None:
    copier_bin = Path(sys.executable).with_name("copier")
    subprocess.run(
        [str(copier_bin), *args],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


@pytest.fixture(scope="module")
def tagged_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = template_repo(tmp_path_factory.mktemp("tpl") / "template")
    git(repo, "tag", "v1.0.0")
    return repo


def test_copier_copy_of_git_template_equals_svcforge_new(tagged_template: Path, tmp_path: Path) -> None:
    plain, ours = tmp_path / "plain", tmp_path / "ours"
    _copier(
        "copy",
        "--defaults",
        "--data-file",
        EXAMPLE,
        "--vcs-ref",
        "v1.0.0",
        str(tagged_template),
        str(plain),
    )
    result = CliRunner().invoke(
        app,
        [
            "new",
            str(ours),
            "--template",
            str(tagged_template),
            "--vcs-ref",
            "v1.0.0",
            "--data-file",
            EXAMPLE,
            "--defaults",
        ],
    )
    assert result.exit_code == 0, result.output
    assert _tree(plain) == _tree(ours)


def test_bundled_template_equals_copier_copy_of_a_directory(tmp_path: Path) -> None:
    """Bundled render vs `copier copy <dir>`: only the recorded template source differs."""
    from svcforge.template import render_source

    plain, ours = tmp_path / "plain", tmp_path / "ours"
    _copier("copy", "--defaults", "--data-file", EXAMPLE, str(render_source()), str(plain))
    result = CliRunner().invoke(app, ["new", str(ours), "--data-file", EXAMPLE, "--defaults"])
    assert result.exit_code == 0, result.output
    a, b = _tree(plain), _tree(ours)
    assert a.keys() == b.keys()
    differing = [rel for rel in a if a[rel] != b[rel]]
    assert differing == VERSIONED
    assert _without_version(a["catalog-info.yaml"]) == _without_version(b["catalog-info.yaml"])
    plain_answers = yaml.safe_load(a[".copier-answers.yml"])
    our_answers = yaml.safe_load(b[".copier-answers.yml"])
    for meta in ("_src_path", "_commit"):
        plain_answers.pop(meta, None)
        our_answers.pop(meta)
    assert plain_answers == our_answers
    assert not filecmp.dircmp(plain, ours).left_only


@pytest.mark.parametrize("cloud", ["gcp", "azure"])
def test_other_clouds_render_the_same_through_plain_copier(tmp_path: Path, cloud: str) -> None:
    """gcp and azure answers: `copier copy <dir>` and `svcforge new` agree file for file."""
    from svcforge.template import render_source
    from tests.support.render import CLOUD_OVERRIDES

    data = [item for key, value in CLOUD_OVERRIDES[cloud].items() for item in ("--data", f"{key}={value}")]
    plain, ours = tmp_path / "plain", tmp_path / "ours"
    _copier("copy", "--defaults", "--data-file", EXAMPLE, *data, str(render_source()), str(plain))
    result = CliRunner().invoke(app, ["new", str(ours), "--data-file", EXAMPLE, *data, "--defaults"])
    assert result.exit_code == 0, result.output
    a, b = _tree(plain), _tree(ours)
    assert a.keys() == b.keys()
    assert [rel for rel in a if a[rel] != b[rel]] == VERSIONED
    assert _without_version(a["catalog-info.yaml"]) == _without_version(b["catalog-info.yaml"])
    answers = yaml.safe_load(b[".copier-answers.yml"])
    assert answers["cloud"] == cloud
    # Questions of other clouds are not asked, so they are not recorded either.
    assert not {key for key in answers if key.startswith(("aws_", "certificate_arn", "vpc_mode"))}
    assert (ours / "terraform").is_dir() and not (ours / "cdk").exists()
