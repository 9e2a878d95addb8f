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
                 version_table: str, connect_timeout: float, settings=None):
        self.settings = settings  # schemadiff.config.Settings: the resolved configuration
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
        ignore = tuple(self.settings.ignore) if self.settings is not None else ()
        return Target(url=url, version_table=QualifiedName(schema or "public", name),
                      connect_timeout=self.connect_timeout, ignore=ignore)

    def embedded_url(self) -> str:
        from . import server

        project = Path(self.schema).resolve().parent
        try:
            url = server.embedded_url(project)
        except server.ServerError as exc:
            raise SchemadiffError(f"no DATABASE_URL given and the embedded server could not start: {exc}") from None
        click.echo(f"schemadiff: no DATABASE_URL given; using the embedded development server in {project / '.schemadiff'}", err=True)
        return url


def color_enabled(stream=None) -> bool:
    stream = stream or sys.stdout
    return stream.isatty() and "NO_COLOR" not in os.environ


def _connection_lost(exc: Exception) -> bool:
    """A psycopg OperationalError (session terminated, server restarted) outside apply's own
    error handling; psycopg is imported only if a command used it."""
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.OperationalError)


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
                if _connection_lost(exc):
                    click.echo(f"schemadiff: error: lost the connection to the database ({first}): the server "
                               "restarted or ended the session; run the command again", err=True)
                    sys.exit(exit_code)
                click.echo(f"schemadiff: unexpected error: {type(exc).__name__}: {first} "
                           "(run again with --debug for the traceback)", err=True)
                sys.exit(exit_code)
        return wrapper

    return decorate


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--database-url", metavar="URL",
              help="PostgreSQL URL (default: $DATABASE_URL, or the variable named by database_url_env in "
                   "schemadiff.toml; postgresql://, postgresql+psycopg:// and postgresql+asyncpg:// accepted). "
                   "Without one, the embedded development server is used.")
@click.option("--schema", "schema", default=None, metavar="PATH", envvar="SCHEMADIFF_SCHEMA",
              help="The desired-state file (default: schema.yaml, or `schema` in schemadiff.toml).")
@click.option("--version-table", default=None,
              help="Where applied versions are recorded (default: public.schemadiff_version).")
@click.option("--connect-timeout", default=None, type=float, help="Seconds to wait for a connection (default: 5).")
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
      schemadiff diff git:origin/main:schema.yaml schema.yaml --format markdown

    Settings come from flags, then environment variables, then schemadiff.toml (or
    [tool.schemadiff] in pyproject.toml), then defaults; `schemadiff config` shows them.

    \b
    Shell completion (bash; zsh and fish likewise with zsh_source / fish_source):
      eval "$(_SCHEMADIFF_COMPLETE=bash_source schemadiff)"
    """
    from click.core import ParameterSource

    from .config import resolve
    from .errors import SchemadiffError as _Error

    given = {"database_url": database_url, "schema": schema, "version_table": version_table,
             "connect_timeout": connect_timeout}
    labels = {"schema": "$SCHEMADIFF_SCHEMA"} if ctx.get_parameter_source("schema") == ParameterSource.ENVIRONMENT else {}
    try:
        settings = resolve(given, labels)
    except _Error as exc:
        click.echo(f"schemadiff: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    ctx.obj = Context(settings.database_url, settings.schema, debug, settings.version_table,
                      settings.connect_timeout, settings=settings)


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

    the_plan, desired, text = engine.plan_while_loading(ctx.target(), ctx.load, PlanOptions(online=not offline),
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
    findings = _lint_report(ctx, desired, text, the_plan.changes, online=not offline) if fmt in ("text", "markdown") else None
    click.echo(_render_plan(the_plan, fmt, findings), nl=fmt != "sql")
    if exit_code and not the_plan.empty:
        sys.exit(EXIT_CHANGES)


def _data_migrations(ctx: Context, data_dir: Optional[str]):
    from .datamigrations import discover

    return discover(data_dir or Path(ctx.schema).resolve().parent / "data")


def _render_plan(the_plan, fmt: str, lint_report=None, title: str = "schemadiff plan") -> str:
    """The plan in ``fmt``; lint findings (if given) follow in text and markdown."""
    from . import report

    if fmt == "json":
        return report.plan_json(the_plan)
    if fmt == "sql":
        return report.plan_sql(the_plan)
    if fmt == "markdown":
        return report.plan_markdown(the_plan, title=title, lint=lint_report)
    out = report.plan_text(the_plan, color=color_enabled())
    if lint_report is not None and lint_report.active:
        from .lint import text as lint_text

        out += "\n\n" + lint_text(lint_report, verbose=False)
    return out


def _lint_report(ctx: Context, desired, text: str, changes, online: bool = True):
    """Lint ``desired`` (and ``changes`` when given) with the configured severities and the
    silencing entries of the schema file."""
    from .engine import without_ignored
    from .lint import ignores_from_source, lint

    settings = ctx.settings
    return lint(without_ignored(desired, settings.ignore if settings else ()), changes, online=online,
                severities=settings.lint if settings else {}, ignores=ignores_from_source(text, ctx.schema))


def _setting(ctx: Context, name: str, given):
    """A command option left unset (None) falls back to the configuration, then the default."""
    from .config import DEFAULTS

    if given is not None:
        return given
    return ctx.settings.values[name] if ctx.settings is not None else DEFAULTS[name]


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
@pass_context
@handle_errors()
def apply(ctx: Context, allow_destructive, dry_run, plan_file, lock_wait, lock_timeout, statement_timeout, lock_retries,
          offline, data_dir):
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
    lock_wait = _setting(ctx, "lock_wait", lock_wait)
    lock_timeout = _setting(ctx, "lock_timeout", lock_timeout)
    statement_timeout = _setting(ctx, "statement_timeout", statement_timeout)
    settings = ExecutionSettings(lock_timeout_ms=int(lock_timeout * 1000), statement_timeout_ms=int(statement_timeout * 1000),
                                 retries=lock_retries)
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
        from .datamigrations import SYSTEM_TABLES

        live = inspect(conn, schemas.split(",") if schemas else None, exclude=[target.version_table, *SYSTEM_TABLES])
    live = engine.without_ignored(live, target.ignore)
    text = dump(live)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}: {len(live.tables)} tables, {live.index_count} indexes", err=True)
    else:
        click.echo(text, nl=False)


@cli.command("json-schema")
def json_schema():
    """Print the JSON Schema of schema.yaml (for editor validation).

    \b
    Example:
      schemadiff json-schema > .schemadiff/schema.json
    """
    from importlib import resources

    click.echo(resources.files("schemadiff").joinpath("schema.json").read_text(encoding="utf-8"), nl=False)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_context
@handle_errors()
def status(ctx: Context, fmt):
    """Where the database stands: recorded versions, pending changes, schema issues.

    Exits 0 when the database answered (whatever it reported), 1 when it could not be read.

    \b
    Examples:
      schemadiff status
      schemadiff status --format json
    """
    import json

    from .seed_api import status_with_target

    result = status_with_target(ctx.target(), ctx.schema)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
    else:
        click.echo(_status_text(result))
    if result["error"]:
        sys.exit(EXIT_ERROR)


def _status_text(result: dict) -> str:
    yes = {True: "yes", False: "no"}
    lines = [f"Database:         {result['database']}", f"Schema file:      {result['schema_file']}"]
    if result["error"]:
        return "\n".join(lines + [f"Status:           {result['status']} - {result['error']}"])
    version = result["current_version"] or "none recorded"
    if result["last_applied_at"]:
        version += f" (applied {result['last_applied_at']})"
    lines += [
        f"Status:           {result['status']}",
        f"Initialized:      {yes[result['initialized']]}",
        f"Current version:  {version}",
        f"Applied versions: {result['applied_migrations']}",
        f"Up to date:       {yes[result['up_to_date']]}",
        f"Schema valid:     {yes[result['schema_valid']]}",
        f"Pending changes:  {len(result['pending_migrations'])}"
        + (f" ({result['destructive_pending']} destructive)" if result["destructive_pending"] else ""),
    ]
    lines += [f"  - {d}" for d in result["pending_migrations"]]
    if result["schema_issues"]:
        lines.append(f"Issues:           {len(result['schema_issues'])}")
        lines += [f"  - {m}" for m in result["schema_issues"]]
    return "\n".join(lines)


@cli.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--format", "fmt", type=click.Choice(["text", "sql", "json", "markdown"]), default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit 2 when there are changes, 0 when none.")
@pass_context
@handle_errors()
def diff_command(ctx: Context, old, new, fmt, exit_code):
    """Compare two schema files without a database: what deploying NEW over OLD would do.

    OLD and NEW are paths or git revisions written git:REF:PATH (read with `git show`).
    Tables are assumed to exist with rows, so the plan is the online one (CONCURRENTLY,
    NOT VALID); only textual normalization applies, as no server settles expressions.

    \b
    Examples:
      schemadiff diff git:origin/main:schema.yaml schema.yaml --format markdown
      schemadiff diff old.yaml new.yaml --exit-code
    """
    from . import sources
    from .diff import diff
    from .engine import without_ignored
    from .plan import PlanOptions, build_plan

    ignore = ctx.settings.ignore if ctx.settings else ()
    before, _ = sources.load(old)
    after, text = sources.load(new)
    before, after_managed = without_ignored(before, ignore), without_ignored(after, ignore)
    changes = diff(before, after_managed)
    the_plan = build_plan(changes, PlanOptions(online=True), desired=after_managed, current=before)
    findings = None
    if fmt in ("text", "markdown"):
        from .lint import ignores_from_source, lint

        findings = lint(after_managed, changes, severities=ctx.settings.lint if ctx.settings else {},
                        ignores=ignores_from_source(text, new))
    click.echo(_render_plan(the_plan, fmt, findings, title=f"schemadiff diff: {old} → {new}"), nl=fmt != "sql")
    if exit_code and not the_plan.empty:
        sys.exit(EXIT_CHANGES)


@cli.command("lint")
@click.option("--against", metavar="OLD", help="Also check the changes from OLD (a file or git:REF:PATH) "
              "to the schema file. Default: the live database when a URL is configured, else file rules only.")
@click.option("--offline/--online", default=False, help="Lint the changes as an --offline plan would run them.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_context
@handle_errors()
def lint_command(ctx: Context, against, offline, fmt):
    """Lint the schema file and the changes it makes; exit 1 on any error-severity finding.

    Rules SD001–SD009 (see README → "Lint"); severities are set in schemadiff.toml
    ([lint] SD009 = "off"), and a finding is silenced on its table in schema.yaml with
    lint: {ignore: [{rule: SD006, object: user_id_fkey, reason: "..."}]}.

    \b
    Examples:
      schemadiff lint
      schemadiff lint --against git:origin/main:schema.yaml
      schemadiff lint --format json
    """
    import json

    from .diff import diff
    from .engine import without_ignored
    from .lint import RULES, text as lint_text

    desired, text = ctx.load()
    changes = None
    ignore = ctx.settings.ignore if ctx.settings else ()
    if against:
        from . import sources

        before, _ = sources.load(against)
        changes = diff(without_ignored(before, ignore), without_ignored(desired, ignore))
    elif ctx.database_url:
        from . import engine
        from .plan import PlanOptions

        changes = list(engine.plan(ctx.target(), desired, PlanOptions(online=not offline)).changes)
    found = _lint_report(ctx, desired, text, changes, online=not offline)
    if fmt == "json":
        payload = {"format_version": 1, "changes_checked": changes is not None,
                   "errors": len(found.errors), "warnings": len(found.active) - len(found.errors),
                   "findings": [f.as_dict() for f in found.findings],
                   "rules": {r.id: {"title": r.title, "severity": (ctx.settings.lint if ctx.settings else {}).get(r.id, r.severity),
                                    "scope": r.scope, "fix": r.fix} for r in RULES.values()}}
        click.echo(json.dumps(payload, indent=2))
    else:
        if changes is None:
            click.echo("lint: no --against and no database URL: only the file rules (SD006, SD008, SD009) ran", err=True)
        click.echo(lint_text(found))
    if found.errors:
        sys.exit(EXIT_ERROR)


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
    from .config import describe

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
        _adopt(ctx, from_migrations, ctx.schema, force)
        return
    from .scaffold import init_project

    written = init_project(ctx, from_database=from_database, force=force)
    for path, what in written:
        click.echo(f"wrote {path}: {what}")
    click.echo(f"Next: edit {ctx.schema}, then run `schemadiff plan`.")


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

    from . import engine, versions

    target = ctx.target()
    with engine.connection(target) as conn:
        rows = versions.history(conn, target.version_table, limit=limit)
    if fmt == "json":
        click.echo(json.dumps([v.as_dict() for v in rows], indent=2))
        return
    if not rows:
        click.echo(f"No versions recorded in {target.version_table}: schemadiff has not applied anything here.")
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
@click.option("--lock-wait", default=60.0, show_default=True, type=float, help="Seconds to wait for another apply to finish.")
@click.option("--lock-timeout", default=5.0, show_default=True, type=float, help="Seconds each statement may wait for a table lock.")
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
    from . import engine, report
    from .apply import ExecutionSettings
    from .rollback import snapshot_of

    target = ctx.target()
    with engine.connection(target) as conn:
        desired, text = snapshot_of(conn, target.version_table, to_version)
    settings = ExecutionSettings(lock_timeout_ms=int(lock_timeout * 1000), retries=lock_retries)
    # A dry run shows the whole plan, destructive steps included, and says what the flag is for.
    result = engine.apply(target, desired, text, allow_destructive=allow_destructive or dry_run, dry_run=dry_run,
                          lock_wait_s=lock_wait, settings=settings, progress=_progress_printer())
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
    _adopt(ctx, directory, out or ctx.schema, force)


def _adopt(ctx: Context, directory: str, out: str, force: bool) -> None:
    from .adopt import adopt as replay_folder
    from .errors import SchemadiffError as _Error

    if out != "-" and Path(out).exists() and not force:
        raise _Error(f"{out} exists; pass --force to overwrite it, or --out to write elsewhere")
    catalog, text = replay_folder(directory, ctx.target().url)
    if out == "-":
        click.echo(text, nl=False)
        return
    Path(out).write_text(text, encoding="utf-8")
    click.echo(f"wrote {out}: {len(catalog.tables)} tables, {catalog.index_count} indexes, "
               f"{len(catalog.enums)} enums from the migrations in {directory}")


@cli.command()
@click.option("--force", is_flag=True, help="Record the baseline even without a migration-tool table or when the schema differs.")
@pass_context
@handle_errors()
def baseline(ctx: Context, force):
    """Hand a database migrated by another tool (alembic_version, schema_migrations) to schemadiff.

    Records a version row for the schema file without changing the schema; refused when the
    database differs from the file. The old tool's table is left in place.

    \b
    Example:
      schemadiff baseline
    """
    from .adopt import baseline as record_baseline

    desired, text = ctx.load()
    result = record_baseline(ctx.target(), desired, text, force=force)
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
@pass_context
@handle_errors()
def export_command(ctx: Context, directory, name, offline, data_dir):
    """Write the plan as the next numbered SQL file (NNN_<slug>.sql) for psql -v ON_ERROR_STOP=1 -f.

    \b
    Example:
      schemadiff export migrations/
    """
    from . import engine
    from .export import write_migration
    from .plan import PlanOptions

    desired, _ = ctx.load()
    target = ctx.target()
    the_plan = engine.plan(target, desired, PlanOptions(online=not offline),
                           data_migrations=_data_migrations(ctx, data_dir))
    path = write_migration(the_plan, directory, name, version_table=target.version_table)
    click.echo(f"wrote {path}: {len(the_plan.statements)} statement(s)" if path
               else "No changes: the database matches the schema file; no file written.")


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
    from . import server

    project = Path(ctx.schema).resolve().parent
    cluster = server.embedded_cluster(project)
    if cluster is None:
        click.echo(f"no development server in {project / '.schemadiff'}")
        return
    running = cluster.is_running()
    if action == "stop" and running:
        cluster.stop()
        click.echo(f"stopped the development server in {cluster.datadir}")
    elif action == "stop":
        click.echo(f"the development server in {cluster.datadir} is not running")
    else:
        state = f"running at {cluster.url_for(cluster.running_port(), 'schemadiff')}" if running else "stopped"
        click.echo(f"development server in {cluster.datadir}: {state}")


def main() -> None:
    import gc

    # A command builds one big acyclic graph (YAML nodes, the catalogs) and exits: with the
    # default thresholds the cycle collector rescans it over and over, a third of a big plan.
    gc.set_threshold(100_000, 50, 100)
    cli(prog_name="schemadiff")


if __name__ == "__main__":
    main()
