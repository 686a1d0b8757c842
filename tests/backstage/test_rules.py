"""The translation of copier.yml's Jinja rules into JSON Schema, on small examples: exact where it
claims to be, and sound (never stricter than svcforge) where it is not."""

from __future__ import annotations

from typing import Any

import pytest

from svcforge.backstage.formula import FALSE, Atom, negate, to_schema
from svcforge.backstage.regex import escape, to_ecmascript
from svcforge.backstage.rules import FULL, NONE, PARTIAL, rules_of
from svcforge.questions import parse_config


@pytest.mark.parametrize(
    ("python", "ecmascript"),
    [
        (r"^[a-z]+\Z", "^[a-z]+$"),
        (r"\A[0-9]{12}\Z", "^[0-9]{12}$"),
        (r"^a$", "^a(?=\\n?$)"),  # Python's $ also matches before a final newline
        (r"^(?P<x>a)(?P=x)\Z", r"^(?<x>a)\k<x>$"),
        (r"^[$^]\Z", "^[$^]$"),  # inside a class, $ is a character
        (r"^a\.b\Z", r"^a\.b$"),
    ],
)
def test_patterns_keep_their_meaning(python: str, ecmascript: str) -> None:
    assert to_ecmascript(python) == ecmascript


@pytest.mark.parametrize("python", [r"^\d+\Z", r"^\w\Z", r"(?i)^a\Z", r"^a\s\Z", "a\\"])
def test_patterns_that_differ_in_ecmascript_are_not_translated(python: str) -> None:
    assert to_ecmascript(python) is None


def test_escape_makes_literals() -> None:
    assert escape("a.b(c)-d/e") == r"a\.b\(c\)-d\/e"


def test_negation_is_exact_under_the_base_type() -> None:
    assert negate(Atom("minLength", 3), "string") == Atom("maxLength", 2)
    assert negate(Atom("minLength", 0), "string") == FALSE
    assert negate(Atom("maximum", 10), "integer") == Atom("minimum", 11)
    assert negate(Atom("contains", Atom("enum", ["a"])), "array") == Atom(
        "items", negate(Atom("enum", ["a"]), "string")
    )
    assert to_schema(negate(Atom("pattern", "x"), "string")) == {"not": {"pattern": "x"}}


def _rules(spec: str, name: str = "x") -> list[Any]:
    _, questions = parse_config(spec)
    question = next(q for q in questions if q.name == name)
    return [r for r in rules_of(question) if r.origin == "validator"]


def test_a_rule_on_the_answer_alone_is_expressed_fully() -> None:
    spec = r"""
x:
  type: str
  validator: >-
    {%- if x and (x | length > 10 or not (x | regex_search('^[a-z]+\\Z'))) -%}bad{%- endif -%}
"""
    (rule,) = _rules(spec)
    assert rule.coverage == FULL
    assert rule.schema == {"maxLength": 10, "pattern": "^$|^[a-z]+$"}


def test_a_rule_comparing_answers_is_expressed_soundly_or_not_at_all() -> None:
    spec = """
y:
  type: int
  default: 1
x:
  type: int
  validator: "{% if x < y or x > 9 %}bad{% endif %}{% if x == 5 and y == 2 %}worse{% endif %}"
"""
    partial, none = _rules(spec)
    # x > 9 is checked; x < y is left to svcforge (the form must not refuse what svcforge accepts).
    assert (partial.coverage, partial.schema, partial.depends_on) == (PARTIAL, {"maximum": 9}, ("y",))
    assert (none.coverage, none.schema, none.depends_on) == (NONE, None, ("y",))


def test_list_rules_become_items_and_size() -> None:
    spec = """
x:
  type: yaml
  default: "[a]"
  validator: >-
    {%- if x | length == 0 -%}empty
    {%- elif x | reject('in', ['a', 'b']) | list | length > 0 -%}unknown
    {%- elif x | unique | list | length != x | length -%}repeated
    {%- endif -%}
"""
    assert [r.schema for r in _rules(spec)] == [
        {"minItems": 1},
        {"items": {"enum": ["a", "b"]}},
        {"uniqueItems": True},
    ]
    assert {r.coverage for r in _rules(spec)} == {FULL}


def test_messages_match_svcforge_messages_with_values_filled_in() -> None:
    spec = """
x:
  type: str
  validator: "{% if x | length < 3 %}must be at least 3 characters; got {{ x | length }}{% endif %}"
"""
    (rule,) = _rules(spec)
    assert rule.message == "must be at least 3 characters; got <x | length>"
    assert rule.matches("must be at least 3 characters; got 2")
    assert not rule.matches("must be at most 3 characters; got 2")
