"""Build each distinct CDK variant once: npm (shared), tsc, vitest, cdk synth, cfn-lint.

The variants run two at a time (node is mostly single-threaded; machines have 2 cores), and
every variant shares one ``node_modules`` keyed by the lockfile hash under
``~/.cache/svcforge/``, so only the first run ever installs.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tests.support.render import EXISTING_VPC, variant

# The distinct CDK outputs. "existing" uses the same answers as the Terraform tests, so
# the rendered repository is shared with them.
VARIANTS: dict[str, dict[str, Any]] = {
    "full": {},
    "none": {"database": "none", "cache": "none"},
    "existing": EXISTING_VPC,
    "no-accounts": {"aws_account_id_staging": "", "aws_account_id_prod": ""},
}

ENVIRONMENTS = ("staging", "prod")

CACHE_ROOT = Path(os.environ.get("SVCFORGE_CACHE_DIR", Path.home() / ".cache" / "svcforge"))

# Never let synth find credentials or reach the network.
_SCRUBBED = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "CDK_DEFAULT_ACCOUNT",
    "CDK_DEFAULT_REGION",
)


@dataclass
class Step:
    """One command's outcome."""

    command: list[str]
    returncode: int
    output: str
    seconds: float

    def describe(self) -> str:
        head = f"$ {' '.join(self.command)} -> {self.returncode} in {self.seconds:.1f}s"
        return f"{head}\n{self.output[-6000:]}"


@dataclass
class Built:
    """A variant's cdk/ directory after every step."""

    name: str
    directory: Path
    steps: dict[str, Step] = field(default_factory=dict)

    def templates(self, env: str) -> dict[str, dict[str, Any]]:
        """Synthesized templates of one environment's stage, by file name."""
        assembly = self.directory / "cdk.out" / f"assembly-{env}"
        return {path.name: json.loads(path.read_text()) for path in sorted(assembly.glob("*.template.json"))}

    def template_files(self) -> list[Path]:
        return sorted((self.directory / "cdk.out").glob("assembly-*/*.template.json"))


def tool_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(
        AWS_EC2_METADATA_DISABLED="true",
        CDK_DISABLE_VERSION_CHECK="true",
        CDK_DISABLE_CLI_TELEMETRY="true",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_CONFIG_FILE="/dev/null",
        NO_COLOR="1",
        FORCE_COLOR="0",
    )
    return env


def _run(command: list[str], cwd: Path, *, offline: bool = False, timeout: int = 600) -> Step:
    """Run a command; with ``offline`` in a fresh network namespace when one can be made."""
    full = [*_offline_prefix(), *command] if offline else command
    start = time.monotonic()
    result = subprocess.run(
        full,
        cwd=cwd,
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Step(command, result.returncode, result.stdout + result.stderr, time.monotonic() - start)


@cache
def _offline_prefix() -> tuple[str, ...]:
    """``unshare -n`` (no network at all) where this user may create a network namespace."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, check=False)
    return (unshare, "-n") if probe.returncode == 0 else ()


def shared_node_modules(package_dir: Path) -> Path:
    """``npm ci`` once per lockfile into the cache; return its node_modules."""
    lock = (package_dir / "package-lock.json").read_bytes()
    key = hashlib.sha256(lock + (package_dir / "package.json").read_bytes()).hexdigest()[:16]
    target = CACHE_ROOT / f"cdk-node-{key}"
    modules = target / "node_modules"
    marker = target / ".complete"
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    with (CACHE_ROOT / f"cdk-node-{key}.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if marker.is_file() and modules.is_dir():
            return modules
        work = Path(tempfile.mkdtemp(prefix=f"cdk-node-{key}-", dir=CACHE_ROOT))
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(package_dir / name, work / name)
        npm = shutil.which("npm") or "npm"
        step = _run([npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"], work)
        if step.returncode != 0:
            shutil.rmtree(work, ignore_errors=True)
            raise RuntimeError(f"npm ci failed\n{step.describe()}")
        shutil.rmtree(target, ignore_errors=True)
        work.rename(target)
        marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    return modules


def _build(name: str, root: Path) -> Built:
    source = variant(**VARIANTS[name]) / "cdk"
    directory = root / name / "cdk"
    shutil.copytree(source, directory)
    (directory / "node_modules").symlink_to(shared_node_modules(directory), target_is_directory=True)
    built = Built(name, directory)
    bin_dir = directory / "node_modules" / ".bin"
    built.steps["vitest"] = _run([str(bin_dir / "vitest"), "run"], directory, offline=True)
    built.steps["synth"] = _run(
        [str(bin_dir / "cdk"), "synth", "--quiet", "--no-notices"], directory, offline=True
    )
    return built


def _typecheck(root: Path) -> Step:
    """One ``tsc --noEmit`` over every variant (aws-cdk-lib's types are loaded once)."""
    first = root / next(iter(VARIANTS)) / "cdk"
    include = [f"{name}/cdk/{part}/**/*.ts" for name in VARIANTS for part in ("bin", "lib", "test")]
    config = {"extends": f"./{first.relative_to(root)}/tsconfig.json", "include": include}
    (root / "tsconfig.json").write_text(json.dumps(config, indent=2))
    (root / "node_modules").symlink_to((first / "node_modules").resolve(), target_is_directory=True)
    return _run([str(first / "node_modules" / ".bin" / "tsc"), "--noEmit", "-p", "."], root)


@dataclass
class Suite:
    """Every variant, plus the steps that ran once over all of them."""

    variants: dict[str, Built]
    tsc: Step
    cfn_lint: Step | None


_SUITE: list[Suite] = []


def build_all(cfn_lint: str) -> Suite:
    """Build every variant (once per process), two at a time; then lint all templates."""
    if not _SUITE:
        root = Path(tempfile.mkdtemp(prefix="svcforge-cdk-"))
        for name in VARIANTS:  # render serially: the renderer caches per process
            variant(**VARIANTS[name])
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(_build, name, root) for name in VARIANTS]
            built = {future.result().name: future.result() for future in futures}
        tsc = _typecheck(root)
        templates = [str(path) for item in built.values() for path in item.template_files()]
        lint = _run([cfn_lint, "--non-zero-exit-code", "error", *templates], root) if templates else None
        suite = Suite(built, tsc, lint)
        timings = {name: {k: round(v.seconds, 1) for k, v in b.steps.items()} for name, b in built.items()}
        timings["all"] = {"tsc": round(tsc.seconds, 1), "cfn-lint": round(lint.seconds, 1) if lint else 0}
        (root / "timings.json").write_text(json.dumps(timings, indent=2))
        _SUITE.append(suite)
    return _SUITE[0]
