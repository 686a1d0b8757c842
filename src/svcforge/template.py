"""The template this installation carries, its version, and the history of its releases.

An installed wheel holds the template in ``svcforge/_template`` with ``release.json`` (versions)
and ``history.bundle`` (every release, as git history; see hatch_build.py). An editable install
or a source checkout uses the repository root and its own git history.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from svcforge.releases import TEMPLATE_PARTS, Versions, checkout_versions, is_checkout, release_commits

_PACKAGE_DIR = Path(__file__).resolve().parent

__all__ = [
    "TEMPLATE_PARTS",
    "Installation",
    "bundled_template",
    "copier_yml",
    "installation",
    "render_source",
]


def bundled_template() -> Path:
    """Directory holding copier.yml, copier/, template/ and includes/ for this installation."""
    shipped = _PACKAGE_DIR / "_template"
    if (shipped / "copier.yml").is_file():
        return shipped
    checkout = _PACKAGE_DIR.parents[1]
    if (checkout / "copier.yml").is_file():
        return checkout
    raise FileNotFoundError("svcforge's template is missing from this installation")


def copier_yml() -> Path:
    """Path of the copier.yml that defines every question of the installed version."""
    return bundled_template() / "copier.yml"


@cache
def render_source() -> Path:
    """A plain (non-git) directory Copier can render the installed version from.

    A source checkout is a git repository, and Copier would clone it (and warn about
    uncommitted changes) on every render; a snapshot of the template parts avoids both.
    """
    root = bundled_template()
    if not (root / ".git").exists():
        return root
    snapshot = Path(tempfile.mkdtemp(prefix="svcforge-template-"))
    for part in TEMPLATE_PARTS:
        source = root / part
        if source.is_dir():
            shutil.copytree(source, snapshot / part, symlinks=True)
        elif source.is_file():
            shutil.copy2(source, snapshot / part)
    return snapshot


@dataclass(frozen=True)
class Installation:
    """What this installation can render.

    Attributes:
        versions: Package version and the template version renders record as ``_commit``.
        releases: Every release up to this one: version -> commit.
        history: Git history holding those releases: a bundle file (wheel) or the checkout.
    """

    versions: Versions
    releases: dict[str, str]
    history: Path


@cache
def installation() -> Installation:
    """This installation's versions and history."""
    root = bundled_template()
    info = root / "release.json"
    if info.is_file():
        data = json.loads(info.read_text())
        template = str(data["template"])
        release = template.removeprefix("v") if template.removeprefix("v") in data["releases"] else None
        versions = Versions(str(data["package"]), template, release)
        return Installation(versions, dict(data["releases"]), root / "history.bundle")
    if is_checkout(root):
        return Installation(checkout_versions(root), release_commits(root), root)
    raise FileNotFoundError(f"{root} has no release.json and is not a git checkout")
