"""Many generated repositories at once: where each stands (`svcforge status`) and updating them all.

A platform team owns tens to thousands of repositories rendered from one template. For each,
``status`` reports the recorded template version, the newest release its source offers, and
drift: the files that differ from a fresh render of the recorded version with the recorded
answers (local edits, template files deleted, files the template does not produce). ``update``
of several repositories runs them in parallel processes; each one is atomic on its own, and one
that fails never stops the others.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from svcforge import repository
from svcforge.errors import EXIT_BEHIND_OR_DRIFTED, EXIT_INTERRUPTED, RepositoryError, SvcforgeError
from svcforge.merge import read_tree
from svcforge.releases import parse
from svcforge.sources import (
    GitHistory,
    expand,
    find_version,
    installed_history,
    is_default,
    is_remote,
    open_history,
)
from svcforge.updater import UpdateRequest
from svcforge.updater import update as run_update

T = TypeVar("T")
R = TypeVar("R")


def read_repo_list(path: Path) -> list[Path]:
    """Paths listed in ``path``, one per line (blank lines and ``#`` comments skipped).

    Relative paths are relative to the list's directory.
    """
    from svcforge.errors import UserError

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise UserError(f"--repos {path}: cannot read ({error.strerror})") from None
    found = []
    for line in lines:
        entry = line.split("#", 1)[0].strip()
        if entry:
            candidate = Path(entry).expanduser()
            found.append(candidate if candidate.is_absolute() else path.parent / candidate)
    if not found:
        raise UserError(f"--repos {path}: lists no repository")
    return found


def parallel(function: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """``function`` over ``items`` in up to ``jobs`` processes forked from this one, results in order.

    Every item runs in a worker: running the first one here to warm the caches the workers
    inherit (compiled templates, exported versions) kept a core idle for a whole update, and
    measured slower (benchmarks/fleet_bench.py: 1.47x against 1.80x for 8 updates on 2 cores).
    Exports are shared on disk and safe to race; each worker compiles the templates once.
    """
    if jobs <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=context) as pool:
        return list(pool.map(function, items))


def default_jobs() -> int:
    return os.cpu_count() or 1


# --- status -----------------------------------------------------------------------------------


@dataclass
class RepoStatus:
    """Where one repository stands.

    Attributes:
        path: The repository (as given).
        source: Its template source (``_src_path``).
        version: The recorded template version (``_commit``).
        newest: The newest release the source offers.
        newest_from: Where ``newest`` was read: ``source``, or ``bundled history`` when the
            source is svcforge's own and cannot be reached.
        behind: ``newest`` is a later release than ``version``.
        modified: Template files whose content differs from a fresh render (local edits).
        deleted: Files a fresh render has that the repository does not.
        extra: Files the repository has that the template does not produce (its own code).
        error: Why the repository could not be read (then the rest is empty).
        exit_code: That error's exit code.
    """

    path: str
    source: str = ""
    version: str = ""
    newest: str = ""
    newest_from: str = ""
    behind: bool = False
    modified: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    error: str = ""
    exit_code: int = 0

    @property
    def drifted(self) -> bool:
        return bool(self.modified or self.deleted)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "drifted": self.drifted}


def _release_key(ref: str) -> tuple[int, int, int, int]:
    """Order for versions: a release, or `vX.Y.Z-N-g<sha>` just after its release."""
    base, _, rest = ref.partition("-")
    parsed = parse(base) or (0, 0, 0)
    return (*parsed, 1 if rest else 0)


@cache
def _remote_tags(url: str) -> tuple[str, ...] | None:
    """Release tags of a remote, or None when it cannot be reached (one try per run)."""
    from svcforge.sources import release_tags

    result = subprocess.run(
        ["git", "ls-remote", "--tags", "--refs", url],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=60,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
    )
    if result.returncode != 0:
        return None
    names = [line.split("refs/tags/", 1)[1] for line in result.stdout.splitlines() if "refs/tags/" in line]
    return tuple(release_tags(names))


def newest_release(source: str) -> tuple[str, str]:
    """(newest release tag, where it was read) for ``source``.

    Raises:
        SourceError: The source cannot be reached (and is not svcforge's own).
    """
    if is_default(source):
        remote = _remote_tags(expand(source)) if is_remote(expand(source)) else None
        if remote is not None:
            tags = sorted({*remote, *installed_history().tags()}, key=_release_key)
            return (tags[-1] if tags else "", "source")
        tags = installed_history().tags()
        return (tags[-1] if tags else "", "bundled history")
    history: GitHistory = open_history(source)
    history.fetch()
    tags = history.tags()
    return (tags[-1] if tags else "", "source")


def _repo_files(root: Path) -> list[str]:
    result = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return sorted({p for p in result.stdout.split("\0") if p and (root / p).is_file()})


def status_of(path: Path) -> RepoStatus:
    """Where the repository at ``path`` stands; errors go into the result, never raised."""
    from svcforge.questions import load, resolve, user_answers

    row = RepoStatus(str(path))
    try:
        generated = repository.find(path)
        row.source, row.version = generated.source, generated.commit
        if not row.source or not row.version:
            raise RepositoryError(
                f"{generated.root / repository.ANSWERS_FILE} records no _src_path or _commit"
            )
        row.newest, row.newest_from = newest_release(row.source)
        row.behind = bool(row.newest) and _release_key(row.newest) > _release_key(row.version)
        version = find_version(row.source, row.version)
        questions = list(load(version.copier_yml))
        answers = resolve({}, questions=questions, base=generated.user_answers, version=version.label)
        with tempfile.TemporaryDirectory(prefix="svcforge-status-") as scratch:
            from svcforge.generate import render_tree

            render_tree(version, user_answers(answers, questions), Path(scratch) / "render")
            rendered = read_tree(Path(scratch) / "render")
        files = _repo_files(generated.root)
        work = read_tree(generated.root, files)
        row.modified = sorted(rel for rel in rendered if rel in work and work[rel].data != rendered[rel].data)
        row.deleted = sorted(rel for rel in rendered if rel not in work)
        row.extra = sorted(rel for rel in work if rel not in rendered)
    except SvcforgeError as error:
        row.error, row.exit_code = error.message, error.exit_code
    except KeyboardInterrupt:
        raise
    except Exception as error:  # one broken repository never stops the report on the others
        row.error, row.exit_code = f"{type(error).__name__}: {error}", 1
    return row


def status(paths: Iterable[Path], jobs: int) -> list[RepoStatus]:
    """``status_of`` for each path, ``jobs`` at a time."""
    return parallel(status_of, list(paths), jobs)


def status_exit_code(rows: Sequence[RepoStatus], check: bool) -> int:
    """The worst outcome: an unreadable repository's code, or (with ``check``) behind/drifted."""
    codes = [row.exit_code for row in rows if row.exit_code]
    if check and any(row.behind or row.drifted for row in rows if not row.error):
        codes.append(EXIT_BEHIND_OR_DRIFTED)
    return max(codes, default=0)


# --- update of many repositories ----------------------------------------------------------------


@dataclass
class RepoUpdate:
    """One repository's update in a run over many: its report, or its error."""

    path: str
    report: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    exit_code: int = 0

    def to_dict(self) -> dict[str, Any]:
        if self.error:
            return {"path": self.path, "status": "error", "error": self.error, "exit_code": self.exit_code}
        return {"path": self.path, **self.report}


def update_one(job: tuple[UpdateRequest, bool, str | None]) -> RepoUpdate:
    """One repository's update, for a worker process: never raises, the error is in the result."""
    request, pretend, branch = job
    try:
        result = run_update(request, pretend=pretend, branch=branch)
        report = result.report(pretend=pretend)
        return RepoUpdate(str(request.start), report, exit_code=int(report["exit_code"]))
    except SvcforgeError as error:
        return RepoUpdate(str(request.start), error=error.message, exit_code=error.exit_code)
    except KeyboardInterrupt:
        return RepoUpdate(
            str(request.start), error="interrupted: nothing changed", exit_code=EXIT_INTERRUPTED
        )
    except Exception as error:  # one broken repository never stops the others
        return RepoUpdate(str(request.start), error=f"{type(error).__name__}: {error}", exit_code=1)


def update_many(
    requests: Sequence[UpdateRequest], *, jobs: int, pretend: bool, branch: str | None
) -> list[RepoUpdate]:
    """Update every repository, ``jobs`` at a time; each renders its two versions in turn."""
    serial = [replace(r, parallel_renders=False) for r in requests]
    return parallel(update_one, [(r, pretend, branch) for r in serial], jobs)
