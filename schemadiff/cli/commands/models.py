"""``schemadiff models``: SQLAlchemy models generated from the schema file."""

from __future__ import annotations

from pathlib import Path

import click

from ..app import Context, cli, handle_errors, pass_context


@cli.command("models")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of stdout.")
@click.option("--from-database", is_flag=True, help="From the live database instead of the schema file.")
@pass_context
@handle_errors()
def models_command(ctx: Context, out, from_database):
    """Write SQLAlchemy 2.0 models (Mapped[...], mapped_column, relationships) of the schema file.

    The schema file stays the one source of truth; check in CI that the models still agree
    with `schemadiff diff schema.yaml sqlalchemy:app.models:Base --exit-code`.

    \b
    Example:
      schemadiff models --out app/models.py
    """
    from ... import engine

    written = engine.generate_models(ctx.project(), from_database=from_database)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(written.text, encoding="utf-8")
        click.echo(f"wrote {out}: {len(written.catalog.tables)} tables", err=True)
    else:
        click.echo(written.text, nl=False)
    if written.left_out:
        click.echo(f"left out (models cannot say it): {len(written.left_out)} item(s)", err=True)
        for line in written.left_out:
            click.echo(f"  {line}", err=True)
