"""Every combination of cloud x iac x language x database x cache renders cleanly."""

from __future__ import annotations

import itertools
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from svcforge.questions import by_name, load
from tests.support.render import CLOUD_OVERRIDES, SEED_PLACEHOLDERS, render_to

_Q = by_name(load())
KEYS = ("cloud", "iac", "language", "database", "cache")
# Every combination copier.yml accepts: CDK (cdk, both) only exists for AWS.
COMBOS = [
    combo
    for combo in itertools.product(*([c.value for c in _Q[key].choices] for key in KEYS))
    if combo[0] == "aws" or combo[1] == "terraform"
]
# Module directory of each part, per cloud (None: the cloud has no such module).
MODULES: dict[str, dict[str, str]] = {
    "aws": {"network": "network", "postgres": "rds", "redis": "cache", "service": "ecs-service"},
    "gcp": {"network": "network", "postgres": "cloud-sql", "redis": "memorystore", "service": "cloud-run"},
    "azure": {"network": "network", "postgres": "postgres", "redis": "redis", "service": "container-app"},
}
# A command only the database section of each cloud's runbook has.
DB_RUNBOOK_MARKER = {
    "aws": "reboot-db-instance",
    "gcp": "gcloud sql instances",
    "azure": "az postgres flexible-server",
}

# Jinja left behind: `{% ... %}`, `{# ... #}` or `{{ name }}` not part of GitHub's `${{ }}`.
UNRENDERED = re.compile(r"\{%-?\s|\s-?%\}|\{#\s|(?<!\$)\{\{-?\s*[a-z_][a-z0-9_]*(\s*\|[^}]*)?\s*-?\}\}")
BINARY_SUFFIXES = {".png", ".jpg", ".ico", ".gz", ".zip"}
LOCKFILES = {"package-lock.json", "Cargo.lock"}


def _render(args: tuple[Path, dict[str, Any]]) -> Path:
    dst, overrides = args
    return render_to(dst, **overrides)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], Path]:
    base = tmp_path_factory.mktemp("matrix")
    jobs = [
        (base / "-".join(combo), {**CLOUD_OVERRIDES[combo[0]], **dict(zip(KEYS, combo, strict=True))})
        for combo in COMBOS
    ]
    with ProcessPoolExecutor(max_workers=2) as pool:
        paths = list(pool.map(_render, jobs))
    return dict(zip(COMBOS, paths, strict=True))


def _text_files(root: Path) -> list[Path]:
    return [
        p
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix not in BINARY_SUFFIXES and ".git" not in p.parts
    ]


def test_matrix_covers_every_combination() -> None:
    # aws: 3 iac x 3 languages x 2 databases x 2 caches; gcp and azure: Terraform only.
    assert len(COMBOS) == 3 * 3 * 2 * 2 + 2 * (1 * 3 * 2 * 2)


@pytest.mark.parametrize("combo", COMBOS, ids=["-".join(c) for c in COMBOS])
def test_expected_files(matrix: dict[tuple[str, ...], Path], combo: tuple[str, ...]) -> None:
    cloud, iac, language, database, cache = combo
    repo = matrix[combo]
    terraform = iac in {"terraform", "both"}
    cdk = iac in {"cdk", "both"}

    for always in (
        "README.md",
        "docs/runbook.md",
        ".github/workflows/ci.yml",
        ".copier-answers.yml",
        "slo.yaml",
    ):
        assert (repo / always).is_file(), always
    assert (repo / "service" / "Dockerfile").is_file()
    manifests = {"python": "pyproject.toml", "typescript": "package.json", "rust": "Cargo.toml"}
    for lang, manifest in manifests.items():
        assert (repo / "service" / manifest).is_file() == (lang == language), manifest

    assert (repo / "terraform").is_dir() == terraform
    assert (repo / "cdk").is_dir() == cdk
    if terraform:
        for env in ("staging", "prod"):
            assert (repo / "terraform" / "environments" / env / "main.tf").is_file()
        assert not (repo / "terraform" / "environments" / "dev").exists()
        modules = repo / "terraform" / "modules"
        expected = MODULES[cloud]
        assert (modules / expected["postgres"]).is_dir() == (database == "postgres")
        assert (modules / expected["redis"]).is_dir() == (cache == "redis")
        assert (modules / expected["network"]).is_dir()
        assert (modules / expected["service"]).is_dir()
        others = {m for c, parts in MODULES.items() if c != cloud for m in parts.values()}
        present = {p.name for p in modules.iterdir()}
        assert not (present & others) - set(expected.values()), "another cloud's module rendered"
    if cdk:
        assert (repo / "cdk" / "bin" / "app.ts").is_file()
        assert (repo / "cdk" / "lib" / "service-stack.ts").is_file()
        # The stateful stack always exists: it owns the KMS key even without a database.
        assert (repo / "cdk" / "lib" / "database-stack.ts").is_file()
        config = (repo / "cdk" / "lib" / "config.ts").read_text()
        # The database's and the cache's settings exist only with their store (issue 14).
        assert ("dbIdentifier:" in config) == (database == "postgres")
        assert ("cacheReplicationGroup:" in config) == (cache == "redis")

    runbook = (repo / "docs" / "runbook.md").read_text()
    assert (DB_RUNBOOK_MARKER[cloud] in runbook) == (database == "postgres")
    clouds = {"aws": "aws ", "gcp": "gcloud ", "azure": "az "}
    for other, command in clouds.items():
        if other != cloud:
            assert f"\n{command}" not in runbook, f"{cloud} runbook has {other} commands"


def _problems(rel: Path, path: Path) -> list[str]:
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        return [f"{rel}: not UTF-8 text"]
    if not text:
        return [f"{rel}: empty file"]
    problems = [f"{rel}: seed placeholder {p!r}" for p in SEED_PLACEHOLDERS if p in text]
    if re.search(r"\bTODO\b|\bFIXME\b", text):
        problems.append(f"{rel}: TODO/FIXME left in output")
    if path.name in LOCKFILES or "__snapshots__" in rel.parts:
        return problems
    match = UNRENDERED.search(text)
    if match:
        problems.append(f"{rel}: unrendered template syntax {match.group(0)!r}")
    if not text.endswith("\n") or text.endswith("\n\n") or text.startswith("\n"):
        problems.append(f"{rel}: must start with content and end with exactly one newline")
    trailing = [n for n, line in enumerate(text.splitlines(), 1) if line != line.rstrip()]
    if trailing:
        problems.append(f"{rel}:{trailing[0]}: trailing whitespace")
    # Python keeps two blank lines between top-level definitions; nothing needs three.
    if "\n\n\n\n" in text or ("\n\n\n" in text and path.suffix != ".py"):
        problems.append(f"{rel}: too many consecutive blank lines")
    return problems


@pytest.mark.parametrize("combo", COMBOS, ids=["-".join(c) for c in COMBOS])
def test_output_is_clean(matrix: dict[tuple[str, ...], Path], combo: tuple[str, ...]) -> None:
    repo = matrix[combo]
    problems = [p for path in _text_files(repo) for p in _problems(path.relative_to(repo), path)]
    assert not problems, "\n".join(problems)
