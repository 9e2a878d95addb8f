"""``schemadiff erd``: an entity-relationship diagram of the schema file or the live database."""

from __future__ import annotations

from pathlib import Path

import click

from ..app import Context, cli, handle_errors, pass_context

# Past this many boxes a diagram stops being read and starts being scrolled; the most
# connected tables are kept and the rest counted (--max-tables 0 draws them all).
MAX_TABLES = 100
# Mermaid (as GitHub and GitLab run it) refuses a diagram longer than this by default.
MERMAID_MAX_TEXT = 50_000


@cli.command("erd")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg"]), default="mermaid", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of stdout.")
@click.option("--from-database", is_flag=True, help="Draw the live database instead of the schema file.")
@click.option("--table", "tables", multiple=True, metavar="NAME",
              help="Draw this table (schema.name or name) and its foreign-key neighbours; repeatable.")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(0, None),
              help="How many foreign keys away from --table a neighbour may be.")
@click.option("--schema", "schemas", multiple=True, metavar="NAME", help="Only tables of this schema; repeatable.")
@click.option("--pattern", metavar="GLOB", help="Only tables whose name (or schema.name) matches, e.g. 'order*'.")
@click.option("--columns", type=click.Choice(["keys", "all"]), default="keys", show_default=True,
              help="Show key columns only (PK, FK, UK) or every column.")
@click.option("--max-tables", default=MAX_TABLES, show_default=True, type=click.IntRange(0, None),
              help="Draw at most this many tables, the most connected first; 0: no limit.")
@pass_context
@handle_errors()
def erd_command(ctx: Context, fmt, out, from_database, tables, depth, schemas, pattern, columns, max_tables):
    """Draw the schema's tables and foreign keys as Mermaid (Markdown renders it), DOT or SVG.

    SVG needs Graphviz (`dot` on PATH).

    \b
    Examples:
      schemadiff erd > schema.mmd
      schemadiff erd --table users --depth 2 --columns all
      schemadiff erd --from-database --format svg --out schema.svg
    """
    from ... import engine
    from ...pictures import dot, mermaid, svg

    drawn = engine.erd(ctx.project(), from_database=from_database, tables=tables, depth=depth, schemas=schemas,
                       pattern=pattern, all_columns=columns == "all", max_tables=max_tables or None)
    render = {"mermaid": mermaid.mermaid, "dot": dot.dot, "svg": svg.svg}[fmt]
    text = render(drawn)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}: {len(drawn.tables)} tables, {len(drawn.links)} foreign keys", err=True)
    else:
        click.echo(text, nl=False)
    if drawn.hidden:
        shown = f"schemadiff: showing {len(drawn.tables)} of {len(drawn.tables) + drawn.hidden} tables and views"
        if max_tables and len(drawn.tables) == max_tables:
            shown += (" (the most connected); focus with --table NAME --depth N, --schema NAME or --pattern GLOB,"
                      " or draw all with --max-tables 0")
        click.echo(shown, err=True)
    if fmt == "mermaid" and len(text) > MERMAID_MAX_TEXT:
        click.echo(f"schemadiff: the diagram is {len(text):,} characters; Mermaid (as GitHub renders it) stops at "
                   f"{MERMAID_MAX_TEXT:,}: focus it, or use --format svg", err=True)
