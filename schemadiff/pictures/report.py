"""The self-contained HTML schema report: the ERD, every table with its columns, keys,
indexes and comments, the other objects, and with a database the tables' sizes, the health
report of ``check``, the version history and the pending plan with its hazards.

One file with inline CSS and SVG, no script and nothing fetched, readable on a phone. Past
DIAGRAM_TABLES tables the diagram shows the most connected ones only (a thousand-table
diagram is unreadable and tens of megabytes); every table's section lists its neighbours.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Optional

from ..model import Catalog, Table
from ..model.sizes import human_bytes, human_rows
from .page import anchor, code, document, esc, facts, grid, level, link, section

DIAGRAM_TABLES = 30  # most tables the overview diagram shows
ALL_COLUMNS_UP_TO = 12  # a diagram of this many tables or fewer shows every column, not only keys
GRAPHVIZ_HINT = ("Install Graphviz to see it (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
                 "Windows: winget install graphviz), make sure `dot` is on PATH, and build the report again.")

SECTIONS = (("diagram", "Diagram"), ("tables", "Tables"), ("objects", "Views and other objects"),
            ("health", "Health"), ("history", "Version history"), ("plan", "Pending changes"))
NEEDS_FILE = ("This section compares the database with a schema file: the report was read from the "
              "database alone (--from-database). Build it with a schema file to see it.")
NEEDS_DATABASE = ("This section needs a database: the report was built from the schema file alone. "
                  "Configure a database URL (--database-url or DATABASE_URL) and build it again.")


def html_report(sources, *, generated_at: Optional[datetime] = None) -> str:
    """The report of ``sources`` (engine.reporting.ReportSources) as one HTML document."""
    catalog = sources.desired
    when = (generated_at or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    title = f"Schema report: {sources.schema_file or 'database ' + sources.database}"
    parts = [f"<h1>{esc(title)}</h1>", summary(sources, when), contents(),
             section("diagram", "Diagram", diagram(catalog)),
             section("tables", "Tables", tables_section(catalog, sources)),
             section("objects", "Views and other objects", objects_section(catalog)),
             section("health", "Health", health_section(sources)),
             section("history", "Version history", history_section(sources)),
             section("plan", "Pending changes", plan_section(sources))]
    return document(title, "".join(parts), description=f"{len(catalog.tables)} tables, generated {when}")


def summary(sources, when: str) -> str:
    catalog = sources.desired
    rows = [("Schema file", code(sources.schema_file) if sources.schema_file else "none: read from the database alone"),
            ("Database", code(sources.database) if sources.with_database else "none: built from the schema file alone"),
            ("Generated", esc(when)),
            ("Holds", esc(f"{len(catalog.tables)} tables, {len(catalog.views)} views, "
                             f"{catalog.index_count} indexes, {sum(len(t.foreign_keys) for t in catalog.tables)} foreign keys"))]
    if sources.health is not None:
        rows.append(("Health", level(sources.health.status)))
    return facts(rows)


def contents() -> str:
    items = "".join(f"<li>{link(ident, title)}</li>" for ident, title in SECTIONS)
    return f'<nav aria-labelledby="contents-h"><h2 id="contents-h">Contents</h2><ol>{items}</ol></nav>'


# --- the diagram -------------------------------------------------------------------------

def diagram(catalog: Catalog) -> str:
    from .erd import erd_of

    if not catalog.tables and not catalog.views:
        return "<p>The schema has no tables to draw.</p>"
    graph = erd_of(catalog, max_tables=DIAGRAM_TABLES)
    every_column = len(graph.tables) <= ALL_COLUMNS_UP_TO
    if every_column:
        graph = erd_of(catalog, max_tables=DIAGRAM_TABLES, all_columns=True)
    total = len(graph.tables) + graph.hidden
    if not graph.hidden:
        return figure(graph, f"Entity-relationship diagram of the {boxes(graph.tables)}", every_column)
    note = (f"<p>The {len(graph.tables)} tables with the most foreign-key neighbours, of {total}: "
            f"each table's section under {link('tables', 'Tables')} lists its neighbours, and "
            "<code>schemadiff erd --table NAME</code> draws one table with its neighbours.</p>")
    label = f"Entity-relationship diagram of the {len(graph.tables)} most connected of {total} tables and views"
    return note + figure(graph, label, every_column)


def boxes(drawn) -> str:
    """ "7 tables", "7 tables and 2 views": what a diagram draws."""
    views = sum(1 for t in drawn if "view" in t.kind)
    tables = f"{len(drawn) - views} table{'s' if len(drawn) - views != 1 else ''}"
    return tables + (f" and {views} view{'s' if views != 1 else ''}" if views else "")


def figure(graph, label: str, every_column: bool) -> str:
    """The diagram as inline SVG, or where Graphviz cannot draw it, a note saying what would be
    here and how to get it."""
    from .svg import GraphvizFailed, GraphvizMissing, svg

    try:
        picture = svg(graph)
    except GraphvizMissing:
        return placeholder(label, "It is drawn by Graphviz, which is not installed (no <code>dot</code> on PATH).",
                           GRAPHVIZ_HINT)
    except GraphvizFailed as exc:
        return placeholder(label, "Graphviz could not draw it.", str(exc))
    columns = "every column" if every_column else "key columns only"
    return (f'<figure class="diagram">{inline_svg(picture, label)}'
            f'<figcaption class="muted">{esc(label)}: {columns}, keys marked PK, FK and UK.</figcaption></figure>')


def placeholder(label: str, why_html: str, hint: str) -> str:
    return (f'<div class="placeholder" role="note"><p><strong>The diagram would be here:</strong> '
            f"{esc(label[0].lower() + label[1:])}. {why_html}</p><p>{esc(hint)}</p></div>")


_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)


def inline_svg(text: str, label: str) -> str:
    """Graphviz's SVG file made an inline image: no XML prolog or DOCTYPE (which name a remote
    DTD), and role, label and title so that a screen reader announces what it shows."""
    body = _PROLOG.sub("", text, count=1).strip()
    return re.sub(r"<svg\b([^>]*)>", lambda m: f'<svg{m.group(1)} role="img" aria-label="{esc(label)}">'
                  f"<title>{esc(label)}</title>", body, count=1)


# --- tables ------------------------------------------------------------------------------

def tables_section(catalog: Catalog, sources) -> str:
    if not catalog.tables:
        return "<p>The schema file defines no tables.</p>"
    sizes = sources.live.size_map() if sources.with_database else None
    referenced_by = _referenced_by(catalog)
    index = table_index(catalog, sizes)
    return index + "".join(table_article(t, referenced_by.get(t.qualified, ()), sizes) for t in catalog.tables)


def _referenced_by(catalog: Catalog) -> dict:
    found: dict = {}
    for table in catalog.tables:
        for fk in table.foreign_keys:
            found.setdefault(fk.ref_table, []).append((table.qualified, fk))
    return found


def table_index(catalog: Catalog, sizes: Optional[dict]) -> str:
    headers = ["Table", "Columns"] + (["Rows", "Size"] if sizes is not None else []) + ["Comment"]
    rows = []
    for t in catalog.tables:
        row = [link(anchor("table", t.qualified), t.qualified), str(len(t.columns))]
        if sizes is not None:
            row += size_cells(sizes.get(t.qualified))
        rows.append(row + [esc(t.comment or "")])
    numeric = (1, 2, 3) if sizes is not None else (1,)
    return f"<p>{len(catalog.tables)} tables; each is described below.</p>" + grid(headers, rows, numeric)


def size_cells(size) -> list[str]:
    if size is None:
        return ["not in the database", ""]
    return [esc(human_rows(size.rows).removesuffix(" rows")), esc(human_bytes(size.heap_bytes + size.index_bytes))]


def table_article(table: Table, referenced_by, sizes: Optional[dict]) -> str:
    ident = anchor("table", table.qualified)
    parts = [f'<article aria-labelledby="{ident}"><h3 id="{ident}">{esc(table.qualified)}</h3>']
    if table.comment:
        parts.append(f"<p>{esc(table.comment)}</p>")
    parts.append(table_facts(table, sizes))
    parts.append("<h4>Columns</h4>" + columns_grid(table))
    for title, body in (("Foreign keys", foreign_keys(table)), ("Referenced by", referencing(referenced_by)),
                        ("Indexes", indexes(table)), ("Checks", checks(table))):
        if body:
            parts.append(f"<h4>{title}</h4>{body}")
    return "".join(parts) + "</article>"


def table_facts(table: Table, sizes: Optional[dict]) -> str:
    rows = []
    if table.primary_key:
        rows.append(("Primary key", f"{code(', '.join(table.primary_key.columns))} "
                                    f"<span class=\"muted\">({esc(table.primary_key.name)})</span>"))
    rows += [("Unique", f"{code(', '.join(u.columns))} <span class=\"muted\">({esc(u.name)})</span>")
             for u in table.uniques]
    if table.partition_by:
        rows.append(("Partitioned by", code(table.partition_by)))
    if table.partitions:
        rows.append(("Partitions", ", ".join(code(f"{p.name} {p.bound}") for p in table.partitions)))
    if table.inherits:
        rows.append(("Inherits", ", ".join(link(anchor("table", p), p) for p in table.inherits)))
    if sizes is not None:
        size = sizes.get(table.qualified)
        rows.append(("Size", esc(_size_text(size))))
    return facts(rows) if rows else ""


def _size_text(size) -> str:
    if size is None:
        return "not in the database yet"
    rows = human_rows(size.rows) + ("" if size.analyzed else " (never analyzed: a guess)")
    return (f"{rows}; table {human_bytes(size.heap_bytes)}, "
            f"{size.indexes} index(es) {human_bytes(size.index_bytes)}")


def columns_grid(table: Table) -> str:
    keys = _column_keys(table)
    rows = [[code(c.name), code(c.type), "yes" if c.nullable else "no", _default(c),
             esc(" ".join(keys.get(c.name, ()))), esc(c.comment or "")] for c in table.columns]
    return grid(["Column", "Type", "Nullable", "Default", "Keys", "Comment"], rows)


def _column_keys(table: Table) -> dict:
    keys: dict = {}
    for marker, groups in (("PK", [table.primary_key.columns] if table.primary_key else []),
                           ("FK", [fk.columns for fk in table.foreign_keys]),
                           ("UK", [u.columns for u in table.uniques])):
        for group in groups:
            for name in group:
                if marker not in keys.setdefault(name, []):
                    keys[name].append(marker)
    return keys


def _default(column) -> str:
    if column.identity:
        return code(f"generated {column.identity} as identity")
    if column.generated:
        return code(f"generated always as ({column.generated}) stored")
    return code(column.default) if column.default is not None else ""


def foreign_keys(table: Table) -> str:
    if not table.foreign_keys:
        return ""
    rows = [[code(fk.name), code(", ".join(fk.columns)),
             f"{link(anchor('table', fk.ref_table), fk.ref_table)} ({esc(', '.join(fk.ref_columns))})",
             esc(fk.on_delete), esc(fk.on_update)] for fk in table.foreign_keys]
    return grid(["Name", "Columns", "References", "On delete", "On update"], rows)


def referencing(referenced_by) -> str:
    if not referenced_by:
        return ""
    items = "".join(f"<li>{link(anchor('table', child), child)} ({code(', '.join(fk.columns))}, {esc(fk.name)})</li>"
                    for child, fk in referenced_by)
    return f"<ul>{items}</ul>"


def indexes(table: Table) -> str:
    if not table.indexes:
        return ""
    rows = [[code(i.name), code(", ".join(i.keys)), "yes" if i.unique else "", esc(i.method),
             code(i.where) if i.where else "", esc(i.comment or "")] for i in table.indexes]
    return grid(["Name", "Keys", "Unique", "Method", "Where", "Comment"], rows)


def checks(table: Table) -> str:
    if not table.checks and not table.exclusions:
        return ""
    rows = [[code(c.name), code(c.expression)] for c in table.checks]
    rows += [[code(x.name), code(f"EXCLUDE USING {x.method} ("
                                 + ", ".join(f"{k} WITH {op}" for k, op in x.elements) + ")")]
             for x in table.exclusions]
    return grid(["Name", "Expression"], rows)


# --- other objects -----------------------------------------------------------------------

def objects_section(catalog: Catalog) -> str:
    groups = [
        ("Views", [(v.qualified, v.comment) for v in catalog.views if not v.materialized]),
        ("Materialized views", [(v.qualified, v.comment) for v in catalog.views if v.materialized]),
        ("Enums", [(f"{e.qualified} ({', '.join(e.values)})", e.comment) for e in catalog.enums]),
        ("Domains", [(f"{d.qualified} ({d.base_type})", d.comment) for d in catalog.domains]),
        ("Composite types", [(c.qualified, c.comment) for c in catalog.composites]),
        ("Range types", [(r.qualified, r.comment) for r in catalog.ranges]),
        ("Sequences", [(s.qualified, None) for s in catalog.sequences]),
        ("Functions and procedures", [(f.label, f.comment) for f in catalog.functions]),
        ("Triggers", [(t.label, None) for t in catalog.triggers]),
        ("Policies", [(p.label, None) for p in catalog.policies]),
        ("Extensions", [(e.name, None) for e in catalog.extensions]),
    ]
    present = [(title, items) for title, items in groups if items]
    if not present:
        return "<p>The schema file defines no views, types, sequences, functions, triggers or policies.</p>"
    out = []
    for title, items in present:
        lines = "".join(f"<li>{code(name)}" + (f" — {esc(comment)}" if comment else "") + "</li>"
                        for name, comment in items)
        out.append(f"<h3>{esc(title)}</h3><ul>{lines}</ul>")
    return "".join(out)


# --- what the database says --------------------------------------------------------------

def health_section(sources) -> str:
    report = sources.health
    if report is None:
        return f'<p class="muted">{esc(_missing(sources))}</p>'
    from ..monitor.report import check_text

    head = check_text(report).splitlines()[0]
    parts = [f"<p>{level(report.status)} {esc(head)}</p>"]
    if report.findings:
        rows = [[level(f.severity), esc(f.kind), code(f.object), esc(f.message)] for f in report.findings]
        parts.append(grid(["Severity", "Kind", "Object", "Finding"], rows))
    else:
        parts.append("<p>The database matches the schema file: nothing missing, extra or different.</p>")
    parts += [f"<p>{esc(note)}</p>" for note in report.unread]
    if report.unmanaged:
        items = "".join(f"<li>{esc(obj.label)}" + (f": affected by {esc('; '.join(affected))}" if affected else "")
                        + "</li>" for obj, affected in report.unmanaged)
        parts.append(f"<h3>Not managed by schemadiff</h3><ul>{items}</ul>")
    return "".join(parts)


def _missing(sources) -> str:
    """Why a section comparing the file and the database is empty."""
    return NEEDS_FILE if sources.with_database and sources.schema_file is None else NEEDS_DATABASE


def history_section(sources) -> str:
    if not sources.with_database:
        return f'<p class="muted">{esc(NEEDS_DATABASE)}</p>'
    if not sources.history:
        return "<p>No version recorded: schemadiff has not applied a schema to this database.</p>"
    rows = [[str(v.version), esc(f"{v.applied_at.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}"), esc(v.applied_by),
             str(v.statement_count), esc(v.tool_version), code(v.schema_hash[:12])] for v in sources.history]
    return (f"<p>{len(sources.history)} version(s) applied, newest first.</p>"
            + grid(["Version", "Applied at (UTC)", "By", "Statements", "Tool", "Schema hash"], rows, numeric=(0, 3)))


def plan_section(sources) -> str:
    the_plan = sources.pending
    if the_plan is None:
        return f'<p class="muted">{esc(_missing(sources))}</p>'
    from ..plan.report import blocked_lines, estimate_lines, verdict

    parts = [f"<p>What <code>schemadiff apply</code> would run to bring the database to the schema file. "
             f"{esc(verdict(the_plan))}</p>"]
    if the_plan.empty:
        return "".join(parts)
    parts += [f"<p>{esc(line)}</p>" for line in estimate_lines(the_plan)]
    if the_plan.transactions_note:
        parts.append(f"<p>{esc(the_plan.transactions_note)}</p>")
    blocked = blocked_lines(the_plan)
    if blocked:
        parts.append(f"<p>{level('warning')} {esc(blocked[0])}</p><ul>"
                     + "".join(f"<li>{esc(line.strip())}</li>" for line in blocked[1:]) + "</ul>")
    parts.append("<ol>" + "".join(statement_item(s) for s in the_plan.statements) + "</ol>")
    return "".join(parts)


_LEVEL_OF_HAZARD = {"destructive": "critical", "locking": "warning", "permission": "warning"}


def statement_item(statement) -> str:
    hazards = "".join(f"<li>{level(h.kind, _LEVEL_OF_HAZARD.get(h.kind, 'warning'))} {code(h.code)} {esc(h.message)}</li>"
                      for h in statement.hazards)
    notes = [f"lock: {statement.lock}"] if statement.lock else []
    if not statement.transactional:
        notes.append("runs outside a transaction")
    estimate = getattr(statement, "estimate", None)
    if estimate is not None and not estimate.instant:
        from ..plan.report import span

        notes.append(f"estimated {span(estimate.low, estimate.high)}")
    return (f"<li><p>{esc(statement.description)}"
            + (f' <span class="muted">({esc("; ".join(notes))})</span>' if notes else "") + "</p>"
            + (f"<ul>{hazards}</ul>" if hazards else "") + f"<pre>{esc(statement.sql)};</pre></li>")
