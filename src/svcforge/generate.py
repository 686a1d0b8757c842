"""Rendering through Copier's public API. The only module that imports copier."""

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

from svcforge.errors import AnswerError, DestinationError, SourceError, SvcforgeError, UserError
from svcforge.repository import ANSWERS_FILE
from svcforge.sources import TemplateVersion

__all__ = ["ANSWERS_FILE", "RenderResult", "answer_error_from", "render", "render_tree"]

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


def answer_error_from(
    error: Exception, sources: Mapping[str, str] | None = None, version: str = ""
) -> UserError:
    """Translate a Copier validation error into an AnswerError naming the question."""
    text = str(error)
    for pattern in _COPIER_ANSWER_ERRORS:
        match = pattern.search(text)
        if match:
            question = match.group("q")
            rule = match.group("rule").strip() or "an answer is required (no default exists)"
            source = (sources or {}).get(question, "")
            return AnswerError(question, rule, source=source, version=version)
    return UserError(text)


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def relative_files(root: Path) -> list[str]:
    """Every file (and symlink) below ``root``, relative and sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())


def record_source(answers_path: Path, source: str, ref: str | None) -> None:
    """Make the answers file name the durable source and version instead of a scratch copy.

    Copier records where it read the template from: here a plain directory (an exported
    version, or the installed template) with no version. Only those two lines change, so
    the file stays exactly as Copier formats it.
    """
    lines = [
        line
        for line in answers_path.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith(("_src_path:", "_commit:"))
    ]
    at = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    import yaml

    meta = {"_commit": ref} if ref else {}
    meta["_src_path"] = source
    rendered = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    answers_path.write_text("".join([*lines[:at], rendered, *lines[at:]]), encoding="utf-8")


def render_tree(
    version: TemplateVersion,
    data: Mapping[str, Any],
    dst: Path,
    *,
    sources: Mapping[str, str] | None = None,
) -> None:
    """Render ``version`` with ``data`` into the new directory ``dst`` (never prompts).

    Raises:
        AnswerError: An answer breaks a rule of this version.
        SourceError: The version needs what svcforge never allows (tasks, migrations).
        SvcforgeError: The template itself fails to render.
    """
    import copier

    from svcforge import jinja_cache

    jinja_cache.install()
    try:
        copier.run_copy(
            str(version.directory),
            dst,
            # Copier renders a plain directory, so it knows no version: the template gets the
            # one recorded as _commit (catalog-info.yaml shows it); Copier does not store it.
            data=dict(data) | ({"svcforge_template_version": version.ref} if version.ref else {}),
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=False,
            cleanup_on_error=True,
        )
    except copier.errors.UnsafeTemplateError as error:
        raise SourceError(
            f"template {version.label} of {version.source} wants to run code ({error})",
            fix="svcforge never runs template tasks, migrations or Jinja extensions",
        ) from error
    except (ValueError, copier.errors.UserMessageError) as error:
        raise answer_error_from(error, sources, version.label if version.ref else "") from error
    except Exception as error:  # a broken template: Jinja or Copier failure
        raise SvcforgeError(f"template error in {version.label}: {type(error).__name__}: {error}") from error
    answers = dst / ANSWERS_FILE
    if answers.is_file():
        record_source(answers, version.source, version.ref)


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
    version: TemplateVersion | None = None,
    overwrite: bool = False,
    pretend: bool = False,
    sources: Mapping[str, str] | None = None,
) -> RenderResult:
    """Render a new repository with ``data`` into ``dst`` without prompting.

    Copier renders into a staging directory first; only a complete render is moved into
    ``dst``, so a bad answer, a template error or Ctrl-C leaves ``dst`` as it was.

    Args:
        data: Answers; anything missing takes its default (or fails when it has none).
        dst: Destination directory; it must be empty or absent unless ``overwrite``.
        version: The template version to render (default: the installed one).
        overwrite: Allow a non-empty ``dst`` and replace files the template produces.
        pretend: Report the files that would be written and write nothing.
        sources: Where each answer came from (for error messages), by question name.

    Raises:
        AnswerError: An answer is missing or invalid.
        DestinationError: ``dst`` is not empty and ``overwrite`` is false.
    """
    from svcforge.sources import installed_version

    version = version or installed_version()
    dst = Path(dst).absolute()
    if dst.exists() and not dst.is_dir():
        raise DestinationError(f"destination {dst} exists and is not a directory")
    if dst.exists() and not overwrite and not _is_empty_dir(dst):
        raise DestinationError(
            f"destination {dst} is not empty; pass --overwrite to replace the files the"
            " template produces (other files are kept)"
        )
    with _staging_dir(dst) as staging:
        out = staging / "out"
        render_tree(version, data, out, sources=sources)
        files = relative_files(out)
        if pretend:
            existing = [f for f in files if (dst / f).exists()]
            return RenderResult(dst, files, existing, pretend=True)
        replaced = _install(out, files, dst, staging / "backup")
    return RenderResult(dst, files, replaced)
