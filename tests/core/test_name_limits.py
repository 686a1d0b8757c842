"""Every name copier.yml derives fits its cloud's limits for every service name the validators
accept: the shortest, the longest, and every environment. The validator of service_name states
each cloud's binding limit; these tests check the names themselves, so the two cannot drift."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from svcforge.errors import AnswerError
from svcforge.questions import resolve
from tests.support.render import cloud_answers

ALL_ENVS = ["dev", "staging", "prod"]
# The longest service_name each cloud accepts (the validator's binding limit).
LONGEST = {"aws": 24, "gcp": 25, "azure": 17}

Rule = Callable[[str, dict[str, Any]], bool]


def _pattern(regex: str, low: int, high: int) -> Rule:
    compiled = re.compile(regex)
    return lambda name, _names: low <= len(name) <= high and compiled.fullmatch(name) is not None


LOWER_HYPHEN = r"[a-z]([-a-z0-9]*[a-z0-9])?"
# Limits from each provider's documentation: (key in names[env], rule).
LIMITS: dict[str, dict[str, Rule]] = {
    "aws": {
        "alb": _pattern(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?", 1, 32),
        "target_group": _pattern(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?", 1, 32),
        "cluster": _pattern(r"[A-Za-z0-9_-]+", 1, 255),
        "db_identifier": _pattern(r"[a-z]([a-z0-9]|-(?!-))*[a-z0-9]", 1, 63),
        "cache_replication_group": _pattern(r"[a-z]([a-z0-9]|-(?!-))*[a-z0-9]", 1, 40),
        "execution_role": _pattern(r"[\w+=,.@-]+", 1, 64),
        "task_role": _pattern(r"[\w+=,.@-]+", 1, 64),
    },
    "gcp": {
        # Cloud Run service: 49 characters, lowercase, digits, hyphens.
        "service": _pattern(LOWER_HYPHEN, 1, 49),
        # Service account id: 6-30 characters.
        "service_account": _pattern(LOWER_HYPHEN, 6, 30),
        # Memorystore instance id: 1-40 characters.
        "redis_instance": _pattern(LOWER_HYPHEN, 1, 40),
        # Cloud SQL: "<project-id>:<instance-id>" at most 98 characters.
        "sql_instance": lambda name, names: (
            re.fullmatch(LOWER_HYPHEN, name) is not None and len(names["project"]) + 1 + len(name) <= 98
        ),
        "artifact_repository": _pattern(LOWER_HYPHEN, 1, 63),
        "network": _pattern(LOWER_HYPHEN, 1, 63),
        "db_password_secret": _pattern(r"[A-Za-z0-9_-]+", 1, 255),
        "redis_auth_secret": _pattern(r"[A-Za-z0-9_-]+", 1, 255),
        "project": _pattern(LOWER_HYPHEN, 6, 30),
        # PostgreSQL role names: 63 characters (the IAM user is "<account>@<project>.iam").
        "db_iam_user": _pattern(r"[a-z0-9-]+@[a-z0-9-]+\.iam", 1, 63),
    },
    "azure": {
        # Key Vault: 3-24 letters, digits, hyphens; starts with a letter; no "--".
        "key_vault": lambda name, _names: (
            3 <= len(name) <= 24
            and re.fullmatch(r"[a-zA-Z]([a-zA-Z0-9]|-(?!-))*[a-zA-Z0-9]", name) is not None
        ),
        # Container App: 2-32 lowercase letters, digits, hyphens; no "--".
        "container_app": lambda name, _names: (
            2 <= len(name) <= 32 and re.fullmatch(r"[a-z]([a-z0-9]|-(?!-))*[a-z0-9]", name) is not None
        ),
        "container_app_environment": _pattern(LOWER_HYPHEN, 2, 60),
        # Container registry: 5-50 letters and digits.
        "registry": _pattern(r"[a-zA-Z0-9]+", 5, 50),
        "postgres_server": _pattern(LOWER_HYPHEN, 3, 63),
        "redis": _pattern(r"[A-Za-z0-9]([A-Za-z0-9]|-(?!-))*", 1, 63),
        "log_analytics": _pattern(r"[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]", 4, 63),
        "resource_group": _pattern(r"[\w.()-]*[\w()-]", 1, 90),
        "identity": _pattern(r"[A-Za-z0-9][A-Za-z0-9_-]*", 3, 128),
        "action_group_short_name": _pattern(r".+", 1, 12),
        "db_password_secret": _pattern(r"[0-9a-zA-Z-]+", 1, 127),
        "redis_password_secret": _pattern(r"[0-9a-zA-Z-]+", 1, 127),
    },
}


def _names(cloud: str, service_name: str) -> dict[str, dict[str, Any]]:
    answers = resolve(cloud_answers(cloud, service_name=service_name, environments=ALL_ENVS, iac="terraform"))
    names: dict[str, dict[str, Any]] = answers["names"]
    return names


def _service_names(cloud: str) -> list[str]:
    longest = LONGEST[cloud]
    return ["abc", "a" * longest, "ab-" * (longest // 3 - 1) + "abc"[: longest - 3 * (longest // 3 - 1)]]


@pytest.mark.parametrize("cloud", sorted(LIMITS))
def test_every_derived_name_fits_its_cloud(cloud: str) -> None:
    problems = []
    for service_name in _service_names(cloud):
        for env, names in _names(cloud, service_name).items():
            for key, fits in LIMITS[cloud].items():
                if not fits(names[key], names):
                    problems.append(f"{service_name!r} {env}: {key} = {names[key]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("cloud", sorted(LIMITS))
def test_one_character_more_is_rejected_by_the_validator(cloud: str) -> None:
    """LONGEST is the validator's limit: one more character is refused, naming the rule."""
    with pytest.raises(AnswerError) as caught:
        _names(cloud, "a" * (LONGEST[cloud] + 1))
    assert caught.value.question == "service_name"
    assert "is limited to" in str(caught.value)


def test_names_of_each_cloud_differ_only_by_cloud() -> None:
    """Every cloud's names start from the same prefix, so one service reads alike everywhere."""
    for cloud in LIMITS:
        for env, names in _names(cloud, "payments-api").items():
            assert names["prefix"] == f"payments-api-{env}"
