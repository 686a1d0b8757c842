"""The wheel carries the template, so `svcforge new` works offline from an installed wheel."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from svcforge.releases import TEMPLATE_PARTS
from tests.support.render import ROOT


def test_the_wheel_force_includes_every_template_part() -> None:
    """pyproject.toml ships exactly the parts releases version (copier.yml, copier/, ...)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert included == {part: f"svcforge/_template/{part}" for part in TEMPLATE_PARTS}


def test_wheel_ships_template_and_renders_offline(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    _build_wheel(out)
    wheel = next(out.glob("svcforge-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    assert "svcforge/_template/copier.yml" in names
    assert "svcforge/_template/copier/naming.yml" in names
    assert "svcforge/cli.py" in names
    for part in TEMPLATE_PARTS:
        if (ROOT / part).is_file():
            assert f"svcforge/_template/{part}" in names
            continue
        part_files = {str(p.relative_to(ROOT)) for p in (ROOT / part).rglob("*") if p.is_file()}
        shipped = {
            n.removeprefix("svcforge/_template/")
            for n in names
            if n.startswith(f"svcforge/_template/{part}/")
        }
        assert part_files == shipped, part

    # Run the unpacked wheel (not the checkout) with no network: the template must come from it.
    dest = tmp_path / "rendered"
    env = {"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    code = (
        "import svcforge.template as t, sys; "
        "assert '_template' in str(t.bundled_template()), t.bundled_template(); "
        "from svcforge.cli import main; "
        "sys.argv = ['svcforge', 'new', sys.argv[1], '--data-file', sys.argv[2], '--defaults']; main()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(dest), str(ROOT / "example-answers.yml")],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (dest / ".copier-answers.yml").is_file()


def _build_wheel(out: Path) -> None:
    import os

    uv = os.environ.get("SVCFORGE_UV", "uv")
    subprocess.run(
        [uv, "build", "--wheel", "-q", "-o", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
