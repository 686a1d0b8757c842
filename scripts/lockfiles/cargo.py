"""Cargo.lock templates: Cargo's TOML, each package entry and dependency line with its condition.

Cargo's lock file is a header and ``[[package]]`` entries separated by blank lines, each entry's
``dependencies = [...]`` one line per dependency. An entry (or a dependency line, or a whole
``dependencies`` list) that only some store choices need sits inside ``{% if <condition> %}``.
"""

from __future__ import annotations

import re

from scripts.lockfiles.choices import Choice, MergeError, condition, union

Key = tuple[str, str, str]


def _parse(text: str) -> tuple[list[str], dict[Key, list[str]]]:
    """(header lines, entry key -> lines, in file order)."""
    chunks = text.rstrip("\n").split("\n\n")
    entries: dict[Key, list[str]] = {}
    for chunk in chunks[1:]:
        lines = chunk.split("\n")
        if lines[0] != "[[package]]":
            raise MergeError(f"not a [[package]] entry: {lines[0]!r}")
        fields = dict(re.findall(r'^(name|version|source) = "([^"]*)"$', chunk, flags=re.M))
        entries[(fields["name"], fields["version"], fields.get("source", ""))] = lines
    return chunks[0].split("\n"), entries


def _version_key(version: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.+-]", version))


def _dependency_key(line: str, entries: dict[Key, list[str]]) -> tuple[object, ...]:
    """Cargo's order of a dependency line (by name, then version), for one choice's lock."""
    spec = line.strip().strip('",').split(" ")
    version = spec[1] if len(spec) > 1 else next(k[1] for k in entries if k[0] == spec[0])
    return (spec[0], _version_key(version), line)


def _dependencies(
    variants: dict[Choice, list[str]], fixed: int, parsed: dict[Choice, dict[Key, list[str]]]
) -> str:
    """The ``dependencies = [...]`` section of one entry for the choices whose entry has one."""
    lines_by_choice = {c: lines[fixed + 1 : -1] for c, lines in variants.items()}
    sort_keys: dict[str, tuple[object, ...]] = {}
    for c, lines in lines_by_choice.items():
        for line in lines:
            sort_keys.setdefault(line, _dependency_key(line, parsed[c]))
    deps = ""
    for line in sorted(sort_keys, key=sort_keys.__getitem__):
        kept = condition((c for c in variants if line in lines_by_choice[c]), variants)
        deps += f"{{% if {kept} %}}\n{line}{{% endif %}}" if kept else f"\n{line}"
    return "\ndependencies = [" + deps + "\n]"


def merge(locks: dict[Choice, str]) -> str:
    """One template for the lock files of each choice (the first choice's holds every entry)."""
    parsed = {choice: _parse(text) for choice, text in locks.items()}
    headers = {"\n".join(header) for header, _ in parsed.values()}
    if len(headers) != 1:
        raise MergeError("the Cargo.lock headers differ between store choices")
    entries = {choice: found for choice, (_, found) in parsed.items()}
    by_text = {" ".join(key): key for found in entries.values() for key in found}
    keys = union([[" ".join(key) for key in found] for found in entries.values()])
    every = frozenset(locks)
    out = headers.pop()
    for key in map(by_text.__getitem__, keys):
        variants = {c: found[key] for c, found in entries.items() if key in found}
        entry = max(variants.values(), key=len)
        start = entry.index("dependencies = [") if "dependencies = [" in entry else len(entry)
        if any(lines[:start] != entry[:start] for lines in variants.values()):
            raise MergeError(f"{key[0]} {key[1]}: the entry differs between store choices")
        text = "\n" + "\n".join(entry[:start])
        with_deps = {c: lines for c, lines in variants.items() if len(lines) > start}
        if with_deps:
            section = _dependencies(with_deps, start, entries)
            kept = condition(with_deps, variants)
            text += f"{{% if {kept} %}}{section}{{% endif %}}" if kept else section
        kept = condition(variants, every)
        out += f"{{% if {kept} %}}\n{text}{{% endif %}}" if kept else f"\n{text}"
    return out + "\n"
