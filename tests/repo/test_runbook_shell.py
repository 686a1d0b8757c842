"""Every runbook command runs in the shell the runbook promises, as it is, in a fresh shell.

The runbook opens by naming what the on-call engineer needs (a cloud CLI, `curl`, `jq`, ...):
every program its command blocks call is one of those, a shell builtin or coreutils. And each
command block stands alone: a variable it reads is set in that same block, so a block pasted
into a new shell (the usual case during an incident) never runs with an empty variable.
"""

from __future__ import annotations

import re

import pytest

from tests.repo.helpers import ALL_KEYS, Rendered, code_blocks, rendered, strip_code_blocks

# Shell keywords and builtins, and the coreutils every Linux shell (and Cloud Shell) has.
ALWAYS_THERE = frozenset(
    {
        "[", "test", "echo", "printf", "export", "unset", "for", "do", "done", "if", "then",
        "fi", "while", "until", "sleep", "cut", "wc", "sort", "head", "tail", "tr", "grep",
        "cat", "true", "false", "read", "xargs", "awk", "sed", "uniq", "basename", "mktemp",
        "zcat",  # gzip's: an essential package of every Debian and Amazon Linux (CloudShell)
    }
)  # fmt: skip
# What the runbook's opening paragraph lists, as the program each entry provides.
PROGRAMS = {"AWS CLI v2": "aws", "gcloud CLI": "gcloud", "Azure CLI": "az", "GNU `date`": "date"}
ASSIGNMENT = re.compile(r"^(?:export\s+)?([A-Z_][A-Z0-9_]*)=")
LOOP = re.compile(r"^for\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b")
USE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


@pytest.fixture(scope="module", params=list(ALL_KEYS))
def repo(request: pytest.FixtureRequest) -> Rendered:
    return rendered(request.param)


def prerequisites(runbook: str) -> set[str]:
    """Programs the opening paragraph ("... runs as it is in ... with X, `curl`, ...") names."""
    intro = strip_code_blocks(runbook).split("\n## ", 1)[0]
    paragraph = next(p for p in intro.split("\n\n") if "runs as it is in" in p)
    found = {program for label, program in PROGRAMS.items() if label in paragraph}
    found |= set(re.findall(r"`([a-z][a-z0-9-]*)`", paragraph))
    return found


def programs(block: str) -> set[str]:
    """The programs a block runs: the first word of each command of each line, including the
    ones inside ``$( )``; quoted text is data (a KQL or JMESPath query may hold pipes)."""
    found = set()
    for line in block.splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        text = re.sub(r"'[^']*'", "''", text)
        text = re.sub(
            r'"(?:[^"\\]|\\.)*"',
            lambda m: " ; ".join(f"$({inner})" for inner in re.findall(r"\$\(([^()]*)\)", m.group(0))),
            text,
        )
        for segment in re.split(r"\|\||&&|\||;|\$\(|\)|`", text):
            words = [w for w in segment.split() if not ASSIGNMENT.match(w)]
            if words and words[0] not in ("then", "do", "else", "!") and words[0][0] not in "($-":
                found.add(words[0])
    return found


def test_every_program_is_a_stated_prerequisite(repo: Rendered) -> None:
    runbook = repo.read("docs/runbook.md")
    stated = prerequisites(runbook)
    assert {"curl", "jq", "date"} <= stated, stated
    used = set().union(*(programs(block) for block in code_blocks(runbook)))
    assert used - stated - ALWAYS_THERE == set()


def test_each_block_sets_every_variable_it_reads(repo: Rendered) -> None:
    runbook = repo.read("docs/runbook.md")
    problems = []
    for block in code_blocks(runbook):
        defined: set[str] = set()
        for line in block.splitlines():
            stripped = line.strip()
            if stripped.startswith("#"):
                continue
            for name in USE.findall(stripped):
                if name not in defined:
                    problems.append(f"${name} is read before it is set:\n{block}")
            defined |= set(ASSIGNMENT.findall(stripped)) | set(LOOP.findall(stripped))
    assert problems == [], "\n\n".join(problems[:5])


def test_the_prerequisites_parser_reads_the_intro() -> None:
    intro = (
        "# Runbook\n\nx.\n\nEvery command below uses the real names and runs as it is in a\n"
        "shell with AWS CLI v2, `curl`, `jq` and GNU `date`, once signed in.\n\n## Next\n"
    )
    assert prerequisites(intro) == {"aws", "curl", "jq", "date"}
    assert programs('A=$(aws s3 ls | jq .x)\ncurl -sS "$A" | wc -l') == {"aws", "jq", "curl", "wc"}
