"""Every name copier.yml derives fits its cloud's limits for every service name the validators
accept: the shortest, the longest, and every environment. The limits are one table,
copier/naming.yml's `name_limits`, which the validator of service_name reads too: the longest
name each cloud accepts is derived from it here (through the validator), so the two cannot drift."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from svcforge.errors import AnswerError
from svcforge.questions import by_name, load, resolve
from tests.support.render import cloud_answers

ALL_ENVS = ["dev", "staging", "prod"]
CLOUDS = ["aws", "gcp", "azure"]


@cache
def _table(name: str) -> dict[str, Any]:
    table: dict[str, Any] = by_name(load())[name].default
    return table


def _names(cloud: str, service_name: str) -> dict[str, dict[str, Any]]:
    answers = resolve(cloud_answers(cloud, service_name=service_name, environments=ALL_ENVS, iac="terraform"))
    names: dict[str, dict[str, Any]] = answers["names"]
    return names


@cache
def longest(cloud: str) -> int:
    """The longest service_name the validator accepts on ``cloud`` (it reads the limits table)."""
    question = by_name(load())["service_name"]
    context = {"cloud": cloud, "name_limits": _table("name_limits"), "name_patterns": _table("name_patterns")}
    accepted = 0
    for length in range(3, 80):
        try:
            question.check("a" * length, context)
        except ValueError:
            return accepted
        accepted = length
    raise AssertionError(f"no length limit on {cloud}")


def _service_names(cloud: str) -> list[str]:
    most = longest(cloud)
    return ["abc", "a" * most, "ab-" * (most // 3 - 1) + "abc"[: most - 3 * (most // 3 - 1)]]


def _problems(rule: dict[str, Any], name: str, names: dict[str, Any]) -> list[str]:
    measured = rule.get("measure", "{name}").format(**{**names, "name": name})
    found = []
    if not rule.get("min", 1) <= len(measured) <= rule["max"]:
        found.append(f"{len(measured)} characters, not {rule.get('min', 1)} to {rule['max']}")
    if "chars" in rule and re.fullmatch(rule["chars"], name) is None:
        found.append(f"does not match {rule['chars']}")
    return found


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_derived_name_fits_its_cloud(cloud: str) -> None:
    problems = []
    for service_name in _service_names(cloud):
        for env, names in _names(cloud, service_name).items():
            for key, rule in _table("name_limits")[cloud].items():
                for problem in _problems(rule, names[key], names):
                    problems.append(f"{service_name!r} {env}: {key} = {names[key]!r}: {problem}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_limit_names_a_derived_name(cloud: str) -> None:
    names = _names(cloud, "payments-api")["prod"]
    assert set(_table("name_limits")[cloud]) <= set(names)
    # Every pattern names one resource; the alarms' names come from the behaviour table's keys.
    assert set(_table("name_patterns")[cloud]) == set(names) - {"alarms"}
    stores = _table("name_stores")[cloud]
    assert set(stores) == {"postgres", "redis", "shared"}
    assert {key for keys in stores.values() for key in keys} <= set(names) - {"alarms"}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_unused_names_are_those_of_the_unchosen_stores(cloud: str) -> None:
    stores = _table("name_stores")[cloud]
    for database, cache_choice, unused in [
        ("postgres", "redis", []),
        ("postgres", "none", stores["redis"]),
        ("none", "redis", stores["postgres"]),
        ("none", "none", stores["postgres"] + stores["redis"] + stores["shared"]),
    ]:
        answers = resolve(cloud_answers(cloud, database=database, cache=cache_choice, iac="terraform"))
        assert answers["unused_names"] == unused


@pytest.mark.parametrize("cloud", CLOUDS)
def test_one_character_more_is_rejected_by_the_validator(cloud: str) -> None:
    """The longest accepted name plus one is refused, naming a binding limit of the table."""
    with pytest.raises(AnswerError) as caught:
        _names(cloud, "a" * (longest(cloud) + 1))
    assert caught.value.question == "service_name"
    bindings = [rule["binding"] for rule in _table("name_limits")[cloud].values() if "binding" in rule]
    assert any(f'{label} "' in str(caught.value) for label in bindings), caught.value
    assert "is limited to" in str(caught.value)


def test_the_help_states_the_derived_limits() -> None:
    """service_name's help says how long a name may be on each cloud: the table's numbers."""
    help_text = by_name(load())["service_name"].help
    aws, gcp, azure = (longest(cloud) for cloud in CLOUDS)
    assert f"at most {aws} characters on aws, {gcp} on gcp and {azure} on azure" in help_text
    assert (aws, gcp, azure) == (24, 25, 17)


def test_names_of_each_cloud_differ_only_by_cloud() -> None:
    """Every cloud's names start from the same prefix, so one service reads alike everywhere."""
    for cloud in CLOUDS:
        for env, names in _names(cloud, "payments-api").items():
            assert names["prefix"] == f"payments-api-{env}"


@pytest.mark.parametrize("cloud", CLOUDS)
def test_alarm_names_follow_the_behaviour_table_and_the_stores(cloud: str) -> None:
    for database, cache_choice in [("postgres", "redis"), ("none", "none"), ("postgres", "none")]:
        answers = resolve(cloud_answers(cloud, database=database, cache=cache_choice, iac="terraform"))
        for env, names in answers["names"].items():
            assert list(names["alarms"]) == list(answers["behaviour"]["alarms"])
            assert any(key.startswith("db_") for key in names["alarms"]) is (database == "postgres")
            assert any(key.startswith("cache_") for key in names["alarms"]) is (cache_choice == "redis")
            assert all(
                v == f"{answers['service_name']}-{env}-{k.replace('_', '-')}"
                for k, v in names["alarms"].items()
            )


def test_gcp_project_validator_reads_the_iam_user_limit() -> None:
    """A project id that makes the IAM user longer than the table's limit is refused, with the
    largest length that fits."""
    limit = _table("name_limits")["gcp"]["db_iam_user"]["max"]
    service_name = "s" * 25
    room = limit - len(f"{service_name}-prd@.iam")
    fits = "p" + "x" * (room - 1)
    resolve(cloud_answers("gcp", service_name=service_name, gcp_project_id_prod=fits))
    with pytest.raises(AnswerError, match=f"may have at most {room}$"):
        resolve(cloud_answers("gcp", service_name=service_name, gcp_project_id_prod=fits + "x"))
