"""Releases: version numbers, the commits they tag, and the version of a checkout.

A release is a git tag ``vX.Y.Z``. Some clones of this repository carry no tags, so
``releases.toml`` (committed) records each release's commit, and the build recreates a missing
tag from it. Two versions come out of a checkout:

- the package version, as hatch-vcs would give it: ``X.Y.Z`` on a release commit, else the
  next patch as a development release, ``X.Y.(Z+1).devN+g<sha>`` (``N`` commits after ``vX.Y.Z``);
- the template version recorded as ``_commit`` in every render: the newest release whose
  template (copier.yml, copier/, template/, includes/) is identical to this commit's, else
  ``git describe``'s ``vX.Y.Z-N-g<sha>``, which git resolves to the commit. A render from a
  checkout with uncommitted template changes gets ``-dirty``: it cannot be regenerated.

Standard library only, and no dataclasses: hatchling loads this file on its own (outside
``sys.modules``) to compute the package version.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from typing import NamedTuple

RELEASES_FILE = "releases.toml"
# What makes up the template (the rest of the repository is the CLI, tests and docs).
TEMPLATE_PARTS = ("copier.yml", "copier", "template", "includes")
_RELEASE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")


class ReleaseError(RuntimeError):
    """releases.toml and the git history disagree."""


def parse(version: str) -> tuple[int, int, int] | None:
    """``(X, Y, Z)`` of a release version or tag (``1.2.3``, ``v1.2.3``); None otherwise."""
    match = _RELEASE.match(version.strip())
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def tag_of(version: str) -> str:
    """The git tag of a release version."""
    return "v" + version.removeprefix("v")


def read_releases(root: Path) -> dict[str, str]:
    """``{version: commit}`` from ``root/releases.toml``, oldest first."""
    path = root / RELEASES_FILE
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8")).get("releases", {})
    for version in data:
        if parse(version) is None:
            raise ReleaseError(f"{path}: {version!r} is not a version X.Y.Z")
    return dict(sorted(data.items(), key=lambda item: parse(item[0]) or (0, 0, 0)))


def _git(root: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    if check and result.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed in {root}: {result.stderr.strip()}")
    return result.stdout.strip()


def is_checkout(root: Path) -> bool:
    """Whether ``root`` is the top of a git work tree."""
    return (root / ".git").exists()


def ensure_tags(root: Path) -> list[str]:
    """Create the tag of every release in releases.toml that this clone lacks; return them.

    A tag that exists but names another commit is an error: a moved tag breaks every
    repository rendered from it (Copier cannot regenerate the recorded version).
    """
    created = []
    for version, commit in read_releases(root).items():
        tag = tag_of(version)
        have = _git(root, "rev-parse", "-q", "--verify", f"refs/tags/{tag}^{{commit}}", check=False)
        want = _git(root, "rev-parse", "-q", "--verify", f"{commit}^{{commit}}", check=False)
        if not want:
            raise ReleaseError(f"{RELEASES_FILE}: the commit {commit} of {tag} is not in this clone")
        if not have:
            _git(root, "tag", tag, want)
            created.append(tag)
        elif have != want:
            raise ReleaseError(f"tag {tag} names {have[:12]}, but {RELEASES_FILE} says {want[:12]}")
    return created


class Versions(NamedTuple):
    """The versions of a checkout.

    Attributes:
        package: PEP 440 version of the package.
        template: What renders record as ``_commit``.
        release: The release the template is identical to, or None.
    """

    package: str
    template: str
    release: str | None


def _newest_ancestor(root: Path, releases: dict[str, str]) -> tuple[str, str] | None:
    for version, commit in reversed(releases.items()):
        ancestor = subprocess.run(
            ["git", "merge-base", "--is-ancestor", commit, "HEAD"], cwd=root, capture_output=True
        )
        if ancestor.returncode == 0:
            return version, commit
    return None


def _template_trees(root: Path, ref: str) -> list[str]:
    return [
        _git(root, "rev-parse", "-q", "--verify", f"{ref}:{part}", check=False) for part in TEMPLATE_PARTS
    ]


def release_commits(root: Path) -> dict[str, str]:
    """``{version: commit}`` of every release: the ``vX.Y.Z`` tags and releases.toml, oldest first.

    The tags come first: a release is a tag. releases.toml fills in the tags a clone lacks
    (and cannot list the commit that adds it to the file).
    """
    found = dict(read_releases(root))
    listing = _git(
        root, "for-each-ref", "refs/tags", "--format=%(refname:short) %(objectname) %(*objectname)"
    )
    for line in listing.splitlines():
        name, obj, *peeled = line.split()
        if parse(name) is not None:
            found[name.removeprefix("v")] = peeled[0] if peeled else obj
    return dict(sorted(found.items(), key=lambda item: parse(item[0]) or (0, 0, 0)))


def checkout_versions(root: Path) -> Versions:
    """Package and template versions of the git checkout at ``root``."""
    releases = release_commits(root)
    head = _git(root, "rev-parse", "HEAD")
    short = _git(root, "rev-parse", "--short=7", "HEAD")
    dirty = bool(_git(root, "status", "--porcelain", "--", *TEMPLATE_PARTS))
    base = _newest_ancestor(root, releases)
    if base is None:
        count = _git(root, "rev-list", "--count", "HEAD")
        return Versions(f"0.0.1.dev{count}+g{short}", f"v0.0.0-{count}-g{short}", None)
    version, commit = base
    distance = int(_git(root, "rev-list", "--count", f"{commit}..HEAD"))
    x, y, z = parse(version) or (0, 0, 0)
    package = version if distance == 0 else f"{x}.{y}.{z + 1}.dev{distance}+g{short}"
    if dirty:
        return Versions(package, f"{tag_of(version)}-{distance}-g{short}-dirty", None)
    head_trees = _template_trees(root, head)
    for candidate, candidate_commit in reversed(releases.items()):
        if _template_trees(root, candidate_commit) == head_trees:
            return Versions(package, tag_of(candidate), candidate)
    return Versions(package, f"{tag_of(version)}-{distance}-g{short}", None)


def _pkg_info_version(root: Path) -> str | None:
    info = root / "PKG-INFO"
    if info.is_file():
        for line in info.read_text(encoding="utf-8").splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
    return None


def package_version() -> str:
    """The version hatchling builds (``[tool.hatch.version]`` in pyproject.toml).

    In a checkout it recreates missing release tags first; in an unpacked sdist it reads
    PKG-INFO.
    """
    root = Path(__file__).resolve().parents[2]
    if not is_checkout(root):
        found = _pkg_info_version(root)
        if found is None:
            raise ReleaseError(f"{root} is neither a git checkout nor an unpacked sdist")
        return found
    ensure_tags(root)
    return checkout_versions(root).package
