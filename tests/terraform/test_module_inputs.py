"""Module inputs as data (copier/terraform-<cloud>.yml): an input whose entry says where its
value comes from (`tfvars`: an answer; `env_config`: a key of env_config[env]) reaches the
environment roots from that one entry: declared once in the root however many modules take
it, set in terraform.tfvars, passed by each module block. Rendered with plain Copier from a
copy of the template whose data gained such inputs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.support.render import ROOT, answers
from tests.terraform.runners import fmt_check

AWS = "copier/terraform-aws.yml"


def _with_inputs(text: str) -> str:
    """The AWS data with rds's slow-query threshold set from a value, and a new input taken by
    rds and cache from env_config[env].backup_retention_days."""
    slow = "          description: Log every statement that runs longer than this many milliseconds.\n"
    assert text.count(slow) == 1
    text = text.replace(slow, slow + "          tfvars: 250\n")
    new_input = (
        "        - name: retention_probe_days\n"
        "          type: number\n"
        "          description: Days, set per environment (a test input).\n"
        "          env_config: backup_retention_days\n"
        "          validation:\n"
        "            - condition: var.retention_probe_days >= 1\n"
        "              error_message: retention_probe_days must be at least 1.\n"
    )
    for module in ("rds", "cache"):
        # The module's inputs end where its outputs begin.
        end = text.index("\n      outputs:\n", text.index(f"\n    {module}:\n"))
        text = text[:end] + "\n" + new_input.rstrip("\n") + text[end:]
    return text


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from copier import run_copy

    template = tmp_path_factory.mktemp("template")
    for part in ("copier.yml", "copier", "template", "includes"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, template / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, template / part)
    data = template / AWS
    data.write_text(_with_inputs(data.read_text()))
    dst = tmp_path_factory.mktemp("out") / "repo"
    run_copy(str(template), str(dst), data=answers(iac="terraform"), defaults=True, quiet=True)
    return dst / "terraform"


def _block(text: str, kind: str, name: str) -> str:
    match = re.search(rf'^{kind} "{name}" {{\n(.*?)^}}', text, flags=re.MULTILINE | re.DOTALL)
    assert match, f"no {kind} {name}"
    return match.group(1)


def test_the_data_renders_the_module_variables(rendered: Path) -> None:
    for module in ("rds", "cache"):
        text = (rendered / "modules" / module / "variables.tf").read_text()
        block = _block(text, "variable", "retention_probe_days")
        assert "condition     = var.retention_probe_days >= 1" in block
        readme = (rendered / "modules" / module / "README.md").read_text()
        row = "| `retention_probe_days` | `number` | required | Days, set per environment (a test input). |"
        assert row in readme


@pytest.mark.parametrize(("env", "days"), [("staging", 7), ("prod", 30)])
def test_the_root_declares_sets_and_passes_each_input_once(rendered: Path, env: str, days: int) -> None:
    root = rendered / "environments" / env
    variables = (root / "variables.tf").read_text()
    for name in ("retention_probe_days", "log_min_duration_statement_ms"):
        assert variables.count(f'variable "{name}" {{') == 1, name
    assert 'error_message = "retention_probe_days must be at least 1."' in variables
    tfvars = (root / "terraform.tfvars").read_text()
    assert re.search(r"^log_min_duration_statement_ms = 250$", tfvars, flags=re.MULTILINE)
    assert re.search(rf"^retention_probe_days +\= {days}$", tfvars, flags=re.MULTILINE)
    main = (root / "main.tf").read_text()
    rds, cache = _block(main, "module", "rds"), _block(main, "module", "cache")
    assert "\n\n  log_min_duration_statement_ms = var.log_min_duration_statement_ms\n" in rds
    assert "  retention_probe_days          = var.retention_probe_days\n" in rds
    assert "\n\n  retention_probe_days = var.retention_probe_days\n" in cache
    # Modules that take none of them pass nothing more.
    assert "retention_probe_days" not in _block(main, "module", "alb")


def test_the_render_is_terraform_fmt_clean(rendered: Path) -> None:
    code, listing, errors = fmt_check([rendered])[str(rendered)]
    assert code == 0, listing + errors


def test_the_shipped_data_is_valid_yaml_per_cloud() -> None:
    """Each data file parses once Jinja has run (here: its raw text outside Jinja tags), and
    names every module directory of its cloud but monitoring."""
    for cloud in ("aws", "gcp", "azure"):
        text = (ROOT / f"copier/terraform-{cloud}.yml").read_text()
        (question,) = yaml.safe_load(text)
        modules = {
            re.sub(r"{%.*?%}", "", path.name)
            for path in (ROOT / "template").glob("*terraform*/modules/*")
            if f"on_{cloud}" in path.name
        } - {"monitoring"}
        listed = set(re.findall(r"^    ([a-z][a-z-]*):$", text, flags=re.MULTILINE))
        assert listed == modules, cloud
        assert question == f"terraform_{cloud}"
