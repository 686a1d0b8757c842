"""Check AWS CLI command lines against botocore's service models (what the CLI is built from).

Every ``aws <service> <operation>`` must exist, every ``--option`` must be a parameter of the
operation (or a global, pagination or waiter option), and every ``--query`` must be valid
JMESPath. Commands are split out of shell lines, including ``$( ... )`` and pipes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache

import botocore.session
import jmespath
from botocore import xform_name
from botocore.model import ServiceModel

GLOBAL_OPTIONS = frozenset(
    {"--region", "--query", "--output", "--profile", "--no-cli-pager", "--debug", "--color"}
)
PAGINATION_OPTIONS = frozenset({"--max-items", "--starting-token", "--page-size"})
# High-level commands the CLI adds on top of the API models.
CUSTOM_COMMANDS: dict[tuple[str, str], frozenset[str]] = {
    ("logs", "tail"): frozenset(
        {"--since", "--follow", "--filter-pattern", "--format", "--log-stream-names"}
    ),
    ("ecr", "get-login-password"): frozenset(),
    ("s3", "cp"): frozenset({"--recursive", "--exclude", "--include"}),
}


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]

    @property
    def options(self) -> list[str]:
        return [w.split("=", 1)[0] for w in self.words if w.startswith("--")]

    def value_of(self, option: str) -> str | None:
        for index, word in enumerate(self.words[:-1]):
            if word == option:
                return self.words[index + 1]
        return None


class _Splitter:
    """A small shell-line tokenizer: enough for the command lines the template writes."""

    def __init__(self, line: str) -> None:
        self.line = line
        self.done: list[Command] = []
        # One frame per nesting level of $( ): words so far, the word being read, the quote.
        self.frames: list[tuple[list[str], list[str]]] = [([], [])]
        self.quotes: list[str] = [""]

    def end_word(self) -> None:
        words, word = self.frames[-1]
        if word:
            words.append("".join(word))
            word.clear()

    def end_command(self) -> None:
        self.end_word()
        words, _ = self.frames[-1]
        if words:
            self.done.append(Command(tuple(words)))
        words.clear()

    def quoted(self, ch: str) -> bool:
        """Handle ``ch`` inside quotes (except ``$(`` in double quotes); True when consumed."""
        quote, word = self.quotes[-1], self.frames[-1][1]
        if quote == "'" or (quote == '"' and ch != "$"):
            if ch == quote:
                self.quotes[-1] = ""
            else:
                word.append(ch)
            return True
        return False

    def split(self) -> list[Command]:
        line, i = self.line, 0
        while i < len(line):
            ch = line[i]
            if line.startswith("$(", i) and self.quotes[-1] != "'":
                self.frames[-1][1].append("$")
                self.frames.append(([], []))
                self.quotes.append("")
                i += 1
            elif self.quoted(ch):
                pass
            elif ch == ")" and len(self.frames) > 1:
                self.end_command()
                self.frames.pop()
                self.quotes.pop()
            elif ch in "'\"":
                self.quotes[-1] = ch
            elif ch.isspace():
                self.end_word()
            elif ch in "|;&":
                self.end_command()
                i += 1 if line.startswith(("||", "&&"), i) else 0
            else:
                self.frames[-1][1].append(ch)
            i += 1
        while self.frames:
            self.end_command()
            self.frames.pop()
        return self.done


def split_commands(line: str) -> list[Command]:
    """Simple commands of a shell line: pipes, ``&&``, ``;`` and ``$( )`` split them.

    Quotes are removed from words; a ``$( )`` inside a word leaves a ``$`` placeholder.
    """
    return _Splitter(line).split()


@cache
def _model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


@cache
def _waiters(service: str) -> dict[str, str]:
    """CLI waiter name -> operation name."""
    session = botocore.session.get_session()
    try:
        config = session.get_waiter_model(service)
    except Exception:  # no waiters for this service
        return {}
    return {xform_name(name, "-"): config.get_waiter(name).operation for name in config.waiter_names}


def _parameters(model: ServiceModel, operation: str) -> set[str]:
    op = model.operation_model(operation)
    names: set[str] = set()
    if op.input_shape is not None:
        for member, shape in op.input_shape.members.items():
            option = "--" + xform_name(member, "-")
            names.add(option)
            if shape.type_name == "boolean":
                names.add("--no-" + option[2:])
    return names


def check(command: Command) -> list[str]:
    """Problems with one ``aws`` command (empty when it is valid)."""
    words = command.words
    if len(words) < 3 or words[0] != "aws":
        return []
    service, action = words[1], words[2]
    problems: list[str] = []
    query = command.value_of("--query")
    if query is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # deprecated forms too, e.g. `HTTPS` for `"HTTPS"`
            try:
                jmespath.compile(query)
            except (jmespath.exceptions.JMESPathError, Warning) as error:
                problems.append(f"invalid --query {query!r}: {error}")
    allowed = set(GLOBAL_OPTIONS)
    if (service, action) in CUSTOM_COMMANDS:
        allowed |= CUSTOM_COMMANDS[service, action]
    else:
        model = _model(service)
        operations = {xform_name(name, "-"): name for name in model.operation_names}
        if action == "wait":
            waiter = words[3] if len(words) > 3 else ""
            operation = _waiters(service).get(waiter)
            if operation is None:
                return [f"aws {service} wait {waiter}: no such waiter"]
        else:
            operation = operations.get(action)
            if operation is None:
                return [f"aws {service} {action}: no such operation"]
            allowed |= PAGINATION_OPTIONS
        allowed |= _parameters(model, operation)
    unknown = [option for option in command.options if option not in allowed]
    if unknown:
        problems.append(f"aws {service} {action}: unknown options {unknown}")
    return problems
