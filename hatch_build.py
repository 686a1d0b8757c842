"""Build hook: ship the template's release history inside the package.

A wheel gets, under svcforge/:

- ``_template/history.bundle``: a git bundle of every release tag (and of the built commit when
  it is not a release), so `svcforge update` regenerates the version a repository records
  without network;
- ``_template/release.json``: the package version, the template version renders record as
  ``_commit``, and the releases (version -> commit).

An sdist carries the bundle and release.json in ``_release/``, so that a wheel built from the
sdist (``uv build`` does that) gets the same history without a git checkout.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SDIST_DIR = "_release"


def _releases_module(root: Path) -> Any:
    spec = importlib.util.spec_from_file_location("_svcforge_releases", root / "src/svcforge/releases.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ReleaseHistoryHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # an editable install reads the checkout's own git history
        root = Path(self.root)
        self._scratch = Path(tempfile.mkdtemp(prefix="svcforge-build-"))
        releases = _releases_module(root)
        if releases.is_checkout(root):
            bundle, info = self._from_checkout(root, releases)
        elif (root / SDIST_DIR / "release.json").is_file():
            bundle, info = root / SDIST_DIR / "history.bundle", root / SDIST_DIR / "release.json"
        else:
            raise RuntimeError(
                f"{root}: no git checkout and no {SDIST_DIR}/ to take the release history from"
            )
        include = build_data.setdefault("force_include", {})
        if self.target_name == "sdist":
            include[str(bundle)] = f"{SDIST_DIR}/history.bundle"
            include[str(info)] = f"{SDIST_DIR}/release.json"
            return
        include[str(bundle)] = "svcforge/_template/history.bundle"
        include[str(info)] = "svcforge/_template/release.json"

    def _from_checkout(self, root: Path, releases: Any) -> tuple[Path, Path]:
        releases.ensure_tags(root)
        versions = releases.checkout_versions(root)
        known = releases.release_commits(root)
        refs = [f"refs/tags/{releases.tag_of(v)}" for v in known]
        if versions.release is None:
            refs.append("HEAD")  # a development build records `vX.Y.Z-N-g<sha>`: ship that commit too
        bundle = self._scratch / "history.bundle"
        subprocess.run(
            ["git", "bundle", "create", "-q", str(bundle), *refs],
            cwd=root,
            check=True,
            capture_output=True,
        )
        info = self._scratch / "release.json"
        data = {"package": versions.package, "template": versions.template, "releases": known}
        info.write_text(json.dumps(data, indent=2) + "\n")
        return bundle, info

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
