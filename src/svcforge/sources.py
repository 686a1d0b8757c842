"""Where template versions come from: git histories, and plain copies of one version.

A generated repository records ``_src_path`` (a git URL or path) and ``_commit`` (a release tag,
or ``vX.Y.Z-N-g<sha>`` for a development render). To update it, svcforge needs the recorded
version and the target version as plain directories Copier can render. They come from:

- this installation's own history (the wheel's git bundle, or the checkout), used first when
  the source is the default one (svcforge's own URL), so that updates need no network;
- any other git source: a local repository is read in place; a remote one is mirrored under
  ``~/.cache/svcforge/sources`` and fetched again only when a ref is missing.

Each exported version is kept under ``~/.cache/svcforge/templates/<commit>``: a commit's tree
never changes, so a later update or status reuses it.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from svcforge.errors import SourceError
from svcforge.releases import parse

# Recorded as the template source of repositories rendered from the installed package, for
# `copier update`, Renovate and `svcforge update` to find newer versions later. Organisations
# that fork the template set SVCFORGE_TEMPLATE_URL to their fork's URL.
DEFAULT_TEMPLATE_URL = "https://github.com/svcforge/svcforge.git"
TEMPLATE_URL_ENV = "SVCFORGE_TEMPLATE_URL"

# No prompt for credentials, ever: svcforge runs in pipelines.
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "GCM_INTERACTIVE": "never"}
_NETWORK_TIMEOUT = 120


def durable_source() -> str:
    """The source recorded by renders of the installed template."""
    return os.environ.get(TEMPLATE_URL_ENV) or DEFAULT_TEMPLATE_URL


def cache_root() -> Path:
    """svcforge's cache directory (``SVCFORGE_CACHE_DIR``, else ``~/.cache/svcforge``)."""
    configured = os.environ.get("SVCFORGE_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "svcforge"


def _git(
    args: list[str], cwd: Path | None = None, *, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        env={**os.environ, **_GIT_ENV},
    )


def release_tags(names: list[str]) -> list[str]:
    """The release tags among ``names`` (``vX.Y.Z`` or ``X.Y.Z``), oldest first."""
    found = [(parse(name), name) for name in names]
    return [name for version, name in sorted((v, n) for v, n in found if v is not None)]


def is_remote(source: str) -> bool:
    """Whether ``source`` names a remote git repository rather than a local path."""
    return (
        "://" in source
        or (":" in source and "@" in source.split(":", 1)[0])
        or source.startswith(("gh:", "gl:"))
    )


def expand(source: str) -> str:
    """Copier's ``gh:``/``gl:`` shorthands as git URLs."""
    for prefix, host in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if source.startswith(prefix):
            rest = source.removeprefix(prefix)
            return host + rest + ("" if rest.endswith(".git") else ".git")
    return source


@dataclass
class GitHistory:
    """A git history to read template versions from.

    Attributes:
        label: What the user knows it by (URL, path or "this svcforge's bundled history").
        location: The git directory read: a local repository, or a mirror in the cache.
        remote: The URL to fetch from when a ref is missing (remote sources only).
        known: Release tags known from elsewhere (releases.toml) that the repository may lack:
            tag -> commit.
    """

    label: str
    location: Path
    remote: str | None = None
    known: dict[str, str] = field(default_factory=dict)
    _fetched: bool = field(default=False, repr=False)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _git(["--git-dir", str(self._git_dir), *args])

    @cached_property
    def _git_dir(self) -> Path:
        dot_git = self.location / ".git"
        if dot_git.is_file():  # a worktree: .git names the real directory
            return Path(_git(["rev-parse", "--absolute-git-dir"], cwd=self.location).stdout.strip())
        return dot_git if dot_git.is_dir() else self.location

    def fetch(self) -> None:
        """Bring the mirror up to date with its remote (once per run)."""
        if self.remote is None or self._fetched:
            return
        result = _git(
            [
                "--git-dir",
                str(self.location),
                "fetch",
                "--quiet",
                "--prune",
                "--tags",
                self.remote,
                "+refs/heads/*:refs/heads/*",
            ],
            timeout=_NETWORK_TIMEOUT,
        )
        if result.returncode != 0:
            raise SourceError(
                f"cannot fetch the template from {self.label}: {_first_line(result.stderr)}",
                fix="check the URL and the network, or pass --template with a reachable clone or mirror",
            )
        self._fetched = True

    def tags(self) -> list[str]:
        """Release tags, oldest first."""
        result = self._run("tag", "--list")
        return release_tags(sorted({*result.stdout.split(), *self.known}))

    def resolve(self, ref: str) -> str | None:
        """The commit ``ref`` names (a tag, branch, sha or `git describe` output), or None."""
        result = self._run("rev-parse", "-q", "--verify", f"{ref}^{{commit}}")
        if result.returncode != 0 and ref in self.known:
            result = self._run("rev-parse", "-q", "--verify", f"{self.known[ref]}^{{commit}}")
        if result.returncode != 0 and self.remote is not None and not self._fetched:
            self.fetch()
            result = self._run("rev-parse", "-q", "--verify", f"{ref}^{{commit}}")
        return result.stdout.strip() or None

    def describe(self, commit: str) -> str:
        """What Copier records as ``_commit`` for ``commit``: its tag, or `git describe` output."""
        for tag, tagged in self.known.items():
            if tagged == commit:
                return tag
        result = self._run("describe", "--tags", "--always", commit)
        return result.stdout.strip() or commit

    def export(self, commit: str) -> Path:
        """A plain directory holding the tree of ``commit`` (cached; never modify it)."""
        target = cache_root() / "templates" / commit
        if (target / ".complete").is_file():
            return target
        archive = subprocess.run(
            ["git", "--git-dir", str(self._git_dir), "archive", "--format=tar", commit],
            capture_output=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if archive.returncode != 0:
            raise SourceError(
                f"cannot read {commit[:12]} from {self.label}: {_first_line(archive.stderr.decode())}"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{commit[:12]}-", dir=target.parent))
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(scratch, filter="data")
        (scratch / ".complete").write_text(commit + "\n")
        try:
            scratch.rename(target)
        except OSError:  # another process exported the same commit first
            shutil.rmtree(scratch, ignore_errors=True)
        return target


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "git failed"


def _mirror_dir(kind: str, key: str) -> Path:
    return cache_root() / kind / hashlib.sha256(key.encode()).hexdigest()[:24]


def from_bundle(bundle: Path, label: str) -> GitHistory:
    """A history read from a git bundle (unpacked once into the cache)."""
    stat = bundle.stat()
    mirror = _mirror_dir("history", f"{bundle.resolve()}:{stat.st_size}:{stat.st_mtime_ns}")
    if not (mirror / ".complete").is_file():
        scratch = Path(tempfile.mkdtemp(prefix=".bundle-", dir=_ensure(mirror.parent)))
        _git(["init", "--quiet", "--bare", str(scratch)])
        heads = _git(["bundle", "list-heads", str(bundle)]).stdout.split()
        refspecs = ["+refs/tags/*:refs/tags/*"]
        if "HEAD" in heads:
            refspecs.append("+HEAD:refs/heads/build")
        fetched = _git(["--git-dir", str(scratch), "fetch", "--quiet", str(bundle), *refspecs])
        if fetched.returncode != 0:
            shutil.rmtree(scratch, ignore_errors=True)
            raise SourceError(f"cannot read {label} ({bundle}): {_first_line(fetched.stderr)}")
        (scratch / ".complete").write_text(str(bundle) + "\n")
        try:
            scratch.rename(mirror)
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)
    return GitHistory(label, mirror)


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def open_history(source: str) -> GitHistory:
    """The git history of ``source``: a local repository in place, or a mirror of a remote."""
    url = expand(source)
    if not is_remote(url):
        path = Path(url).expanduser()
        if path.is_file() and path.suffix == ".bundle":
            return from_bundle(path, str(path))
        if not path.exists():
            raise SourceError(
                f"the template source {source} does not exist", fix="pass --template with a git URL or path"
            )
        result = _git(["rev-parse", "--git-dir"], cwd=path if path.is_dir() else path.parent)
        if result.returncode != 0:
            raise SourceError(
                f"the template source {source} is not a git repository, so it has no versions",
                fix="render from a git repository with release tags (git init, commit, tag vX.Y.Z)",
            )
        return GitHistory(source, path.resolve())
    mirror = _mirror_dir("sources", url)
    if not (mirror / "HEAD").is_file():
        _ensure(mirror.parent)
        cloned = _git(["clone", "--quiet", "--bare", url, str(mirror)], timeout=_NETWORK_TIMEOUT)
        if cloned.returncode != 0:
            shutil.rmtree(mirror, ignore_errors=True)
            raise SourceError(
                f"cannot reach the template source {source}: {_first_line(cloned.stderr)}",
                fix="check the URL and the network, or pass --template with a reachable clone or mirror",
            )
        history = GitHistory(source, mirror, remote=url)
        history._fetched = True
        return history
    return GitHistory(source, mirror, remote=url)


@dataclass(frozen=True)
class TemplateVersion:
    """One version of a template, ready for Copier to render.

    Attributes:
        directory: A plain directory holding it (copier.yml at the top).
        source: What renders record as ``_src_path``.
        ref: What renders record as ``_commit`` (None for a template that is not in git).
        commit: The full commit, when it comes from a git history.
    """

    directory: Path
    source: str
    ref: str | None
    commit: str | None = None

    @property
    def copier_yml(self) -> Path:
        return self.directory / "copier.yml"

    @property
    def label(self) -> str:
        return self.ref or str(self.directory)


def is_default(source: str) -> bool:
    """Whether ``source`` is the one this installation's own history serves."""
    return source in {DEFAULT_TEMPLATE_URL, durable_source()}


_INSTALLED: list[GitHistory] = []


def installed_history() -> GitHistory:
    """The release history this installation carries (the wheel's bundle or the checkout)."""
    if not _INSTALLED:
        from svcforge.template import installation

        inst = installation()
        label = f"the release history of svcforge {inst.versions.package}"
        history = (
            from_bundle(inst.history, label) if inst.history.is_file() else GitHistory(label, inst.history)
        )
        # A checkout may lack the tags releases.toml lists: resolve them from the list.
        history.known = {f"v{version}": commit for version, commit in inst.releases.items()}
        _INSTALLED.append(history)
    return _INSTALLED[0]


def installed_version() -> TemplateVersion:
    """The version this installation renders by default."""
    from svcforge.template import installation, render_source

    return TemplateVersion(render_source(), durable_source(), installation().versions.template)


def _from_history(history: GitHistory, source: str, ref: str) -> TemplateVersion | None:
    commit = history.resolve(ref)
    if commit is None:
        return None
    recorded = ref if ref in history.tags() else history.describe(commit)
    return TemplateVersion(history.export(commit), source, recorded, commit)


def find_version(source: str | None, ref: str | None) -> TemplateVersion:
    """The template at ``ref`` of ``source`` (None: this installation's template).

    Without ``ref``: the installed version for the default source, else the source's newest
    release tag (its HEAD when it has none), as Copier chooses.

    Raises:
        SourceError: The source is unreachable or has no such version.
    """
    from svcforge.template import installation

    if source is None or is_default(source):
        installed = installed_version()
        recorded = source or installed.source
        if ref is None or ref == installed.ref:
            return TemplateVersion(installed.directory, recorded, installed.ref)
        found = _from_history(installed_history(), recorded, ref)
        if found is not None:
            return found
        known = ", ".join(f"v{v}" for v in installation().releases) or "none"
        missing = (
            f"{ref} is not a version svcforge {installation().versions.package} carries (releases: {known})"
        )
        fix = f"install the svcforge release that has it, or pass --template <git URL> --vcs-ref {ref}"
        if source is None:
            raise SourceError(missing, fix=fix)
        try:
            return _find_in(source, ref)
        except SourceError as error:
            raise SourceError(f"{missing}, and {error.reason}", fix=fix) from None
    return _find_in(source, ref)


def _find_in(source: str, ref: str | None) -> TemplateVersion:
    local = Path(expand(source)).expanduser()
    if (
        not is_remote(expand(source))
        and local.is_dir()
        and _git(["rev-parse", "--git-dir"], cwd=local).returncode
    ):
        if ref is not None:
            raise SourceError(
                f"{source} is not a git repository, so it has no version {ref}", fix="omit --vcs-ref"
            )
        return TemplateVersion(local.resolve(), str(local.resolve()), None)
    history = open_history(source)
    if ref is None:
        tags = history.tags()
        ref = tags[-1] if tags else "HEAD"
    found = _from_history(history, source, ref)
    if found is None:
        tags = history.tags()
        available = ", ".join(tags[-5:]) or "no release tags"
        raise SourceError(
            f"{source} has no version {ref}", fix=f"pass --vcs-ref with one it has ({available})"
        )
    return found
