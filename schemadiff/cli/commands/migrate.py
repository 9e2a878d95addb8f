"""Coming from migration scripts: adopt, baseline and export."""

from __future__ import annotations

from pathlib import Path

import click

from ..app import Context, cli, handle_errors, pass_context


@cli.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--out", default=None, metavar="PATH", help="Where to write the schema (default: the schema file; - for stdout).")
@click.option("--force", is_flag=True, help="Overwrite an existing schema file.")
@pass_context
@handle_errors()
def adopt(ctx: Context, directory, out, force):
    """Turn a folder of ordered NNN_*.sql migrations into schema.yaml.

    The files run in order on a scratch database (created on the server of --database-url, or
    the embedded server, and dropped afterwards); the schema they build is written as YAML.

    \b
    Examples:
      schemadiff adopt migrations/
      schemadiff adopt migrations/ --out schema.yaml --force
    """
    adopt_folder(ctx, directory, out or ctx.schema, force)


def adopt_folder(ctx: Context, directory: str, out: str, force: bool) -> None:
    from ... import engine
    from ...errors import SchemadiffError as _Error

    if out != "-" and Path(out).exists() and not force:
        raise _Error(f"{out} exists; pass --force to overwrite it, or --out to write elsewhere")
    adopted = engine.adopt(ctx.project(), directory)
    if out == "-":
        click.echo(adopted.text, nl=False)
        return
    Path(out).write_text(adopted.text, encoding="utf-8")
    catalog = adopted.catalog
    click.echo(f"wrote {out}: {len(catalog.tables)} tables, {catalog.index_count} indexes, "
               f"{len(catalog.enums)} enums from the migrations in {directory}")


@cli.command()
@click.option("--force", is_flag=True, help="Record the baseline even without a migration-tool table or when the schema differs.")
@pass_context
@handle_errors()
def baseline(ctx: Context, force):
    """Hand a database migrated by another tool (Alembic, Flyway, Liquibase, Django, Prisma, …) to schemadiff.

    Records a version row for the schema file without changing the schema; refused when the
    database differs from the file. The old tool's table is left in place.

    \b
    Example:
      schemadiff baseline
    """
    from ... import engine

    result = engine.baseline(ctx.project(), force=force)
    if result.already is not None:
        click.echo(f"Already managed by schemadiff (version {result.already}); no baseline recorded.")
        return
    source = f" from {result.tracking.table} at {result.tracking.version}" if result.tracking else ""
    click.echo(f"Recorded baseline version {result.version}{source}; the schema was not changed.")


@cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--name", default=None, help="Slug of the file name (default: from the first change).")
@click.option("--offline/--online", default=False, help="--offline writes plain DDL (no CONCURRENTLY / NOT VALID steps).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Data-migration files NNN_*.sql (default: data/ beside the schema file).")
@click.option("--allow-destructive", is_flag=True, help="Write changes that lose data (drop table/column, narrowing types).")
@pass_context
@handle_errors()
def export_command(ctx: Context, directory, name, offline, data_dir, allow_destructive):
    """Write the plan as the next numbered SQL file (NNN_<slug>.sql) for psql -v ON_ERROR_STOP=1 -f.

    A plan that would lose data is refused (exit 4, no file written) unless --allow-destructive.

    \b
    Example:
      schemadiff export migrations/
    """
    from ... import engine

    planned = engine.plan_schema(ctx.project(), online=not offline, data_dir=data_dir, export_to=directory,
                                 export_name=name, allow_destructive=allow_destructive)
    path = planned.migration_file
    click.echo(f"wrote {path}: {len(planned.plan.statements)} statement(s)" if path
               else "No changes: the database matches the schema file; no file written.")
