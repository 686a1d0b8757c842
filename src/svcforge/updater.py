"""`svcforge update`: move a generated repository to another template version, keeping local work.

Copier's own update works on the work tree in place: an interrupt leaves it half updated, it
deletes a locally edited file the new version drops, and it reads the recorded version only from
``_src_path``. svcforge renders the recorded version and the target version into scratch
directories (from this installation's history when the source is svcforge's own), merges every
file three ways with ``git merge-file`` (as Copier does), and decides each file's fate before
touching anything. The result is applied to the work tree in one step that a failure or an
interrupt rolls back completely.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from svcforge import repository
from svcforge.errors import EXIT_CONFLICTS, RepositoryError, SvcforgeError, UserError
from svcforge.merge import CONFLICT, Content, FileChange, Merger, read_tree
from svcforge.questions import Question, load, resolve, user_answers
from svcforge.sources import TEMPLATE_URL_ENV, TemplateVersion, find_version

# Answers whose change is checked through the template's computed `identity`.
IDENTITY = "identity"


class Interrupted(SvcforgeError):
    """Ctrl-C or SIGTERM; the message says what state the work tree is in."""

    exit_code = 130


class IdentityChangeError(UserError):
    """New answers would rename or move live resources."""


@dataclass
class UpdatePlan:
    """Everything an update would do, decided before anything is written.

    Attributes:
        root: The repository's root.
        source: The template source used for this run.
        from_ref: The recorded version.
        to_ref: The target version.
        changes: One entry per file the update touches or reports, sorted by path.
        writes: What to write (``None`` deletes), by path.
        answers: Answers whose value changes: name -> (recorded, new).
        branch: With `--branch`: the branch the update was committed on.
        commit: That commit.
    """

    root: Path
    source: str
    from_ref: str
    to_ref: str
    changes: list[FileChange] = field(default_factory=list)
    writes: dict[str, Content | None] = field(default_factory=dict)
    answers: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    branch: str = ""
    commit: str = ""

    @property
    def conflicts(self) -> list[FileChange]:
        return [c for c in self.changes if c.status == CONFLICT]

    @property
    def up_to_date(self) -> bool:
        return not self.writes and not self.changes

    def report(self, *, pretend: bool = False) -> dict[str, Any]:
        """The JSON report (`--json`): status, versions, answers changed, every file."""
        if self.up_to_date:
            status = "up-to-date"
        elif pretend:
            status = "pretend"
        else:
            status = "conflicts" if self.conflicts else "updated"
        report: dict[str, Any] = {
            "status": status,
            "path": str(self.root),
            "source": self.source,
            "from": self.from_ref,
            "to": self.to_ref,
            "answers": {k: {"from": a, "to": b} for k, (a, b) in self.answers.items()},
            "files": [c.to_dict() for c in self.changes],
            "changed": sorted(self.writes),
            "conflicts": [c.to_dict() for c in self.conflicts],
            "exit_code": EXIT_CONFLICTS if self.conflicts and not pretend else 0,
        }
        if self.branch:
            report |= {"branch": self.branch, "commit": self.commit}
        return report


@dataclass(frozen=True)
class UpdateRequest:
    """What the user asked for.

    Attributes:
        start: A path inside the repository (its root is found upward).
        data: New answers (``--data``/``--data-file``).
        sources: Where each of ``data`` came from, for messages.
        vcs_ref: Target version (default: the installed one for svcforge's own template, else
            the source's newest release).
        template: Template source for this run instead of the recorded ``_src_path``.
        allow_identity_change: Accept answers that rename or move live resources.
        ask: Asks the questions the recorded and given answers leave open (the wizard, on a
            terminal); returns every answer. None: they take their defaults.
        parallel_renders: Render the two versions at once in two processes (off when many
            repositories are updated in parallel already).
    """

    start: Path
    data: Mapping[str, Any] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    vcs_ref: str | None = None
    template: str | None = None
    allow_identity_change: bool = False
    ask: Callable[[list[Question], dict[str, Any]], dict[str, Any]] | None = None
    parallel_renders: bool = True


def _source_for(request: UpdateRequest, generated: repository.Generated) -> str:
    source = request.template or os.environ.get(TEMPLATE_URL_ENV) or generated.source
    if not source:
        raise RepositoryError(
            f"{generated.root / repository.ANSWERS_FILE} records no template source (_src_path);"
            " pass --template"
        )
    return source


def _answers_for(
    request: UpdateRequest,
    generated: repository.Generated,
    version: TemplateVersion,
    questions: list[Question],
) -> dict[str, Any]:
    """The answers of the new render: recorded, then given, then asked (or defaults)."""
    known = {q.name for q in questions}
    recorded = {k: v for k, v in generated.user_answers.items() if k in known}
    given = dict(request.data)
    if request.ask is not None:
        prefilled = {**recorded, **given}
        asked = request.ask(questions, prefilled)
        asking = {q.name for q in questions if not q.computed}
        given |= {k: v for k, v in asked.items() if k in asking and k not in prefilled}
    return resolve(given, sources=request.sources, questions=questions, base=recorded, version=version.label)


def _changed_leaves(before: Any, after: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """(path, before, after) of each value ``after`` changes; filling in a blank is not a change."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in before:
            if key in after:
                found += _changed_leaves(before[key], after[key], f"{path}.{key}" if path else str(key))
        return found
    if before in ("", None) or before == after:
        return []
    return [(path, before, after)]


# Names a reader recognises first, then the other top-level names, then nested ones (alarms).
_KNOWN_NAMES = ("cluster", "service", "db_identifier", "log_group", "alb", "resource_group", "cloud_run")


def _name_weight(leaf: tuple[str, Any, Any]) -> tuple[int, int]:
    parts = leaf[0].split(".")
    if len(parts) == 2 and parts[1] in _KNOWN_NAMES:
        return (0, _KNOWN_NAMES.index(parts[1]))
    return (1 if len(parts) == 2 else 2, 0)


def identity_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """What would move or be renamed, one line per finding, the weightiest first."""
    lines = (
        [f"cloud: {before.get('cloud')} -> {after.get('cloud')}"]
        if before.get("cloud") != after.get("cloud")
        else []
    )
    old_envs, new_envs = before.get("environments", {}), after.get("environments", {})
    for env, old in old_envs.items():
        if env not in new_envs:
            lines.append(f"environment {env} would be removed (its resources and Terraform state abandoned)")
            continue
        leaves = _changed_leaves(old, new_envs[env])
        names = sorted((leaf for leaf in leaves if leaf[0].startswith("names.")), key=_name_weight)
        lines += [f"environments.{env}.{p}: {a} -> {b}" for p, a, b in leaves if not p.startswith("names.")]
        if names:
            shown = "; ".join(f"{p}: {a} -> {b}" for p, a, b in names[:3])
            more = f" (and {len(names) - 3} more)" if len(names) > 3 else ""
            lines.append(f"environments.{env}: {len(names)} resource names change: {shown}{more}")
    return lines


def _check_identity(old: Mapping[str, Any], new: Mapping[str, Any], allowed: bool) -> None:
    if IDENTITY not in new or allowed:
        return
    lines = identity_changes(old.get(IDENTITY) or {}, new[IDENTITY])
    if not lines:
        return
    raise IdentityChangeError(
        "these answers would rename or move live resources, or point Terraform at empty state:\n  "
        + "\n  ".join(lines)
        + "\npass --allow-identity-change if that is what you want (then move the resources and the"
        " state yourself: terraform state mv, import, or a migration plan)"
    )


def _render(
    version: TemplateVersion, answers: Mapping[str, Any], questions: list[Question], dst: Path
) -> None:
    from svcforge.generate import render_tree

    render_tree(version, user_answers(answers, questions), dst)


def plan(request: UpdateRequest, scratch: Path) -> UpdatePlan:
    """Decide what the update does; render into ``scratch``; write nothing in the repository.

    Raises:
        RepositoryError: Not a clean git work tree with an answers file.
        SourceError: The template source or a version is unavailable.
        AnswerError/UserError: A new answer is invalid, or would change the deployment's identity.
    """
    generated = repository.find(request.start)
    repository.require_clean(generated.root)
    if not generated.commit:
        raise RepositoryError(
            f"{generated.root / repository.ANSWERS_FILE} records no template version (_commit), so the"
            " version it was rendered from cannot be regenerated"
        )
    source = _source_for(request, generated)
    old_version = find_version(source, generated.commit)
    # --template and SVCFORGE_TEMPLATE_URL choose where to read versions from for this run;
    # the answers file keeps recording the source it had.
    new_version = replace(find_version(source, request.vcs_ref), source=generated.source or source)
    old_questions = list(load(old_version.copier_yml))
    new_questions = list(load(new_version.copier_yml))
    old_answers = resolve({}, questions=old_questions, base=generated.user_answers, version=generated.commit)
    new_answers = _answers_for(request, generated, new_version, new_questions)
    if IDENTITY not in old_answers:  # a version from before `identity` existed: the new definition
        old_answers = {
            **old_answers,
            IDENTITY: resolve({}, questions=new_questions, base=generated.user_answers).get(IDENTITY),
        }
    _check_identity(old_answers, new_answers, request.allow_identity_change)

    result = UpdatePlan(generated.root, source, generated.commit, new_version.ref or new_version.label)
    result.answers = {
        q.name: (old_answers.get(q.name), new_answers.get(q.name))
        for q in new_questions
        if not q.computed and q.name in new_answers and old_answers.get(q.name) != new_answers[q.name]
    }
    old_dir, new_dir = scratch / "old", scratch / "new"
    _render_both(
        (old_version, old_answers, old_questions, old_dir),
        (new_version, new_answers, new_questions, new_dir),
        parallel=request.parallel_renders,
    )
    old, new = read_tree(old_dir), read_tree(new_dir)
    work = read_tree(generated.root, repository.tracked_files(generated.root))
    labels = ("local changes", f"template {generated.commit}", f"template {result.to_ref}")
    merger = Merger(old, new, work, labels, always_take=frozenset({repository.ANSWERS_FILE}))
    for outcome in merger.outcomes():
        result.changes.append(outcome.change)
        if outcome.change.status != "skipped" and (
            outcome.write is None or work.get(outcome.path) != outcome.write
        ):
            result.writes[outcome.path] = outcome.write
    result.changes.sort(key=lambda c: c.path)
    if result.from_ref == result.to_ref and not result.answers:
        # Same version, same answers: only the answers file's formatting could differ.
        result.writes.pop(repository.ANSWERS_FILE, None)
        result.changes = [c for c in result.changes if c.path != repository.ANSWERS_FILE]
    return result


RenderJob = tuple[TemplateVersion, Mapping[str, Any], list[Question], Path]


def _render_both(old: RenderJob, new: RenderJob, *, parallel: bool) -> None:
    """Render both versions; the old one in a forked process while this one renders the new one."""
    import multiprocessing

    if (
        not parallel
        or os.environ.get("SVCFORGE_SERIAL_RENDER")
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        _render(*old)
        _render(*new)
        return
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        old_job = pool.submit(_render, old[0], dict(old[1]), old[2], old[3])
        try:
            _render(*new)
        except BaseException:
            old_job.cancel()
            raise
        old_job.result()


@contextmanager
def _deferred_signals() -> Iterator[list[int]]:
    """Hold SIGINT and SIGTERM while the work tree changes; yield the ones that arrived."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def hold(signum: int, _frame: object) -> None:
        received.append(signum)

    for sig in previous:
        signal.signal(sig, hold)
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _write(target: Path, content: Content) -> None:
    temporary = target.with_name(f".{target.name}.svcforge-new")
    temporary.write_bytes(content.data)
    temporary.chmod(content.mode)
    temporary.replace(target)


def apply(update: UpdatePlan) -> None:
    """Write ``update`` into the work tree: all of it, or (on any failure or interrupt) none.

    Raises:
        Interrupted: A signal arrived while writing; everything was restored.
        SvcforgeError: Writing failed; everything was restored.
    """
    root = update.root
    backup = Path(tempfile.mkdtemp(prefix="svcforge-update-", dir=repository.git_dir(root)))
    saved: list[str] = []
    written: list[str] = []
    created: list[Path] = []
    try:
        with _deferred_signals() as received:
            try:
                for rel, content in update.writes.items():
                    target = root / rel
                    if target.exists() or target.is_symlink():
                        (backup / rel).parent.mkdir(parents=True, exist_ok=True)
                        target.replace(backup / rel)
                        saved.append(rel)
                    if content is not None:
                        for parent in reversed(Path(rel).parents):
                            folder = root / parent
                            if not folder.exists():
                                folder.mkdir()
                                created.append(folder)
                        _write(target, content)
                        written.append(rel)
                    if received:
                        raise Interrupted(
                            "interrupted while writing: the update was rolled back; nothing changed"
                        )
            except BaseException as error:
                _restore(root, backup, saved, written, created)
                if isinstance(error, SvcforgeError | KeyboardInterrupt):
                    raise
                reason = f"{type(error).__name__}: {error}"
                raise SvcforgeError(
                    f"the update failed while writing ({reason}); every file was restored"
                ) from error
            _remove_empty_parents(root, [rel for rel, content in update.writes.items() if content is None])
    finally:
        shutil.rmtree(backup, ignore_errors=True)


def _restore(root: Path, backup: Path, saved: list[str], written: list[str], created: list[Path]) -> None:
    for rel in written:
        (root / rel).unlink(missing_ok=True)
    for rel in saved:
        (backup / rel).replace(root / rel)
    for folder in reversed(created):
        shutil.rmtree(folder, ignore_errors=True)


def _remove_empty_parents(root: Path, deleted: list[str]) -> None:
    for rel in deleted:
        for parent in Path(rel).parents:
            folder = root / parent
            if folder == root or any(folder.iterdir()):
                break
            folder.rmdir()


def update(request: UpdateRequest, *, pretend: bool = False, branch: str | None = None) -> UpdatePlan:
    """Plan the update in a scratch directory and (unless ``pretend``) apply it.

    With ``branch``, the update is applied on a new branch of that name and committed there
    (conflict markers included), so a job can push it and open a pull request.
    """
    scratch = Path(tempfile.mkdtemp(prefix="svcforge-update-"))
    try:
        try:
            result = plan(request, scratch)
        except KeyboardInterrupt:
            raise Interrupted("interrupted before anything was written: nothing changed") from None
        if pretend or not result.writes:
            return result
        if branch is None:
            apply(result)
            return result
        previous = _current_branch(result.root)
        make_branch(result.root, branch)
        try:
            apply(result)
        except BaseException:
            _git(result.root, "switch", "-q", previous)
            _git(result.root, "branch", "-q", "-D", branch)
            raise
        result.branch, result.commit = branch, commit_update(result)
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _git(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, text=True, check=False)


def _current_branch(root: Path) -> str:
    name = _git(root, "symbolic-ref", "-q", "--short", "HEAD").stdout.strip()
    return name or _git(root, "rev-parse", "HEAD").stdout.strip()


def make_branch(root: Path, branch: str) -> None:
    """Switch to a new branch ``branch`` at HEAD; refuse one that exists."""
    if _git(root, "check-ref-format", "--branch", branch).returncode != 0:
        raise UserError(f"--branch {branch!r} is not a valid branch name")
    if _git(root, "rev-parse", "-q", "--verify", f"refs/heads/{branch}").returncode == 0:
        raise RepositoryError(f"{root}: branch {branch} already exists; delete it or choose another --branch")
    switched = _git(root, "switch", "-q", "-c", branch)
    if switched.returncode != 0:
        raise RepositoryError(f"{root}: cannot create branch {branch}: {switched.stderr.strip()}")


def commit_message(report: Mapping[str, Any]) -> str:
    """The `--branch` commit message: the version change, answers changed, files and conflicts."""
    lines = [f"Update the svcforge template: {report['from']} -> {report['to']}", ""]
    lines.append(f"Rendered from {report['source']} by `svcforge update`.")
    if report["answers"]:
        lines += ["", "Answers changed:"]
        lines += [f"- {k}: {v['from']!r} -> {v['to']!r}" for k, v in report["answers"].items()]
    applied = [f for f in report["files"] if f["status"] != CONFLICT]
    if applied:
        lines += ["", "Files:"]
        lines += [
            f"- {f['status']} {f['path']}" + (f" ({f['kind']})" if f.get("kind") else "") for f in applied
        ]
    if report["conflicts"]:
        lines += ["", "Conflicts to resolve before merging (their markers are in this commit):"]
        lines += [f"- {c['path']} ({c['kind']}): {c.get('note', '')}" for c in report["conflicts"]]
    return "\n".join(lines) + "\n"


def commit_update(result: UpdatePlan) -> str:
    """Commit the applied update on the current branch; return the commit."""
    root = result.root
    identity = (
        []
        if _git(root, "config", "user.email").stdout.strip()
        else ["-c", "user.name=svcforge", "-c", "user.email=svcforge@users.noreply.github.com"]
    )  # CI runners often have no git identity
    _git(root, "add", "-A", "--", ".")
    committed = _git(
        root, *identity, "commit", "-q", "--no-verify", "-F", "-", stdin=commit_message(result.report())
    )
    if committed.returncode != 0:
        raise SvcforgeError(f"{root}: git commit failed: {committed.stderr.strip()}")
    return _git(root, "rev-parse", "HEAD").stdout.strip()
