"""Questions read from copier.yml: types, choices, defaults, `when` and validators.

copier.yml is the single source of truth; nothing here names a question. Values are
rendered with the same Jinja setup Copier uses (sandbox, Ansible core filters, strict
undefined), so a rule means the same thing in the wizard, in `--data` and in plain Copier.
copier.yml may be split with Copier's ``!include`` tag; ``read_config`` resolves it as Copier
does (see ``load_documents``).
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from svcforge.errors import AnswerError, SvcforgeError

# Keys Copier understands in a question and in the settings (without the leading "_").
QUESTION_KEYS = frozenset(
    {
        "type",
        "help",
        "default",
        "choices",
        "when",
        "validator",
        "multiselect",
        "secret",
        "placeholder",
        "qmark",
        "multiline",
    }
)
SETTING_KEYS = frozenset(
    {
        "answers_file",
        "envops",
        "exclude",
        "external_data",
        "jinja_extensions",
        "message_after_copy",
        "message_after_update",
        "message_before_copy",
        "message_before_update",
        "migrations",
        "min_copier_version",
        "preserve_symlinks",
        "secret_questions",
        "skip_if_exists",
        "skip_tasks",
        "subdirectory",
        "tasks",
        "templates_suffix",
    }
)
TYPES = frozenset({"str", "int", "float", "bool", "json", "yaml"})

_SECTION_RE = re.compile(r"^#\s*PROMPT:\s*(?P<name>[^-]+?)\s*-*\s*$")
_TRUE = {"y", "yes", "t", "true", "on", "1"}
_FALSE = {"n", "no", "f", "false", "off", "0", ""}


class ConfigError(SvcforgeError, ValueError):
    """copier.yml holds something Copier would not understand (a broken template: exit 1)."""


@cache
def _jinja_env() -> Any:
    # Copier's own setup: sandbox, Ansible core filters (regex_search...), strict undefined.
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def _compiled(source: str) -> Any:
    return _jinja_env().from_string(source)


def render_value(value: Any, context: Mapping[str, Any]) -> Any:
    """Render a Jinja string against ``context``; other values pass through."""
    if not isinstance(value, str) or ("{{" not in value and "{%" not in value):
        return value
    return _compiled(value).render(**context)


@dataclass(frozen=True)
class Choice:
    """One choice of a question.

    Attributes:
        title: What the wizard shows.
        value: What the answer becomes.
        validator: Jinja that renders to why the choice is unavailable given the other
            answers (Copier's extended choice syntax), or to nothing.
    """

    title: str
    value: Any
    validator: str = ""

    def unavailable(self, answers: Mapping[str, Any]) -> str:
        """Why this choice cannot be taken with ``answers``; empty when it can."""
        if not self.validator:
            return ""
        return str(render_value(self.validator, answers)).strip()


@dataclass(frozen=True)
class Question:
    """A question of copier.yml.

    Attributes:
        name: The answer's variable name.
        type: Copier type name (str, int, float, bool, json, yaml).
        help: Help text, saying where the value ends up.
        default: Raw default (may be a Jinja template); None when absent.
        has_default: Whether copier.yml gives a default.
        choices: Allowed values, if restricted.
        when: Raw `when` (a bool or a Jinja template).
        validator: Raw validator template; renders to an error message or nothing.
        section: Heading of the copier.yml `# PROMPT: <section>` banner above it.
        secret: Whether the answer is hidden and not stored.
    """

    name: str
    type: str = "str"
    help: str = ""
    default: Any = None
    has_default: bool = False
    choices: tuple[Choice, ...] = ()
    when: Any = True
    validator: str = ""
    section: str = ""
    secret: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def computed(self) -> bool:
        """A value derived by the template and never asked (`when: false`)."""
        return self.when is False

    def is_asked(self, answers: Mapping[str, Any]) -> bool:
        """Whether the question applies given the answers so far."""
        if isinstance(self.when, bool):
            return self.when
        return _to_bool(render_value(self.when, answers))

    def rule_summary(self) -> str:
        """One line naming the rule for `svcforge questions` (choices or validator)."""
        if self.choices:
            return "one of: " + ", ".join(str(c.value) for c in self.choices)
        return "see validator" if self.validator else ""

    def default_value(self, answers: Mapping[str, Any]) -> Any:
        """The default rendered against the answers so far and cast to the type."""
        if not self.has_default:
            return None
        return self.cast(render_value(self.default, answers))

    def cast(self, value: Any) -> Any:
        """Convert a raw answer (often text) to this question's type, like Copier."""
        caster = _CASTERS.get(self.type)
        if caster is not None:
            return caster(value)
        if value is None:
            return ""
        return value if isinstance(value, str) else str(value)

    def check(self, value: Any, answers: Mapping[str, Any]) -> Any:
        """Cast and validate ``value``; return it or raise ValueError naming the rule."""
        cast = self.cast(value)
        if self.choices:
            context = {**answers, self.name: cast}
            allowed = [self.cast(c.value) for c in self.choices if not c.unavailable(context)]
            if cast not in allowed:
                chosen = next((c for c in self.choices if self.cast(c.value) == cast), None)
                if chosen is not None:
                    raise ValueError(chosen.unavailable(context))
                raise ValueError("must be one of: " + ", ".join(str(a) for a in allowed))
        if self.validator:
            message = str(render_value(self.validator, {**answers, self.name: cast})).strip()
            if message:
                raise ValueError(message)
        return cast


def _cast_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError("must be a whole number") from None


def _cast_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError("must be a number") from None


def _cast_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("must be yes or no")


# libyaml's loader where PyYAML has it: the computed tables (behaviour, terraform_<cloud>) are
# tens of kilobytes, which the pure-Python loader takes a tenth of a second to read.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _cast_yaml(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return yaml.load(value, Loader=_SAFE_LOADER)
    except yaml.YAMLError:
        raise ValueError("must be valid YAML") from None


_CASTERS: dict[str, Any] = {
    "int": _cast_int,
    "float": _cast_float,
    "bool": _cast_bool,
    "yaml": _cast_yaml,
    "json": _cast_yaml,  # JSON is YAML
}


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE


def _sections(texts: Iterable[str]) -> dict[str, str]:
    """Map each top-level key to the `# PROMPT: <section>` banner above it.

    ``texts`` are copier.yml and its included files in the order Copier reads them: a banner
    holds until the next one, so a file that starts without one continues the section of the
    file read before it.
    """
    current = ""
    result: dict[str, str] = {}
    for text in texts:
        for line in text.splitlines():
            banner = _SECTION_RE.match(line)
            if banner:
                current = banner.group("name").strip()
            elif line and not line[0].isspace() and not line.startswith(("#", "-")) and ":" in line:
                result[line.split(":", 1)[0].strip()] = current
    return result


def _choices(raw: Any) -> tuple[Choice, ...]:
    if not raw:
        return ()
    if isinstance(raw, Mapping):
        return tuple(_choice(str(title), value) for title, value in raw.items())
    if isinstance(raw, Iterable) and not isinstance(raw, str):
        return tuple(Choice(str(value), value) for value in raw)
    raise ConfigError("choices must be a list or a mapping")


def _choice(title: str, value: Any) -> Choice:
    # Copier's extended syntax: {value: ..., validator: "..."} disables a choice by rule.
    if isinstance(value, Mapping):
        if "value" not in value:
            raise ConfigError(f"choice {title!r} needs a 'value'")
        return Choice(title, value["value"], str(value.get("validator", "")))
    return Choice(title, value)


# Settings whose lists Copier concatenates across copier.yml's documents instead of replacing.
_MERGED_SETTINGS = ("_exclude", "_jinja_extensions", "_secret_questions", "_skip_if_exists")


def _flatten(items: Iterable[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in items:
        if isinstance(item, list | tuple):
            flat.extend(_flatten(item))
        elif item:
            flat.append(item)
    return flat


class _Includes:
    """Copier's ``!include`` tag: patterns resolved against the template directory."""

    def __init__(self, root: Path | None, name: str) -> None:
        self.base = root.resolve() if root is not None else None
        self.name = name
        self.texts: list[str] = []

        class _Loader(yaml.SafeLoader):
            """A loader of its own, so the tag is not registered on yaml.SafeLoader."""

        _Loader.add_constructor("!include", self._include)
        self.loader = _Loader

    def documents(self, text: str, name: str) -> list[Any]:
        """The documents of ``text``, includes resolved and nested lists flattened."""
        self.texts.append(text)
        try:
            return _flatten(yaml.load_all(text, Loader=self.loader))
        except yaml.YAMLError as error:
            raise ConfigError(f"{name} is not valid YAML: {error}") from None

    def _include(self, loader: yaml.SafeLoader, node: yaml.Node) -> list[Any]:
        if not isinstance(node, yaml.ScalarNode):
            raise ConfigError(f"{self.name}: !include takes a file name or glob pattern, not a {node.tag}")
        pattern = str(loader.construct_scalar(node))
        base = self.base
        if base is None:
            raise ConfigError(f"{self.name}: !include {pattern} needs the template directory to resolve it")
        if not pattern or PurePosixPath(pattern).is_absolute():
            raise ConfigError(f"{self.name}: !include {pattern!r} must be a path relative to {base}")
        found: list[Any] = []
        # The same call as Copier's, so the same files in the same order.
        paths = [path.resolve() for path in base.glob(pattern)]
        for path in paths:
            if not path.is_relative_to(base):
                raise ConfigError(
                    f"{self.name}: !include {pattern} reaches {path}, outside the template {base}"
                )
        files = [path for path in paths if path.is_file()]
        if not files:
            raise ConfigError(
                f"{self.name}: !include {pattern} matches no file in {base} (a missing part of the template)"
            )
        for path in files:
            found += self.documents(path.read_text(encoding="utf-8"), str(path.relative_to(base)))
        return found


def load_documents(
    text: str, root: Path | None, name: str = "copier.yml"
) -> tuple[dict[str, Any], list[str]]:
    """copier.yml's data with its ``!include`` parts resolved exactly as Copier resolves them.

    Copier (``copier._template.load_template_config``) reads every YAML document of the file;
    ``!include <pattern>`` stands for the documents of each file matching the glob pattern,
    relative to the directory of copier.yml (never outside it; included files may include in
    turn, relative to the same directory). Later documents override earlier ones key by key,
    except the lists of ``_exclude``, ``_jinja_extensions``, ``_secret_questions`` and
    ``_skip_if_exists``, which add up. Keys keep the order of their first appearance.

    Unlike Copier, a pattern that matches no file is an error: it means a part of the template
    is missing (Copier would silently drop its questions).

    Returns:
        The merged data, and the text of copier.yml and of each included file in the order
        they were read (for the section banners).

    Raises:
        ConfigError: Bad YAML, or an include that is absolute, outside the template or missing.
    """
    includes = _Includes(root, name)
    documents = includes.documents(text, name)
    for document in documents:
        if not isinstance(document, Mapping):
            raise ConfigError(f"{name}: every document (and included file) must be a mapping")
    merged: dict[str, list[Any]] = {}
    for option in _MERGED_SETTINGS:
        for document in documents:
            if option in document:
                merged.setdefault(option, []).extend(document[option])
    return dict(ChainMap(merged, *reversed(documents))), includes.texts


def parse_config(
    text: str, root: Path | None = None, name: str = "copier.yml"
) -> tuple[dict[str, Any], list[Question]]:
    """Split copier.yml text into settings and questions, rejecting unknown keys.

    Args:
        text: copier.yml's text.
        root: The directory holding copier.yml, against which ``!include`` patterns resolve
            (None: the text may not include files).
        name: How errors name the file.
    """
    data, texts = load_documents(text, root, name)
    sections = _sections(texts)
    settings: dict[str, Any] = {}
    questions: list[Question] = []
    for key, value in data.items():
        if key.startswith("_"):
            if key[1:] not in SETTING_KEYS:
                raise ConfigError(f"unknown Copier setting {key!r}")
            settings[key[1:]] = value
            continue
        spec = value if isinstance(value, Mapping) else {"default": value}
        unknown = set(spec) - QUESTION_KEYS
        if unknown:
            raise ConfigError(f"question {key!r} has unknown keys: {', '.join(sorted(unknown))}")
        type_name = spec.get("type", "str")
        if type_name not in TYPES:
            raise ConfigError(f"question {key!r} has unknown type {type_name!r}")
        questions.append(
            Question(
                name=key,
                type=type_name,
                help=str(spec.get("help", "")).strip(),
                default=spec.get("default"),
                has_default="default" in spec,
                choices=_choices(spec.get("choices")),
                when=spec.get("when", True),
                validator=str(spec.get("validator", "")),
                section=sections.get(key, ""),
                secret=bool(spec.get("secret", False)),
                raw=spec,
            )
        )
    return settings, questions


def read_config(path: Path) -> tuple[dict[str, Any], list[Question]]:
    """Settings and questions of the copier.yml at ``path``, its ``!include`` parts resolved."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist") from None
    return parse_config(text, path.parent, str(path))


@cache
def load(path: Path | None = None) -> tuple[Question, ...]:
    """Questions of the bundled copier.yml (or ``path``), in order."""
    from svcforge.template import copier_yml

    _, questions = read_config(path or copier_yml())
    return tuple(questions)


def by_name(questions: Iterable[Question]) -> dict[str, Question]:
    """Index questions by name."""
    return {q.name: q for q in questions}


def check_known(
    data: Mapping[str, Any], questions: Iterable[Question], sources: Mapping[str, str], version: str = ""
) -> None:
    """Reject answers for unknown or computed questions."""
    index = by_name(questions)
    for key in data:
        question = index.get(key)
        if question is None:
            raise AnswerError(
                key, "is not a question of this template", source=sources.get(key, ""), version=version
            )
        if question.computed:
            raise AnswerError(
                key,
                "is derived by the template and cannot be set",
                source=sources.get(key, ""),
                version=version,
            )


def resolve(
    data: Mapping[str, Any],
    *,
    sources: Mapping[str, str] | None = None,
    questions: Iterable[Question] | None = None,
    use_defaults: bool = True,
    base: Mapping[str, Any] | None = None,
    version: str = "",
) -> dict[str, Any]:
    """Answer every question without prompting, in copier.yml order.

    Given answers are cast and validated; the rest take their defaults (when
    ``use_defaults``); a question with neither is an error. Computed values are
    included so later rules can use them.

    Args:
        data: Answers given (by flag, --data or --data-file).
        sources: Where each answer came from, to name it in errors.
        questions: Questions to resolve (default: the bundled copier.yml).
        use_defaults: Fill unanswered questions with their defaults.
        base: Earlier answers (an update's answers file) used before defaults.
        version: The template version the questions belong to, named in errors.

    Raises:
        AnswerError: An answer breaks its rule, or a required answer is missing.
    """
    sources = sources or {}
    qs = list(questions if questions is not None else load())
    check_known(data, qs, sources, version)
    answers: dict[str, Any] = {}
    for question in qs:
        name = question.name
        if question.computed:
            answers[name] = question.default_value(answers)
            continue
        if not question.is_asked(answers):
            if question.has_default:
                answers[name] = question.default_value(answers)
            continue
        if name in data or (base is not None and name in base):
            value = data[name] if name in data else (base or {})[name]
            source = sources.get(name, "") if name in data else "the answers file"
        elif use_defaults and question.has_default:
            value, source = question.default_value(answers), "the default"
        else:
            raise AnswerError(
                name,
                f"an answer is required (no default exists); pass --data {name}=VALUE",
                source=sources.get(name, ""),
                version=version,
            )
        try:
            answers[name] = question.check(value, answers)
        except ValueError as error:
            raise AnswerError(name, str(error), value=value, source=source, version=version) from None
    return answers


def user_answers(answers: Mapping[str, Any], questions: Iterable[Question] | None = None) -> dict[str, Any]:
    """The subset of ``answers`` a user gives (no computed values), for Copier's ``data``."""
    qs = list(questions if questions is not None else load())
    return {
        q.name: answers[q.name] for q in qs if not q.computed and q.name in answers and q.is_asked(answers)
    }
