"""Deploying: plan, apply, history and rollback."""

from __future__ import annotations

import sys

import click

from ..app import (
    EXIT_CHANGES,
    Context,
    cli,
    color_enabled,
    handle_errors,
    pass_context,
    progress_printer,
    render_plan,
)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "sql", "json", "markdown"]), default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit 2 when there are changes, 0 when none.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Also save the plan (JSON) for `apply --plan`.")
@click.option("--offline/--online", default=False, help="--offline plans plain DDL in one transaction "
              "(no CONCURRENTLY / NOT VALID steps).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Data-migration files NNN_*.sql (default: data/ beside the schema file).")
@click.option("--validate", "validate_on_scratch", is_flag=True,
              help="Run the plan on a scratch copy of the live schema; exit 1 unless it reaches the desired state.")
@click.option("--out-dir", type=click.Path(file_okay=False), default=None,
              help="With --format sql: write the plan as the next numbered migration file in this folder.")
@click.option("--allow-destructive", is_flag=True, help="With --out-dir: write changes that lose data (else refused, exit 4).")
@pass_context
@handle_errors()
def plan(ctx: Context, fmt, exit_code, out, offline, data_dir, validate_on_scratch, out_dir, allow_destructive):
    """Show what apply would change, as SQL with every hazard named.

    \b
    Examples:
      schemadiff plan
      schemadiff plan --format markdown > comment.md
      schemadiff plan --out plan.json --exit-code
    """
    from ... import engine

    planned = engine.plan_schema(ctx.project(), online=not offline, data_dir=data_dir, validate=validate_on_scratch,
                                 export_to=out_dir, save_to=out, lint=fmt != "sql",
                                 allow_destructive=allow_destructive)
    if planned.validated:
        click.echo("Validated: on a scratch copy of the live schema the plan reaches the desired state.", err=True)
    if out_dir:
        path = planned.migration_file
        click.echo(f"wrote {path}" if path else "No changes: no migration file written.", err=True)
        return
    click.echo(render_plan(planned.plan, fmt, planned.lint, before=planned.current, after=planned.desired),
               nl=fmt != "sql")
    if exit_code and not planned.plan.empty:
        sys.exit(EXIT_CHANGES)


@cli.command()
@click.option("--allow-destructive", is_flag=True, help="Allow changes that lose data (drop table/column, narrowing types).")
@click.option("--dry-run", is_flag=True, help="Plan under the deploy lock and show it; change nothing.")
@click.option("--plan", "plan_file", type=click.Path(exists=True, dir_okay=False),
              help="Run exactly this saved plan (from `plan --out`); refused if the database or file changed since.")
@click.option("--lock-wait", default=None, type=float, help="Seconds to wait for another apply to finish (default: 60, or lock_wait in schemadiff.toml).")
@click.option("--lock-timeout", default=None, type=float, help="Seconds each statement may wait for a table lock before retrying (default: 5, or lock_timeout in schemadiff.toml).")
@click.option("--statement-timeout", default=None, type=float, help="Seconds a statement may run (default: 0, no limit; or statement_timeout in schemadiff.toml).")
@click.option("--lock-retries", default=3, show_default=True, type=click.IntRange(0, 100),
              help="How many times a statement that hit --lock-timeout is retried (with doubling backoff from 0.5 s).")
@click.option("--offline/--online", default=False, help="--offline applies plain DDL in one transaction.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Data-migration files NNN_*.sql (default: data/ beside the schema file).")
@click.option("--max-lock-time", default=None, metavar="DURATION", callback=lambda ctx, param, v: seconds_of(v),
              help="Refuse the plan (exit 7) if it is estimated to hold a write-blocking lock on a table longer, "
                   "e.g. 5s, 500ms, 2min (default: none, or max_lock_time in schemadiff.toml).")
@pass_context
@handle_errors()
def apply(ctx: Context, allow_destructive, dry_run, plan_file, lock_wait, lock_timeout, statement_timeout, lock_retries,
          offline, data_dir, max_lock_time):
    """Apply the difference: one transaction where PostgreSQL allows, under a deploy lock.

    \b
    Examples:
      schemadiff apply
      schemadiff apply --dry-run
      schemadiff apply --plan plan.json
      schemadiff apply --allow-destructive
    """
    from ... import engine
    from ...plan import report

    project = ctx.project().with_options(lock_wait=lock_wait, lock_timeout=lock_timeout,
                                         statement_timeout=statement_timeout, max_lock_time=max_lock_time)
    result = engine.apply_schema(project, allow_destructive=allow_destructive, dry_run=dry_run, online=not offline,
                                 data_dir=data_dir, saved_plan=plan_file, retries=lock_retries,
                                 progress=progress_printer())
    if dry_run:
        click.echo(report.plan_text(result.plan, color=color_enabled()))
        click.echo("Dry run: nothing was changed.")
        return
    if not result.changed:
        recorded = f" Recorded baseline version {result.outcome.version}." if result.outcome.version else ""
        click.echo(f"No changes: the database already matches {ctx.schema}; no DDL was executed.{recorded}")
        return
    retries = f", {result.outcome.retries} lock retr{'y' if result.outcome.retries == 1 else 'ies'}" if result.outcome.retries else ""
    click.echo(f"Applied {len(result.outcome.executed)} statement(s){retries}; recorded version {result.outcome.version}.")


def seconds_of(text):
    """ "5s", "500ms", "2min", "1h" or a plain number of seconds → seconds (None stays None)."""
    if text is None:
        return None
    units = (("ms", 0.001), ("min", 60.0), ("m", 60.0), ("h", 3600.0), ("s", 1.0))
    raw = str(text).strip().lower()
    scale = next((factor for unit, factor in units if raw.endswith(unit)), 1.0)
    number = raw.rstrip("minsh")
    try:
        return float(number) * scale
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a duration such as 5s, 500ms, 2min") from None


@cli.command()
@click.option("--rows", type=click.IntRange(1000), default=None,
              help="Rows in the scratch table (default: 300000, a few seconds of work).")
@pass_context
@handle_errors()
def calibrate(ctx: Context, rows):
    """Measure how fast this server scans, rewrites and indexes, for the plan's estimates.

    Creates a scratch table beside the version table, times a VALIDATE, a CREATE INDEX and an
    ALTER COLUMN TYPE on it, drops it, and records the rates in <version table>_calibration.

    \b
    Examples:
      schemadiff calibrate
    """
    from ... import engine
    from ...plan import report

    measured = engine.calibrate(ctx.project(), rows)
    click.echo(f"Calibrated: {report.throughput_text(measured)}.")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--limit", type=click.IntRange(1), default=None, help="Show only the newest N versions.")
@pass_context
@handle_errors()
def history(ctx: Context, fmt, limit):
    """List the recorded versions, newest first: when, by whom, which schema, how many statements.

    \b
    Examples:
      schemadiff history
      schemadiff history --format json --limit 5
    """
    import json

    from ... import engine

    project = ctx.project()
    rows = engine.history(project, limit=limit)
    if fmt == "json":
        click.echo(json.dumps([v.as_dict() for v in rows], indent=2))
        return
    if not rows:
        click.echo(f"No versions recorded in {project.target.version_table}: schemadiff has not applied anything here.")
        return
    click.echo(f"{'VERSION':>7}  {'APPLIED AT (UTC)':<19}  {'BY':<12}  {'HASH':<12}  {'STMTS':>5}  TOOL")
    for v in rows:
        when = v.applied_at.astimezone(__import__("datetime").timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{v.version:>7}  {when:<19}  {v.applied_by[:12]:<12}  {v.schema_hash[:12]:<12}  "
                   f"{v.statement_count:>5}  {v.tool_version}")


@cli.command()
@click.option("--to", "to_version", type=int, required=True, metavar="VERSION",
              help="The recorded version (see `schemadiff history`) whose schema to go back to.")
@click.option("--allow-destructive", is_flag=True, help="Allow changes that lose data (dropping what later versions added).")
@click.option("--dry-run", is_flag=True, help="Plan under the deploy lock and show it; change nothing.")
@click.option("--lock-wait", default=None, type=float, help="Seconds to wait for another apply to finish (default: 60, or lock_wait in schemadiff.toml).")
@click.option("--lock-timeout", default=None, type=float, help="Seconds each statement may wait for a table lock (default: 5, or lock_timeout in schemadiff.toml).")
@click.option("--lock-retries", default=3, show_default=True, type=click.IntRange(0, 100), help="Retries after a lock timeout.")
@pass_context
@handle_errors()
def rollback(ctx: Context, to_version, allow_destructive, dry_run, lock_wait, lock_timeout, lock_retries):
    """Go back to the schema of a recorded version: its snapshot is planned and applied like `apply`.

    Records a new version (history is never rewritten). Renames done since are renamed back.

    \b
    Examples:
      schemadiff rollback --to 3 --dry-run
      schemadiff rollback --to 3 --allow-destructive
    """
    from ... import engine
    from ...plan import report

    project = ctx.project().with_options(lock_wait=lock_wait, lock_timeout=lock_timeout)
    result = engine.rollback(project, to_version, allow_destructive=allow_destructive, dry_run=dry_run,
                             retries=lock_retries, progress=progress_printer())
    if dry_run:
        click.echo(report.plan_text(result.plan, color=color_enabled()))
        needs = " It loses data: run it with --allow-destructive." if result.plan.destructive and not allow_destructive else ""
        click.echo(f"Dry run: nothing was changed.{needs}")
        return
    if not result.changed:
        click.echo(f"No changes: the database already has the schema of version {to_version}.")
        return
    click.echo(f"Rolled back to the schema of version {to_version}: applied {len(result.outcome.executed)} "
               f"statement(s); recorded version {result.outcome.version}.")
