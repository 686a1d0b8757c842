"""Check gcloud and az command lines against the real CLIs' command models.

``data/cli_models.json.gz`` holds the gcloud command tree (from the Cloud SDK's static completion
tree) and the options of the az commands (from ``az <command> --help``); regenerate it with
``data/extract_cli_models.py``. Every ``gcloud ...``/``az ...`` command must exist and every
``--option`` must belong to it (or be a global option). Positional arguments are not checked.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jmespath
import yaml

from tests.repo.awscli import split_commands

MODELS = Path(__file__).resolve().parent / "data" / "cli_models.json.gz"
AZ_GLOBAL_OPTIONS = frozenset({"--debug", "--help", "--only-show-errors", "--output", "--query", "--verbose"})


@cache
def _models() -> dict[str, Any]:
    with gzip.open(MODELS, "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _option(word: str) -> str:
    return word.split("=", 1)[0]


def check_gcloud(words: tuple[str, ...]) -> list[str]:
    """Problems with one ``gcloud`` command (empty when it is valid)."""
    tree = _models()["gcloud"]
    node, path = tree, ["gcloud"]
    index = 1
    while index < len(words) and words[index] in node.get("commands", {}):
        node = node["commands"][words[index]]
        path.append(words[index])
        index += 1
    name = " ".join(path)
    if node is tree:
        return [f"{' '.join(words[:2])}: no such command group in the model"]
    if node.get("commands"):
        return [f"{name}: a command group, not a command (next word {words[index : index + 1]})"]
    flags: dict[str, str] = {**tree["flags"], **node["flags"]}
    unknown = []
    for word in words[index:]:
        if not word.startswith("--"):
            continue
        option = _option(word)
        if option in flags:
            continue
        if option.startswith("--no-") and flags.get("--" + option[5:]) == "bool":
            continue
        unknown.append(option)
    return [f"{name}: unknown options {unknown}"] if unknown else []


def check_az(words: tuple[str, ...]) -> list[str]:
    """Problems with one ``az`` command (empty when it is valid)."""
    commands: dict[str, list[str]] = _models()["az"]
    path = []
    for word in words[1:]:
        if word.startswith("-"):
            break
        path.append(word)
    for end in range(len(path), 0, -1):
        name = " ".join(path[:end])
        if name in commands:
            allowed = set(commands[name]) | AZ_GLOBAL_OPTIONS
            unknown = [_option(w) for w in words if w.startswith("--") and _option(w) not in allowed]
            problems = [f"az {name}: unknown options {unknown}"] if unknown else []
            if "--query" in words:
                # az evaluates --query with the same JMESPath library as the AWS CLI.
                query = words[words.index("--query") + 1]
                try:
                    jmespath.compile(query)
                except jmespath.exceptions.JMESPathError as error:
                    problems.append(f"az {name}: invalid --query {query!r}: {error}")
            return problems
    return [f"az {' '.join(path)}: not in the model (regenerate data/cli_models.json.gz)"]


def check(words: tuple[str, ...]) -> list[str]:
    if words and words[0] == "gcloud":
        return check_gcloud(words)
    if words and words[0] == "az":
        return check_az(words)
    return []


def _bash_blocks(markdown: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^```bash[ \t]*\n(.*?)^```[ \t]*$", markdown, flags=re.M | re.S)]


def shell_lines(repo: Path) -> Iterator[tuple[str, str]]:
    """(file, line) of every shell line in the runbook's and README's bash blocks, the deploy
    workflow's run steps and the smoke test."""
    for rel in ("docs/runbook.md", "README.md"):
        for block in _bash_blocks((repo / rel).read_text(encoding="utf-8")):
            for line in block.splitlines():
                yield rel, line
    flow = yaml.safe_load((repo / ".github/workflows/deploy.yml").read_text(encoding="utf-8"))
    for job in flow["jobs"].values():
        for step in job.get("steps", []):
            for line in str(step.get("run", "")).splitlines():
                yield ".github/workflows/deploy.yml", line
    for line in (repo / "scripts/smoke-test.sh").read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("#"):
            yield "scripts/smoke-test.sh", line


def commands_in_repo(repo: Path, tool: str) -> Iterator[tuple[str, ...]]:
    """Word lists of every ``tool`` command (gcloud or az) in the repository's shell lines."""
    for _, line in shell_lines(repo):
        for command in split_commands(line):
            if command.words and command.words[0] == tool:
                yield command.words
