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
def _reported(
    as_json: bool = False, interrupted: str = "interrupted: nothing was written"
) -> Iterator[list[str]]:
    """Turn svcforge errors and Ctrl-C into a message (and with --json, a JSON object) and an exit code.

    Yields a one-item list holding what an interrupt message says: a command that has
    written its result replaces it.
    """
    state = [interrupted]

    def fail(message: str, code: int) -> typer.Exit:
        _err(message)
        if as_json:
            typer.echo(json.dumps({"status": "error", "error": message, "exit_code": code}, indent=2))
        return typer.Exit(code)

    try:
        yield state
    except SvcforgeError as error:
        prefix = "interrupted" if error.exit_code == EXIT_INTERRUPTED else "error"
        raise fail(f"{prefix}: {error.message}", error.exit_code) from None
    except KeyboardInterrupt:
        raise fail(state[0], EXIT_INTERRUPTED) from None


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
        from svcforge.template import installation

        versions = installation().versions
        typer.echo(f"svcforge {versions.package} (template {versions.template})")
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
        from svcforge.questions import load, user_answers
        from svcforge.sources import find_version

        # The questions are those of the version being rendered, not the installed one's.
        version = find_version(template, vcs_ref)
        questions = list(load(version.copier_yml))
        # Errors name the version when it is not the installed one.
        label = (version.ref or str(version.directory)) if template or vcs_ref else ""
        answers = _answer(given, sources, questions, label, interactive=_interactive(defaults))
        target = dest if dest is not None else Path(str(answers["service_name"]))
        if _interactive(defaults) and not yes and not pretend:
            from svcforge.wizard import QuestionaryPrompter, summary

            prompter = QuestionaryPrompter()
            prompter.show("\n" + summary(answers, questions))
            if not prompter.confirm(f"Render into {target}?"):
                _err("cancelled: nothing was written")
                raise typer.Exit(1)
        from svcforge.generate import render

        result = render(
            user_answers(answers, questions),
            target,
            version=version,
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


def _answer(
    given: dict[str, Any],
    sources: dict[str, str],
    questions: list[Any],
    version: str,
    *,
    interactive: bool,
) -> dict[str, Any]:
    from svcforge.questions import check_known, resolve

    if not interactive:
        return resolve(given, sources=sources, questions=questions, use_defaults=True, version=version)
    from svcforge.wizard import QuestionaryPrompter, run_wizard

    check_known(given, questions, sources, version)
    return run_wizard(QuestionaryPrompter(), given, sources=sources, questions=questions)


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


PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(help="Generated repositories, or paths inside them (default: here).", show_default=False),
]
ReposOption = Annotated[
    Path | None,
    typer.Option("--repos", help="A file listing repositories, one path per line (# comments allowed)."),
]
JobsOption = Annotated[
    int | None,
    typer.Option("--jobs", "-j", min=1, help="Repositories handled at once (default: the number of cores)."),
]


def _targets(paths: list[Path] | None, repos: Path | None) -> list[Path]:
    from svcforge.fleet import read_repo_list

    found = list(paths or [])
    if repos is not None:
        found += read_repo_list(repos)
    return found or [Path()]


@app.command()
def update(
    paths: PathsArgument = None,
    repos: ReposOption = None,
    data: DataOption = None,
    data_file: DataFileOption = None,
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults",
            help="Never prompt: questions the new version adds take their defaults"
            " (always so without a terminal).",
        ),
    ] = False,
    vcs_ref: Annotated[
        str | None,
        typer.Option(
            "--vcs-ref",
            help="Target version (tag, branch, commit); default: this svcforge's template version,"
            " or the newest release tag of another source.",
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="Template source (git URL or path) for this run, instead of the recorded _src_path.",
        ),
    ] = None,
    allow_identity_change: Annotated[
        bool,
        typer.Option(
            "--allow-identity-change",
            help="Accept answers that rename or move live resources (service_name, cloud, region,"
            " account, removing an environment).",
        ),
    ] = False,
    branch: Annotated[
        str | None,
        typer.Option(
            "--branch",
            help="Apply each update on this new branch and commit it there (version change and"
            " conflicts in the message), ready to push for a pull request.",
        ),
    ] = None,
    jobs: JobsOption = None,
    pretend: Annotated[
        bool, typer.Option("--pretend", help="Show what the update would do to each file; write nothing.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a machine-readable report (also on failure).")
    ] = False,
) -> None:
    """Update generated repositories to another template version, keeping local edits.

    Several repositories (arguments or --repos) are updated in parallel, each on its own and
    atomically; the exit code is the worst of them.

    Exit codes: 0 updated (or up to date), 2 bad answers or usage, 3 conflicts left to resolve,
    4 repository not updatable (not git, uncommitted changes, no answers file), 5 template
    source or version unavailable, 130 interrupted (nothing changed).
    """
    with _reported(as_json, interrupted="interrupted: nothing was changed") as interrupted:
        from svcforge.updater import UpdateRequest

        given, sources = collect_answers(data or [], data_file, {})
        targets = _targets(paths, repos)
        requests = [
            UpdateRequest(
                start=target,
                data=given,
                sources=sources,
                vcs_ref=vcs_ref,
                template=template,
                allow_identity_change=allow_identity_change,
                ask=_wizard_asker() if _interactive(defaults) and len(targets) == 1 else None,
            )
            for target in targets
        ]
        if len(requests) > 1:
            _update_many(requests, jobs=jobs, pretend=pretend, branch=branch, as_json=as_json)
            return
        from svcforge.updater import update as run_update

        result = run_update(requests[0], pretend=pretend, branch=branch)
        if result.writes and not pretend:
            interrupted[0] = f"interrupted after the update was applied to {result.root}; see git status"
        _report_update(result.report(pretend=pretend), as_json=as_json)
        if result.conflicts and not pretend:
            raise typer.Exit(EXIT_CONFLICTS)


def _update_many(
    requests: list[Any], *, jobs: int | None, pretend: bool, branch: str | None, as_json: bool
) -> None:
    from svcforge.fleet import default_jobs, update_many

    rows = update_many(requests, jobs=jobs or default_jobs(), pretend=pretend, branch=branch)
    worst = max((row.exit_code for row in rows), default=0)
    if as_json:
        summary = {"status": "error" if worst not in (0, EXIT_CONFLICTS) else "done", "exit_code": worst}
        typer.echo(json.dumps({**summary, "repos": [row.to_dict() for row in rows]}, indent=2))
    else:
        for row in rows:
            if row.error:
                _err(f"{row.path}: error: {row.error}")
            else:
                _report_update(row.report, as_json=False)
            typer.echo("")
        counts: dict[str, int] = {}
        for row in rows:
            key = "error" if row.error else str(row.report["status"])
            counts[key] = counts.get(key, 0) + 1
        typer.echo(f"{len(rows)} repositories: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    if worst:
        raise typer.Exit(worst)


def _wizard_asker() -> Any:
    def ask(questions: list[Any], prefilled: dict[str, Any]) -> dict[str, Any]:
        from svcforge.wizard import QuestionaryPrompter, run_wizard

        return run_wizard(QuestionaryPrompter(), prefilled, questions=questions)

    return ask


def _report_update(report: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    status, root = report["status"], report["path"]
    if status == "up-to-date":
        typer.echo(f"{root} is up to date with template {report['to']}; nothing changed")
        return
    verb = "Would update" if status == "pretend" else "Updated"
    typer.echo(f"{verb} {root}: template {report['from']} -> {report['to']} (from {report['source']})")
    for name, change in report["answers"].items():
        typer.echo(f"  answer    {name}: {change['from']!r} -> {change['to']!r}")
    for change in report["files"]:
        detail = ""
        if change.get("kind"):
            hunks = f", {change['hunks']} hunk(s)" if change.get("hunks") else ""
            detail = f" ({change['kind']}{hunks})"
        conflict = change["status"] == "conflict"
        typer.echo(f"  {change['status']:9} {change['path']}{detail}", err=conflict)
        if change.get("note") and (change["status"] != "modified" or change.get("kind") == "renamed-locally"):
            typer.echo(f"            {change['note']}", err=conflict)
    if report.get("branch"):
        typer.echo(f"Committed on branch {report['branch']} ({report['commit'][:12]}).")
    if status == "pretend":
        typer.echo("Nothing was written (--pretend).")
    elif report["conflicts"]:
        _err(
            f"{len(report['conflicts'])} file(s) need you: resolve the conflicts above (search for"
            " '<<<<<<<'), then commit. Every other change listed was applied."
        )
    elif not report.get("branch"):
        typer.echo("Review with `git diff`, then commit.")


@app.command()
def status(
    paths: PathsArgument = None,
    repos: ReposOption = None,
    jobs: JobsOption = None,
    check: Annotated[
        bool,
        typer.Option("--check", help=f"Exit {6} when a repository is behind or has drifted (for CI gates)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Where each generated repository stands: its template version, the newest release, drift.

    Drift is what differs from a fresh render of the recorded version with the recorded
    answers: local edits (modified), template files deleted, and files the template does
    not produce (extra, listed but not drift). A repository that cannot be read is reported
    in its row. Exit codes: 0; with --check 6 when any is behind or drifted; 4 or 5 (the
    worst) when one cannot be read.
    """
    with _reported(as_json):
        from svcforge.fleet import default_jobs, status_exit_code
        from svcforge.fleet import status as fleet_status

        rows = fleet_status(_targets(paths, repos), jobs or default_jobs())
        code = status_exit_code(rows, check)
        if as_json:
            typer.echo(json.dumps({"exit_code": code, "repos": [row.to_dict() for row in rows]}, indent=2))
        else:
            _status_table(rows)
        if code:
            raise typer.Exit(code)


def _status_table(rows: list[Any]) -> None:
    header = ("REPOSITORY", "VERSION", "NEWEST", "STATE", "DRIFT")
    table = [header]
    for row in rows:
        if row.error:
            table.append((row.path, row.version or "-", row.newest or "-", "error", row.error))
            continue
        state = ("behind" if row.behind else "current") + (", drifted" if row.drifted else "")
        drift = f"{len(row.modified)} modified, {len(row.deleted)} deleted, {len(row.extra)} extra"
        newest = row.newest + (" (bundled)" if row.newest_from == "bundled history" else "")
        table.append((row.path, row.version, newest, state, drift))
    widths = [max(len(str(line[i])) for line in table) for i in range(len(header) - 1)]
    for line in table:
        cells = [str(cell).ljust(widths[i]) for i, cell in enumerate(line[:-1])]
        typer.echo("  ".join([*cells, str(line[-1])]).rstrip())
    for row in rows:
        if not row.error and (row.modified or row.deleted):
            typer.echo(f"\n{row.path}:")
            for rel in row.modified:
                typer.echo(f"  modified  {rel}")
            for rel in row.deleted:
                typer.echo(f"  deleted   {rel}")


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
