"""MkDocs hook: fill the question reference from copier.yml at build time (never stale)."""

from __future__ import annotations

from typing import Any

MARKER = "<!-- svcforge:questions -->"


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def questions_markdown() -> str:
    """The question reference as Markdown, one section per copier.yml section."""
    from svcforge.questions import load

    lines: list[str] = []
    section = None
    for q in load():
        if q.computed:
            continue
        if q.section != section:
            section = q.section
            lines += ["", f"## {section.capitalize() or 'Questions'}", ""]
        lines.append(f"### `{q.name}`")
        lines.append("")
        lines.append(_cell(q.help))
        lines.append("")
        lines.append("| | |")
        lines.append("|---|---|")
        lines.append(f"| type | `{q.type}` |")
        default = "*(required)*" if not q.has_default else f"`{_cell(q.default)}`"
        lines.append(f"| default | {default} |")
        if q.choices:
            lines.append("| choices | " + ", ".join(f"`{c.value}`" for c in q.choices) + " |")
            for choice in q.choices:
                if choice.validator:
                    lines.append(f"| `{choice.value}` unless | `{_cell(choice.validator)}` |")
        if q.when is not True:
            lines.append(f"| asked when | `{_cell(q.when)}` |")
        lines.append(f"| flag | `--data {q.name}=VALUE` |")
        lines.append("")
        if q.validator:
            lines += [
                "Rule (copier.yml `validator`):",
                "",
                "```jinja",
                q.validator.strip(),
                "```",
                "",
            ]
    computed = [q.name for q in load() if q.computed]
    lines += [
        "",
        "## Computed values",
        "",
        "Derived once in copier.yml, never asked: " + ", ".join(f"`{n}`" for n in computed) + ".",
    ]
    return "\n".join(lines).strip() + "\n"


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace the marker with the generated reference."""
    if MARKER in markdown:
        return markdown.replace(MARKER, questions_markdown())
    return markdown
