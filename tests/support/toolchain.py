"""The validators' versions and venvs, checked before any test runs.

`.ci/toolchain.toml` says which tool lives in which venv and which version each must report;
`.ci/locks/<venv>.txt` pin every distribution of each venv (`test.txt`: the suite's own venv).
Two kinds of drift fail the run:

- a tool that reports another version than its pin (upgraded, or shadowed by another package);
- two distributions in one venv that install the same file, such as `detect-secrets` and
  `bc-detect-secrets` (both ship the `detect_secrets` package and its console scripts). `pip
  check` does not see this: whichever was written last wins, so the result depends on install
  order. npm packages in one prefix that declare the same bin name are the same trap.
"""

from __future__ import annotations

import csv
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / ".ci" / "toolchain.toml"
LOCKS = ROOT / ".ci" / "locks"
TEST_CONSTRAINTS = LOCKS / "test.txt"
NODE_TOOLS = ROOT / ".ci" / "node" / "package.json"

_VERSION = re.compile(r"\d+(?:\.\d+)+")


@dataclass(frozen=True)
class Clash:
    """Files that more than one distribution (or npm package) installs.

    Attributes:
        owners: The distributions claiming the files, sorted.
        names: What they share: top-level import packages, console scripts or bin names.
    """

    owners: tuple[str, ...]
    names: tuple[str, ...]

    def __str__(self) -> str:
        return f"{' and '.join(self.owners)} both install {', '.join(self.names)}"


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    """The parsed `.ci/toolchain.toml`."""
    return tomllib.loads(path.read_text())


def _dist_name(dist_info: Path) -> str:
    return dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0].lower().replace("_", "-")


def _shared_name(path: Path, prefix: Path) -> str:
    """What a clashing file is, for the report: `bin/<script>` or the top-level import name."""
    rel = path.relative_to(prefix) if path.is_relative_to(prefix) else path
    parts = rel.parts
    if "site-packages" in parts:
        top = parts[parts.index("site-packages") + 1 :]
        return top[0].removesuffix(".py") if top else str(rel)
    return "/".join(parts[-2:]) if len(parts) >= 2 else str(rel)


def venv_clashes(prefix: Path) -> list[Clash]:
    """Distributions of the venv at ``prefix`` whose RECORDs claim the same file."""
    owners: dict[Path, set[str]] = defaultdict(set)
    for record in prefix.glob("lib/python3*/site-packages/*.dist-info/RECORD"):
        site = record.parent.parent
        dist = _dist_name(record.parent)
        for row in csv.reader(record.read_text(encoding="utf-8").splitlines()):
            if not row or ".dist-info/" in row[0] or "__pycache__" in row[0]:
                continue
            owners[Path(os.path.normpath(site / row[0]))].add(dist)
    return _group(((p, o) for p, o in owners.items() if len(o) > 1), prefix)


def node_clashes(node_modules: Path) -> list[Clash]:
    """Packages directly under ``node_modules`` that declare the same `bin` name."""
    owners: dict[Path, set[str]] = defaultdict(set)
    manifests = [*node_modules.glob("*/package.json"), *node_modules.glob("@*/*/package.json")]
    for manifest in manifests:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        name, bins = str(data.get("name", manifest.parent.name)), data.get("bin") or {}
        if isinstance(bins, str):
            bins = {name.rsplit("/", 1)[-1]: bins}
        for bin_name in bins:
            owners[node_modules / ".bin" / bin_name].add(name)
    return _group(((p, o) for p, o in owners.items() if len(o) > 1), node_modules)


def _group(items: Iterable[tuple[Path, set[str]]], prefix: Path) -> list[Clash]:
    shared: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for path, owners in items:
        shared[tuple(sorted(owners))].add(_shared_name(path, prefix))
    return [Clash(owners, tuple(sorted(names))) for owners, names in sorted(shared.items())]


def reported_version(output: str, after: str = "") -> list[str]:
    """Dotted version numbers in a tool's output (from ``after`` on, when given)."""
    if after and after in output:
        output = output.split(after, 1)[1]
    return _VERSION.findall(output)


def version_matches(expect: str, reported: list[str]) -> bool:
    """Each word of ``expect`` equals the reported number at its position (``1.95.`` is a prefix)."""
    wanted = expect.split()
    if len(reported) < len(wanted):
        return False
    for want, got in zip(wanted, reported, strict=False):
        if want.endswith(".") and not (got + ".").startswith(want):
            return False
        if not want.endswith(".") and got != want:
            return False
    return True


@dataclass(frozen=True)
class Toolchain:
    """Where .ci/run put the tools.

    Attributes:
        cache: `SVCFORGE_CI_CACHE`: one venv per `[venv.<name>]`, `node/` and `uv/` below it.
        required: Fail on a missing tool (in CI) instead of skipping its check.
    """

    cache: Path
    required: bool

    def venv(self, name: str) -> Path:
        return self.cache / name

    def go_bin(self) -> Path:
        """Where `go install` put the [go.*] tools."""
        return self.cache / "go" / "bin"

    def node_prefix_bin(self, prefix: str) -> Path:
        """The `.bin` of an npm prefix .ci/run installed (such as ``node22``)."""
        return self.cache / prefix / "node_modules" / ".bin"

    def executable(self, check: Mapping[str, Any]) -> Path | None:
        tool = str(check["tool"])
        located: Path | None = None
        if "venv" in check:
            located = self.venv(str(check["venv"])) / "bin" / tool
        elif check.get("go"):
            located = self.go_bin() / tool
        elif "prefix" in check:
            located = self.node_prefix_bin(str(check["prefix"])) / tool
        if located is not None:
            return located if located.is_file() else None
        if tool == "uv" and (self.cache / "uv" / "bin" / "uv").is_file():
            return self.cache / "uv" / "bin" / "uv"
        found = _which(tool)
        return Path(found) if found else None


def _which(tool: str) -> str | None:
    from shutil import which

    return which(tool)


def _run(args: list[str]) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    return result.stdout + result.stderr


def check_tool(toolchain: Toolchain, check: Mapping[str, Any]) -> str:
    """One problem with one tool, or an empty string."""
    tool = str(check["tool"])
    if "venv" in check:
        where = f" in the {check['venv']} venv"
    elif check.get("go"):
        where = " in go/bin"
    elif "prefix" in check:
        where = f" in the {check['prefix']} npm prefix"
    else:
        where = ""
    executable = toolchain.executable(check)
    if executable is None:
        return f"{tool}{where} is missing; .ci/run installs it" if toolchain.required else ""
    args = [str(executable), *map(str, check.get("args", []))]
    output, label = _run(args), " ".join([tool, *map(str, check.get("args", []))]) + where
    reported = reported_version(output, str(check.get("after", "")))
    if version_matches(str(check["expect"]), reported):
        return ""
    got = " ".join(reported) or output.strip()[:200] or "nothing"
    return f"{label}: pinned {check['expect']}, found {got}"


def _pins(requirements: Iterable[str]) -> dict[str, str]:
    pins = {}
    for line in requirements:
        line = line.split("#", 1)[0].strip()
        name, sep, version = line.partition("==")
        if sep:
            pins[name.strip().lower().replace("_", "-")] = version.strip().split(";")[0].strip()
    return pins


def constraint_problems(constraints: Path = TEST_CONSTRAINTS) -> list[str]:
    """Distributions of the running interpreter that differ from `.ci/locks/test.txt`."""
    problems = []
    for name, pinned in sorted(_pins(constraints.read_text().splitlines()).items()):
        try:
            found = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # a platform-specific pin, or an extra of a tool not installed here
        if found != pinned:
            problems.append(f"{name} in the test venv: pinned {pinned}, found {found}")
    return problems


def problems(toolchain: Toolchain, manifest: Mapping[str, Any] | None = None) -> list[str]:
    """Everything wrong with the installed toolchain; empty when all is as pinned."""
    manifest = manifest if manifest is not None else load_manifest()
    found: list[str] = []
    for name, venv in manifest.get("venv", {}).items():
        prefix = toolchain.venv(name)
        if not prefix.is_dir():
            if toolchain.required:
                found.append(f"the {name} venv ({prefix}) is missing; .ci/run creates it")
            continue
        found += [f"the {name} venv: {clash}" for clash in venv_clashes(prefix)]
        wanted = _pins((LOCKS / f"{name}.txt").read_text().splitlines())
        for dist, version in _pins(venv.get("packages", [])).items():
            if wanted.get(dist) != version:
                locked = wanted.get(dist, "missing")
                found.append(f".ci/locks/{name}.txt is stale: {dist} {locked}, manifest {version}")
        installed = {_dist_name(p): p for p in prefix.glob("lib/python3*/site-packages/*.dist-info")}
        for dist, version in sorted(wanted.items()):
            info = installed.get(dist)
            got = info.name.removesuffix(".dist-info").rsplit("-", 1)[1] if info else "nothing"
            if got != version:
                found.append(f"{dist} in the {name} venv: pinned {version}, found {got}")
    found += node_problems(toolchain)
    found += npm_project_problems(toolchain, manifest)
    found += [f"the test venv: {clash}" for clash in venv_clashes(Path(sys.prefix))]
    found += constraint_problems()
    # The version commands are independent and some start slowly (checkov: 2 s).
    with ThreadPoolExecutor(max_workers=8) as pool:
        found += [p for p in pool.map(lambda c: check_tool(toolchain, c), manifest.get("check", [])) if p]
    return found


def node_problems(toolchain: Toolchain) -> list[str]:
    """Node tools that differ from `.ci/node/package.json`, or share a bin name."""
    node_modules = toolchain.cache / "node" / "node_modules"
    if not node_modules.is_dir():
        missing = f"the node tools ({node_modules}) are missing; .ci/run installs them"
        return [missing] if toolchain.required else []
    found = [f"the node tools: {clash}" for clash in node_clashes(node_modules)]
    wanted = json.loads(NODE_TOOLS.read_text())["dependencies"]
    for package, version in sorted(wanted.items()):
        manifest = node_modules / package / "package.json"
        got = json.loads(manifest.read_text())["version"] if manifest.is_file() else "nothing"
        if got != version:
            found.append(f"npm package {package}: pinned {version}, found {got}")
    return found


def npm_project_problems(toolchain: Toolchain, manifest: Mapping[str, Any]) -> list[str]:
    """npm projects of this repository (`[npm.<name>]`) whose install differs from their lock."""
    found: list[str] = []
    for name, project in manifest.get("npm", {}).items():
        root, node_modules = ROOT / project["dir"], toolchain.cache / name / "node_modules"
        if not node_modules.is_dir():
            if toolchain.required:
                found.append(f"{project['dir']} is not installed ({node_modules}); .ci/run installs it")
            continue
        declared = json.loads((root / "package.json").read_text())
        wanted = {**declared.get("dependencies", {}), **declared.get("devDependencies", {})}
        lock = json.loads((root / "package-lock.json").read_text())["packages"]
        if {k: lock[""].get(k, {}) for k in ("dependencies", "devDependencies")} != {
            k: declared.get(k, {}) for k in ("dependencies", "devDependencies")
        }:
            found.append(f"{project['dir']}/package-lock.json is stale: run npm install there")
        for package in sorted(wanted):
            locked = lock.get(f"node_modules/{package}", {}).get("version", "missing")
            installed = node_modules / package / "package.json"
            got = json.loads(installed.read_text())["version"] if installed.is_file() else "nothing"
            if got != locked:
                found.append(f"npm package {package} of {project['dir']}: locked {locked}, found {got}")
        if (root / "node_modules").resolve() != node_modules.resolve():
            found.append(f"{project['dir']}/node_modules is not the locked install in {node_modules}")
    return found


def from_environment(environ: Mapping[str, str] = os.environ) -> Toolchain:
    """The toolchain .ci/run set up (`SVCFORGE_CI_CACHE`), or the default cache location."""
    default = Path.home() / ".cache" / "svcforge" / "ci"
    return Toolchain(Path(environ.get("SVCFORGE_CI_CACHE") or default), bool(environ.get("CI")))
