"""Find what a 3-way merge left unresolved: inline conflict markers and `.rej` files."""

from __future__ import annotations

import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

_START = "<<<<<<< "
_END = ">>>>>>> "


@dataclass(frozen=True)
class Conflict:
    """One file needing a human.

    Attributes:
        path: Path relative to the repository root.
        kind: ``inline`` (conflict markers in the file) or ``rej`` (a rejected hunk file).
        hunks: Number of conflicting hunks.
    """

    path: str
    kind: str
    hunks: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def changed_files(repo: Path) -> list[str]:
    """Files git reports as modified, added or untracked (excluding ignored ones)."""
    out = subprocess.run(
        ["git", "status", "--porcelain=v1", "-z", "--untracked-files=all"],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    paths: list[str] = []
    entries = out.split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if not entry:
            continue
        status, path = entry[:2], entry[3:]
        if "R" in status or "C" in status:
            i += 1  # the rename's source path follows
        paths.append(path)
    return sorted(set(paths))


def count_inline_hunks(text: str) -> int:
    """Number of complete `<<<<<<<` ... `>>>>>>>` blocks in ``text``."""
    hunks = 0
    open_block = False
    for line in text.splitlines():
        if line.startswith(_START):
            open_block = True
        elif line.startswith(_END) and open_block:
            hunks += 1
            open_block = False
    return hunks


def scan(repo: Path, candidates: list[str] | None = None) -> list[Conflict]:
    """Conflicts among ``candidates`` (default: every file git sees as changed)."""
    found: list[Conflict] = []
    for rel in candidates if candidates is not None else changed_files(repo):
        path = repo / rel
        if not path.is_file():
            continue
        if rel.endswith(".rej"):
            found.append(Conflict(rel, "rej", max(1, path.read_text(errors="replace").count("@@ ") // 2)))
            continue
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        hunks = count_inline_hunks(text)
        if hunks:
            found.append(Conflict(rel, "inline", hunks))
    return found
