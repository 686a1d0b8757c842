"""The `svcforge` command line (Typer).

Only Typer is imported at start-up; Copier, questionary and Jinja load when a command
needs them, so `svcforge --help` and shell completion stay fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from svcforge import __version__
from svcforge.errors import EXIT_CONFLICTS, EXIT_INTERRUPTED, SvcforgeError, UserError

app = typer.Typer(
    name="svcforge",
    help=(
        "Scaffold a production-grade service repository on AWS, Google Cloud or Azure "
        "(Terraform, AWS CDK, service, runbook)."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

# Options for the main questions: option name -> question in copier.yml.
MAIN_OPTIONS = {
    "--name": "service_name",
    "--cloud": "cloud",
    "--language": "language",
    "--iac": "iac",
}
# --region answers the region question of the chosen cloud.
REGION_QUESTIONS = {"aws": "aws_region", "gcp": "gcp_region", "azure": "azure_location"}


def _err(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def _reported() -> Iterator[None]:
    """Turn svcforge errors and Ctrl-C into a message and an exit code."""
    try:
        yield
    except SvcforgeError as error:
        _err(f"error: {error.message}")
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        _err("interrupted: nothing was written")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _choices_of(question: str) -> list[str]:
    from svcforge.questions import by_name, load

    return [str(c.value) for c in by_name(load())[question].choices]


def _complete(question: str) -> Any:
    def complete(incomplete: str) -> list[str]:
        return [c for c in _choices_of(question) if c.startswith(incomplete)]

    return complete


def _complete_keys(incomplete: str) -> list[str]:
    from svcforge.questions import load

    return [f"{q.name}=" for q in load() if not q.computed and q.name.startswith(incomplete)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"svcforge {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Scaffold a production-grade service repository."""


def _parse_data(pairs: list[str]) -> dict[str, str]:
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--data expects KEY=VALUE, got {pair!r}")
        data[key.strip()] = value
    return data


def _load_data_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text())
    except OSError as error:
        raise UserError(f"--data-file {path}: cannot read ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise UserError(f"--data-file {path}: not valid YAML ({error})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"--data-file {path}: must be a mapping of question: answer")
    # An answers file from an earlier render carries Copier's metadata (_src_path, _commit).
    return {str(k): v for k, v in data.items() if not str(k).startswith("_")}


def collect_answers(
    data: list[str],
    data_file: Path | None,
    flags: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge answers from --data-file, then --data, then the main flags (later wins)."""
    answers: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if data_file is not None:
        for key, value in _load_data_file(data_file).items():
            answers[key], sources[key] = value, f"--data-file {data_file}"
    for key, value in _parse_data(data).items():
        answers[key], sources[key] = value, f"--data {key}="
    for option, question in MAIN_OPTIONS.items():
        value = flags.get(question)
        if value is not None:
            answers[question], sources[question] = value, option
    region = flags.get("region")
    if region is not None:
        question = REGION_QUESTIONS.get(str(answers.get("cloud", "aws")), "aws_region")
        answers[question], sources[question] = region, "--region"
    return answers, sources


def _interactive(defaults: bool) -> bool:
    return not defaults and sys.stdin.isatty()


DataOption = Annotated[
    list[str] | None,
    typer.Option(
        "--data",
        "-d",
        help="Answer a question: KEY=VALUE (repeatable).",
        autocompletion=_complete_keys,
    ),
]
DataFileOption = Annotated[
    Path | None,
    typer.Option("--data-file", help="YAML file of answers (an earlier .copier-answers.yml works)."),
]
DefaultsOption = Annotated[
    bool,
    typer.Option("--defaults", help="Never prompt: unanswered questions take their defaults."),
]
VcsRefOption = Annotated[
    str | None, typer.Option("--vcs-ref", help="Git ref (tag, branch, commit) of the template.")
]


@app.command()
def new(
    dest: Annotated[
        Path | None,
        typer.Argument(help="Directory to create (default: ./<service_name>)."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="service_name")] = None,
    cloud: Annotated[
        str | None, typer.Option("--cloud", help="cloud", autocompletion=_complete("cloud"))
    ] = None,
    language: Annotated[
        str | None,
        typer.Option("--language", help="language", autocompletion=_complete("language")),
    ] = None,
    iac: Annotated[str | None, typer.Option("--iac", help="iac", autocompletion=_complete("iac"))] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", help="Region of the cloud: aws_region, gcp_region or azure_location."),
    ] = None,
    data: DataOption = None,
    data_file: DataFileOption = None,
    defaults: DefaultsOption = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Skip the confirmation.")] = False,
    pretend: Annotated[
        bool, typer.Option("--pretend", help="List what would be written; write nothing.")
    ] = False,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Render into a non-empty DEST, replacing template files."),
    ] = False,
    template: Annotated[
        str | None,
        typer.Option("--template", help="Template source (git URL or path); default: bundled."),
    ] = None,
    vcs_ref: VcsRefOption = None,
) -> None:
    """Render a new service repository (a wizard on a terminal; never prompts otherwise)."""
    with _reported():
        flags = {"service_name": name, "cloud": cloud, "language": language}
        flags |= {"iac": iac, "region": region}
        given, sources = collect_answers(data or [], data_file, flags)
        answers = _answer(given, sources, interactive=_interactive(defaults))
        target = dest if dest is not None else Path(str(answers["service_name"]))
        if _interactive(defaults) and not yes and not pretend:
            from svcforge.wizard import QuestionaryPrompter, summary

            prompter = QuestionaryPrompter()
            prompter.show("\n" + summary(answers))
            if not prompter.confirm(f"Render into {target}?"):
                _err("cancelled: nothing was written")
                raise typer.Exit(1)
        from svcforge.generate import render
        from svcforge.questions import user_answers

        result = render(
            user_answers(answers),
            target,
            src=template,
            vcs_ref=vcs_ref,
            overwrite=overwrite,
            pretend=pretend,
            sources=sources,
        )
        if pretend:
            typer.echo(f"Would write {len(result.files)} files into {result.destination}:")
            for rel in result.files:
                mark = "replace" if rel in result.replaced else "create"
                typer.echo(f"  {mark:7}  {rel}")
            return
        typer.echo(f"Wrote {len(result.files)} files into {result.destination}")
        for rel in result.replaced:
            typer.echo(f"  replaced  {rel}")
        typer.echo(_next_steps(result.destination, answers))


def _answer(given: dict[str, Any], sources: dict[str, str], *, interactive: bool) -> dict[str, Any]:
    from svcforge.questions import check_known, load, resolve

    if not interactive:
        return resolve(given, sources=sources, use_defaults=True)
    from svcforge.wizard import QuestionaryPrompter, run_wizard

    check_known(given, load(), sources)
    return run_wizard(QuestionaryPrompter(), given, sources=sources)


def _next_steps(dest: Path, answers: dict[str, Any]) -> str:
    steps = [
        "",
        "Next steps:",
        f"  cd {dest}",
        "  git init && git add -A && git commit -m 'Scaffold from svcforge'",
        "  make -C service test        # the service's own tests",
    ]
    if answers.get("use_terraform"):
        steps.append("  less terraform/README.md     # state backend and settings for the first apply")
    if answers.get("use_cdk"):
        steps.append("  (cd cdk && npm ci && npx cdk synth)")
    steps.append("  less docs/runbook.md         # the filled-in runbook")
    return "\n".join(steps)


@app.command()
def update(
    path: Annotated[Path, typer.Argument(help="The generated repository.")] = Path(),
    data: DataOption = None,
    data_file: DataFileOption = None,
    defaults: DefaultsOption = False,
    vcs_ref: VcsRefOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable report.")] = False,
) -> None:
    """Update a generated repository to a newer template version, keeping local edits.

    Exit codes: 0 updated, 2 bad input, 3 conflicts remain (listed), 1 other failure.
    """
    with _reported():
        from svcforge.conflicts import scan
        from svcforge.generate import read_answers
        from svcforge.generate import update as run_update
        from svcforge.questions import resolve

        given, sources = collect_answers(data or [], data_file, {})
        last = {k: v for k, v in read_answers(path).items() if not k.startswith("_")}
        # Validate the new answers against the earlier ones before touching the repo.
        resolve(given, sources=sources, use_defaults=True, base=last)
        result = run_update(path, given, vcs_ref=vcs_ref, sources=sources)
        conflicts = scan(result.destination, result.changed)
        if as_json:
            report = {
                "path": str(result.destination),
                "from": result.from_version,
                "to": result.to_version,
                "changed": result.changed,
                "conflicts": [c.to_dict() for c in conflicts],
                "status": "conflicts" if conflicts else "updated",
            }
            typer.echo(json.dumps(report, indent=2))
        else:
            typer.echo(f"Updated {result.destination}: {result.from_version} -> {result.to_version}")
            for rel in result.changed:
                typer.echo(f"  changed   {rel}")
            for conflict in conflicts:
                _err(f"  CONFLICT  {conflict.path} ({conflict.kind}, {conflict.hunks} hunk(s))")
            if conflicts:
                _err("Resolve the conflicts above, then commit. Nothing else was changed.")
        if conflicts:
            raise typer.Exit(EXIT_CONFLICTS)


@app.command()
def questions(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every question: type, choices, default, help and rule."""
    from svcforge.questions import load

    rows = []
    for q in load():
        if q.computed:
            continue
        rows.append(
            {
                "name": q.name,
                "section": q.section,
                "type": q.type,
                "choices": [c.value for c in q.choices],
                "default": q.default if q.has_default else None,
                "required": not q.has_default,
                "when": q.when,
                "help": q.help,
                "rule": q.validator.strip(),
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        default = "(required)" if row["required"] else f"default: {row['default']!r}"
        typer.echo(f"{row['name']} [{row['type']}] {default}")
        if row["choices"]:
            typer.echo(f"    choices: {', '.join(str(c) for c in row['choices'])}")
        typer.echo(f"    {row['help']}")


from svcforge.backstage.cli import export_app  # noqa: E402 (a sub-command group; loads only Typer)

app.add_typer(export_app)


def main() -> None:
    """Console-script entry point."""
    app()
