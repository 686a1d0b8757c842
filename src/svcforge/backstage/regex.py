"""Python regular expressions of copier.yml as ECMAScript patterns (what ajv and the form run).

Only a subset with the same meaning in both engines is translated; anything else returns None
and the rule stays with svcforge. ``re.search`` and JSON Schema's ``pattern`` both search.
"""

from __future__ import annotations

import re

# Escapes whose meaning differs: Python's are Unicode-aware, ECMAScript's ASCII-only.
_UNICODE_CLASSES = set("dDwWsSbB")
_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux-]+[):]")


def to_ecmascript(pattern: str) -> str | None:
    """``pattern`` for ``new RegExp(p, "u")``, or None when it cannot mean the same there."""
    if _INLINE_FLAGS.match(pattern) or "(?#" in pattern or "(?(" in pattern:
        return None
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern):
                return None
            nxt = pattern[i + 1]
            if nxt in _UNICODE_CLASSES:
                return None
            # \Z is the very end in Python; $ without the m flag is the very end in ECMAScript.
            out.append({"Z": "$", "A": "^"}.get(nxt, char + nxt) if not in_class else char + nxt)
            i += 2
            continue
        if in_class:
            in_class = char != "]" or pattern[i - 1] == "["
        elif char == "[":
            in_class = True
        elif char == "$":
            # Python's $ also matches before a final newline.
            out.append("(?=\\n?$)")
            i += 1
            continue
        elif pattern.startswith("(?P<", i):
            out.append("(?<")
            i += 4
            continue
        elif pattern.startswith("(?P=", i):
            end = pattern.index(")", i)
            out.append(f"\\k<{pattern[i + 4 : end]}>")
            i = end + 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def escape(text: str) -> str:
    """``text`` as a literal in an ECMAScript pattern with the u flag."""
    return "".join(f"\\{c}" if c in r"\^$.*+?()[]{}|/" else c for c in text)
