"""No traces of unchosen parts: with ``database: none`` or ``cache: none`` no generated file
names the dropped store, its packages, its client code or its environment variables.

Every ``none`` choice is rendered for every language and every cloud (each combination of
language and cloud drops the database in one render and the cache in another, and one render
per cloud drops both), and every file of the output is searched, lockfiles included. What
legitimately stays is in ALLOWED, each entry with its reason.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, NamedTuple

import pytest

from tests.repo.helpers import output_files
from tests.support.registry import CLOUD_CHOICES, LANGUAGE_CHOICES
from tests.support.render import cloud_variant

# What each store brings in: its products' names, its packages and client code, its
# environment variables. (Plain words such as "database" or "cache" are not searched: a
# service without a database still has a secrets cache and talks about its data.)
DATABASE_TERMS: tuple[str, ...] = (
    r"(?i:postgres\w*)",
    r"\bpsql\b",
    r"(?i:psycopg[\w-]*)",
    r"\bsqlx\b",
    r"@types/pg\b",
    r"""["']pg["']""",
    r"\bpg-(?:pool|protocol|types|connection-string|int8|cloudflare|numeric)\b",
    r"\bpgpass\b",
    r"\bRDS\b",
    r"(?i:cloud[ -]?sql)",
    r"(?i:flexible server)",
    r"\b(?:TEST_)?DATABASE_URL\b",
    r"\bDB_[A-Z][A-Z_]*\b",
    r"(?i:get_?database_?credentials)",
    r"\bDatabaseCredentials\b",
)
CACHE_TERMS: tuple[str, ...] = (
    r"(?i:redis\w*)",
    r"(?i:elasticache)",
    r"(?i:memorystore)",
    r"\bREDIS_[A-Z][A-Z_]*\b",
    r"\b63(?:79|80)\b",
)

# (pattern, glob of the path, reason): matches of ``pattern`` in files matching the glob are
# allowed. Keep this short; every entry says why the trace is not a leftover.
ALLOWED: tuple[tuple[str, str, str], ...] = ()


class Case(NamedTuple):
    """One render: its id, its cloud, its answers; ``dropped`` the stores it answers none for."""

    key: str
    cloud: str
    overrides: dict[str, Any]

    @property
    def dropped(self) -> tuple[str, ...]:
        return tuple(store for store in ("database", "cache") if self.overrides.get(store) == "none")


def _cases() -> list[Case]:
    iac = {"python": "both", "typescript": "terraform", "rust": "cdk"}
    cases = []
    for cloud in CLOUD_CHOICES:
        for language in LANGUAGE_CHOICES:
            for store in ("database", "cache"):
                overrides: dict[str, Any] = {"language": language, store: "none"}
                if cloud == "aws":
                    overrides["iac"] = iac[language]
                cases.append(Case(f"{cloud}-{language}-no-{store}", cloud, overrides))
        language = {"aws": "python", "gcp": "rust", "azure": "typescript"}[cloud]
        bare = {"language": language, "database": "none", "cache": "none"}
        cases.append(Case(f"{cloud}-{language}-bare", cloud, bare))
    return cases


CASES = _cases()


def _allowed(rel: str, match: str) -> bool:
    return any(re.fullmatch(pattern, match) and fnmatch.fnmatch(rel, glob) for pattern, glob, _ in ALLOWED)


def traces(case: Case) -> list[str]:
    """``path:line: match`` for every forbidden term in the render of ``case``."""
    repo = cloud_variant(case.cloud, **case.overrides)
    terms = (DATABASE_TERMS if "database" in case.dropped else ()) + (
        CACHE_TERMS if "cache" in case.dropped else ()
    )
    pattern = re.compile("|".join(f"(?:{t})" for t in terms))
    found = []
    for path in output_files(repo):
        rel = str(path.relative_to(repo))
        if rel == ".copier-answers.yml":
            continue  # the answers themselves say database: none / cache: none
        if re.search(pattern, rel) and not _allowed(rel, rel):
            found.append(f"{rel}: (file name)")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in pattern.finditer(line):
                if not _allowed(rel, match.group(0)):
                    found.append(f"{rel}:{number}: {match.group(0)!r} in {line.strip()[:120]!r}")
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_no_trace_of_a_dropped_store(case: Case) -> None:
    found = traces(case)
    assert found == [], f"{len(found)} traces of {case.dropped}:\n" + "\n".join(found[:80])


def test_every_allowance_is_used_and_reasoned() -> None:
    for pattern, glob, reason in ALLOWED:
        assert len(reason.split()) >= 6, (pattern, glob)
    # An allowance no render needs any more is a stale exception: remove it.
    used = set()
    for case in CASES:
        repo = cloud_variant(case.cloud, **case.overrides)
        for path in output_files(repo):
            rel = str(path.relative_to(repo))
            text = path.read_text(encoding="utf-8")
            for pattern, glob, _ in ALLOWED:
                if fnmatch.fnmatch(rel, glob) and re.search(pattern, text):
                    used.add((pattern, glob))
    assert {(p, g) for p, g, _ in ALLOWED} - used == set()
