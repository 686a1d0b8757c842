"""copier.yml holds only what Copier knows, every question is documented, its `!include`
parts read as Copier reads them, and the computed names fit AWS's limits for the longest
allowed service name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from copier._template import load_template_config

from svcforge.errors import AnswerError
from svcforge.questions import (
    QUESTION_KEYS,
    ConfigError,
    by_name,
    load,
    load_documents,
    parse_config,
    read_config,
    resolve,
)
from tests.support.render import ROOT, answers

LONGEST = "a" + "b-c" * 7 + "dd"  # 24 characters: the validator's maximum


def test_copier_yml_has_only_copier_keys() -> None:
    settings, questions = read_config(ROOT / "copier.yml")
    assert settings["subdirectory"] == "template"
    for question in questions:
        assert set(question.raw) <= QUESTION_KEYS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name:\n  type: str\n  validate: x\n", "unknown keys: validate"),
        ("_subdir: template\n", "unknown Copier setting '_subdir'"),
        ("name:\n  type: string\n", "unknown type 'string'"),
    ],
)
def test_loader_rejects_unknown_keys(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(text)


def test_includes_read_as_copier_reads_them() -> None:
    """svcforge and Copier see the same settings and questions, in the same order."""
    path = ROOT / "copier.yml"
    ours, _ = load_documents(path.read_text(), ROOT)
    theirs = load_template_config(path)
    assert ours == theirs
    assert list(ours) == list(theirs)


def test_copier_yml_is_an_index_of_its_parts() -> None:
    """copier.yml holds settings and includes only; every part in copier/ is included once."""
    text = (ROOT / "copier.yml").read_text()
    included = re.findall(r"^- !include (\S+)$", text, flags=re.MULTILINE)
    assert sorted(included) == sorted(str(p.relative_to(ROOT)) for p in (ROOT / "copier").glob("*.yml"))
    assert len(set(included)) == len(included)
    settings, questions = parse_config(text.split("\n---\n")[0])
    assert settings and not questions


def test_every_asked_question_has_a_section() -> None:
    sections = [q.section for q in load() if not q.computed]
    assert "" not in sections
    # Each section is one run of questions: the wizard announces it once.
    runs = [s for i, s in enumerate(sections) if i == 0 or sections[i - 1] != s]
    assert runs == [
        "cloud",
        "service",
        "platform",
        "data stores",
        "runtime",
        "network",
        "service level objectives",
    ]


def _template(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path / "copier.yml"


def test_includes_globs_documents_and_sections(tmp_path: Path) -> None:
    path = _template(
        tmp_path,
        {
            "copier.yml": "_exclude: [a]\n---\n!include parts/*.yml\n---\n- !include more/last.yml\n",
            "parts/one.yml": "# PROMPT: first ---\none:\n  type: str\n  default: x\n---\n_exclude: [b]\n",
            "parts/two.yml": "# PROMPT: second ---\ntwo:\n  type: int\n  default: 2\n",
            "more/last.yml": "# PROMPT: third ---\nthree: 3\n---\n!include parts/two.yml\n",
        },
    )
    settings, questions = read_config(path)
    assert {q.name: q.section for q in questions} == {"one": "first", "two": "second", "three": "third"}
    assert sorted(settings["exclude"]) == ["a", "b"]
    ours, _ = load_documents(path.read_text(), tmp_path)
    assert ours == load_template_config(path)


@pytest.mark.parametrize(
    ("index", "message"),
    [
        ("!include copier/missing.yml\n", "!include copier/missing.yml matches no file"),
        ("!include copier/*.yaml\n", "!include copier/*.yaml matches no file"),
        ("!include /etc/passwd\n", "must be a path relative to"),
        ("!include ../outside.yml\n", "outside the template"),
        ("!include [a, b]\n", "takes a file name or glob pattern"),
        ("- !include copier/bad.yml\n", "copier/bad.yml is not valid YAML"),
        ("- !include copier/list.yml\n", "must be a mapping"),
    ],
)
def test_a_broken_include_is_a_config_error(tmp_path: Path, index: str, message: str) -> None:
    (tmp_path / "outside.yml").write_text("x: 1\n")
    path = _template(
        tmp_path / "t",
        {"copier.yml": index, "copier/bad.yml": "a: [\n", "copier/list.yml": "- a\n- b\n"},
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        read_config(path)


def test_include_without_a_template_directory_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="needs the template directory"):
        parse_config("!include copier/cloud.yml\n")


def test_every_question_has_help_and_a_rule() -> None:
    for question in load():
        if question.computed:
            continue
        assert question.help, f"{question.name} has no help"
        assert question.choices or question.validator, f"{question.name} has no rule"


def test_longest_name_is_accepted_and_one_more_is_not() -> None:
    assert len(LONGEST) == 24
    resolve(answers(service_name=LONGEST))
    with pytest.raises(AnswerError, match="limited to 32 characters"):
        resolve(answers(service_name=LONGEST + "x"))


# CloudFormation stack names.
STACK_LIMIT = 128


def test_every_derived_name_fits_its_aws_limit() -> None:
    """The longest aws name in every environment, against copier/naming.yml's limits table."""
    limits = by_name(load())["name_limits"].default["aws"]
    resolved = resolve(answers(service_name=LONGEST, environments=["dev", "staging", "prod"]))
    assert set(resolved["names"]) == {"dev", "staging", "prod"}
    for env, names in resolved["names"].items():
        for key, rule in limits.items():
            assert len(names[key]) <= rule["max"], f"{env}.{key} = {names[key]!r} exceeds {rule['max']}"
            assert re.fullmatch(rule.get("chars", ".+"), names[key]), f"{env}.{key} = {names[key]!r}"
        for alarm in names["alarms"].values():
            assert len(alarm) <= 255
        assert set(names["stacks"]) == {"network", "data", "service"}
        for stack in names["stacks"].values():
            assert len(stack) <= STACK_LIMIT
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", stack), stack
        # ELB, RDS and ElastiCache names: letters, digits, hyphens; no leading/trailing/double hyphen.
        for key in ("alb", "target_group", "db_identifier", "cache_replication_group"):
            assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", names[key]), names[key]
    assert len(resolved["db_name"]) <= 63
    assert re.fullmatch(r"[a-z][a-z0-9_]*", resolved["db_name"])


def test_alarm_names_follow_the_chosen_data_stores() -> None:
    full = resolve(answers())["names"]["prod"]["alarms"]
    bare = resolve(answers(database="none", cache="none"))["names"]["prod"]["alarms"]
    assert {"db_connections_high", "db_storage_low", "cache_memory_high"} <= set(full)
    assert {"db_auth_failures", "ephemeral_storage_high", "certificate_expiry"} <= set(full)
    assert not {k for k in bare if k.startswith(("db_", "cache_"))}
    assert {"ephemeral_storage_high", "certificate_expiry"} <= set(bare)


def test_prod_gets_multi_az_and_a_pool_that_fits_the_database() -> None:
    config = resolve(answers(max_capacity=40))["env_config"]
    assert config["prod"]["multi_az"] and config["prod"]["deletion_protection"]
    assert not config["staging"]["deletion_protection"]
    for env in config.values():
        assert env["db_pool_size"] * env["max_capacity"] <= env["db_max_connections"]
