"""Make the Rust service's Cargo.lock templates drop what an unchosen store needs.

The template keeps one Cargo.lock per cloud (``{% if on_<cloud> %}Cargo.lock{% endif
%}.jinja``), resolved with every store's client (sqlx, redis). For each database and cache
choice this script asks Cargo itself for the lock file it keeps for that choice's Cargo.toml
(``cargo tree`` prunes what nothing needs and keeps every version), then merges the four into
one template: each package entry, and each dependency line inside one, carries the condition
under which Cargo writes it. A render therefore has exactly the lock file Cargo would write for
its Cargo.toml (``--locked`` builds pass), and no trace of an unchosen store. Run it after
regenerating a lock file with every store (``cargo update`` on a full render, then copy it back
over the template):

    .venv/bin/python tests/services/data/split_cargo_lock.py

It reads the committed templates (the full choice renders the complete lock file, so it is
idempotent), checks that the new template renders Cargo's lock file for every choice, and
rewrites it in place. Cargo, the template's other files and the crates' index (network or
Cargo's cache) are needed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from tests.support.render import answers, cloud_answers, render_to  # noqa: E402

SERVICE = ROOT / "template" / "{% if language == 'rust' %}service{% endif %}"
CLOUDS = ("aws", "gcp", "azure")
# (use_postgres, use_redis) for each choice; the first has every package.
CHOICES: tuple[tuple[bool, bool], ...] = ((True, True), (True, False), (False, True), (False, False))
FULL = CHOICES[0]
_JINJA = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def _keeps(expr: str) -> frozenset[tuple[bool, bool]]:
    test = _JINJA.compile_expression(expr)
    return frozenset(c for c in CHOICES if test(use_postgres=c[0], use_redis=c[1]))


# Conditions by the choices they keep, simplest first.
CONDITIONS: tuple[tuple[str, frozenset[tuple[bool, bool]]], ...] = tuple(
    (expr, _keeps(expr))
    for expr in (
        "use_postgres",
        "use_redis",
        "not use_postgres",
        "not use_redis",
        "use_postgres or use_redis",
        "use_postgres and use_redis",
        "use_postgres and not use_redis",
        "use_redis and not use_postgres",
        "not (use_postgres or use_redis)",
        "not (use_postgres and use_redis)",
        "use_postgres or not use_redis",
        "use_redis or not use_postgres",
        "use_postgres == use_redis",
        "use_postgres != use_redis",
    )
)

Key = tuple[str, str, str]
Lock = tuple[list[str], dict[Key, list[str]], list[Key]]


def _template(cloud: str) -> Path:
    return SERVICE / f"{{% if on_{cloud} %}}Cargo.lock{{% endif %}}.jinja"


def _render(text: str, choice: tuple[bool, bool]) -> str:
    return _JINJA.from_string(text).render(use_postgres=choice[0], use_redis=choice[1])


def _parse(text: str) -> Lock:
    """(header lines, entry key -> lines, keys in file order)."""
    chunks = text.rstrip("\n").split("\n\n")
    header = chunks[0].split("\n")
    entries: dict[Key, list[str]] = {}
    order: list[Key] = []
    for chunk in chunks[1:]:
        lines = chunk.split("\n")
        assert lines[0] == "[[package]]", lines
        fields = dict(re.findall(r'^(name|version|source) = "([^"]*)"$', chunk, flags=re.M))
        key = (fields["name"], fields["version"], fields.get("source", ""))
        entries[key] = lines
        order.append(key)
    return header, entries, order


def _version_key(version: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.+-]", version))


def _dependency_key(line: str, entries: dict[Key, list[str]]) -> tuple[object, ...]:
    """Cargo's order of a dependency line (by name, then version), for one choice's lock."""
    spec = line.strip().strip('",').split(" ")
    name = spec[0]
    version = spec[1] if len(spec) > 1 else next(k[1] for k in entries if k[0] == name)
    return (name, _version_key(version), line)


def _condition(kept: frozenset[tuple[bool, bool]], within: frozenset[tuple[bool, bool]]) -> str | None:
    """The simplest condition that keeps exactly ``kept`` of the choices in ``within``."""
    if kept == within:
        return None
    matches = [expr for expr, chosen in CONDITIONS if chosen & within == kept]
    return min(matches, key=len)


def _cargo_lock(cloud: str, choice: tuple[bool, bool], full_lock: str, work: Path) -> str:
    """The lock file Cargo keeps for this choice's Cargo.toml, starting from the full one."""
    overrides = {"language": "rust", "database": "postgres" if choice[0] else "none"}
    overrides["cache"] = "redis" if choice[1] else "none"
    ans = answers(**overrides) if cloud == "aws" else cloud_answers(cloud, **overrides)
    repo = render_to(work / f"{cloud}-{int(choice[0])}{int(choice[1])}", **ans)
    service = repo / "service"
    (service / "Cargo.lock").write_text(full_lock)
    cargo = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
    for extra in (["--offline"], []):
        proc = subprocess.run(
            [cargo, "tree", "--quiet", *extra], cwd=service, capture_output=True, text=True, check=False
        )
        if proc.returncode == 0:
            return (service / "Cargo.lock").read_text()
    raise SystemExit(f"cargo tree failed for {cloud} {choice}:\n{proc.stderr}")


def merge(locks: dict[tuple[bool, bool], str]) -> str:
    parsed = {choice: _parse(text) for choice, text in locks.items()}
    header, full_entries, order = parsed[FULL]
    assert all(p[0] == header for p in parsed.values()), "lock file headers differ"
    for choice, (_, entries, found) in parsed.items():
        assert [k for k in order if k in entries] == found, f"{choice}: entries out of the full order"
    every = frozenset(CHOICES)
    out = "\n".join(header)
    for key in order:
        holders = frozenset(c for c in CHOICES if key in parsed[c][1])
        variants = {c: parsed[c][1][key] for c in holders}
        entry = full_entries[key]
        start = entry.index("dependencies = [") if "dependencies = [" in entry else None
        fixed = entry[:start] if start is not None else entry
        assert all(lines[: len(fixed)] == fixed for lines in variants.values()), key
        text = "\n" + "\n".join(fixed)
        if start is not None:
            with_deps = frozenset(c for c, lines in variants.items() if len(lines) > len(fixed))
            lines_by_choice = {c: variants[c][len(fixed) + 1 : -1] for c in with_deps}
            sort_keys: dict[str, tuple[object, ...]] = {}
            for c, lines in lines_by_choice.items():
                for line in lines:
                    sort_keys.setdefault(line, _dependency_key(line, parsed[c][1]))
            deps = ""
            for line in sorted(sort_keys, key=sort_keys.__getitem__):
                kept = frozenset(c for c in with_deps if line in lines_by_choice[c])
                condition = _condition(kept, with_deps)
                deps += f"{{% if {condition} %}}\n{line}{{% endif %}}" if condition else f"\n{line}"
            section = "\ndependencies = [" + deps + "\n]"
            condition = _condition(with_deps, holders)
            text += f"{{% if {condition} %}}{section}{{% endif %}}" if condition else section
        condition = _condition(holders, every)
        out += f"{{% if {condition} %}}\n{text}{{% endif %}}" if condition else f"\n{text}"
    return out + "\n"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="split-cargo-lock.") as tmp:
        for cloud in CLOUDS:
            path = _template(cloud)
            legacy = path.with_suffix("")  # before the first run: a plain, complete Cargo.lock
            full_lock = legacy.read_text() if legacy.exists() else _render(path.read_text(), FULL)
            locks = {choice: _cargo_lock(cloud, choice, full_lock, Path(tmp)) for choice in CHOICES}
            assert locks[FULL] == full_lock, f"{cloud}: the full lock file is not what Cargo keeps"
            template = merge(locks)
            for choice, lock in locks.items():
                assert _render(template, choice) == lock, (cloud, choice)
            path.write_text(template)
            if legacy.exists():
                legacy.unlink()
            print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
