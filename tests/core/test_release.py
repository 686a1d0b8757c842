"""Releases: a tag makes a version, the wheel carries every release, and a repository rendered
from an installed wheel updates to the next installed wheel with no network.

A scratch copy of this checkout gets two releases: v1.0.0, then v1.1.0, which changes one line
of the runbook template. Real wheels are built from it with uv and installed (not editable)
into a fresh venv, as a user would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from svcforge.releases import release_commits
from tests.support.gitrepo import commit_all, git
from tests.support.render import ROOT
from tests.support.tools import IN_CI, tool

pytestmark = pytest.mark.slow

RUNBOOK = "template/docs/runbook.md.jinja"
CHANGE = "\n<!-- Reviewed for svcforge 1.1.0. -->\n"
DEFAULT_SOURCE = "https://github.com/svcforge/svcforge.git"


def _uv() -> str:
    return os.environ.get("SVCFORGE_UV") or tool("uv")


def _run(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=600
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's files in a new git repository with releases v1.0.0 and v1.1.0.

    releases.toml lists both in a third commit, as the release steps in docs/development.md do.
    """
    root = tmp_path_factory.mktemp("project") / "svcforge"
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    for rel in filter(None, listed.split("\0")):
        source = ROOT / rel
        if source.is_file():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / rel)
    (root / "releases.toml").write_text("[releases]\n")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "svcforge 1.0.0")
    git(root, "tag", "v1.0.0")
    runbook = root / RUNBOOK
    runbook.write_text(runbook.read_text() + CHANGE)
    commit_all(root, "svcforge 1.1.0: runbook note")
    git(root, "tag", "v1.1.0")
    commits = {v: git(root, "rev-parse", f"v{v}^{{commit}}").strip() for v in ("1.0.0", "1.1.0")}
    (root / "releases.toml").write_text(
        "[releases]\n" + "".join(f'"{v}" = "{c}"\n' for v, c in commits.items())
    )
    commit_all(root, "Release 1.1.0: list it in releases.toml")
    return root


def _build(checkout: Path, out: Path, *, wheel_only: bool = True) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    _run([_uv(), "build", "-q", *(["--wheel"] if wheel_only else []), "-o", str(out), str(checkout)])
    [wheel] = out.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheels(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Wheels built from checkouts of each tag."""
    built = {}
    for version in ("1.0.0", "1.1.0"):
        checkout = tmp_path_factory.mktemp(f"checkout-{version}") / "svcforge"
        git(project.parent, "clone", "-q", "--branch", f"v{version}", str(project), str(checkout))
        built[version] = _build(checkout, tmp_path_factory.mktemp(f"dist-{version}"))
    return built


def test_a_tagged_checkout_builds_that_version(wheels: dict[str, Path]) -> None:
    assert wheels["1.0.0"].name == "svcforge-1.0.0-py3-none-any.whl"
    assert wheels["1.1.0"].name == "svcforge-1.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheels["1.1.0"]) as archive:
        info = json.loads(archive.read("svcforge/_template/release.json"))
        assert "svcforge/_template/history.bundle" in archive.namelist()
    assert info["package"] == "1.1.0" and info["template"] == "v1.1.0"
    assert list(info["releases"]) == ["1.0.0", "1.1.0"]


def test_a_clone_without_tags_recreates_them_from_releases_toml(project: Path, tmp_path: Path) -> None:
    clone = tmp_path / "tagless"
    git(tmp_path, "clone", "-q", "--no-tags", str(project), str(clone))
    assert git(clone, "tag").strip() == ""

    # uv builds the sdist, then the wheel from the unpacked sdist (no git there).
    wheel = _build(clone, tmp_path / "dist", wheel_only=False)

    assert sorted(git(clone, "tag").split()) == ["v1.0.0", "v1.1.0"]
    assert release_commits(clone) == release_commits(project)
    assert wheel.name.startswith("svcforge-1.1.1.dev1+g") and wheel.name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        info = json.loads(archive.read("svcforge/_template/release.json"))
    # The commit after v1.1.0 only lists it in releases.toml: its template is v1.1.0's.
    assert info["template"] == "v1.1.0"


def test_a_moved_tag_fails_the_build(project: Path, tmp_path: Path) -> None:
    clone = tmp_path / "moved"
    git(tmp_path, "clone", "-q", str(project), str(clone))
    git(clone, "tag", "-f", "v1.0.0", "v1.1.0")
    result = subprocess.run(
        [_uv(), "build", "--wheel", "-o", str(tmp_path / "dist"), str(clone)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "tag v1.0.0 names" in result.stderr and "releases.toml says" in result.stderr


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("venv") / "venv"
    _run([_uv(), "venv", "-q", "--python", sys.executable, str(path)])
    return path


def _install(venv: Path, wheel: Path) -> None:
    constraints = ROOT / ".ci" / "locks" / "test.txt"
    _run(
        [
            _uv(),
            "pip",
            "install",
            "-q",
            "--python",
            str(venv / "bin" / "python"),
            "--reinstall-package",
            "svcforge",
            "-c",
            str(constraints),
            str(wheel),
        ]
    )


def _offline(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """Run with no network at all: a new network namespace has only a loopback that is down."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    return subprocess.run(
        ["unshare", "-n", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


def test_an_installed_wheel_updates_its_renders_with_no_network(
    wheels: dict[str, Path], venv: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"  # empty caches: the history comes from the wheel
    home.mkdir()
    svcforge = str(venv / "bin" / "svcforge")
    code = "import socket; socket.create_connection(('pypi.org', 443), 3)"
    probe = _offline([str(venv / "bin" / "python"), "-c", code], tmp_path, home)
    if "unshare failed" in probe.stderr:
        message = f"unshare -n is not allowed here (root and network namespaces needed): {probe.stderr}"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    assert probe.returncode != 0 and "socket" in probe.stderr, "unshare -n must leave no network"

    _install(venv, wheels["1.0.0"])
    site = Path(
        _run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import svcforge, os; print(os.path.dirname(svcforge.__file__))",
            ]
        ).strip()
    )
    assert list((site / "_template").rglob("*.pyc")), (
        "the installer byte-compiled the bundled template (the trap)"
    )
    new = _offline(
        [svcforge, "new", "svc", "--data-file", str(ROOT / "example-answers.yml"), "--defaults"],
        tmp_path,
        home,
    )
    assert new.returncode == 0, new.stderr
    repo = tmp_path / "svc"
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert (answers["_commit"], answers["_src_path"]) == ("v1.0.0", DEFAULT_SOURCE)
    assert not [p for p in repo.rglob("*") if p.suffix in (".pyc", ".pyo") or p.name == "__pycache__"]
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "Scaffold")
    readme = repo / "README.md"
    readme.write_text(readme.read_text() + "\nOwned by the payments team; see #payments-oncall.\n")
    commit_all(repo, "Local edit")

    _install(venv, wheels["1.1.0"])
    assert "svcforge 1.1.0 (template v1.1.0)" in _run([svcforge, "--version"])
    result = _offline([svcforge, "update", "--json"], repo, home)

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert (report["from"], report["to"], report["source"]) == ("v1.0.0", "v1.1.0", DEFAULT_SOURCE)
    assert set(report["changed"]) == {".copier-answers.yml", "catalog-info.yaml", "docs/runbook.md"}
    assert "Reviewed for svcforge 1.1.0." in (repo / "docs" / "runbook.md").read_text()
    assert "Owned by the payments team" in readme.read_text()
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert (answers["_commit"], answers["_src_path"]) == ("v1.1.0", DEFAULT_SOURCE)
    assert not [p for p in repo.rglob("*") if p.suffix in (".pyc", ".pyo") or p.name == "__pycache__"]


def test_a_checkout_without_tags_still_serves_its_releases(project: Path, tmp_path: Path) -> None:
    """An editable install in a tagless clone resolves the releases releases.toml lists."""
    from svcforge.sources import GitHistory

    clone = tmp_path / "tagless"
    git(tmp_path, "clone", "-q", "--no-tags", str(project), str(clone))
    known = {f"v{v}": c for v, c in release_commits(project).items()}
    history = GitHistory("checkout", clone, known=known)
    assert history.tags() == ["v1.0.0", "v1.1.0"]
    assert history.resolve("v1.0.0") == known["v1.0.0"]
    assert history.describe(known["v1.1.0"]) == "v1.1.0"
    exported = history.export(known["v1.1.0"])
    assert CHANGE in (exported / RUNBOOK).read_text()
