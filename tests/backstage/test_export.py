"""`svcforge export backstage`: a valid scaffolder template whose form is copier.yml's questions
(pages by section, types, labelled choices, static defaults, help, rules, same-page conditions)
and whose steps are svcforge:new, publish:github and catalog:register."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from svcforge.backstage.template import MARKER, export
from svcforge.cli import app
from svcforge.questions import Question, load, read_config
from tests.backstage.conftest import Exported
from tests.backstage.support import check
from tests.support.render import ROOT


def _fields(entity: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every field of the form: name -> (page title, schema), dependency branches included."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for page in entity["spec"]["parameters"]:
        for name, schema in page["properties"].items():
            found[name] = (page["title"], schema)
        for controller, dependency in page.get("dependencies", {}).items():
            for branch in dependency["oneOf"]:
                for name, schema in branch["properties"].items():
                    if name != controller:
                        found[name] = (page["title"], schema)
    return found


def _asked() -> list[Question]:
    return [q for q in load() if not q.computed]


def test_the_template_passes_the_scaffolder_template_validator(exported: Exported) -> None:
    assert check("template", exported.path) == {"file": str(exported.path), "ok": True}


def test_the_validator_rejects_a_broken_template(exported: Exported, tmp_path: Path) -> None:
    broken = copy.deepcopy(exported.entity)
    broken["spec"]["steps"][0].pop("action")
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    assert not check("template", path)["ok"]


def test_pages_follow_the_wizard_sections_and_hold_every_question(exported: Exported) -> None:
    asked = _asked()
    sections = list(dict.fromkeys(q.section for q in asked))
    pages = exported.entity["spec"]["parameters"]
    assert [p["title"] for p in pages] == [s.capitalize() for s in sections]
    fields = _fields(exported.entity)
    assert sorted(fields) == sorted(q.name for q in asked)
    for question in asked:
        page, schema = fields[question.name]
        assert page == question.section.capitalize()
        assert schema["title"] == question.name
        assert schema["description"].startswith(question.help)
    for page, section in zip(pages, sections, strict=True):
        assert page["ui:order"] == [*(q.name for q in asked if q.section == section), "*"]


def test_types_choices_defaults_and_required(exported: Exported) -> None:
    fields = _fields(exported.entity)
    json_types = {"str": "string", "int": "integer", "bool": "boolean"}
    for question in _asked():
        _, schema = fields[question.name]
        if question.type in json_types:
            assert schema["type"] == json_types[question.type], question.name
        if question.choices:
            assert schema["oneOf"] == [
                {"const": question.cast(c.value), "title": c.title} for c in question.choices
            ]
        jinja = isinstance(question.default, str) and "{{" in question.default
        if question.has_default and not jinja:
            assert schema["default"] == question.cast(question.default), question.name
        else:
            assert "default" not in schema, question.name
        if jinja:
            assert f"Left empty, svcforge computes it: {question.default}." in schema["description"]
    required = [n for p in exported.entity["spec"]["parameters"] for n in p.get("required", [])]
    assert required == [q.name for q in _asked() if not q.has_default]
    _, environments = fields["environments"]
    assert environments["type"] == "array"
    assert environments["items"] == {"type": "string", "enum": ["dev", "staging", "prod"]}
    assert environments["uniqueItems"] is True
    assert environments["minItems"] == 1
    assert environments["ui:widget"] == "checkboxes"


def test_validator_rules_become_json_schema_keywords(exported: Exported) -> None:
    fields = _fields(exported.entity)
    assert fields["service_name"][1]["pattern"] == "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
    assert fields["service_name"][1]["minLength"] == 3
    assert fields["owner_team"][1]["maxLength"] == 39
    assert (fields["container_port"][1]["minimum"], fields["container_port"][1]["maximum"]) == (1024, 65535)
    assert fields["aws_account_id_prod"][1]["pattern"] == "^$|^[0-9]{12}$"
    assert fields["private_subnet_ids"][1]["minItems"] == 2
    assert fields["private_subnet_ids"][1]["items"]["pattern"] == "^subnet-([0-9a-f]{8}|[0-9a-f]{17})$"
    assert fields["max_capacity"][1]["maximum"] == 200
    assert "(checked by svcforge when the template runs)" in fields["max_capacity"][1]["description"]


def test_fields_are_plain_widgets_not_alternatives(exported: Exported) -> None:
    """A form shows field-level anyOf/allOf, and oneOf of schemas, as a choice between
    alternatives: rules must read as one schema (oneOf only lists labelled choices)."""
    for name, (_, schema) in _fields(exported.entity).items():
        assert not {"anyOf", "allOf"} & set(schema), name
        assert all(set(option) == {"const", "title"} for option in schema.get("oneOf", [])), name


def test_same_page_conditions_become_dependencies(exported: Exported) -> None:
    pages = {p["title"]: p for p in exported.entity["spec"]["parameters"]}
    network = pages["Network"]["dependencies"]["vpc_mode"]["oneOf"]
    by_mode = {b["properties"]["vpc_mode"]["enum"][0]: set(b["properties"]) - {"vpc_mode"} for b in network}
    assert by_mode == {
        "create": {"vpc_cidr"},
        "existing": {"vpc_id", "private_subnet_ids", "public_subnet_ids"},
    }
    oncall = pages["Service"]["dependencies"]["oncall_tool"]["oneOf"]
    by_tool = {
        b["properties"]["oncall_tool"]["enum"][0]: set(b["properties"]) - {"oncall_tool"} for b in oncall
    }
    assert by_tool == {"pagerduty": {"pagerduty_service_id"}, "opsgenie": {"opsgenie_team"}}
    # A condition on an answer of another page stays a note on a visible, optional field.
    region = pages["Platform"]["properties"]["aws_region"]
    assert "Only used when cloud == 'aws'; ignored otherwise." in region["description"]
    assert "aws_region" not in pages["Platform"].get("required", [])


def test_steps_render_with_svcforge_then_publish_and_register(exported: Exported) -> None:
    spec = exported.entity["spec"]
    steps = spec["steps"]
    assert [s["action"] for s in steps] == ["svcforge:new", "publish:github", "catalog:register"]
    assert steps[0]["input"]["answers"] == {q.name: f"${{{{ parameters.{q.name} }}}}" for q in _asked()}
    assert steps[1]["input"]["repoUrl"] == "${{ steps['svcforge'].output.repoUrl }}"
    assert steps[2]["input"]["repoContentsUrl"] == "${{ steps['publish'].output.repoContentsUrl }}"
    assert steps[2]["input"]["catalogInfoPath"] == "${{ steps['svcforge'].output.catalogInfoPath }}"
    # Backstage templates no file (no fetch:template): GitHub Actions' ${{ }} stay as rendered.
    text = json.dumps(spec)
    assert "fetch:" not in text
    assert "${{" not in json.dumps(spec["parameters"])


def test_the_form_is_generated_from_copier_yml(tmp_path: Path) -> None:
    """A question added to copier.yml appears in the export with its type, help, rule and section."""
    template = tmp_path / "template"
    shutil.copytree(ROOT / "copier", template / "copier")
    (template / "copier" / "extras.yml").write_text(
        "# PROMPT: extras ---------------------------------------------------------------\n"
        "tier:\n  type: int\n  default: 2\n  help: Support tier.\n"
        '  validator: "{% if tier < 1 or tier > 3 %}must be 1, 2 or 3{% endif %}"\n'
    )
    (template / "copier.yml").write_text((ROOT / "copier.yml").read_text() + "- !include copier/extras.yml\n")
    _, questions = read_config(template / "copier.yml")
    result = export(tmp_path / "out", questions=questions)
    entity = yaml.safe_load(result.path.read_text())
    page = entity["spec"]["parameters"][-1]
    assert page["title"] == "Extras"
    assert page["properties"]["tier"] == {
        "title": "tier",
        "type": "integer",
        "default": 2,
        "minimum": 1,
        "maximum": 3,
        "description": "Support tier. Rule: must be 1, 2 or 3.",
    }
    assert entity["spec"]["steps"][0]["input"]["answers"]["tier"] == "${{ parameters.tier }}"


def test_export_replaces_its_own_file_but_never_another(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["export", "backstage", "--out", str(tmp_path)])
    assert first.exit_code == 0 and first.output.startswith(f"Wrote {tmp_path / 'template.yaml'}: 7 pages")
    again = runner.invoke(
        app, ["export", "backstage", "--out", str(tmp_path), "--owner", "group:default/idp"]
    )
    assert again.exit_code == 0 and again.output.startswith("Replaced ")
    assert yaml.safe_load((tmp_path / "template.yaml").read_text())["spec"]["owner"] == "group:default/idp"
    assert (tmp_path / "template.yaml").read_text().startswith(MARKER)

    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "template.yaml").write_text("apiVersion: scaffolder.backstage.io/v1beta3\n")
    refused = runner.invoke(app, ["export", "backstage", "--out", str(theirs)])
    assert refused.exit_code == 2
    assert "template.yaml exists and was not written by svcforge; kept it" in refused.output
    assert (theirs / "template.yaml").read_text() == "apiVersion: scaffolder.backstage.io/v1beta3\n"


def test_the_docs_list_what_the_export_lists(exported: Exported) -> None:
    """docs/backstage.md gets the export's report at build time (docs/hooks/backstage.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("backstage_hook", ROOT / "docs" / "hooks" / "backstage.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    page = (ROOT / "docs" / "backstage.md").read_text()
    assert hook.MARKER in page
    rendered = hook.on_page_markdown(page)
    report = exported.output.split("\n", 1)[1].strip()
    assert report in rendered


def test_out_is_required() -> None:
    result = CliRunner().invoke(app, ["export", "backstage"])
    assert result.exit_code == 2
    assert "--out" in result.output
