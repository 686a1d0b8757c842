"""docs/runbook.md checks that hold on every cloud, parametrized over every answer set of
tests/repo/helpers.py (the AWS ones and the Google Cloud and Azure ones). What differs by cloud
stays in test_runbook.py (AWS) and test_runbook_clouds.py (gcp, azure)."""

from __future__ import annotations

import re

import pytest

from tests.repo.helpers import (
    ALL_KEYS,
    CLOUD_VARIANTS,
    Rendered,
    code_blocks,
    computed,
    headings,
    rendered,
    section,
    slugs,
    strip_code_blocks,
)
from tests.support.registry import CLOUD_CHOICES, CLOUDS

assert {rendered_cloud for rendered_cloud, _ in CLOUD_VARIANTS.values()} | {"aws"} == set(CLOUD_CHOICES), (
    "tests/repo/helpers.py: an answer set for every cloud of copier/cloud.yml"
)


@pytest.fixture(scope="module", params=ALL_KEYS)
def repo(request: pytest.FixtureRequest) -> Rendered:
    return rendered(request.param)


def test_headings_are_unique_so_anchors_are_stable(repo: Rendered) -> None:
    text = repo.read("docs/runbook.md")
    anchors = slugs(text)
    assert len(anchors) == len(set(anchors)), sorted(a for a in anchors if anchors.count(a) > 1)
    assert [level for level, _ in headings(text)].count(1) == 1


def test_internal_links_resolve(repo: Rendered) -> None:
    for rel in ("docs/runbook.md", "README.md"):
        text = repo.read(rel)
        anchors = set(slugs(text))
        links = re.findall(r"\]\(#([^)]+)\)", strip_code_blocks(text))
        assert links or rel == "README.md"
        assert sorted(set(links) - anchors) == [], rel
    assert (repo.path / "docs/runbook.md").is_file()
    assert "](docs/runbook.md)" in repo.read("README.md")


def test_infrastructure_links_point_at_existing_anchors(repo: Rendered) -> None:
    """Alarm descriptions in the Terraform and the CDK app link sections that exist."""
    anchors = set(slugs(repo.read("docs/runbook.md")))
    linked: set[str] = set()
    roots = [repo.path / "terraform", repo.path / "cdk" / "lib", repo.path / "cdk" / "bin"]
    for root in roots:
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            if path.is_file() and path.suffix in (".tf", ".tfvars", ".ts"):
                linked |= set(re.findall(r"runbook\.md#([a-z0-9_-]+)", path.read_text()))
    assert linked, "the infrastructure links the runbook"
    assert sorted(linked - anchors) == []


def test_commands_are_ready_to_paste(repo: Rendered) -> None:
    """Real names only: no <placeholder>, no seed names, no bracketed blanks, no empty option."""
    text = repo.read("docs/runbook.md")
    for block in code_blocks(text):
        assert not re.search(r"<[A-Za-z_ -]+>", block), block
        assert not re.search(r"\[[A-Z][A-Za-z /-]+\]", block), block
        assert not re.search(r"--[a-z-]+  ", block), block


def test_overview_and_escalation_come_from_the_answers(repo: Rendered) -> None:
    text = repo.read("docs/runbook.md")
    a = repo.answers
    overview = section(text, "service-overview")
    place = computed(repo)[CLOUDS[repo.cloud].place]
    for value in (
        a["description"],
        a["owner_team"],
        a["owner_email"],
        a["slack_channel"],
        a["oncall_schedule"],
        place,
        f"https://github.com/{a['github_org']}/{a['service_name']}",
    ):
        assert value in overview, value
    tool = {"pagerduty": "PagerDuty", "opsgenie": "Opsgenie"}[a["oncall_tool"]]
    assert tool in overview
    assert "**Last verified:**" in text
    escalation = section(text, "escalation")
    for value in (a["oncall_schedule"], a["escalation_l2"], a["escalation_l3"], tool):
        assert value in escalation, value
