"""Conditions on one answer as JSON Schema formulas, simplified the way a reader would write them.

A formula holds for a value when the value satisfies the JSON Schema it stands for. Atoms carry
one keyword each so that negation stays exact: under a known base type (every answer of a form
field has one), ``not {minLength: 3}`` is ``{maxLength: 2}`` and ``not {contains: P}`` is
``{items: not P}``. What has no positive form stays a ``not``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias


@dataclass(frozen=True)
class Const:
    """Always true or always false."""

    value: bool


@dataclass(frozen=True)
class Atom:
    """One JSON Schema keyword. ``items``/``contains`` hold a formula on the items."""

    keyword: str
    value: Any


@dataclass(frozen=True)
class Not:
    """Negation."""

    arg: Formula


@dataclass(frozen=True)
class All:
    """Conjunction."""

    args: tuple[Formula, ...]


@dataclass(frozen=True)
class Any_:
    """Disjunction."""

    args: tuple[Formula, ...]


Formula: TypeAlias = Const | Atom | Not | All | Any_
TRUE = Const(True)
FALSE = Const(False)

# Keywords that bound a size or a number from below or above, and their opposite.
_LOWER = {"minLength": "maxLength", "minItems": "maxItems", "minimum": "maximum"}
_UPPER = {v: k for k, v in _LOWER.items()}
ITEM_BASE = "string"


def negate(formula: Formula, base: str) -> Formula:
    """``not formula`` for values of JSON type ``base``, pushed down to the atoms."""
    if isinstance(formula, Const):
        return Const(not formula.value)
    if isinstance(formula, Not):
        return formula.arg
    if isinstance(formula, All):
        return any_of(*(negate(a, base) for a in formula.args))
    if isinstance(formula, Any_):
        return all_of(*(negate(a, base) for a in formula.args))
    return _negate_atom(formula, base)


def _negate_atom(atom: Atom, base: str) -> Formula:
    key, value = atom.keyword, atom.value
    integral = base in ("string", "array", "integer")
    if key in _LOWER and integral:
        # Sizes and integers are whole numbers: not (x >= n) is x <= n - 1.
        if key != "minimum" and value <= 0:
            return FALSE
        return Atom(_LOWER[key], value - 1)
    if key in _UPPER and integral:
        return Atom(_UPPER[key], value + 1)
    if key == "contains":
        return Atom("items", negate(value, ITEM_BASE))
    if key == "items":
        return Atom("contains", negate(value, ITEM_BASE))
    return Not(atom)


def all_of(*args: Formula) -> Formula:
    """Conjunction, flattened, with constants folded and bounds of one keyword merged."""
    flat: list[Formula] = []
    for arg in args:
        parts = arg.args if isinstance(arg, All) else (arg,)
        for part in parts:
            if part == FALSE:
                return FALSE
            if part != TRUE and part not in flat:
                flat.append(part)
    merged: dict[str, Atom] = {}
    rest: list[Formula] = []
    for part in flat:
        if isinstance(part, Atom) and part.keyword in (*_LOWER, *_UPPER):
            seen = merged.get(part.keyword)
            if seen is None:
                merged[part.keyword] = part
            else:
                pick = max if part.keyword in _LOWER else min
                merged[part.keyword] = Atom(part.keyword, pick(seen.value, part.value))
        else:
            rest.append(part)
    result = [*merged.values(), *rest]
    if not result:
        return TRUE
    return result[0] if len(result) == 1 else All(tuple(result))


def any_of(*args: Formula) -> Formula:
    """Disjunction, flattened, with constants folded."""
    flat: list[Formula] = []
    for arg in args:
        parts = arg.args if isinstance(arg, Any_) else (arg,)
        for part in parts:
            if part == TRUE:
                return TRUE
            if part != FALSE and part not in flat:
                flat.append(part)
    if not flat:
        return FALSE
    return flat[0] if len(flat) == 1 else Any_(tuple(flat))


def to_schema(formula: Formula) -> dict[str, Any]:
    """The JSON Schema of ``formula``: one object when keywords do not clash, else allOf."""
    if isinstance(formula, Const):
        return {} if formula.value else {"not": {}}
    if isinstance(formula, Atom):
        if formula.keyword in ("items", "contains"):
            return {formula.keyword: to_schema(formula.value)}
        return {formula.keyword: formula.value}
    if isinstance(formula, Not):
        return {"not": to_schema(formula.arg)}
    if isinstance(formula, Any_):
        return _any_schema(formula)
    return merge_schemas([to_schema(a) for a in formula.args])


def _any_schema(formula: Any_) -> dict[str, Any]:
    schemas = [to_schema(a) for a in formula.args]
    # "Empty, or at most n characters matching P" is "at most n characters matching ^$|P" (the
    # empty string meets any maxLength). One field-level schema, not anyOf: a form shows anyOf
    # as a choice between alternatives.
    if len(schemas) == 2 and {"maxLength": 0} in schemas:
        other = schemas[1 - schemas.index({"maxLength": 0})]
        if set(other) <= {"pattern", "maxLength"}:
            merged = dict(other)
            if "pattern" in other:
                merged["pattern"] = f"^$|{other['pattern']}"
            return merged
    return {"anyOf": schemas}


def merge_schemas(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    """Schemas that all must hold, as one object where their keywords do not clash."""
    merged: dict[str, Any] = {}
    extra: list[dict[str, Any]] = []
    for schema in schemas:
        if set(schema) == {"not"} and "not" in merged:
            # not A and not B: not (A or B), which a form does not show as alternatives.
            earlier = merged["not"]
            alternatives = earlier["anyOf"] if set(earlier) == {"anyOf"} else [earlier]
            merged["not"] = {"anyOf": [*alternatives, schema["not"]]}
        elif any(key in merged for key in schema):
            extra.append(schema)
        else:
            merged.update(schema)
    if extra:
        merged["allOf"] = [*merged.get("allOf", []), *extra]
    return merged
