"""The command line: thin click commands over ``schemadiff.engine``.

Domain errors become one paragraph on stderr and a documented exit code (README →
"Exit codes"); ``--debug`` shows the traceback instead. Database drivers are imported only
by commands that talk to a database, so ``--help`` and ``validate`` start fast.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Optional

import click

from . import __version__
from .errors import SchemadiffError

EXIT_ERROR = 1
EXIT_CHANGES = 2
CHECK_UNKNOWN = 3


class Context:
    """Global options shared by every command."""

    def __init__(self, database_url: Optional[str], schema: str, debug: bool,
                 version_table: str, connect_timeout: float):
        self.database_url = database_url
        self.schema = schema
        self.debug = debug
        self.version_table = version_table
        self.connect_timeout = connect_timeout

    def load(self):
        from .desired import load_with_source

        return load_with_source(self.schema)

    def target(self):
        from .engine import Target
        from .model import QualifiedName

        url = self.database_url or self.embedded_url()
        schema, _, name = self.version_table.rpartition(".")
        return Target(url=url, version_table=QualifiedName(schema or "public", name),
                      connect_timeout=self.connect_timeout)

    def embedded_url(self) -> str:
        from . import server

        project = Path(self.schema).resolve().parent
        url = server.embedded_url(project)
        click.echo(f"schemadiff: no DATABASE_URL given; using the embedded development server in {project / '.schemadiff'}", err=True)
        return url


def color_enabled(stream=None) -> bool:
    stream = stream or sys.stdout
    return stream.isatty() and "NO_COLOR" not in os.environ


def handle_errors(exit_code: int = EXIT_ERROR):
    """Turn domain errors into one clear paragraph and an exit code."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            ctx = click.get_current_context()
            debug = ctx.find_object(Context).debug if ctx.find_object(Context) else False
            try:
                return func(*args, **kwargs)
            except SchemadiffError as exc:
                if debug:
                    raise
                code = exc.exit_code if exc.exit_code != EXIT_ERROR else exit_code
                click.echo(f"schemadiff: error: {exc}", err=True)
                sys.exit(code)
            except KeyboardInterrupt:
                click.echo("schemadiff: interrupted", err=True)
                sys.exit(130)
            except Exception as exc:  # a bug or an unforeseen server answer: still one paragraph
                if debug:
                    raise
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                click.echo(f"schemadiff: unexpected error: {type(exc).__name__}: {first} "
                           "(run again with --debug for the traceback)", err=True)
                sys.exit(exit_code)
        return wrapper

    return decorate


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--database-url", envvar="DATABASE_URL", metavar="URL",
              help="PostgreSQL URL (default: $DATABASE_URL; postgresql://, postgresql+psycopg:// and "
                   "postgresql+asyncpg:// accepted). Without one, the embedded development server is used.")
@click.option("--schema", "schema", default="schema.yaml", show_default=True, metavar="PATH",
              envvar="SCHEMADIFF_SCHEMA", help="The desired-state file.")
@click.option("--version-table", default="public.schemadiff_version", show_default=True,
              help="Where applied versions are recorded.")
@click.option("--connect-timeout", default=5.0, show_default=True, type=float, help="Seconds to wait for a connection.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-paragraph errors.")
@click.version_option(__version__, prog_name="schemadiff")
@click.pass_context
def cli(ctx, database_url, schema, version_table, connect_timeout, debug):
    """Declarative schema management for PostgreSQL.

    Describe the schema in schema.yaml; schemadiff compares it with the live database and
    turns the difference into safe, idempotent DDL.

    \b
    Examples:
      schemadiff validate
      schemadiff plan --format markdown
      schemadiff apply
      schemadiff check --format json
    """
    ctx.obj = Context(database_url, schema, debug, version_table, connect_timeout)


pass_context = click.make_pass_decorator(Context)


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
@pass_context
@handle_errors()
def plan(ctx: Context, fmt, exit_code, out, offline, data_dir, validate_on_scratch, out_dir):
    """Show what apply would change, as SQL with every hazard named.

    \b
    Examples:
      schemadiff plan
      schemadiff plan --format markdown > comment.md
      schemadiff plan --out plan.json --exit-code
    """
    from . import engine, report
    from .plan import PlanOptions

    desired, text = ctx.load()
    the_plan = engine.plan(ctx.target(), desired, PlanOptions(online=not offline),
                           data_migrations=_data_migrations(ctx, data_dir))
    if validate_on_scratch:
        from .validate_plan import validate_plan

        validate_plan(ctx.target(), desired, the_plan, PlanOptions(online=not offline))
        click.echo("Validated: on a scratch copy of the live schema the plan reaches the desired state.", err=True)
    if out_dir:
        from .export import write_migration

        path = write_migration(the_plan, out_dir)
        click.echo(f"wrote {path}" if path else "No changes: no migration file written.", err=True)
        return
    if out:
        from .saved import save_plan

        save_plan(the_plan, out, schema_path=ctx.schema, schema_text=text)
    click.echo(_render_plan(the_plan, fmt), nl=fmt != "sql")
    if exit_code and not the_plan.empty:
        sys.exit(EXIT_CHANGES)


def _data_migrations(ctx: Context, data_dir: Optional[str]):
    from .datamigrations import discover

    return discover(data_dir or Path(ctx.schema).resolve().parent / "data")


def _render_plan(the_plan, fmt: str) -> str:
    from . import report

    if fmt == "json":
        return report.plan_json(the_plan)
    if fmt == "sql":
        return report.plan_sql(the_plan)
    if fmt == "markdown":
        return report.plan_markdown(the_plan)
    return report.plan_text(the_plan, color=color_enabled())


@cli.command()
@click.option("--allow-destructive", is_flag=True, help="Allow changes that lose data (drop table/column, narrowing types).")
@click.option("--dry-run", is_flag=True, help="Plan under the deploy lock and show it; change nothing.")
@click.option("--plan", "plan_file", type=click.Path(exists=True, dir_okay=False),
              help="Run exactly this saved plan (from `plan --out`); refused if the database or file changed since.")
@click.option("--lock-wait", default=60.0, show_default=True, help="Seconds to wait for another apply to finish.")
@click.option("--lock-timeout", default=5.0, show_default=True, help="Seconds each statement may wait for a table lock before retrying.")
@click.option("--statement-timeout", default=0.0, show_default=True, help="Seconds a statement may run (0: no limit).")
@click.option("--offline/--online", default=False, help="--offline applies plain DDL in one transaction.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Data-migration files NNN_*.sql (default: data/ beside the schema file).")
@pass_context
@handle_errors()
def apply(ctx: Context, allow_destructive, dry_run, plan_file, lock_wait, lock_timeout, statement_timeout, offline, data_dir):
    """Apply the difference: one transaction where PostgreSQL allows, under a deploy lock.

    \b
    Examples:
      schemadiff apply
      schemadiff apply --dry-run
      schemadiff apply --plan plan.json
      schemadiff apply --allow-destructive
    """
    from . import engine, report
    from .apply import ExecutionSettings
    from .plan import PlanOptions

    desired, text = ctx.load()
    settings = ExecutionSettings(lock_timeout_ms=int(lock_timeout * 1000), statement_timeout_ms=int(statement_timeout * 1000))
    fixed, on_plan = None, None
    if plan_file:
        from .saved import load_plan, verify_plan

        fixed = load_plan(plan_file)
        on_plan = functools.partial(verify_plan, fixed)
    progress = _progress_printer()
    result = engine.apply(ctx.target(), desired, text, allow_destructive=allow_destructive, dry_run=dry_run,
                          lock_wait_s=lock_wait, options=PlanOptions(online=not offline), settings=settings,
                          progress=progress, fixed_plan=fixed, on_plan=on_plan,
                          data_migrations=_data_migrations(ctx, data_dir))
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


def _progress_printer():
    import time

    started = time.monotonic()
    tty = sys.stderr.isatty()

    def progress(n: int, total: int, statement) -> None:
        elapsed = time.monotonic() - started
        line = f"[{n}/{total}] {elapsed:6.1f}s {statement.description}"
        if tty:
            click.echo(f"\r\033[K{line}", err=True, nl=n == total)
        else:
            click.echo(line, err=True)

    return progress


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "prometheus"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["warning", "critical"]), default="warning", show_default=True,
              help="Lowest severity that gives a non-zero exit code.")
@click.option("--statement-timeout", default=10.0, show_default=True, help="Seconds any catalog query may take.")
@pass_context
def check(ctx: Context, fmt, fail_on, statement_timeout):
    """Health report for monitoring: exit 0 healthy, 1 warning, 2 critical, 3 unknown.

    \b
    Examples:
      schemadiff check
      schemadiff check --format json
      schemadiff check --format prometheus > /var/lib/node_exporter/schemadiff.prom
    """
    from dataclasses import replace

    from . import report
    from .check import check as run_check

    try:
        desired, _ = ctx.load()
        target = replace(ctx.target(), statement_timeout_ms=int(statement_timeout * 1000))
    except SchemadiffError as exc:
        if ctx.debug:
            raise
        _check_unknown(fmt, str(exc))
        sys.exit(CHECK_UNKNOWN)
    result = run_check(target, desired)
    if fmt == "json":
        click.echo(report.check_json(result))
    elif fmt == "prometheus":
        from .prometheus import exposition

        click.echo(exposition(result), nl=False)
    else:
        click.echo(report.check_text(result, color=color_enabled()))
    code = result.exit_code
    if fail_on == "critical" and code == 1:
        code = 0
    sys.exit(code)


def _check_unknown(fmt: str, message: str) -> None:
    import json

    if fmt == "json":
        click.echo(json.dumps({"status": "unknown", "overall_healthy": False, "error": message}, indent=2))
    elif fmt == "prometheus":
        click.echo("# HELP schemadiff_healthy 1 when the database matches the schema file.\n"
                   "# TYPE schemadiff_healthy gauge\nschemadiff_healthy 0\n"
                   "# HELP schemadiff_check_status 0 ok, 1 warning, 2 critical, 3 unknown.\n"
                   "# TYPE schemadiff_check_status gauge\nschemadiff_check_status 3")
    else:
        click.echo(f"SCHEMADIFF UNKNOWN - {message}")


@cli.command()
@pass_context
@handle_errors()
def validate(ctx: Context):
    """Check the schema file alone; no database is touched.

    \b
    Example:
      schemadiff validate --schema schema.yaml
    """
    desired, _ = ctx.load()
    click.echo(f"{ctx.schema}: valid ({len(desired.tables)} tables, {desired.index_count} indexes, {len(desired.enums)} enums)")


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
    from . import engine
    from .dump import dump
    from .inspect import inspect

    target = ctx.target()
    with engine.connection(target) as conn:
        live = inspect(conn, schemas.split(",") if schemas else None, exclude=[target.version_table])
    text = dump(live)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}: {len(live.tables)} tables, {live.index_count} indexes", err=True)
    else:
        click.echo(text, nl=False)


@cli.command("json-schema")
def json_schema():
    """Print the JSON Schema of schema.yaml (for editor validation)."""
    from importlib import resources

    click.echo(resources.files("schemadiff").joinpath("schema.json").read_text(encoding="utf-8"), nl=False)


def main() -> None:
    cli(prog_name="schemadiff")


if __name__ == "__main__":
    main()
