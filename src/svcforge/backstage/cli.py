"""`svcforge export ...`: the golden path for other tools, generated from copier.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from svcforge.errors import SvcforgeError

export_app = typer.Typer(
    name="export",
    help="Export svcforge's questions to other tools (a Backstage software template).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@export_app.command("backstage")
def backstage(
    out: Annotated[Path, typer.Option("--out", help="Directory to write template.yaml into.")],
    owner: Annotated[
        str, typer.Option("--owner", help="Owner of the template entity in the catalog.")
    ] = "group:default/platform",
    name: Annotated[str, typer.Option("--name", help="metadata.name of the template entity.")] = (
        "svcforge-service"
    ),
) -> None:
    """Write a Backstage software template (scaffolder.backstage.io/v1beta3) built from copier.yml.

    Its form follows the wizard's sections; its first step is the svcforge:new action
    (integrations/backstage), which enforces every rule the form cannot express (listed below).
    """
    from svcforge.backstage.template import export, report

    try:
        result = export(out, name=name, owner=owner)
    except SvcforgeError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(error.exit_code) from None
    form = result.form
    fields = sum(1 for _ in form.fields)
    verb = "Replaced" if result.replaced else "Wrote"
    typer.echo(f"{verb} {result.path}: {len(form.pages)} pages, {fields} fields.")
    for line in report(form):
        typer.echo(line)
