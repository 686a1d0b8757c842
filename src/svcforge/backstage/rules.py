"""Each rule of copier.yml, and what of it JSON Schema can say.

A validator is Jinja that renders a message when the answer breaks a rule. Every message is a
rule; its condition is the chain of ``if`` tests leading to it. The condition is translated into
a formula on the answer alone (see ``formula``); parts that read other answers, or Jinja that
has no JSON Schema counterpart, are left out *soundly*: the form then checks a weaker rule and
never rejects an answer svcforge accepts, and svcforge (the scaffolder action) enforces the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, meta, nodes

from svcforge.backstage.formula import (
    FALSE,
    TRUE,
    Atom,
    Formula,
    Not,
    all_of,
    any_of,
    negate,
    to_schema,
)
from svcforge.backstage.regex import escape, to_ecmascript
from svcforge.questions import Question

FULL, PARTIAL, NONE = "full", "partial", "none"

# Copier types and the JSON type of the form field that answers them.
JSON_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
# Messages svcforge gives for a value of the wrong type (svcforge.questions casts).
TYPE_MESSAGES = {
    "integer": "must be a whole number",
    "number": "must be a number",
    "boolean": "must be yes or no",
    "array": "must be valid YAML",
    "object": "must be valid YAML",
}
REQUIRED_MESSAGE = "an answer is required (no default exists)"


@dataclass(frozen=True)
class Rule:
    """One rule of a question and how much of it the form checks.

    Attributes:
        question: The question it belongs to.
        message: The rule as svcforge words it; ``<...>`` stands for values filled in.
        origin: ``validator``, ``choice <value>``, ``choices``, ``type`` or ``required``.
        schema: JSON Schema the answer must satisfy (None when nothing of it is expressed).
        coverage: ``full`` (the form checks exactly this rule), ``partial`` (a weaker rule;
            svcforge checks the rest) or ``none``.
        depends_on: Other answers the rule reads.
    """

    question: str
    message: str
    origin: str
    schema: dict[str, Any] | None
    coverage: str
    depends_on: tuple[str, ...] = ()
    _pattern: re.Pattern[str] = field(default=re.compile(""), repr=False, compare=False)

    def matches(self, message: str) -> bool:
        """Whether svcforge's ``message`` comes from this rule."""
        return bool(self._pattern.fullmatch(message.strip()))

    @property
    def why(self) -> str:
        """Why the form does not check all of it (empty when it does)."""
        if self.coverage == FULL:
            return ""
        if self.depends_on:
            return "compares with " + ", ".join(self.depends_on)
        return "has no JSON Schema equivalent"


def json_type(question: Question) -> str:
    """JSON type of the form field for ``question``: lists and mappings by their default."""
    if question.type in JSON_TYPES:
        return JSON_TYPES[question.type]
    if question.has_default and not _is_jinja(question.default):
        try:
            value = question.cast(question.default)
        except ValueError:
            return "string"
        if isinstance(value, list):
            return "array"
        if isinstance(value, dict):
            return "object"
    return "string"


def _is_jinja(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


@cache
def parser() -> Environment:
    """A Jinja environment to parse copier.yml's templates with."""
    # Parsing only: filters and tests are looked up when a template is compiled, not parsed.
    return Environment()


def rules_of(question: Question, constants: frozenset[str] = frozenset()) -> list[Rule]:
    """Every rule of ``question``: its type, choices, choice validators and validator.

    ``constants``: computed values that depend on no answer (data tables); reading them is not
    comparing with another answer.
    """
    base = json_type(question)
    found: list[Rule] = []
    if base in TYPE_MESSAGES:
        found.append(_fixed(question, TYPE_MESSAGES[base], "type", {"type": base}))
    if not question.has_default:
        found.append(_fixed(question, REQUIRED_MESSAGE, "required", {}))
    if question.choices:
        values = [question.cast(c.value) for c in question.choices]
        listed = ", ".join(str(v) for v in values)
        found.append(_fixed(question, f"must be one of: {listed}", "choices", {"enum": values}))
        for choice in question.choices:
            if choice.validator:
                picked = nodes.Compare(
                    nodes.Name(question.name, "load"),
                    [nodes.Operand("eq", nodes.Const(question.cast(choice.value)))],
                )
                found += _template_rules(
                    question, base, choice.validator, f"choice {choice.value}", picked, constants
                )
    if question.validator:
        found += _template_rules(question, base, question.validator, "validator", None, constants)
    return found


def _fixed(question: Question, message: str, origin: str, schema: dict[str, Any]) -> Rule:
    # A choice list in a message may be shortened by svcforge to the choices still available.
    text = re.escape(message)
    if origin == "choices":
        text = re.escape("must be one of: ") + ".*"
    return Rule(question.name, message, origin, schema, FULL, (), re.compile(text))


def _template_rules(
    question: Question,
    base: str,
    source: str,
    origin: str,
    guard: nodes.Expr | None,
    constants: frozenset[str] = frozenset(),
) -> list[Rule]:
    tree = parser().parse(source)
    scope = _Scope.of(tree)
    free = meta.find_undeclared_variables(tree) - {question.name} - scope.assigned
    outer: list[nodes.Node] = [guard] if guard is not None else []
    rules = []
    for message, conds in _messages(tree.body, outer):
        translator = _Translator(question.name, base, scope)
        formula, exact = translator.condition(conds)
        deps = sorted((translator.foreign | (free if translator.used_opaque else set())) - constants)
        coverage = FULL if exact else NONE if formula == FALSE else PARTIAL
        schema = None if formula == FALSE else to_schema(negate(formula, base))
        rules.append(
            Rule(question.name, message.text, origin, schema, coverage, tuple(deps), message.pattern)
        )
    return rules


@dataclass(frozen=True)
class _Message:
    text: str
    pattern: re.Pattern[str]


def _messages(
    body: Sequence[nodes.Node], outer: list[nodes.Node]
) -> Iterator[tuple[_Message, list[nodes.Node]]]:
    """Each message of a template body with the conditions under which it is rendered."""
    own = _message(body)
    if own is not None:
        yield own, outer
    for stmt in body:
        if not isinstance(stmt, nodes.If):
            continue
        branches: list[tuple[nodes.Node, list[nodes.Node]]] = [(stmt.test, stmt.body)]
        branches += [(e.test, e.body) for e in stmt.elif_]
        if stmt.else_:
            branches.append((nodes.Const(True), stmt.else_))
        # An earlier branch that always renders a message need not be negated: when its test
        # holds, the answer is invalid anyway (this keeps flat elif chains independent).
        negated: list[nodes.Node] = []
        for test, branch in branches:
            yield from _messages(branch, [*outer, *negated, test])
            if not _total(branch):
                negated.append(nodes.Not(test))


def _total(body: Sequence[nodes.Node]) -> bool:
    return _message(body) is not None and not any(isinstance(s, nodes.If | nodes.For) for s in body)


def _message(body: Sequence[nodes.Node]) -> _Message | None:
    text: list[str] = []
    regex: list[str] = []
    for stmt in body:
        if not isinstance(stmt, nodes.Output):
            continue
        for part in stmt.nodes:
            if isinstance(part, nodes.TemplateData):
                text.append(part.data)
                regex.append(re.escape(part.data))
            else:
                text.append(f"<{_describe(part)}>")
                regex.append("(?s:.*?)")
    joined = "".join(text).strip()
    if not joined:
        return None
    return _Message(joined, re.compile("".join(regex).strip()))


def _describe(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_describe(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_describe(node.node)}[{node.arg.value!r}]"
    if isinstance(node, nodes.Filter):
        return f"{_describe(node.node)} | {node.name}" if node.node is not None else node.name
    if isinstance(node, nodes.Const):
        return repr(node.value)
    return "..."


@dataclass
class _Scope:
    """Variables a validator sets: inlinable ones (set once to an expression) and opaque ones."""

    bindings: dict[str, nodes.Node]
    opaque: set[str]

    @property
    def assigned(self) -> set[str]:
        return set(self.bindings) | self.opaque

    @classmethod
    def of(cls, tree: nodes.Template) -> _Scope:
        bindings: dict[str, nodes.Node] = {}
        opaque: set[str] = set()
        for assign in tree.find_all(nodes.Assign):
            if isinstance(assign.target, nodes.Name):
                name = assign.target.name
                if name in bindings:
                    opaque.add(name)
                bindings[name] = assign.node
        for loop in tree.find_all(nodes.For):
            opaque |= {n.name for n in loop.find_all(nodes.Name) if n.ctx == "store"}
        for call in tree.find_all(nodes.Call):
            # over.append(...) changes ``over`` after it was set.
            target = call.node
            owner = target.node if isinstance(target, nodes.Getattr) else None
            if isinstance(owner, nodes.Name) and owner.name in bindings:
                opaque.add(owner.name)
        return cls({k: v for k, v in bindings.items() if k not in opaque}, opaque)


# A value the translator understands, relative to the answer ("self").
_SELF = ("self",)


class _Translator:
    """Jinja conditions on one answer -> formulas.

    ``condition`` returns a formula that implies the condition (an under-approximation) and
    whether it is exact; ``over`` is the dual, used under negation.
    """

    def __init__(self, name: str, base: str, scope: _Scope) -> None:
        self.name = name
        self.base = base
        self.scope = scope
        self.foreign: set[str] = set()
        self.used_opaque = False

    def condition(self, conds: list[nodes.Node]) -> tuple[Formula, bool]:
        parts = [self.truth(c, under=True) for c in conds]
        return all_of(*(f for f, _ in parts)), all(exact for _, exact in parts)

    def _unknown(self, node: nodes.Node, under: bool) -> tuple[Formula, bool]:
        for name in node.find_all(nodes.Name):
            self._note(name.name)
        if isinstance(node, nodes.Name):
            self._note(node.name)
        return (FALSE if under else TRUE), False

    def _note(self, name: str) -> None:
        if name in self.scope.opaque:
            self.used_opaque = True
        elif name in self.scope.bindings:
            for inner in self.scope.bindings[name].find_all(nodes.Name):
                self._note(inner.name)
        elif name != self.name:
            self.foreign.add(name)

    def truth(self, node: nodes.Node, *, under: bool) -> tuple[Formula, bool]:
        """A formula for "``node`` is true"."""
        if isinstance(node, nodes.Const):
            return (TRUE if node.value else FALSE), True
        if isinstance(node, nodes.Not):
            inner, exact = self.truth(node.node, under=not under)
            return negate(inner, self.base), exact
        if isinstance(node, nodes.And | nodes.Or):
            left, lx = self.truth(node.left, under=under)
            right, rx = self.truth(node.right, under=under)
            join = all_of if isinstance(node, nodes.And) else any_of
            return join(left, right), lx and rx
        if isinstance(node, nodes.Name) and node.name in self.scope.bindings:
            return self.truth(self.scope.bindings[node.name], under=under)
        atom: Formula | None = None
        if isinstance(node, nodes.Test):
            atom = self._test(node)
        elif isinstance(node, nodes.Compare) and len(node.ops) == 1:
            atom = self._compare(node.expr, node.ops[0].op, node.ops[0].expr)
        elif isinstance(node, nodes.Filter) and node.name == "regex_search":
            atom = self._regex(node)
        elif isinstance(node, nodes.Call):
            atom = self._call(node)
        elif self._value(node) == _SELF:
            atom = self._truthy()
        if atom is None:
            return self._unknown(node, under)
        return atom, True

    def _truthy(self) -> Formula:
        if self.base == "string":
            return Atom("minLength", 1)
        if self.base == "array":
            return Atom("minItems", 1)
        if self.base in ("integer", "number"):
            return Not(Atom("const", 0))
        if self.base == "boolean":
            return Atom("const", True)
        return None  # type: ignore[return-value]

    def _test(self, node: nodes.Test) -> Formula | None:
        if self._value(node.node) != _SELF:
            return None
        kinds = {
            "string": {"string"},
            "mapping": {"object"},
            "iterable": {"string", "array", "object"},
            "sequence": {"string", "array"},
            "number": {"integer", "number"},
            "integer": {"integer"},
            "none": set(),
            "defined": {self.base},
            "undefined": set(),
        }
        if node.name not in kinds:
            return None
        return TRUE if self.base in kinds[node.name] else FALSE

    def _regex(self, node: nodes.Filter) -> Formula | None:
        if node.node is None or self._value(node.node) != _SELF or len(node.args) != 1:
            return None
        pattern = _const(node.args[0])
        converted = to_ecmascript(pattern) if isinstance(pattern, str) else None
        return None if converted is None else Atom("pattern", converted)

    def _call(self, node: nodes.Call) -> Formula | None:
        target = node.node
        if not (isinstance(target, nodes.Getattr) and self._value(target.node) == _SELF):
            return None
        if len(node.args) != 1 or not isinstance(text := _const(node.args[0]), str):
            return None
        if target.attr == "startswith":
            return Atom("pattern", "^" + escape(text))
        if target.attr == "endswith":
            return Atom("pattern", escape(text) + "$")
        return None

    def _compare(self, left_node: nodes.Node, op: str, right_node: nodes.Node) -> Formula | None:
        left, right = self._value(left_node), self._value(right_node)
        if left is None or right is None:
            return None
        if left[0] == "const" and right[0] != "const" and op in _SWAP:
            left, right, op = right, left, _SWAP[op]
        if op == "ne":
            equal = self._compare_values(left, "eq", right)
            return None if equal is None else negate(equal, self.base)
        if op == "notin":
            inside = self._compare_values(left, "in", right)
            return None if inside is None else negate(inside, self.base)
        return self._compare_values(left, op, right)

    def _compare_values(self, left: tuple[Any, ...], op: str, right: tuple[Any, ...]) -> Formula | None:
        kind = left[0]
        if kind == "self" and right[0] == "const":
            value = right[1]
            if op == "in" and isinstance(value, list | tuple):
                return Atom("enum", list(value))
            if op == "eq":
                return Atom("const", value)
            if self.base in ("integer", "number") and isinstance(value, int | float):
                return _bound("minimum", "maximum", op, value, self.base == "integer")
            return None
        if kind == "const" and op == "in" and right == _SELF and isinstance(left[1], str):
            return Atom("pattern", escape(left[1])) if self.base == "string" else None
        if kind == "len" and right[0] == "const" and isinstance(right[1], int):
            return self._length(left[1], op, right[1])
        if kind == "len" and left[1][0] == "unique" and right == ("len", _SELF) and op == "eq":
            return Atom("uniqueItems", True)
        if kind == "mod" and right == ("const", 0) and op == "eq":
            return Atom("multipleOf", left[1])
        return None

    def _length(self, of: tuple[Any, ...], op: str, n: int) -> Formula | None:
        if of == _SELF:
            if self.base == "string":
                return _bound("minLength", "maxLength", op, n, True)
            if self.base == "array":
                return _bound("minItems", "maxItems", op, n, True)
            return None
        if of[0] == "items" and self.base == "array" and n == 0 and op in ("gt", "eq", "lteq"):
            some = Atom("contains", of[1])
            return some if op == "gt" else negate(some, self.base)
        return None

    def _value(self, node: nodes.Node, depth: int = 0) -> tuple[Any, ...] | None:
        """What ``node`` denotes: the answer, its length, its items matching a formula, ..."""
        if depth > 20:
            return None
        if isinstance(node, nodes.Name):
            if node.name == self.name:
                return _SELF
            if node.name in self.scope.bindings:
                return self._value(self.scope.bindings[node.name], depth + 1)
            return None
        if isinstance(node, nodes.Mod):
            if self._value(node.left, depth + 1) == _SELF and isinstance(k := _const(node.right), int):
                return ("mod", k)
            return None
        if not isinstance(node, nodes.Filter):
            value = _const(node)
            return None if value is _NOT_CONST else ("const", value)
        if node.node is None:
            return None
        inner = self._value(node.node, depth + 1)
        args = [_const(a) for a in node.args]
        if inner is None or _NOT_CONST in args or node.kwargs:
            return None
        return _filtered(inner, node.name, args)


def _filtered(inner: tuple[Any, ...], name: str, args: list[Any]) -> tuple[Any, ...] | None:
    """What ``inner | name(*args)`` denotes."""
    if name == "list":
        return inner
    if name == "length":
        return ("len", inner) if inner == _SELF or inner[0] in ("items", "unique") else None
    if name == "unique" and inner == _SELF:
        return ("unique",)
    if name == "map" and inner == _SELF and args == ["string"]:
        return _SELF
    if name == "map" and inner == _SELF and len(args) == 2 and args[0] == "regex_search":
        converted = to_ecmascript(args[1]) if isinstance(args[1], str) else None
        return None if converted is None else ("matches", converted)
    if name in ("select", "reject"):
        chosen = _selection(inner, args)
        if chosen is None:
            return None
        return ("items", chosen if name == "select" else negate(chosen, "string"))
    return None


_SWAP = {"lt": "gt", "gt": "lt", "lteq": "gteq", "gteq": "lteq", "eq": "eq", "ne": "ne"}


def _selection(inner: tuple[Any, ...], args: list[Any]) -> Formula | None:
    """The items ``select(*args)`` keeps, as a formula on one item."""
    if inner == _SELF and len(args) == 2 and args[0] == "in" and isinstance(args[1], list | tuple):
        return Atom("enum", list(args[1]))
    if inner[0] == "matches" and args == ["none"]:
        return Not(Atom("pattern", inner[1]))
    return None


def _bound(low: str, high: str, op: str, value: Any, integral: bool) -> Formula | None:
    step = 1 if integral else 0
    if op == "lt":
        return Atom(high, value - step) if integral else Atom("exclusiveMaximum", value)
    if op == "lteq":
        return Atom(high, value)
    if op == "gt":
        return Atom(low, value + step) if integral else Atom("exclusiveMinimum", value)
    if op == "gteq":
        return Atom(low, value)
    if op == "eq":
        return all_of(Atom(low, value), Atom(high, value))
    return None


_NOT_CONST = object()


def _const(node: nodes.Node) -> Any:
    try:
        return node.as_const()  # type: ignore[attr-defined]
    except (nodes.Impossible, AttributeError, TypeError):
        return _NOT_CONST
