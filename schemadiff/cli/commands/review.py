"""Reviewing without a database: validate, json-schema, diff and lint."""

from __future__ import annotations

import sys

import click

from ..app import (
    EXIT_CHANGES,
    EXIT_ERROR,
    Context,
    cli,
    handle_errors,
    pass_context,
    render_plan,
)


@cli.command()
@pass_context
@handle_errors()
def validate(ctx: Context):
    """Check the schema file alone; no database is touched.

    \b
    Example:
      schemadiff validate --schema schema.yaml
    """
    desired, _ = ctx.project().load()
    click.echo(f"{ctx.schema}: valid ({len(desired.tables)} tables, {desired.index_count} indexes, {len(desired.enums)} enums)")


@cli.command("json-schema")
def json_schema():
    """Print the JSON Schema of schema.yaml (for editor validation).

    \b
    Example:
      schemadiff json-schema > .schemadiff/schema.json
    """
    from importlib import resources

    click.echo(resources.files("schemadiff").joinpath("schema.json").read_text(encoding="utf-8"), nl=False)


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
    from ... import engine

    planned = engine.diff_files(ctx.project(), old, new, lint=fmt != "sql")
    click.echo(render_plan(planned.plan, fmt, planned.lint, title=f"schemadiff diff: {old} → {new}",
                           before=planned.current, after=planned.desired), nl=fmt != "sql")
    if exit_code and not planned.plan.empty:
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

    Rules SD001–SD017 (see README → "Lint"); severities are set in schemadiff.toml
    ([lint] SD009 = "off"), and a finding is silenced on its table in schema.yaml with
    lint: {ignore: [{rule: SD006, object: user_id_fkey, reason: "..."}]}.

    \b
    Examples:
      schemadiff lint
      schemadiff lint --against git:origin/main:schema.yaml
      schemadiff lint --format json
    """
    import json

    from ... import engine
    from ...plan.lint import RULES
    from ...plan.lint import text as lint_text

    project = ctx.project()
    linted = engine.lint(project, against=against, online=not offline)
    found = linted.report
    if fmt == "json":
        payload = {"format_version": 1, "changes_checked": linted.changes_checked,
                   "errors": len(found.errors), "warnings": len(found.active) - len(found.errors),
                   "findings": [f.as_dict() for f in found.findings],
                   "rules": {r.id: {"title": r.title, "severity": project.severities.get(r.id, r.severity),
                                    "scope": r.scope, "fix": r.fix} for r in RULES.values()}}
        click.echo(json.dumps(payload, indent=2))
    else:
        if not linted.changes_checked:
            file_rules = ", ".join(r.id for r in RULES.values() if r.scope == "file")
            click.echo(f"lint: no --against and no database URL: only the file rules ({file_rules}) ran", err=True)
        click.echo(lint_text(found))
    if found.errors:
        sys.exit(EXIT_ERROR)
