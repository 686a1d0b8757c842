"""Every if-chain on the cloud or the language names each choice and fails the render on any other.

A chain such as `{% if on_aws %}…{% elif on_gcp %}…{% else %}…{% endif %}` silently gives a fourth
cloud the Azure code. So every chain (`{% if %}` with `elif`/`else`, and `a if b else c`) whose
tests read a choice question must name each of its choices that can reach it (inside
`{% if on_gcp or on_azure %}` those two, in a file below `{% if on_aws %}…` aws) and end in
`{% else %}{{ unknown('cloud', cloud) }}` (includes/choice.jinja), which fails the render. A lone
`{% if on_aws %}` (no elif, no else) is code for the values it names only and stays allowed; a
negated test (`not on_aws`, `cloud != 'aws'`) is a hidden else and is not; naming a choice that
cannot reach the chain is dead code. Adding a choice to copier.yml makes this test list every
chain that lacks it, with its file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined, nodes
from jinja2.exceptions import FilterArgumentError
from jinja2.sandbox import SandboxedEnvironment

from svcforge.questions import by_name, load
from tests.support.render import ROOT

# The choice questions whose chains must be complete.
QUESTIONS = ("cloud", "language")
# Parsing only: the filters Copier adds need no registration to parse, its `yield` tag is unused.
PARSER = Environment(keep_trailing_newline=True)


@dataclass(frozen=True)
class Dimension:
    """A choice question and the computed flags that stand for its values (`on_aws` for aws)."""

    question: str
    values: tuple[str, ...]
    flags: dict[str, str] = field(default_factory=dict)


def dimensions() -> tuple[Dimension, ...]:
    """The choice questions of copier.yml, with their values and flags."""
    questions = by_name(load(ROOT / "copier.yml"))
    found = []
    for name in QUESTIONS:
        values = tuple(str(choice.value) for choice in questions[name].choices)
        flags = {f"on_{value}": value for value in values if f"on_{value}" in questions}
        found.append(Dimension(name, values, flags))
    return tuple(found)


@dataclass
class Reading:
    """What the tests of one chain say about one dimension."""

    named: set[str] = field(default_factory=set)
    negated: bool = False
    opaque: bool = False

    @classmethod
    def of(cls, test: nodes.Node, dim: Dimension) -> Reading:
        reading = cls()
        _read(test, dim, reading)
        return reading

    @property
    def touched(self) -> bool:
        return bool(self.named) or self.negated or self.opaque


def _read(test: nodes.Node, dim: Dimension, reading: Reading, negated: bool = False) -> None:
    """Collect the values ``test`` names for ``dim``, and whether it negates or hides them."""
    if isinstance(test, nodes.Not):
        _read(test.node, dim, reading, not negated)
        return
    if isinstance(test, nodes.Name) and test.name in dim.flags:
        reading.named.add(dim.flags[test.name])
        reading.negated |= negated
        return
    if isinstance(test, nodes.Compare) and len(test.ops) == 1:
        left, op, right = test.expr, test.ops[0].op, test.ops[0].expr
        if isinstance(right, nodes.Name) and right.name == dim.question and op in ("eq", "ne"):
            left, right = right, left
        if isinstance(left, nodes.Name) and left.name == dim.question:
            consts = right.items if isinstance(right, nodes.List | nodes.Tuple) else [right]
            if all(isinstance(c, nodes.Const) for c in consts) and op in ("eq", "ne", "in", "notin"):
                reading.named.update(str(c.value) for c in consts if isinstance(c, nodes.Const))
                reading.negated |= negated != (op in ("ne", "notin"))
                return
    if isinstance(test, nodes.Name) and test.name == dim.question:
        reading.opaque = True
        return
    for child in test.iter_child_nodes():
        _read(child, dim, reading, negated)


def _fails_on(body: nodes.Node | list[nodes.Node] | None, question: str) -> bool:
    """Whether ``body`` is only `unknown('<question>', <question>)` (whitespace aside)."""
    if body is None:
        return False
    items = body if isinstance(body, list) else [body]
    calls = []
    for item in items:
        parts = item.nodes if isinstance(item, nodes.Output) else [item]
        for part in parts:
            if isinstance(part, nodes.TemplateData) and not part.data.strip():
                continue
            calls.append(part)
    if len(calls) != 1 or not isinstance(calls[0], nodes.Call):
        return False
    call = calls[0]
    callee = call.node.name if isinstance(call.node, nodes.Name) else getattr(call.node, "attr", "")
    return (
        callee == "unknown"
        and len(call.args) == 2
        and isinstance(call.args[0], nodes.Const)
        and call.args[0].value == question
        and isinstance(call.args[1], nodes.Name)
        and call.args[1].name == question
    )


def can_hold(test: nodes.Node, dim: Dimension) -> frozenset[str]:
    """The values of ``dim`` for which ``test`` can be true, whatever the other names hold."""
    every = frozenset(dim.values)
    if isinstance(test, nodes.And):
        return can_hold(test.left, dim) & can_hold(test.right, dim)
    if isinstance(test, nodes.Or):
        return can_hold(test.left, dim) | can_hold(test.right, dim)
    if isinstance(test, nodes.Not):
        inner = Reading.of(test.node, dim)
        atom = isinstance(test.node, nodes.Name | nodes.Compare)
        return every - can_hold(test.node, dim) if atom and inner.named else every
    reading = Reading.of(test, dim)
    if not reading.named or reading.opaque:
        return every
    return every - frozenset(reading.named) if reading.negated else frozenset(reading.named)


Reach = dict[str, frozenset[str]]


@dataclass(frozen=True)
class Chain:
    """One if-chain: its tests in order, what follows its last `else` (None without one), and
    the values of each question that can reach it (its enclosing branches allow only those)."""

    line: int
    tests: tuple[nodes.Node, ...]
    otherwise: nodes.Node | list[nodes.Node] | None
    reach: Reach


def chains(node: nodes.Node, dims: tuple[Dimension, ...], reach: Reach) -> Iterator[Chain]:
    """Every `{% if %}` chain and every `a if b else c` chain (nested `else … if` flattened)."""

    def narrowed(test: nodes.Node) -> Reach:
        return {dim.question: reach[dim.question] & can_hold(test, dim) for dim in dims}

    if isinstance(node, nodes.If | nodes.CondExpr):
        links: list[tuple[nodes.Node, list[nodes.Node]]] = []
        if isinstance(node, nodes.If):
            links = [(node.test, node.body), *((branch.test, branch.body) for branch in node.elif_)]
            otherwise: Any = node.else_ or None
        else:
            tail: Any = node
            while isinstance(tail, nodes.CondExpr):
                links.append((tail.test, [tail.expr1]))
                tail = tail.expr2
            otherwise = tail
        yield Chain(node.lineno, tuple(test for test, _ in links), otherwise, reach)
        for test, body in links:
            yield from chains(test, dims, reach)
            for child in body:
                yield from chains(child, dims, narrowed(test))
        for child in otherwise if isinstance(otherwise, list) else [otherwise] if otherwise else []:
            yield from chains(child, dims, reach)
        return
    for child in node.iter_child_nodes():
        yield from chains(child, dims, reach)


def problems(source: str, where: str, dims: tuple[Dimension, ...], reach: Reach | None = None) -> list[str]:
    """What is wrong with the chains of one template, each as `<where>:<line>: …`."""
    reach = reach or {dim.question: frozenset(dim.values) for dim in dims}
    found = []
    for chain in chains(PARSER.parse(source), dims, reach):
        for dim in dims:
            found += [
                f"{where}:{chain.line}: chain on {dim.question} {p}" for p in _chain_problems(chain, dim)
            ]
    return found


def _chain_problems(chain: Chain, dim: Dimension) -> list[str]:
    readings = [Reading.of(test, dim) for test in chain.tests]
    reach = chain.reach[dim.question]
    if not any(reading.touched for reading in readings) or not reach:
        return []
    found = []
    if any(reading.negated for reading in readings):
        found.append("negates a choice (a hidden else): name the choices it means")
    if any(reading.opaque for reading in readings):
        found.append(f"reads {dim.question} in a way this test cannot check")
    first = next(number for number, reading in enumerate(readings) if reading.touched)
    blind = [number + 1 for number, reading in enumerate(readings) if number > first and not reading.touched]
    if blind:
        found.append(
            f"has a branch (number {blind[0]}) that ignores {dim.question} after one that reads it:"
            " an else for the other choices"
        )
    named = set().union(*(reading.named for reading in readings))
    dead = [value for value in dim.values if value in named and value not in reach]
    if dead:
        allowed = ", ".join(value for value in dim.values if value in reach)
        found.append(
            f"names {', '.join(dead)}, which never reach it (the enclosing branches allow {allowed})"
        )
    if len(chain.tests) == 1 and chain.otherwise is None:
        return found  # code for the values it names only
    missing = [value for value in dim.values if value in reach and value not in named]
    if missing:
        found.append(f"has no branch for {', '.join(missing)}")
    if not _fails_on(chain.otherwise, dim.question):
        bare = "ends in a bare else" if chain.otherwise is not None else "has no final else"
        found.append(f"{bare}: end it with {{% else %}}{{{{ unknown('{dim.question}', {dim.question}) }}}}")
    return found


def templates(dims: tuple[Dimension, ...]) -> Iterator[tuple[str, str, Reach]]:
    """(where, Jinja source, the values that reach it) of every template, include and templated
    file-name part; a file below `{% if on_aws %}…{% endif %}` is reached by aws only."""
    files = sorted((ROOT / "template").rglob("*")) + sorted((ROOT / "includes").rglob("*.jinja"))
    seen = set()
    for path in files:
        rel = path.relative_to(ROOT)
        reach = {dim.question: frozenset(dim.values) for dim in dims}
        for depth, part in enumerate(rel.parts):
            if "{%" not in part and "{{" not in part:
                continue
            if rel.parts[: depth + 1] not in seen:
                seen.add(rel.parts[: depth + 1])
                yield f"{Path(*rel.parts[: depth + 1])} (file name)", part, reach
            for node in PARSER.parse(part).body:
                if isinstance(node, nodes.If) and not node.elif_ and not node.else_:
                    reach = {dim.question: reach[dim.question] & can_hold(node.test, dim) for dim in dims}
        if path.is_file() and path.suffix == ".jinja":
            yield str(rel), path.read_text(), reach


def test_dimensions_come_from_copier_yml() -> None:
    dims = {dim.question: dim for dim in dimensions()}
    assert {"aws", "gcp", "azure"} <= set(dims["cloud"].values)
    assert {"python", "typescript", "rust"} <= set(dims["language"].values)
    # Each cloud has its flag, computed from the answer (what the chains test).
    questions = by_name(load(ROOT / "copier.yml"))
    for value in dims["cloud"].values:
        flag = questions[f"on_{value}"]
        assert flag.computed
        assert flag.default == f"{{{{ cloud == '{value}' }}}}"


def test_every_chain_on_a_choice_names_each_choice_and_fails_on_others() -> None:
    dims = dimensions()
    found = [
        problem
        for where, source, reach in templates(dims)
        for problem in problems(source, where, dims, reach)
    ]
    assert not found, "\n".join(found)


def test_the_scan_covers_templates_includes_and_file_names() -> None:
    wheres = [where for where, _, _ in templates(dimensions())]
    assert "template/scripts/smoke-test.sh.jinja" in wheres
    assert any(where.startswith("includes/runbook/") for where in wheres)
    assert any(where.endswith("(file name)") for where in wheres)
    # A file below `{% if on_aws %}…{% endif %}` is reached by aws alone.
    reach = {where: reach for where, _, reach in templates(dimensions())}
    aws_only = [where for where in reach if where.endswith("{% if on_aws %}secrets_aws.py{% endif %}.jinja")]
    assert aws_only
    assert reach[aws_only[0]] == {"cloud": {"aws"}, "language": {"python"}}


DIMS = (Dimension("cloud", ("aws", "gcp", "azure"), {"on_aws": "aws", "on_gcp": "gcp", "on_azure": "azure"}),)
FAIL = "{% else %}{{ unknown('cloud', cloud) }}{% endif %}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% if on_aws %}a{% elif on_gcp %}g{% else %}z{% endif %}", ["no branch for azure", "bare else"]),
        ("{% if on_aws %}a{% elif on_gcp %}g{% endif %}", ["no branch for azure", "has no final else"]),
        ("{% if on_aws %}a{% elif on_gcp %}g" + FAIL, ["no branch for azure"]),
        ("{% if not on_aws %}x{% endif %}", ["negates a choice"]),
        ("{% if cloud != 'aws' %}x{% endif %}", ["negates a choice"]),
        ("{% if cloud not in ['aws'] %}x{% endif %}", ["negates a choice"]),
        ("{% if names[cloud] %}x{% endif %}", ["cannot check"]),
        ("{{ 'a' if on_aws else 'b' }}", ["has no branch for gcp, azure", "ends in a bare else"]),
        ("{{ 'a' if on_aws else 'g' if cloud == 'gcp' else 'z' }}", ["no branch for azure", "bare else"]),
        (
            "{% if on_aws %}a{% elif on_gcp or on_azure %}o"
            "{% else %}{{ unknown('language', language) }}{% endif %}",
            ["bare else"],
        ),
        (
            "{% if on_aws and use_x %}a{% elif use_x %}o{% endif %}",
            ["ignores cloud", "no branch for gcp, azure", "no final else"],
        ),
        ("{% if on_aws %}{% if use_x %}x{% else %}y{% endif %}{% endif %}", []),
        ("{% if on_aws and use_x %}a{% endif %}", []),
        ("{% if use_x %}x{% elif on_aws %}a{% elif on_gcp or on_azure %}o" + FAIL, []),
        ("{% if cloud in ['aws', 'gcp'] %}a{% elif 'azure' == cloud %}z" + FAIL, []),
        ("{{ 'a' if on_aws else 'o' if on_gcp or on_azure else unknown('cloud', cloud) }}", []),
        # Inside a branch only gcp and azure reach, a chain names those two only.
        ("{% if on_gcp or on_azure %}{% if on_gcp %}g{% elif on_azure %}z" + FAIL + "{% endif %}", []),
        (
            "{% if on_gcp or on_azure %}{% if on_gcp %}g{% elif on_aws or on_azure %}z"
            + FAIL
            + "{% endif %}",
            ["names aws, which never reach it (the enclosing branches allow gcp, azure)"],
        ),
        ("{% if on_aws and use_x %}{{ 'a' if on_aws else 'b' }}{% endif %}", ["bare else"]),
    ],
)
def test_the_scan_finds_each_kind_of_incomplete_chain(source: str, expected: list[str]) -> None:
    found = problems(source, "t.jinja", DIMS)
    assert len(found) == len(expected), found
    for problem, words in zip(found, expected, strict=True):
        assert problem.startswith("t.jinja:1: chain on cloud ")
        assert words in problem


def _copier_like_env() -> SandboxedEnvironment:
    # What Copier renders with: its default Ansible filters, strict undefined, the repository root.
    return SandboxedEnvironment(
        loader=FileSystemLoader(ROOT),
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def test_an_unknown_choice_fails_the_render_with_a_clear_message() -> None:
    source = "{% from 'includes/choice.jinja' import unknown %}x{% if on_aws %}a" + FAIL
    template = _copier_like_env().from_string(source)
    assert template.render(cloud="aws", on_aws=True) == "xa"
    with pytest.raises(FilterArgumentError, match="cloud 'ibm' has no branch in this if-chain"):
        template.render(cloud="ibm", on_aws=False)


# One Jinja module per choice, each exporting the same macros, for the files every choice shares
# (the runbook has its own modules, includes/runbook/cloud/).
MODULES = {
    "cloud": ROOT / "includes" / "cloud",
    "language": ROOT / "includes" / "language",
    "cloud (runbook)": ROOT / "includes" / "runbook" / "cloud",
}


def _macros(path: Path) -> dict[str, list[str]]:
    """Exported macro name -> argument names, of a Jinja module (`_name` is private to it)."""
    tree = PARSER.parse(path.read_text())
    macros = tree.find_all(nodes.Macro)
    return {
        macro.name: [arg.name for arg in macro.args] for macro in macros if not macro.name.startswith("_")
    }


@pytest.mark.parametrize("question", sorted(MODULES))
def test_each_choice_has_a_module_with_the_same_macros(question: str) -> None:
    folder = MODULES[question]
    values = next(dim for dim in dimensions() if dim.question == question.split()[0]).values
    assert sorted(path.stem for path in folder.glob("*.jinja")) == sorted(values)
    modules = {value: _macros(folder / f"{value}.jinja") for value in values}
    every = set().union(*modules.values())
    for value, macros in modules.items():
        assert not every - set(macros), f"{folder.name}/{value}.jinja lacks {sorted(every - set(macros))}"
        for name, args in macros.items():
            assert args == modules[values[0]][name], f"{value}.jinja: {name}({', '.join(args)})"


@pytest.mark.parametrize("question", sorted(MODULES))
def test_files_call_only_what_the_modules_export(question: str) -> None:
    folder = MODULES[question]
    exported = set(_macros(next(folder.glob("*.jinja"))))
    prefix = f"{folder.relative_to(ROOT).as_posix()}/"
    importers = 0
    for where, source, _ in templates(dimensions()):
        tree = PARSER.parse(source)
        aliases = {
            node.target
            for node in tree.find_all(nodes.Import)
            if prefix in "".join(str(c.value) for c in node.template.find_all(nodes.Const))
        }
        importers += bool(aliases)
        for node in tree.find_all(nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name in aliases:
                assert node.attr in exported, (
                    f"{where}:{node.lineno}: no {question} module exports {node.attr}"
                )
    assert importers >= (1 if folder.parent.name == "runbook" else 2)


# Every chain on the language sits in that language's own service/ files, which a new language
# does not reach: a new language shows up as its missing includes/language/ module instead.
@pytest.mark.parametrize("question", ["cloud"])
def test_a_new_choice_is_listed_in_every_chain_that_lacks_it(question: str) -> None:
    def grown(dim: Dimension) -> Dimension:
        if dim.question != question:
            return dim
        return Dimension(
            dim.question, (*dim.values, "new"), {**dim.flags, **({"on_new": "new"} if dim.flags else {})}
        )

    dims = tuple(grown(dim) for dim in dimensions())
    found = [
        problem
        for where, source, reach in templates(dims)
        for problem in problems(source, where, dims, reach)
    ]
    assert len(found) > 20
    assert all(problem.endswith(f"chain on {question} has no branch for new") for problem in found), found
