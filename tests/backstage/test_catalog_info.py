"""catalog-info.yaml: the fields and annotations Backstage needs, valid for the real catalog model
(entity policies and the Component validator) in every variant, and its template version follows
the answers file through copier copy and update."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from svcforge.cli import app
from tests.backstage.support import check
from tests.repo.helpers import ALL_KEYS, Rendered, computed, rendered
from tests.support.gitrepo import commit_all, git, init_generated, template_repo
from tests.support.render import answers, variant

ANNOTATIONS = {
    "github.com/project-slug",
    "backstage.io/source-location",
    "backstage.io/techdocs-ref",
}


def _entity(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((path / "catalog-info.yaml").read_text())
    return data


def test_every_variant_passes_the_catalog_policies_and_component_validator() -> None:
    files = [rendered(key).path / "catalog-info.yaml" for key in ALL_KEYS]
    verdicts = check("catalog", *files)
    assert [v for v in verdicts if not v["ok"]] == []
    assert len(verdicts) == len(ALL_KEYS)


def test_the_validators_reject_a_broken_entry(tmp_path: Path) -> None:
    """The same check fails on entries the catalog would refuse (the validators bite)."""
    good = _entity(rendered("python-both").path)
    broken = {
        "bad-name": ("metadata", "name", "Payments API!"),
        "no-owner": ("spec", "owner", None),
        "bad-tag": ("metadata", "tags", ["Not A Tag"]),
        "bad-annotation": ("metadata", "annotations", {"not a key": "x"}),
    }
    files = []
    for name, (part, key, value) in broken.items():
        entity = copy.deepcopy(good)
        if value is None:
            del entity[part][key]
        else:
            entity[part][key] = value
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(entity))
        files.append(path)
    verdicts = check("catalog", *files)
    assert [v["ok"] for v in verdicts] == [False] * len(broken), verdicts


def _domain_env(a: dict[str, Any]) -> str:
    envs = list(a["environments"])
    return ("prod" if "prod" in envs else envs[-1]) if a.get("domain_name") else ""


@pytest.mark.parametrize("key", ALL_KEYS)
def test_fields_and_annotations_come_from_the_answers(key: str) -> None:
    repo = rendered(key)
    values = computed(repo)
    entity = _entity(repo.path)
    slug = values["repository"]
    assert entity["apiVersion"] == "backstage.io/v1alpha1"
    assert entity["kind"] == "Component"
    assert entity["metadata"]["name"] == values["service_name"]
    assert entity["metadata"]["description"] == values["description"]
    assert entity["metadata"]["tags"] == [values["cloud"], values["language"]]
    assert entity["spec"] == {
        "type": "service",
        "lifecycle": values["lifecycle"],
        "owner": f"group:default/{values['owner_team']}",
    }
    annotations = entity["metadata"]["annotations"]
    assert annotations["github.com/project-slug"] == slug
    assert annotations["backstage.io/techdocs-ref"] == "dir:."
    assert annotations["backstage.io/source-location"] == f"url:https://github.com/{slug}/tree/main/"
    # The template version is the one the answers file records. The catalog adds
    # managed-by-location itself.
    recorded = yaml.safe_load(repo.read(".copier-answers.yml"))["_commit"]
    assert annotations["backstage.io/template-version"] == recorded
    expected = {*ANNOTATIONS, "backstage.io/template-version"}
    if values["oncall_tool"] == "pagerduty" and values["pagerduty_service_id"]:
        expected.add("pagerduty.com/service-id")
        assert annotations["pagerduty.com/service-id"] == values["pagerduty_service_id"]
    assert set(annotations) == expected
    _assert_links(repo, values, entity["metadata"]["links"])


def _assert_links(repo: Rendered, values: dict[str, Any], links: list[dict[str, str]]) -> None:
    runbook = repo.read("docs/runbook.md")
    expected_titles = []
    by_title = {link["title"]: link for link in links}
    for env in values["environments"]:
        names = values["names"][env]
        dashboard = by_title[f"{env} dashboard"]
        expected_titles.append(f"{env} dashboard")
        assert dashboard["icon"] == "dashboard"
        if repo.cloud in ("aws", "gcp"):
            # The same console link as the runbook's monitoring section.
            assert f"({dashboard['url']})" in runbook, dashboard["url"]
            assert (names["dashboard"] if repo.cloud == "aws" else names["project"]) in dashboard["url"]
        elif names["subscription_id"]:
            assert dashboard["url"] == (
                f"https://portal.azure.com/#@/dashboard/arm/subscriptions/{names['subscription_id']}"
                f"/resourcegroups/{names['resource_group']}/providers/microsoft.portal/dashboards/"
                f"{names['dashboard']}"
            )
        else:
            assert dashboard["url"] == "https://portal.azure.com/#browse/Microsoft.Portal%2Fdashboards"
        if env == _domain_env(values):
            expected_titles.append(f"{env} health")
            health = f"https://{values['domain_name']}{values['health_deep_path']}"
            assert by_title[f"{env} health"] == {"title": f"{env} health", "url": health}
    assert [link["title"] for link in links] == expected_titles


def test_opsgenie_team_becomes_the_opsgenie_annotation() -> None:
    repo = variant(oncall_tool="opsgenie", opsgenie_team="Payments Core")
    annotations = _entity(repo)["metadata"]["annotations"]
    assert annotations["opsgenie.com/team"] == "Payments Core"
    assert "pagerduty.com/service-id" not in annotations
    assert check("catalog", repo / "catalog-info.yaml")[0]["ok"]


@pytest.fixture(scope="module")
def versioned_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template in a git repository tagged v1.0.0, then v2.0.0 with one more file."""
    repo = template_repo(tmp_path_factory.mktemp("catalog-tpl") / "template")
    git(repo, "tag", "v1.0.0")
    (repo / "template" / "CHANGES.md").write_text("# Changes\n\nAdded in v2.\n")
    commit_all(repo, "v2")
    git(repo, "tag", "v2.0.0")
    return repo


def test_template_version_follows_the_answers_file_through_copy_and_update(
    versioned_template: Path, tmp_path: Path
) -> None:
    """Plain Copier renders the version it records in .copier-answers.yml into the catalog entry,
    and an update changes both."""
    import copier

    dst = tmp_path / "svc"
    copier.run_copy(str(versioned_template), dst, data=answers(), vcs_ref="v1.0.0", defaults=True, quiet=True)
    recorded = yaml.safe_load((dst / ".copier-answers.yml").read_text())["_commit"]
    assert recorded == "v1.0.0"
    assert _entity(dst)["metadata"]["annotations"]["backstage.io/template-version"] == recorded
    assert check("catalog", dst / "catalog-info.yaml")[0]["ok"]
    init_generated(dst)

    copier.run_update(dst, vcs_ref="v2.0.0", defaults=True, overwrite=True, quiet=True, unsafe=False)

    assert yaml.safe_load((dst / ".copier-answers.yml").read_text())["_commit"] == "v2.0.0"
    assert _entity(dst)["metadata"]["annotations"]["backstage.io/template-version"] == "v2.0.0"
    assert (dst / "CHANGES.md").is_file()


def test_template_version_follows_svcforge_new_and_update(versioned_template: Path, tmp_path: Path) -> None:
    """The same through svcforge, whichever way it renders (it records _commit itself)."""
    repo = tmp_path / "svc"
    data = tmp_path / "answers.yml"
    data.write_text(yaml.safe_dump(answers()))
    runner = CliRunner()
    source = ["--template", str(versioned_template), "--vcs-ref", "v1.0.0"]
    new = runner.invoke(app, ["new", str(repo), *source, "--data-file", str(data), "--defaults"])
    assert new.exit_code == 0, new.output
    assert _entity(repo)["metadata"]["annotations"]["backstage.io/template-version"] == "v1.0.0"
    init_generated(repo)

    update = runner.invoke(app, ["update", str(repo), "--vcs-ref", "v2.0.0"])

    assert update.exit_code == 0, update.output
    assert yaml.safe_load((repo / ".copier-answers.yml").read_text())["_commit"] == "v2.0.0"
    assert _entity(repo)["metadata"]["annotations"]["backstage.io/template-version"] == "v2.0.0"
