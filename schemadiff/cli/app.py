"""The command group, its shared options, and the error handling every command uses.

Domain errors become one paragraph on stderr and a documented exit code (README →
"Exit codes"); ``--debug`` shows the traceback instead. Database drivers are imported only
by commands that talk to a database, so ``--help`` and ``validate`` start fast.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Optional

import click

from .. import __version__
from ..errors import SchemadiffError

EXIT_ERROR = 1
EXIT_CHANGES = 2
CHECK_UNKNOWN = 3


class Context:
    """Global options shared by every command: the resolved configuration."""

    def __init__(self, settings, debug: bool, config_error: Optional[SchemadiffError] = None):
        self.settings = settings  # schemadiff.config.Settings; None when config_error is set
        self.debug = debug
        # Only `check` runs with an unusable configuration: it reports it as its unknown result.
        self.config_error = config_error

    def configured(self):
        """The settings; raises the configuration's error when it could not be read."""
        if self.config_error is not None:
            raise self.config_error
        return self.settings

    @property
    def schema(self) -> str:
        return self.configured().schema

    def project(self, **target_overrides):
        """The engine's :class:`~schemadiff.engine.Project` for these settings; the database
        (the development server without a URL) is reached only if the job needs it."""
        from ..engine import Project

        return Project(self.configured(), announce=lambda message: click.echo(f"schemadiff: {message}", err=True),
                       **target_overrides)


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


# Click exits 2 on a usage error, but for `check` 2 means critical and for `plan --exit-code`
# "there are changes", codes that monitoring and CI read literally.
USAGE_ERROR_EXIT = {"check": CHECK_UNKNOWN, "plan": EXIT_ERROR}


class Commands(click.Group):
    """The command group; a usage error exits with the code its command gives to "could not
    run" (README → "Exit codes"), the global options' ones too."""

    def make_context(self, info_name, args, parent=None, **extra):
        # Before parsing, the first word naming a command is the best guess at which one runs.
        named = next((arg for arg in args if arg in self.commands), None)
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            exc.exit_code = USAGE_ERROR_EXIT.get(named, exc.exit_code)
            raise

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = USAGE_ERROR_EXIT.get(ctx.invoked_subcommand, exc.exit_code)
            raise


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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

    from ..config import resolve
    from ..errors import SchemadiffError as _Error

    given = {"database_url": database_url, "schema": schema, "version_table": version_table,
             "connect_timeout": connect_timeout}
    labels = {"schema": "$SCHEMADIFF_SCHEMA"} if ctx.get_parameter_source("schema") == ParameterSource.ENVIRONMENT else {}
    try:
        settings = resolve(given, labels)
    except _Error as exc:
        if ctx.invoked_subcommand == "check":
            ctx.obj = Context(None, debug, config_error=exc)
            return
        click.echo(f"schemadiff: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    ctx.obj = Context(settings, debug)


pass_context = click.make_pass_decorator(Context)


def render_plan(the_plan, fmt: str, lint_report=None, title: str = "schemadiff plan", before=None, after=None) -> str:
    """The plan in ``fmt``; lint findings (if given) follow in text and markdown, and are the
    ``lint`` key in JSON. Markdown draws the tables changed from ``before`` to ``after``
    (catalogs), when given."""
    from ..plan import report

    if fmt == "json":
        return report.plan_json(the_plan, lint_report)
    if fmt == "sql":
        return report.plan_sql(the_plan)
    if fmt == "markdown":
        return report.plan_markdown(the_plan, title=title, lint=lint_report,
                                    diagram=change_diagram(the_plan, before, after))
    out = report.plan_text(the_plan, color=color_enabled())
    if lint_report is not None and lint_report.active:
        from ..plan.lint import text as lint_text

        out += "\n\n" + lint_text(lint_report, verbose=False)
    return out


def change_diagram(the_plan, before, after) -> str:
    """The Markdown diagram of the tables ``the_plan`` changes, or "" when none does."""
    if before is None or after is None or the_plan.empty:
        return ""
    from ..pictures.erd import erd_of_change, tables_named
    from ..pictures.mermaid import markdown_section

    drawn = erd_of_change(before, after, touched=tables_named(the_plan.changes))
    return markdown_section(drawn) if drawn is not None else ""


def progress_printer():
    import time

    from ..plan import report

    started = time.monotonic()
    tty = sys.stderr.isatty()
    previous: list = []  # (statement, when it started) of a long statement

    def progress(n: int, total: int, statement) -> None:
        elapsed = time.monotonic() - started
        if previous:
            # A long statement finished: how long it took against its estimate.
            done, since = previous.pop()
            click.echo(f"{'' if not tty else chr(13) + chr(27) + '[K'}      took {report.duration(elapsed - (since - started))}"
                       f" (estimated {report.span(done.estimate.low, done.estimate.high)}): {done.description}", err=True)
        line = f"[{n}/{total}] {elapsed:6.1f}s {statement.description}"
        estimate = getattr(statement, "estimate", None)
        if estimate is not None and not estimate.instant:
            # Long statements say what to expect, so a waiting operator can compare.
            line += f" (estimated {report.span(estimate.low, estimate.high)})"
            previous.append((statement, time.monotonic()))
        if tty:
            click.echo(f"\r\033[K{line}", err=True, nl=n == total)
        else:
            click.echo(line, err=True)

    return progress
