"""Monitoring: check and status."""

from __future__ import annotations

import sys

import click

from ..app import (
    EXIT_ERROR,
    Context,
    cli,
    color_enabled,
    handle_errors,
    pass_context,
)
from ...errors import SchemadiffError


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
    from ... import engine
    from ...monitor import report  # not plan.report: that would import the whole planner

    try:
        project = ctx.project(statement_timeout_ms=int(statement_timeout * 1000))
    except SchemadiffError as exc:  # the configuration: the state is unknown
        if ctx.debug:
            raise
        result = engine.health_unknown(str(exc))
    else:
        result = engine.check(project, raise_unexpected=ctx.debug)
    if fmt == "json":
        click.echo(report.check_json(result))
    elif fmt == "prometheus":
        from ...monitor.prometheus import exposition

        click.echo(exposition(result), nl=False)
    else:
        click.echo(report.check_text(result, color=color_enabled()))
    code = result.exit_code
    if fail_on == "critical" and code == 1:
        code = 0
    sys.exit(code)


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

    from ... import engine

    result = engine.status(ctx.project()).as_dict()
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
    if result.get("pending_estimate"):
        lines.append(f"Estimated time:   {result['pending_estimate']['summary']}")
    if result["schema_issues"]:
        lines.append(f"Issues:           {len(result['schema_issues'])}")
        lines += [f"  - {m}" for m in result["schema_issues"]]
    return "\n".join(lines)
