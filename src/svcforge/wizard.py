"""The interactive wizard: copier.yml's questions asked in sections, then a summary.

Prompting goes through the ``Prompter`` protocol so tests can script it; the real one
uses questionary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import yaml

from svcforge.errors import AnswerError
from svcforge.questions import Question, load

Validate = Callable[[str], str | None]


class Prompter(Protocol):
    """What the wizard needs from a terminal."""

    def section(self, title: str) -> None:
        """Announce a new group of questions."""

    def ask(self, question: Question, default: Any, validate: Validate) -> Any:
        """Ask ``question`` until ``validate`` accepts the answer; return the raw answer."""

    def confirm(self, message: str, default: bool = True) -> bool:
        """Ask a yes/no question."""

    def show(self, text: str) -> None:
        """Print text."""


def display(value: Any) -> str:
    """An answer as the user would type it (YAML flow style for lists)."""
    if isinstance(value, list | dict):
        return str(yaml.safe_dump(value, default_flow_style=True, width=10_000)).strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def run_wizard(
    prompter: Prompter,
    prefilled: Mapping[str, Any] | None = None,
    *,
    sources: Mapping[str, str] | None = None,
    questions: Sequence[Question] | None = None,
) -> dict[str, Any]:
    """Ask every applicable question not already answered; return all answers.

    Answers given up front (flags, --data, --data-file) are validated, not asked again.
    """
    prefilled = prefilled or {}
    sources = sources or {}
    answers: dict[str, Any] = {}
    current_section = None
    for question in questions if questions is not None else load():
        if question.computed:
            answers[question.name] = question.default_value(answers)
            continue
        if not question.is_asked(answers):
            if question.has_default:
                answers[question.name] = question.default_value(answers)
            continue
        if question.name in prefilled:
            value = prefilled[question.name]
            try:
                answers[question.name] = question.check(value, answers)
            except ValueError as error:
                source = sources.get(question.name, "")
                raise AnswerError(question.name, str(error), value=value, source=source) from None
            continue
        if question.section != current_section:
            current_section = question.section
            prompter.section(current_section.capitalize() if current_section else "Questions")
        answers[question.name] = _ask_one(prompter, question, answers)
    return answers


def _ask_one(prompter: Prompter, question: Question, answers: dict[str, Any]) -> Any:
    default = question.default_value(answers)

    def validate(text: str) -> str | None:
        try:
            question.check(text, answers)
        except ValueError as error:
            return str(error)
        return None

    raw = prompter.ask(question, default, validate)
    return question.check(raw, answers)


def summary(answers: Mapping[str, Any], questions: Sequence[Question] | None = None) -> str:
    """A table of the answers that were asked, by section, for the confirmation step."""
    lines: list[str] = []
    section = None
    qs = questions if questions is not None else load()
    shown = [q for q in qs if not q.computed and q.name in answers and q.is_asked(answers)]
    width = max((len(q.name) for q in shown), default=0)
    for question in shown:
        if question.section != section:
            section = question.section
            lines.append(f"[{section or 'questions'}]")
        lines.append(f"  {question.name.ljust(width)}  {display(answers[question.name])}")
    return "\n".join(lines)


class QuestionaryPrompter:
    """The terminal prompter, built on questionary."""

    def __init__(self) -> None:
        import questionary

        self._q = questionary

    def section(self, title: str) -> None:
        self._q.print(f"\n== {title} ==", style="bold")

    def ask(self, question: Question, default: Any, validate: Validate) -> Any:
        instruction = question.help or None
        if question.choices:
            # A choice ruled out by the answers so far is shown greyed out with the reason.
            choices = [
                self._q.Choice(c.title, value=c.value, disabled=validate(str(c.value)) or None)
                for c in question.choices
            ]
            selected = next((c for c in choices if c.value == default and not c.disabled), None)
            return self._q.select(
                question.name, choices=choices, default=selected, instruction=instruction
            ).unsafe_ask()
        if question.type == "bool":
            return self._q.confirm(question.name, default=bool(default), instruction=instruction).unsafe_ask()

        def check(text: str) -> bool | str:
            message = validate(text)
            return True if message is None else message

        if instruction:
            self._q.print(f"  {instruction}", style="italic")
        return self._q.text(
            question.name,
            default="" if default is None else display(default),
            validate=check,
        ).unsafe_ask()

    def confirm(self, message: str, default: bool = True) -> bool:
        return bool(self._q.confirm(message, default=default).unsafe_ask())

    def show(self, text: str) -> None:
        self._q.print(text)
