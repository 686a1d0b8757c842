"""Store choices (database, cache) and the Jinja conditions a lock-file template uses for them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import jinja2

# (use_postgres, use_redis); the first choice has every store, so its lock file has every entry.
Choice = tuple[bool, bool]
CHOICES: tuple[Choice, ...] = ((True, True), (True, False), (False, True), (False, False))
FULL = CHOICES[0]

# Copier's rendering of these files: trailing newlines kept, nothing trimmed but by `-`.
JINJA = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False)


class MergeError(Exception):
    """The resolved lock files of the store choices cannot be merged into one template."""


def answers(choice: Choice) -> dict[str, str]:
    """The copier answers that select ``choice``."""
    return {"database": "postgres" if choice[0] else "none", "cache": "redis" if choice[1] else "none"}


def name(choice: Choice) -> str:
    return f"database={answers(choice)['database']} cache={answers(choice)['cache']}"


def _keeps(expr: str) -> frozenset[Choice]:
    test = JINJA.compile_expression(expr)
    return frozenset(c for c in CHOICES if test(use_postgres=c[0], use_redis=c[1]))


# Conditions by the choices they keep; the shortest one that fits is used.
CONDITIONS: tuple[tuple[str, frozenset[Choice]], ...] = tuple(
    (expr, _keeps(expr))
    for expr in (
        "use_postgres",
        "use_redis",
        "not use_postgres",
        "not use_redis",
        "use_postgres or use_redis",
        "use_postgres and use_redis",
        "use_postgres and not use_redis",
        "use_redis and not use_postgres",
        "not (use_postgres or use_redis)",
        "not (use_postgres and use_redis)",
        "use_postgres or not use_redis",
        "use_redis or not use_postgres",
        "use_postgres == use_redis",
        "use_postgres != use_redis",
    )
)


def condition(kept: Iterable[Choice], within: Iterable[Choice]) -> str | None:
    """The simplest condition that keeps exactly ``kept`` of the choices ``within``; None: all."""
    kept, within = frozenset(kept), frozenset(within)
    if kept == within:
        return None
    matches = [expr for expr, chosen in CONDITIONS if chosen & within == kept]
    if not matches:
        raise MergeError(f"no condition keeps exactly {sorted(kept)} of {sorted(within)}")
    return min(matches, key=len)


def render(template: str, choice: Choice, **values: Any) -> str:
    """``template`` as Copier renders it for ``choice``."""
    return JINJA.from_string(template).render(use_postgres=choice[0], use_redis=choice[1], **values)


def union(sequences: Sequence[Sequence[str]]) -> list[str]:
    """Every key of ``sequences`` in one order that each of them follows (each is sorted the same
    way by its resolver); a contradiction raises MergeError."""
    merged: list[str] = []
    for sequence in sequences:
        at = 0
        for key in sequence:
            if key in merged:
                found = merged.index(key)
                if found < at:
                    raise MergeError(f"{key!r} comes in a different order in the lock files")
                at = found + 1
            else:
                merged.insert(at, key)
                at += 1
    return merged
