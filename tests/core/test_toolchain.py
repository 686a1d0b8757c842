"""The toolchain check that runs before the suite: it catches a drifted tool, a stale lock and
two packages that install the same files (what made CI depend on install order)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import toolchain
from tests.support.toolchain import Toolchain, check_tool, node_clashes, venv_clashes, version_matches


def _dist(site: Path, name: str, version: str, files: list[str]) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "RECORD").write_text("".join(f"{f},sha256=x,1\n" for f in [*files, f"{info.name}/RECORD"]))


def test_two_distributions_installing_one_package_are_a_clash(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    _dist(site, "detect_secrets", "1.5.0", ["detect_secrets/__init__.py", "../../../bin/detect-secrets"])
    _dist(site, "bc_detect_secrets", "1.5.52", ["detect_secrets/__init__.py", "../../../bin/detect-secrets"])
    _dist(site, "checkov", "3.3.30", ["checkov/__init__.py", "../../../bin/checkov"])

    [clash] = venv_clashes(tmp_path)

    assert clash.owners == ("bc-detect-secrets", "detect-secrets")
    assert clash.names == ("bin/detect-secrets", "detect_secrets")
    assert (
        str(clash) == "bc-detect-secrets and detect-secrets both install bin/detect-secrets, detect_secrets"
    )


def test_npm_packages_declaring_one_bin_are_a_clash(tmp_path: Path) -> None:
    for name, bins in (("a-lint", {"lint": "a.js"}), ("@scope/b-lint", {"lint": "b.js"}), ("c", "c.js")):
        package = tmp_path / name
        package.mkdir(parents=True)
        (package / "package.json").write_text(json.dumps({"name": name, "bin": bins}))
    [clash] = node_clashes(tmp_path)
    assert clash.owners == ("@scope/b-lint", "a-lint") and clash.names == (".bin/lint",)


@pytest.mark.parametrize(
    ("expect", "reported", "ok"),
    [
        ("3.3.30", ["3.3.30"], True),
        ("3.3.30", ["3.3.31"], False),
        ("1.95.", ["1.95.0"], True),
        ("1.95.", ["1.96.0"], False),
        ("0.6.22 0.15.3", ["0.6.22", "0.15.3"], True),
        ("0.6.22 0.15.3", ["0.6.22"], False),
    ],
)
def test_version_matching(expect: str, reported: list[str], ok: bool) -> None:
    assert version_matches(expect, reported) is ok


def test_a_drifted_tool_is_named_with_both_versions(tmp_path: Path) -> None:
    venv = tmp_path / "lint" / "bin"
    venv.mkdir(parents=True)
    fake = venv / "detect-secrets"
    fake.write_text("#!/bin/sh\necho 1.5.52\n")
    fake.chmod(0o755)
    problem = check_tool(
        Toolchain(tmp_path, required=True),
        {"tool": "detect-secrets", "venv": "lint", "args": ["--version"], "expect": "1.5.0"},
    )
    assert problem == "detect-secrets --version in the lint venv: pinned 1.5.0, found 1.5.52"


def test_a_missing_tool_fails_in_ci_only(tmp_path: Path) -> None:
    check = {"tool": "hadolint", "venv": "lint", "args": ["--version"], "expect": "2.15.1"}
    assert "missing" in check_tool(Toolchain(tmp_path, required=True), check)
    assert check_tool(Toolchain(tmp_path, required=False), check) == ""


def test_every_venv_is_locked_with_the_manifests_pins() -> None:
    manifest = toolchain.load_manifest()
    for name, venv in manifest["venv"].items():
        lock = toolchain.LOCKS / f"{name}.txt"
        assert lock.is_file(), f".ci/locks/{name}.txt is missing: python3 .ci/toolchain.py lock <uv>"
        locked = toolchain._pins(lock.read_text().splitlines())
        for dist, version in toolchain._pins(venv["packages"]).items():
            assert locked.get(dist) == version, f"{dist} in .ci/locks/{name}.txt"
    # Yelp's detect-secrets and checkov's bc-detect-secrets ship one package: never in one venv.
    venv_of = {dist: name for name, v in manifest["venv"].items() for dist in toolchain._pins(v["packages"])}
    lint_lock = toolchain._pins((toolchain.LOCKS / "lint.txt").read_text().splitlines())
    assert "bc-detect-secrets" in lint_lock and venv_of["detect-secrets"] != "lint"
    assert "bc-python-hcl2" in lint_lock and venv_of["python-hcl2"] != "lint"


def test_every_go_tool_is_checked_and_a_module_dir_requires_its_version() -> None:
    """A [go.*] tool built in a module directory of its own (oslo) gets the version its go.mod
    requires, so that go.mod must require the pinned version; every Go tool's version is checked."""
    manifest = toolchain.load_manifest()
    checked = {c["tool"]: c for c in manifest["check"] if c.get("go")}
    root = toolchain.LOCKS.parents[1]
    for name, tool in manifest["go"].items():
        assert name in checked, f"[go.{name}] has no [[check]]"
        assert tool["version"] == "v" + checked[name]["expect"], name
        if "dir" not in tool:
            continue
        module_dir = root / tool["dir"]
        owner = tool["module"].split("/cmd/", 1)[0]
        go_mod = (module_dir / "go.mod").read_text()
        assert f"require {owner} {tool['version']}\n" in go_mod, f"{tool['dir']}/go.mod"
        assert f"{owner} {tool['version']} h1:" in (module_dir / "go.sum").read_text()
        assert f'import _ "{tool["module"]}"' in (module_dir / "tools.go").read_text()
