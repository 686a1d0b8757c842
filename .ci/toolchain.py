#!/usr/bin/env python3
"""Read .ci/toolchain.toml for .ci/run, and regenerate the lock files it installs from.

    python3 .ci/toolchain.py venvs              names of the validator venvs
    python3 .ci/toolchain.py go                 "MODULE@VERSION [DIR]" of each Go tool, one a line
    python3 .ci/toolchain.py version TOOL       the version TOOL is pinned to
    python3 .ci/toolchain.py npm                "NAME DIR" of each npm project to install
    python3 .ci/toolchain.py lock UV            rewrite .ci/locks/*.txt with `uv pip compile`

Standard library only: it runs before any venv exists.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

CI = Path(__file__).resolve().parent
LOCKS = CI / "locks"
PYTHON = sys.executable  # the machine's python3, which CI uses too


def manifest() -> dict:
    return tomllib.loads((CI / "toolchain.toml").read_text())


def lock(uv: str) -> None:
    """One fully pinned requirements file per venv, and constraints for svcforge[test].

    The node tools are locked by npm: `npm install --package-lock-only` in .ci/node.
    """
    LOCKS.mkdir(exist_ok=True)
    compile_ = [uv, "pip", "compile", "--quiet", "--python", PYTHON, "--no-annotate"]
    for name, venv in manifest()["venv"].items():
        source = LOCKS / f"{name}.in"
        source.write_text("".join(f"{p}\n" for p in venv["packages"]))
        subprocess.run([*compile_, "--no-header", str(source), "-o", str(LOCKS / f"{name}.txt")], check=True)
        source.unlink()
        _header(LOCKS / f"{name}.txt", f"the {name} venv, from [venv.{name}] in .ci/toolchain.toml")
    pyproject = CI.parent / "pyproject.toml"
    test = LOCKS / "test.txt"
    subprocess.run([*compile_, "--no-header", str(pyproject), "--extra", "test", "-o", str(test)], check=True)
    _header(test, "constraints for svcforge[test] (pyproject.toml)")


def _header(path: Path, what: str) -> None:
    text = path.read_text()
    path.write_text(f"# Locked {what}. Regenerate: python3 .ci/toolchain.py lock <uv>\n{text}")


def main(argv: list[str]) -> int:
    command, *args = argv or ["help"]
    data = manifest()
    if command == "venvs":
        print(" ".join(data["venv"]))
    elif command == "npm":
        print("\n".join(f"{name} {project['dir']}" for name, project in data.get("npm", {}).items()))
    elif command == "go":
        for tool in data.get("go", {}).values():
            print(f"{tool['module']}@{tool['version']} {tool.get('dir', '')}".rstrip())
    elif command == "version" and len(args) == 1:
        print(next(c["expect"] for c in data["check"] if c["tool"] == args[0]))
    elif command == "lock" and len(args) == 1:
        lock(args[0])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
