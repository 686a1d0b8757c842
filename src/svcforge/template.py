"""Where the Copier template lives: inside the wheel, or at the root of a source checkout."""

from __future__ import annotations

import shutil
import tempfile
from functools import cache
from pathlib import Path

# What makes up the template: copier.yml, the rendered subdirectory and shared includes.
TEMPLATE_PARTS = ("copier.yml", "template", "includes")

_PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_template() -> Path:
    """Directory holding copier.yml, template/ and includes/ for this installation.

    An installed wheel carries them in ``svcforge/_template``; an editable install or a
    source checkout uses the repository root.
    """
    shipped = _PACKAGE_DIR / "_template"
    if (shipped / "copier.yml").is_file():
        return shipped
    checkout = _PACKAGE_DIR.parents[1]
    if (checkout / "copier.yml").is_file():
        return checkout
    raise FileNotFoundError("svcforge's template is missing from this installation")


def copier_yml() -> Path:
    """Path of the copier.yml that defines every question."""
    return bundled_template() / "copier.yml"


@cache
def render_source() -> Path:
    """A plain (non-git) directory Copier can render from without cloning.

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
