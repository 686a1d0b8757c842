"""A process-wide cache of compiled Jinja templates.

Copier compiles every template string anew on each render: a file name such as
`{% if use_terraform %}terraform{% endif %}` is compiled once per file below it, and an update
renders the template three times. Compilation is most of Copier's time here. A compiled
template is a plain code object bound to an environment only when loaded, so it can be
reused by any environment with the same syntax settings. The file name is left out of the
key: an update renders the same template from two temporary clones, and the path only
labels tracebacks.
"""

from __future__ import annotations

from typing import Any

_SYNTAX = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
    "is_async",
)
_MAX_ENTRIES = 20_000


def install() -> None:
    """Memoize `jinja2.Environment.compile` for string sources (idempotent)."""
    import jinja2

    original: Any = jinja2.Environment.compile
    if getattr(original, "_svcforge_cached", False):
        return
    cache: dict[tuple[Any, ...], Any] = {}

    def compile(
        self: jinja2.Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str) or callable(self.autoescape):
            return original(self, source, name, filename, raw, defer_init)
        key = (
            type(self),
            tuple(getattr(self, attr) for attr in _SYNTAX),
            tuple(sorted(self.extensions)),
            tuple(sorted(self.filters)),
            tuple(sorted(self.tests)),
            self.autoescape,
            source,
            name,  # compiled into include/extends calls, so part of the key
            raw,
            defer_init,
        )
        try:
            return cache[key]
        except KeyError:
            pass
        compiled = original(self, source, name, filename, raw, defer_init)
        if len(cache) < _MAX_ENTRIES:
            cache[key] = compiled
        return compiled

    compile._svcforge_cached = True  # type: ignore[attr-defined]
    jinja2.Environment.compile = compile  # type: ignore[method-assign]
