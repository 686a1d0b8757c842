"""copier.yml's questions as Backstage form pages (JSON Schema with ``ui:`` hints).

One page per copier.yml section (the wizard's sections), in order. Each question keeps its name
as the field title (the same name the wizard, ``--data`` and the answers file use), its help, its
type, its choices with their labels, its default when the default is static, and its rules as far
as JSON Schema can say them (``rules``). A ``when`` that reads one choice question of the same
page becomes ``dependencies`` with one ``oneOf`` branch per choice; any other ``when`` cannot be
expressed in Backstage (no conditions across pages, no if/then), so the field stays visible,
optional, says when it is used, and svcforge ignores its answer when the condition is false.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from jinja2 import TemplateError, meta

from svcforge.backstage.formula import merge_schemas
from svcforge.backstage.rules import FULL, Rule, json_type, parser, rules_of
from svcforge.questions import Question

# Rules that the field's type, enum and required list already express.
_BUILT_IN = ("type", "required", "choices")


@dataclass(frozen=True)
class Condition:
    """A ``when`` of copier.yml and how the form handles it.

    Attributes:
        question: The conditional question.
        when: The condition as written (Jinja).
        controllers: The answers it reads.
        expressed: True when the form shows the field only when the condition holds.
    """

    question: str
    when: str
    controllers: tuple[str, ...]
    expressed: bool


@dataclass(frozen=True)
class ComputedDefault:
    """A default that copier.yml computes from other answers (Jinja): the form leaves the
    field empty and svcforge computes the value when the template runs."""

    question: str
    default: str


@dataclass
class Form:
    """The form and what it could not express."""

    pages: list[dict[str, Any]]
    fields: list[str]
    rules: list[Rule] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    computed_defaults: list[ComputedDefault] = field(default_factory=list)

    @property
    def unexpressed_rules(self) -> list[Rule]:
        """Rules the form checks only in part or not at all (svcforge enforces them)."""
        return [r for r in self.rules if r.coverage != FULL]

    @property
    def unexpressed_conditions(self) -> list[Condition]:
        """Conditions shown as a note on an always-visible field."""
        return [c for c in self.conditions if not c.expressed]


def section_title(section: str) -> str:
    """A page title, as the wizard announces the section."""
    return section.capitalize() if section else "Questions"


def build(questions: Iterable[Question]) -> Form:
    """The form of ``questions`` (computed values are never asked)."""
    questions = list(questions)
    asked = [q for q in questions if not q.computed]
    # Tables copier.yml computes from no answer (name limits...): a rule that reads them
    # compares with no other answer.
    constants = frozenset(q.name for q in questions if q.computed and not _is_jinja(q.default))
    index = {q.name: q for q in asked}
    form = Form(pages=[], fields=[q.name for q in asked])
    # controller -> repr(controller value) -> the questions asked for that value
    controllers: dict[str, dict[str, list[Question]]] = {}
    for question in asked:
        form.rules += rules_of(question, constants)
        if question.has_default and _is_jinja(question.default):
            form.computed_defaults.append(ComputedDefault(question.name, str(question.default)))
        found = _condition(question, index, asked)
        if found is not None:
            condition, asked_for = found
            form.conditions.append(condition)
            by_value = controllers.setdefault(condition.controllers[0], {}) if condition.expressed else {}
            for value, dependents in asked_for.items():
                by_value.setdefault(value, []).extend(dependents)
    rules: dict[str, list[Rule]] = {}
    for rule in form.rules:
        rules.setdefault(rule.question, []).append(rule)
    notes = {c.question: c for c in form.unexpressed_conditions}
    dependent = {c.question for c in form.conditions if c.expressed}
    pages: dict[str, dict[str, Any]] = {}
    for question in asked:
        page = pages.setdefault(question.section, _page(question.section))
        page["ui:order"].append(question.name)
        if question.name not in dependent:  # dependent fields go into their controller's branches
            page["properties"][question.name] = _field(question, rules[question.name], notes)
            if _required(question):
                page["required"].append(question.name)
    for name, by_value in controllers.items():
        branches = [_branch(index[name], value, by_value, rules, notes) for value in _values(index[name])]
        pages[index[name].section].setdefault("dependencies", {})[name] = {"oneOf": branches}
    for page in pages.values():
        page["ui:order"].append("*")  # RJSF refuses an order that misses a property
        if not page["required"]:
            del page["required"]
    form.pages = list(pages.values())
    return form


def _branch(
    controller: Question,
    value: Any,
    by_value: dict[str, list[Question]],
    rules: dict[str, list[Rule]],
    notes: dict[str, Condition],
) -> dict[str, Any]:
    """The ``oneOf`` branch of ``dependencies`` for one value of the controller."""
    dependents = by_value.get(repr(value), [])
    properties: dict[str, Any] = {controller.name: {"enum": [value]}}
    for question in dependents:
        properties[question.name] = _field(question, rules[question.name], notes)
    branch: dict[str, Any] = {"properties": properties}
    required = [q.name for q in dependents if _required(q)]
    if required:
        branch["required"] = required
    return branch


def _page(section: str) -> dict[str, Any]:
    return {"title": section_title(section), "required": [], "properties": {}, "ui:order": []}


def _required(question: Question) -> bool:
    return not question.has_default and question.when is True


def _is_jinja(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _values(question: Question) -> list[Any]:
    if question.choices:
        return [question.cast(c.value) for c in question.choices]
    return [True, False]


def _condition(
    question: Question, index: dict[str, Question], asked: list[Question]
) -> tuple[Condition, dict[str, list[Question]]] | None:
    """The question's ``when``, and (when expressible) the controller values that ask it."""
    if isinstance(question.when, bool):
        return None
    when = str(question.when)
    names = tuple(sorted(meta.find_undeclared_variables(parser().parse(when))))
    controller = index.get(names[0]) if len(names) == 1 else None
    same_page = (
        controller is not None
        and controller.section == question.section
        and asked.index(controller) < asked.index(question)
        and (bool(controller.choices) or controller.type == "bool")
    )
    if controller is None or not same_page:
        return Condition(question.name, when, names, expressed=False), {}
    by_value: dict[str, list[Question]] = {}
    try:
        for value in _values(controller):
            if question.is_asked({controller.name: value}):
                by_value.setdefault(repr(value), []).append(question)
    except TemplateError:
        return Condition(question.name, when, names, expressed=False), {}
    return Condition(question.name, when, names, expressed=True), by_value


def _field(question: Question, rules: list[Rule], notes: dict[str, Condition]) -> dict[str, Any]:
    """The JSON Schema of one question's field."""
    base = json_type(question)
    schema: dict[str, Any] = {"title": question.name, "type": base}
    if base == "array":
        schema["items"] = {"type": "string"}
    if question.choices:
        schema["oneOf"] = [{"const": question.cast(c.value), "title": c.title} for c in question.choices]
    if question.has_default and not _is_jinja(question.default):
        schema["default"] = question.cast(question.default)
    for rule in rules:
        if rule.origin not in _BUILT_IN and rule.schema:
            _merge_into(schema, rule.schema)
    schema["description"] = _description(question, rules, notes.get(question.name))
    if base == "array" and "enum" in schema["items"]:
        schema["ui:widget"] = "checkboxes"
    if question.secret:
        schema["ui:widget"] = "password"
    return schema


def _merge_into(schema: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if key == "items" and isinstance(schema.get("items"), dict):
            schema["items"] = merge_schemas([schema["items"], value])
        elif key not in schema:
            schema[key] = value
        else:
            schema.setdefault("allOf", []).append({key: value})


def _description(question: Question, rules: list[Rule], condition: Condition | None) -> str:
    parts = [question.help]
    if question.has_default and _is_jinja(question.default):
        parts.append(f"Left empty, svcforge computes it: {question.default}.")
    for rule in rules:
        if rule.origin in _BUILT_IN:
            continue
        checked = "" if rule.coverage == FULL else " (checked by svcforge when the template runs)"
        parts.append(f"Rule: {rule.message}{checked}.")
    if condition is not None:
        parts.append(f"Only used when {_plain(condition.when)}; ignored otherwise.")
    return " ".join(p if p.endswith(".") else p + "." for p in parts if p)


def _plain(when: str) -> str:
    text = when.strip()
    if text.startswith("{{") and text.endswith("}}"):
        text = text[2:-2].strip()
    return text
