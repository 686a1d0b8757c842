"""requirements.txt templates: uv's output, each requirement an unchosen store drops in a condition.

``uv pip compile --generate-hashes`` writes a comment header, then one block per requirement
(``name==version \\`` and its ``--hash=`` lines) sorted by name. Consecutive blocks that the same
store choices need share one ``{% if <condition> -%}`` ... ``{% endif -%}``.
"""

from __future__ import annotations

import re

from scripts.lockfiles.choices import Choice, MergeError, condition, union


def _parse(text: str) -> tuple[list[str], dict[str, str]]:
    """(header lines, requirement name -> its block), in file order."""
    header: list[str] = []
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.rstrip("\n").split("\n"):
        if current is None and line.startswith("#"):
            header.append(line)
        elif line.startswith((" ", "\t")):
            if current is None:
                raise MergeError(f"a continuation line before any requirement: {line!r}")
            current.append(line)
        else:
            match = re.match(r"[A-Za-z0-9._-]+", line)
            if not match:
                raise MergeError(f"not a requirement: {line!r}")
            current = blocks.setdefault(match.group(0).lower(), [])
            if current:
                raise MergeError(f"{match.group(0)} is required twice")
            current.append(line)
    return header, {key: "\n".join(lines) for key, lines in blocks.items()}


def merge(locks: dict[Choice, str]) -> str:
    """One template for the requirements files of each choice."""
    parsed = {choice: _parse(text) for choice, text in locks.items()}
    headers = {"\n".join(header) for header, _ in parsed.values()}
    if len(headers) != 1:
        raise MergeError("the requirements headers differ between store choices")
    every = frozenset(locks)
    groups: list[tuple[str | None, list[str]]] = []
    for key in union([list(blocks) for _, blocks in parsed.values()]):
        texts = {c: blocks[key] for c, (_, blocks) in parsed.items() if key in blocks}
        if len(set(texts.values())) != 1:
            raise MergeError(f"{key}: the store choices pin it differently")
        kept = condition(texts, every)
        block = next(iter(texts.values()))
        if groups and groups[-1][0] == kept:
            groups[-1][1].append(block)
        else:
            groups.append((kept, [block]))
    header = headers.pop()
    out = header + "\n" if header else ""
    for kept, blocks in groups:
        text = "\n".join(blocks) + "\n"
        out += f"{{% if {kept} -%}}\n{text}{{% endif -%}}\n" if kept else text
    return out
