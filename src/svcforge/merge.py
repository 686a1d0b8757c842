"""Three-way file merges: what the template changed, applied over what the user changed.

For each file there are three versions: the recorded template version's render (base), the
target version's render (theirs) and the work tree (ours). The outcome of each file is one
``FileChange``; file contents are merged with ``git merge-file``, as Copier does.
"""

from __future__ import annotations

import difflib
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ADDED = "added"
MODIFIED = "modified"
DELETED = "deleted"
CONFLICT = "conflict"
SKIPPED = "skipped"

# How alike a work-tree file must be to a template file to be taken for it, renamed.
RENAME_SIMILARITY = 0.6


def count_inline_hunks(text: str) -> int:
    """Number of complete `<<<<<<<` ... `>>>>>>>` blocks in ``text``."""
    hunks = 0
    open_block = False
    for line in text.splitlines():
        if line.startswith("<<<<<<< "):
            open_block = True
        elif line.startswith(">>>>>>> ") and open_block:
            hunks += 1
            open_block = False
    return hunks


@dataclass(frozen=True)
class FileChange:
    """What an update does to one file.

    Attributes:
        path: Path in the repository (for a file the user renamed: its current path).
        status: ``added``, ``modified``, ``deleted``, ``conflict`` (applied, needs a human) or
            ``skipped`` (the template change was not applied; ``note`` says why).
        kind: Detail of the status: ``inline`` (conflict markers), ``deleted-upstream`` (the
            new version drops a file you edited: kept), ``binary``, ``deleted-locally`` (you
            deleted a file the new version changes), ``renamed-locally`` (applied to the file
            you renamed it to), ``merged`` (your edits and the template's combined cleanly).
        hunks: Conflicting hunks in the file (``inline`` only).
        note: One sentence for the user.
    """

    path: str
    status: str
    kind: str = ""
    hunks: int = 0
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", 0) or k in ("path", "status")}


@dataclass(frozen=True)
class Content:
    """A file's bytes and mode."""

    data: bytes
    mode: int = 0o644

    @property
    def binary(self) -> bool:
        return b"\0" in self.data[:8192]


@dataclass(frozen=True)
class Outcome:
    """A file's fate: its change, and what to write (``None`` deletes the file)."""

    change: FileChange
    write: Content | None
    path: str


def read_tree(root: Path, paths: list[str] | None = None) -> dict[str, Content]:
    """``{relative path: Content}`` for every file below ``root`` (or just ``paths``)."""
    found: dict[str, Content] = {}
    candidates = paths if paths is not None else [str(p.relative_to(root)) for p in root.rglob("*")]
    for rel in candidates:
        path = root / rel
        if path.is_file() and not path.is_symlink():
            found[rel] = Content(path.read_bytes(), path.stat().st_mode & 0o777)
    return found


def merge_text(ours: bytes, base: bytes, theirs: bytes, labels: tuple[str, str, str]) -> tuple[bytes, int]:
    """``git merge-file`` of three versions: the merged bytes and the number of conflicts."""
    with tempfile.TemporaryDirectory(prefix="svcforge-merge-") as scratch:
        files = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(scratch) / name
            path.write_bytes(data)
            files.append(str(path))
        result = subprocess.run(
            ["git", "merge-file", "-p", "-L", labels[0], "-L", labels[1], "-L", labels[2], *files],
            capture_output=True,
            check=False,
        )
    if result.returncode < 0 or result.returncode > 127:
        raise RuntimeError(f"git merge-file failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout, result.returncode


def _renamed_to(base: Content, candidates: dict[str, Content]) -> str | None:
    """The work-tree file most like ``base``, when alike enough to be it renamed."""
    text = base.data.decode("utf-8", errors="replace").splitlines()
    best, best_ratio = None, RENAME_SIMILARITY
    for rel, content in candidates.items():
        other = content.data.decode("utf-8", errors="replace").splitlines()
        matcher = difflib.SequenceMatcher(None, text, other, autojunk=False)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = rel, ratio
    return best


class Merger:
    """Decides each file's outcome for one update.

    Args:
        old: The recorded version's render (path -> content).
        new: The target version's render.
        work: The work tree's files.
        labels: Conflict-marker labels for (work tree, old, new).
        always_take: Paths that always take the new render (the answers file).
    """

    def __init__(
        self,
        old: dict[str, Content],
        new: dict[str, Content],
        work: dict[str, Content],
        labels: tuple[str, str, str],
        always_take: frozenset[str] = frozenset(),
    ) -> None:
        self.old, self.new, self.work = old, new, work
        self.labels = labels
        self.always_take = always_take
        # Work-tree files the template knows nothing of: where a renamed file went.
        self.extra = {rel: c for rel, c in work.items() if rel not in old and rel not in new}

    def outcomes(self) -> list[Outcome]:
        results = []
        for rel in sorted(set(self.old) | set(self.new)):
            outcome = self.decide(rel)
            if outcome is not None:
                results.append(outcome)
        return results

    def decide(self, rel: str) -> Outcome | None:
        base, theirs, ours = self.old.get(rel), self.new.get(rel), self.work.get(rel)
        if rel in self.always_take and theirs is not None:
            if ours is not None and ours.data == theirs.data:
                return None
            return Outcome(FileChange(rel, MODIFIED if ours else ADDED), theirs, rel)
        if base == theirs or (base and theirs and base.data == theirs.data and base.mode == theirs.mode):
            return None  # the template did not change this file: whatever the user did stands
        if base is None:
            assert theirs is not None
            return self._added(rel, theirs, ours)
        if theirs is None:
            return self._dropped(rel, base, ours)
        if ours is None:
            return self._changed_but_gone(rel, base, theirs)
        return self._changed(rel, rel, base, theirs, ours)

    def _added(self, rel: str, theirs: Content, ours: Content | None) -> Outcome | None:
        if ours is None:
            return Outcome(FileChange(rel, ADDED), theirs, rel)
        if ours.data == theirs.data:
            return None
        empty = Content(b"", theirs.mode)
        return self._changed(
            rel, rel, empty, theirs, ours, note="the file existed here before the template added it"
        )

    def _dropped(self, rel: str, base: Content, ours: Content | None) -> Outcome | None:
        if ours is None:
            return None
        if ours.data == base.data:
            return Outcome(FileChange(rel, DELETED), None, rel)
        note = "the new version no longer has this file; your edited copy is kept: delete it or keep it"
        return Outcome(FileChange(rel, CONFLICT, "deleted-upstream", note=note), ours, rel)

    def _changed_but_gone(self, rel: str, base: Content, theirs: Content) -> Outcome | None:
        target = None if base.binary else _renamed_to(base, self.extra)
        if target is None:
            note = "you deleted this file; the new version changes it, and that change is not applied"
            return Outcome(FileChange(rel, SKIPPED, "deleted-locally", note=note), None, rel)
        self.extra.pop(target)
        return self._changed(
            target,
            rel,
            base,
            theirs,
            self.work[target],
            renamed_from=rel,
        )

    def _changed(
        self,
        where: str,
        rel: str,
        base: Content,
        theirs: Content,
        ours: Content,
        *,
        note: str = "",
        renamed_from: str = "",
    ) -> Outcome | None:
        mode = theirs.mode if base.mode != theirs.mode else ours.mode
        kind = "renamed-locally" if renamed_from else ""
        if renamed_from:
            note = f"you renamed {renamed_from} to {where}; the template's change to it is applied here"
        if ours.data == base.data:
            return Outcome(FileChange(where, MODIFIED, kind, note=note), Content(theirs.data, mode), where)
        if ours.data == theirs.data:
            return (
                None
                if mode == ours.mode
                else Outcome(FileChange(where, MODIFIED, kind), Content(ours.data, mode), where)
            )
        if ours.binary or base.binary or theirs.binary:
            note = (
                "a binary file changed here and in the template; yours is kept, the template's is not applied"
            )
            return Outcome(FileChange(where, CONFLICT, "binary", note=note), ours, where)
        merged, conflicts = merge_text(ours.data, base.data, theirs.data, self.labels)
        if conflicts:
            hunks = max(1, count_inline_hunks(merged.decode("utf-8", errors="replace")))
            note = note or "your edits and the template's overlap: resolve the marked hunks"
            return Outcome(FileChange(where, CONFLICT, "inline", hunks, note), Content(merged, mode), where)
        return Outcome(FileChange(where, MODIFIED, kind or "merged", note=note), Content(merged, mode), where)
