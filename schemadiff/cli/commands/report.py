"""``schemadiff report --html FILE``: the self-contained HTML schema report."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..app import Context, cli, handle_errors, pass_context
from ...errors import SchemadiffError


@cli.command("report")
@click.option("--html", "html_path", required=True, metavar="FILE", type=click.Path(dir_okay=False),
              help="Write the report to this HTML file.")
@click.option("--no-database", is_flag=True,
              help="Read the schema file alone (the default when no database URL is configured).")
@click.option("--from-database", is_flag=True,
              help="Read the database alone, as the schema (no schema file): the map of a database "
                   "opened for the first time, with sizes and recorded versions.")
@pass_context
@handle_errors()
def report_command(ctx: Context, html_path, no_database, from_database):
    """Write a self-contained HTML report of the schema: its diagram and every table, and with a
    database the tables' sizes, the health report, the version history and the pending plan.

    One file (inline CSS and SVG, nothing fetched when opened), readable on a phone. Without
    a configured database URL, or with --no-database, only the schema file is read and the
    database sections say so; the embedded development server is never started for it.

    \b
    Examples:
      schemadiff report --html report.html
      schemadiff report --html report.html --no-database
      schemadiff report --html report.html --from-database
    """
    from ... import engine
    from ...pictures.report import html_report

    if no_database and from_database:
        raise SchemadiffError("--no-database and --from-database exclude each other: the first reads the schema file "
                              "alone, the second the database alone")
    project = ctx.project()
    sources = engine.report_sources(project, database=not no_database and project.has_database_url,
                                    from_database=from_database)
    text = html_report(sources)
    write_atomically(Path(html_path), text)
    where = (f"database {sources.database}" + (" alone" if sources.schema_file is None else "")
             if sources.with_database else "the schema file alone")
    click.echo(f"wrote {html_path}: {len(sources.desired.tables)} tables, from {where} "
               f"({len(text.encode('utf-8')) // 1024} kB)", err=True)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a half-written report would look whole)."""
    if not path.parent.is_dir():
        raise SchemadiffError(f"cannot write the report to {path}: the directory {path.parent} does not exist")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise SchemadiffError(f"cannot write the report to {path}: {exc.strerror or exc}") from exc
