"""A generated repository: where its root is, what it records, whether it can be updated."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from svcforge.errors import RepositoryError

ANSWERS_FILE = ".copier-answers.yml"


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )


@dataclass(frozen=True)
class Generated:
    """A repository rendered from a Copier template.

    Attributes:
        root: The top of its work tree, where the answers file is.
        answers: Everything `.copier-answers.yml` holds (``_src_path`` and ``_commit`` included).
    """

    root: Path
    answers: dict[str, Any]

    @property
    def source(self) -> str:
        return str(self.answers.get("_src_path") or "")

    @property
    def commit(self) -> str:
        return str(self.answers.get("_commit") or "")

    @property
    def user_answers(self) -> dict[str, Any]:
        """The recorded answers without Copier's metadata."""
        return {k: v for k, v in self.answers.items() if not k.startswith("_")}


def find(start: Path) -> Generated:
    """The generated repository containing ``start``, found upward as git finds its root.

    Raises:
        RepositoryError: ``start`` is not in a git work tree, or the work tree has no answers file.
    """
    start = start.absolute()
    if not start.exists():
        raise RepositoryError(f"{start} does not exist")
    where = start if start.is_dir() else start.parent
    result = _git(where, "rev-parse", "--show-toplevel")
    if result.returncode != 0:
        raise RepositoryError(
            f"{start} is not in a git repository; svcforge updates a committed work tree"
            " (git init && git add -A && git commit)"
        )
    top = Path(result.stdout.strip())
    # The nearest answers file between `start` and the top wins (a template rendered into a
    # subdirectory of a larger repository records its answers there).
    for folder in [where, *where.parents]:
        if (folder / ANSWERS_FILE).is_file():
            return Generated(folder, read_answers(folder / ANSWERS_FILE))
        if folder == top:
            break
    raise RepositoryError(
        f"no {ANSWERS_FILE} between {where} and the repository root {top}: it was not generated"
        " by svcforge or Copier"
    )


def read_answers(path: Path) -> dict[str, Any]:
    """The answers file's content."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise RepositoryError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise RepositoryError(f"{path} is not a mapping of question: answer")
    return data


def uncommitted(root: Path) -> list[str]:
    """Paths with uncommitted changes or untracked, not ignored, under ``root``."""
    result = _git(root, "status", "--porcelain=v1", "--untracked-files=all", "--", ".")
    return [line[3:] for line in result.stdout.splitlines() if line.strip()]


def require_clean(root: Path) -> None:
    """Refuse a work tree with uncommitted changes: an update must be reviewable as one diff."""
    dirty = uncommitted(root)
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise RepositoryError(
            f"{root} has uncommitted changes ({shown}); commit or stash them first, so the update"
            " is one reviewable diff"
        )


def tracked_files(root: Path) -> list[str]:
    """Files git tracks under ``root``, relative to it."""
    result = _git(root, "ls-files", "-z", "--", ".")
    return sorted(p for p in result.stdout.split("\0") if p)


def git_dir(root: Path) -> Path:
    """The repository's git directory (for scratch space on the same filesystem)."""
    return Path(_git(root, "rev-parse", "--absolute-git-dir").stdout.strip())
