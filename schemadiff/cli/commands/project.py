"""The project: inspect, init, config and the development server."""

from __future__ import annotations

from pathlib import Path

import click

from ..app import Context, cli, handle_errors, pass_context
from ...errors import SchemadiffError
from .migrate import adopt_folder


@cli.command("inspect")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of stdout.")
@click.option("--schemas", "schemas", default=None, help="Comma-separated schemas to read (default: all user schemas).")
@pass_context
@handle_errors()
def inspect_command(ctx: Context, out, schemas):
    """Write the live database as schema.yaml: how an existing database adopts schemadiff.

    \b
    Example:
      schemadiff inspect --out schema.yaml
    """
    from ... import engine

    inspected = engine.inspect_schema(ctx.project(), schemas.split(",") if schemas else None)
    if out:
        Path(out).write_text(inspected.text, encoding="utf-8")
        live = inspected.catalog
        click.echo(f"wrote {out}: {len(live.tables)} tables, {live.index_count} indexes", err=True)
    else:
        click.echo(inspected.text, nl=False)
    click.echo(left_out_report(inspected.left_out), err=True)


def left_out_report(left_out) -> str:
    """What inspect could not write, one line per object (also a comment atop the file)."""
    if not left_out:
        return "left out (not managed by schemadiff): nothing"
    return "\n".join([f"left out (not managed by schemadiff): {len(left_out)} object(s)"]
                     + [f"  {obj.line}" for obj in left_out])


@cli.command("config")
@pass_context
def config_command(ctx: Context):
    """Show the effective settings, where each came from, with passwords masked.

    Precedence: command-line flags, then environment variables, then schemadiff.toml (or
    [tool.schemadiff] in pyproject.toml, looked for up to the git root), then defaults.

    \b
    Example:
      schemadiff --schema db/schema.yaml config
    """
    from ...config import describe

    click.echo(describe(ctx.settings))


@cli.command("init")
@click.option("--from-database", is_flag=True, help="Write the inspected live database instead of a starter table.")
@click.option("--force", is_flag=True, help="Overwrite an existing schema file or schemadiff.toml.")
@click.option("--from-migrations", "from_migrations", type=click.Path(exists=True, file_okay=False), default=None,
              help="Write the schema that a folder of NNN_*.sql migrations builds (same as `schemadiff adopt DIR`).")
@pass_context
@handle_errors()
def init_command(ctx: Context, from_database, force, from_migrations):
    """Start a project: schema.yaml (checked by editors against the JSON Schema) and schemadiff.toml.

    \b
    Examples:
      schemadiff init
      DATABASE_URL=postgresql://app@db/app schemadiff init --from-database
    """
    if from_migrations:
        adopt_folder(ctx, from_migrations, ctx.schema, force)
        return
    from ..scaffold import init_project

    written = init_project(ctx, from_database=from_database, force=force)
    for path, what in written:
        click.echo(f"wrote {path}: {what}")
    click.echo(f"Next: edit {ctx.schema}, then run `schemadiff plan`.")


@cli.command("dev-server")
@click.argument("action", type=click.Choice(["status", "stop"]))
@pass_context
@handle_errors()
def dev_server(ctx: Context, action):
    """Show or stop the embedded development server of this project (.schemadiff/).

    \b
    Examples:
      schemadiff dev-server status
      schemadiff dev-server stop
    """
    from ... import server

    project = Path(ctx.schema).resolve().parent
    cluster = server.embedded_cluster(project)
    if cluster is None:
        click.echo(f"no development server in {project / '.schemadiff'}")
        return
    try:
        with server.embedded_lock(project):  # not in the middle of another command's start
            _dev_server_action(cluster, action)
    except server.ServerError as exc:
        raise SchemadiffError(f"dev-server {action}: {exc}") from None


def _dev_server_action(cluster, action: str) -> None:
    url = cluster.database_url("schemadiff")
    if action == "stop" and url is not None:
        cluster.stop()
        click.echo(f"stopped the development server in {cluster.datadir}")
    elif action == "stop":
        click.echo(f"the development server in {cluster.datadir} is not running")
    else:
        state = f"running at {url}" if url is not None else "stopped"
        click.echo(f"development server in {cluster.datadir}: {state}")
