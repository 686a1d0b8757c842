"""Answer sets, rendering and Markdown parsing shared by the tests in tests/repo."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tests.support.render import answers, cloud_answers, cloud_variant, runbook_anchors, variant

# Distinct answer sets: every language, every iac choice, with and without each data store,
# one to three environments, with and without a public domain, both paging tools, a new
# and an existing VPC; the default SLO answers and others (the edges of each rule on gcp and azure).
VARIANTS: dict[str, dict[str, Any]] = {
    "python-both": {},
    "typescript-terraform-nodb": {
        "language": "typescript",
        "iac": "terraform",
        "database": "none",
        "oncall_tool": "opsgenie",
        "vpc_mode": "existing",
        "vpc_id": "vpc-0a1b2c3d",
        "private_subnet_ids": ["subnet-0a1b2c3d", "subnet-1a1b2c3d", "subnet-2a1b2c3d"],
        "public_subnet_ids": ["subnet-3a1b2c3d", "subnet-4a1b2c3d", "subnet-5a1b2c3d"],
    },
    "rust-cdk-nocache": {
        "language": "rust",
        "iac": "cdk",
        "cache": "none",
        "environments": ["dev"],
        "aws_account_id_dev": "333333333333",
        "domain_name": "",
        "min_capacity": 1,
        "max_capacity": 4,
        # Objectives other than the defaults (python-terraform-bare has others again): the
        # burn-rate alarms of the synthesized CDK app follow them.
        "slo_availability_percent": 99.5,
        "slo_latency_threshold_ms": 500,
    },
    "python-terraform-bare": {
        "iac": "terraform",
        "database": "none",
        "cache": "none",
        "environments": ["dev", "staging", "prod"],
        "domain_name": "",
        "container_port": 9000,
        "service_name": "ledger",
        "slo_availability_percent": 99.95,
        "slo_latency_percent": 99,
        "slo_latency_threshold_ms": 250,
        "slo_window_days": 28,
    },
}

# The same for Google Cloud and Azure: (cloud, overrides of the canonical answers made valid for
# that cloud). Every language; with both stores, each store alone and none; one to three
# environments; with and without a public domain (and a domain on the only environment); Azure
# with and without subscription ids in the answers.
CLOUD_VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "gcp-python": ("gcp", {}),
    "gcp-typescript-redis": (
        "gcp",
        {
            "language": "typescript",
            "database": "none",
            "environments": ["dev", "staging", "prod"],
            "domain_name": "",
            "oncall_tool": "opsgenie",
        },
    ),
    "gcp-rust-bare": (
        "gcp",
        {
            "language": "rust",
            "database": "none",
            "cache": "none",
            "environments": ["dev"],
            "service_name": "ledger",
            "container_port": 9000,
            "slo_availability_percent": 99.999,
            "slo_latency_percent": 99.99,
            "slo_latency_threshold_ms": 60000,
            "slo_window_days": 7,
        },
    ),
    "azure-python": ("azure", {}),
    "azure-rust-postgres": (
        "azure",
        {
            "language": "rust",
            "cache": "none",
            "environments": ["dev"],
            "domain_name": "",
            "azure_subscription_id_dev": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
            "slo_availability_percent": 95,
            "slo_latency_percent": 95,
            "slo_latency_threshold_ms": 1,
        },
    ),
    "azure-typescript-redis": (
        "azure",
        {
            "language": "typescript",
            "database": "none",
            "environments": ["dev", "staging", "prod"],
            "oncall_tool": "opsgenie",
            "azure_subscription_id_dev": "1a2b3c4d-0000-4000-8000-00000000000a",
            "azure_subscription_id_staging": "1a2b3c4d-0000-4000-8000-00000000000b",
            "azure_subscription_id_prod": "1a2b3c4d-0000-4000-8000-00000000000c",
        },
    ),
}

# Every answer set: the AWS ones of VARIANTS and the Google Cloud and Azure ones.
ALL_KEYS: tuple[str, ...] = (*VARIANTS, *CLOUD_VARIANTS)

# Files this part of the template owns (paths in the rendered repository).
OWNED_FILES = (
    "README.md",
    "docs/runbook.md",
    "Makefile",
    ".editorconfig",
    ".gitignore",
    ".markdownlint-cli2.jsonc",
    ".pre-commit-config.yaml",
    ".github/CODEOWNERS",
    ".github/dependabot.yml",
    ".github/workflows/ci.yml",
    ".github/workflows/deploy.yml",
    "scripts/smoke-test.sh",
    "slo.yaml",
)

# Directories of generated or installed content, never part of what the template renders.
SKIP_DIRS = frozenset({"node_modules", "cdk.out", ".venv", "target", ".terraform", ".git"})


@dataclass(frozen=True)
class Rendered:
    """One rendered answer set."""

    key: str
    path: Path
    answers: dict[str, Any]

    @property
    def cloud(self) -> str:
        return str(self.answers.get("cloud", "aws"))

    @property
    def use_terraform(self) -> bool:
        return bool(self.answers["iac"] in ("terraform", "both"))

    @property
    def use_cdk(self) -> bool:
        return bool(self.answers["iac"] in ("cdk", "both"))

    @property
    def use_postgres(self) -> bool:
        return bool(self.answers["database"] == "postgres")

    @property
    def use_redis(self) -> bool:
        return bool(self.answers["cache"] == "redis")

    @property
    def environments(self) -> list[str]:
        return list(self.answers["environments"])

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text(encoding="utf-8")


def rendered(key: str) -> Rendered:
    """Render (once per process) the answer set ``key`` of :data:`VARIANTS` or
    :data:`CLOUD_VARIANTS`."""
    if key in CLOUD_VARIANTS:
        cloud, cloud_overrides = CLOUD_VARIANTS[key]
        return Rendered(key, cloud_variant(cloud, **cloud_overrides), cloud_answers(cloud, **cloud_overrides))
    overrides = VARIANTS[key]
    return Rendered(key, variant(**overrides), answers(**overrides))


@cache
def _computed(key: str) -> dict[str, Any]:
    from svcforge.questions import resolve

    data: dict[str, Any] = resolve(rendered(key).answers)
    return data


def computed(repo: Rendered) -> dict[str, Any]:
    """copier.yml's computed values (``names``, ``env_config``, ...) for a rendered answer set,
    resolved by svcforge's question engine independently of the template."""
    return _computed(repo.key)


def output_files(root: Path) -> list[Path]:
    """Every file of a rendered repository, without installed or generated directories."""
    found: list[Path] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS for part in rel.parts):
            continue
        if path.is_file():
            found.append(path)
    return found


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading (before de-duplication)."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip()).lower()
    kept = "".join(
        ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in ("L", "N") or ch.isdigit()
    )
    return kept.replace(" ", "-")


def strip_code_blocks(markdown: str) -> str:
    """The Markdown without its fenced code blocks (headings inside them do not count)."""
    return re.sub(r"^```.*?^```[ \t]*$", "", markdown, flags=re.M | re.S)


def headings(markdown: str) -> list[tuple[int, str]]:
    """(level, text) of every ATX heading outside code blocks."""
    return [
        (len(m.group(1)), m.group(2).strip())
        for m in re.finditer(r"^(#{1,6}) (.+)$", strip_code_blocks(markdown), flags=re.M)
    ]


def slugs(markdown: str) -> list[str]:
    """GitHub anchors of every heading, de-duplicated the way GitHub does (-1, -2, ...)."""
    seen: dict[str, int] = {}
    result: list[str] = []
    for _, text in headings(markdown):
        slug = github_slug(text)
        if slug in seen:
            seen[slug] += 1
            result.append(f"{slug}-{seen[slug]}")
        else:
            seen[slug] = 0
            result.append(slug)
    return result


def section(markdown: str, slug: str) -> str:
    """Text of the section whose heading has anchor ``slug``, up to the next heading of the
    same or a higher level."""
    lines = markdown.splitlines()
    positions = [
        (i, len(m.group(1)), m.group(2))
        for i, line in enumerate(lines)
        if (m := re.match(r"^(#{1,6}) (.+)$", line))
    ]
    in_code = _code_lines(lines)
    positions = [p for p in positions if p[0] not in in_code]
    for index, (line_no, level, text) in enumerate(positions):
        if github_slug(text) != slug:
            continue
        end = len(lines)
        for next_line, next_level, _ in positions[index + 1 :]:
            if next_level <= level:
                end = next_line
                break
        return "\n".join(lines[line_no:end])
    raise AssertionError(f"no section with anchor #{slug}")


def _code_lines(lines: list[str]) -> set[int]:
    inside, result = False, set()
    for i, line in enumerate(lines):
        if line.startswith("```"):
            inside = not inside
            result.add(i)
        elif inside:
            result.add(i)
    return result


def code_blocks(markdown: str, language: str = "bash") -> list[str]:
    """Bodies of the fenced code blocks tagged ``language``."""
    pattern = rf"^```{re.escape(language)}[ \t]*\n(.*?)^```[ \t]*$"
    return [m.group(1) for m in re.finditer(pattern, markdown, flags=re.M | re.S)]


def resource_table(runbook: str) -> dict[str, dict[str, str]]:
    """The runbook's "Resource names" table: row label -> {environment: value}.

    Cells hold one name in backticks; the backticks are removed.
    """
    text = section(runbook, "resource-names")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    header = [cell.strip().strip("`") for cell in rows[0].strip("|").split("|")]
    envs = header[1:]
    table: dict[str, dict[str, str]] = {}
    for row in rows[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        label = cells[0]
        table[label] = {env: cell.strip("`") for env, cell in zip(envs, cells[1:], strict=True)}
    return table


# Row labels of the resource table -> key of names[env] (copier.yml).
NAME_ROWS: dict[str, str] = {
    "ECS cluster": "cluster",
    "ECS service": "service",
    "Container": "container",
    "Task definition family": "task_family",
    "Log group": "log_group",
    "Load balancer": "alb",
    "Target group": "target_group",
    "Dashboard": "dashboard",
    "Ticket topic (SNS)": "sns_topic",
    "Page topic (SNS)": "page_topic",
    "Collector container": "collector_container",
    "Collector log group": "collector_log_group",
    "Metrics log group (EMF)": "metrics_log_group",
    "Execution role": "execution_role",
    "Task role": "task_role",
    "KMS key alias": "kms_alias",
    "DB instance": "db_identifier",
    "Redis replication group": "cache_replication_group",
    "Redis auth secret": "redis_auth_secret",
}


def alarm_rows(table: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Alarm rows of the resource table: alarm key -> {environment: alarm name}."""
    result: dict[str, dict[str, str]] = {}
    for label, cells in table.items():
        match = re.fullmatch(r"Alarm `([a-z0-9_]+)`", label)
        if match:
            result[match.group(1)] = cells
    return result


def assert_sections_by_store(
    repo: Rendered, anchors: set[str], postgres: set[str], redis: set[str], secrets: set[str]
) -> None:
    """The runbook has each store's sections exactly when that store is chosen (and the secret
    sections when either is)."""
    assert (anchors >= postgres) is repo.use_postgres
    assert (postgres & anchors == set()) is not repo.use_postgres
    assert (anchors >= redis) is repo.use_redis
    assert (redis & anchors == set()) is not repo.use_redis
    has_secrets = repo.use_postgres or repo.use_redis
    assert (anchors >= secrets) is has_secrets
    assert (secrets & anchors == set()) is not has_secrets


def assert_alarm_sections(
    repo: Rendered,
    text: str,
    alarms: dict[str, dict[str, str]],
    expected: set[str],
    postgres: set[str],
    redis: set[str],
) -> None:
    """The runbook's alarm rows are ``expected`` plus each chosen store's, and each alarm's
    section (its runbook anchor) says **Alarm:** and names that alarm in every environment."""
    expected = expected | (postgres if repo.use_postgres else set()) | (redis if repo.use_redis else set())
    assert set(alarms) == expected
    anchors = runbook_anchors()
    for key, per_env in alarms.items():
        body = section(text, anchors[key])
        assert re.search(r"^\*\*Alarms?:\*\* ", body, flags=re.M), key
        for env in repo.environments:
            assert f"`{per_env[env]}`" in body, (key, env)
