"""MkDocs hook: list what the Backstage form cannot express, from the export itself (never stale)."""

from __future__ import annotations

from typing import Any

MARKER = "<!-- svcforge:backstage-rules -->"


def rules_markdown() -> str:
    """The export's report (`svcforge export backstage` prints the same) as a text block."""
    from svcforge.backstage.form import build
    from svcforge.backstage.template import report
    from svcforge.questions import load

    return "\n".join(["```text", *report(build(load())), "```"])


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace the marker with the report."""
    if MARKER in markdown:
        return markdown.replace(MARKER, rules_markdown())
    return markdown
