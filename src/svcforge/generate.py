"""Rendering and updating through Copier's public API. The only module that imports copier."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from svcforge.errors import AnswerError, DestinationError, SvcforgeError, UserError
from svcforge.template import render_source

ANSWERS_FILE = ".copier-answers.yml"

# Recorded as the template source of repos rendered from the bundled template, so that
# `copier update` / `svcforge update` can find newer versions later. Override with the
# environment variable SVCFORGE_TEMPLATE_URL (an internal mirror, or a local clone).
DEFAULT_TEMPLATE_URL = "https://github.com/svcforge/svcforge.git"

_COPIER_ANSWER_ERRORS = (
    re.compile(r"Validation error for question '(?P<q>[^']+)': (?P<rule>.*)", re.S),
    re.compile(r"Invalid choice for '(?P<q>[^']+)': (?P<rule>.*)", re.S),
    re.compile(r'Question "(?P<q>[^"]+)" is required()(?P<rule>)', re.S),
)


@dataclass(frozen=True)
class RenderResult:
    """What a render produced (or, with ``pretend``, would produce).

    Attributes:
        destination: Where the files went.
        files: Paths relative to ``destination``, sorted.
        replaced: The subset of ``files`` that already existed and were overwritten.
        pretend: True when nothing was written.
    """

    destination: Path
    files: list[str]
    replaced: list[str] = field(default_factory=list)
    pretend: bool = False


def answer_error_from(error: Exception, sources: Mapping[str, str] | None = None) -> UserError:
    """Translate a Copier validation error into an AnswerError naming the question."""
    text = str(error)
    for pattern in _COPIER_ANSWER_ERRORS:
        match = pattern.search(text)
        if match:
            question = match.group("q")
            rule = match.group("rule").strip() or "an answer is required (no default exists)"
            source = (sources or {}).get(question, "")
            return AnswerError(question, rule, source=source)
    return UserError(text)


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def _relative_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())


def _point_answers_at_template(answers_path: Path, src: str | None) -> None:
    """Record a durable template source in a repo rendered from the bundled template.

    The bundled template is a plain directory, so Copier records a temporary path and no
    commit; `copier update` then needs the template's git URL and the version tag.
    """
    if src is not None or not answers_path.is_file():
        return
    from svcforge import __version__

    data = yaml.safe_load(answers_path.read_text()) or {}
    data["_src_path"] = os.environ.get("SVCFORGE_TEMPLATE_URL", DEFAULT_TEMPLATE_URL)
    data["_commit"] = f"v{__version__}"
    header = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
    answers_path.write_text(header + yaml.safe_dump(data, sort_keys=True, allow_unicode=True))


@contextmanager
def _staging_dir(near: Path) -> Iterator[Path]:
    """A temporary directory on the same filesystem as ``near`` (so moves are atomic)."""
    parent = near.parent if near.parent.exists() else Path(tempfile.gettempdir())
    staging = Path(tempfile.mkdtemp(prefix=".svcforge-", dir=parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install(staging: Path, files: list[str], dst: Path, backup: Path) -> list[str]:
    """Move rendered files into ``dst``; on any failure restore ``dst`` exactly."""
    created_dst = not dst.exists()
    moved: list[str] = []
    replaced: list[str] = []
    created_dirs: list[Path] = []
    try:
        dst.mkdir(parents=True, exist_ok=True)
        for rel in files:
            target = dst / rel
            for parent in reversed(target.relative_to(dst).parents):
                folder = dst / parent
                if not folder.exists():
                    folder.mkdir()
                    created_dirs.append(folder)
            if target.exists() or target.is_symlink():
                saved = backup / rel
                saved.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, saved)
                replaced.append(rel)
            os.replace(staging / rel, target)
            moved.append(rel)
    except BaseException:
        for rel in reversed(moved):
            (dst / rel).unlink(missing_ok=True)
        for rel in replaced:
            os.replace(backup / rel, dst / rel)
        for folder in reversed(created_dirs):
            shutil.rmtree(folder, ignore_errors=True)
        if created_dst:
            shutil.rmtree(dst, ignore_errors=True)
        raise
    return replaced


def render(
    data: Mapping[str, Any],
    dst: Path | str,
    *,
    src: str | None = None,
    vcs_ref: str | None = None,
    overwrite: bool = False,
    pretend: bool = False,
    sources: Mapping[str, str] | None = None,
) -> RenderResult:
    """Render the template with ``data`` into ``dst`` without prompting.

    Copier renders into a staging directory first; only a complete render is moved into
    ``dst``, so a bad answer, a template error or Ctrl-C leaves ``dst`` as it was.

    Args:
        data: Answers; anything missing takes its default (or fails when it has none).
        dst: Destination directory; it must be empty or absent unless ``overwrite``.
        src: Template source (path or git URL); defaults to the bundled template.
        vcs_ref: Git ref of ``src`` to render.
        overwrite: Allow a non-empty ``dst`` and replace files the template produces.
        pretend: Report the files that would be written and write nothing.
        sources: Where each answer came from (for error messages), by question name.

    Raises:
        AnswerError: An answer is missing or invalid.
        DestinationError: ``dst`` is not empty and ``overwrite`` is false.
    """
    import copier

    from svcforge import jinja_cache

    jinja_cache.install()
    dst = Path(dst).absolute()
    if dst.exists() and not dst.is_dir():
        raise DestinationError(f"destination {dst} exists and is not a directory")
    if dst.exists() and not overwrite and not _is_empty_dir(dst):
        raise DestinationError(
            f"destination {dst} is not empty; pass --overwrite to replace the files the"
            " template produces (other files are kept)"
        )
    from svcforge import __version__

    # The bundled template is a plain directory: Copier knows no version, so the template gets
    # the one _point_answers_at_template records (catalog-info.yaml shows it).
    version = {} if src is not None else {"svcforge_template_version": f"v{__version__}"}
    with _staging_dir(dst) as staging:
        out = staging / "out"
        try:
            copier.run_copy(
                src or str(render_source()),
                out,
                data=dict(data) | version,
                vcs_ref=vcs_ref,
                defaults=True,
                overwrite=True,
                quiet=True,
                unsafe=False,
                cleanup_on_error=True,
            )
        except (ValueError, copier.errors.UserMessageError) as error:
            raise answer_error_from(error, sources) from error
        except Exception as error:  # a broken template: Jinja or Copier failure
            raise SvcforgeError(f"template error: {type(error).__name__}: {error}") from error
        _point_answers_at_template(out / ANSWERS_FILE, src)
        files = _relative_files(out)
        if pretend:
            existing = [f for f in files if (dst / f).exists()]
            return RenderResult(dst, files, existing, pretend=True)
        backup = staging / "backup"
        replaced = _install(out, files, dst, backup)
    return RenderResult(dst, files, replaced)


@dataclass(frozen=True)
class UpdateResult:
    """What `update` did.

    Attributes:
        destination: The repository updated.
        from_version: Template version before the update.
        to_version: Template version after the update.
        changed: Files git reports as changed after the update.
    """

    destination: Path
    from_version: str
    to_version: str
    changed: list[str]


def read_answers(repo: Path) -> dict[str, Any]:
    """The generated repo's `.copier-answers.yml`."""
    path = repo / ANSWERS_FILE
    if not path.is_file():
        raise UserError(f"{repo} has no {ANSWERS_FILE}: it was not generated by svcforge/Copier")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise UserError(f"{path} is not a mapping")
    return data


def update(
    repo: Path | str,
    data: Mapping[str, Any],
    *,
    vcs_ref: str | None = None,
    sources: Mapping[str, str] | None = None,
) -> UpdateResult:
    """Update a generated repo to a newer template version with Copier's 3-way merge.

    Never prompts: unanswered new questions take their defaults. Conflicts are left inline
    for the caller to report.
    """
    import copier

    from svcforge import jinja_cache
    from svcforge.conflicts import changed_files

    jinja_cache.install()
    repo = Path(repo).absolute()
    before = read_answers(repo)
    try:
        copier.run_update(
            repo,
            data=dict(data),
            vcs_ref=vcs_ref,
            defaults=True,
            overwrite=True,
            quiet=True,
            conflict="inline",
            unsafe=False,
            skip_answered=True,
        )
    except (ValueError, copier.errors.UserMessageError) as error:
        raise answer_error_from(error, sources) from error
    except copier.errors.CopierError as error:
        raise SvcforgeError(f"update failed: {error}") from error
    after = read_answers(repo)
    return UpdateResult(
        repo,
        str(before.get("_commit", "")),
        str(after.get("_commit", "")),
        changed_files(repo),
    )
