"""Health checks beyond the diff: sequences running out of values, foreign keys without an
index, and invalid indexes the file does not name. One catalog query (``queries/health.sql``)
whatever the size of the schema, so `check` stays a constant number of round trips."""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

from .findings import CRITICAL, WARNING, Finding, display
from ..catalog.inspect import query
from ..model import Catalog, QualifiedName

SEQUENCE_WARNING = 0.80
SEQUENCE_CRITICAL = 0.95


def health_findings(conn, live: Catalog, desired: Catalog) -> tuple[list[Finding], list[str]]:
    """Findings about the tables of ``live`` (so ignored tables and the version table, which
    ``live`` leaves out, are never reported), and what the role could not read (sequences it
    has no privilege on), each with the GRANT that would let it."""
    tables = {t.qualified for t in live.tables}
    with conn.cursor() as cur:
        cur.execute(query("health"), {"schemas": list(live.schemas)}, prepare=False)
        rows = cur.fetchall()
    out: list[Finding] = []
    unread: list[str] = []
    for kind, schema, table, name, detail, used, maximum, readable in rows:
        qualified = QualifiedName(schema, table)
        if qualified not in tables:
            continue
        if kind == "sequence" and not readable:
            unread.append(detail)
        elif kind == "sequence":
            out += sequence_findings(qualified, name, detail, used, maximum)
        elif kind == "unindexed_fk":
            out.append(Finding(WARNING, "foreign_key", "unindexed", f"{display(qualified)}.{name}",
                               f"foreign key {name} on {qualified} ({detail}) has no index leading with its "
                               "columns: deletes and updates on the referenced table scan this one"))
    return out + extra_invalid_indexes(live, desired), unread_sequences(conn, unread)


def unread_sequences(conn, sequences: list[str]) -> list[str]:
    """One note for the sequences the role may not read: how near their limit they are is
    unknown. Information, not a finding: the schema was checked in full."""
    if not sequences:
        return []
    role = conn.execute("SELECT quote_ident(current_user)").fetchone()[0]
    return [f"role {role} cannot read sequence(s) {', '.join(sorted(sequences))}, so whether they near their "
            f"limit is unknown: GRANT SELECT ON SEQUENCE {', '.join(sorted(sequences))} TO {role}"]


def sequence_findings(table: QualifiedName, column: str, sequence: str,
                      used: Optional[Decimal], maximum: Optional[Decimal]) -> list[Finding]:
    if used is None or not maximum or maximum <= 0:
        return []
    fraction = float(used) / float(maximum)
    if fraction < SEQUENCE_WARNING:
        return []
    severity = CRITICAL if fraction >= SEQUENCE_CRITICAL else WARNING
    return [Finding(severity, "sequence", "exhausting", f"{display(table)}.{column}",
                    f"sequence {sequence} feeding {table}.{column} has used {fraction:.1%} of its range "
                    f"({int(used)} of {int(maximum)}); widen the column to bigint before it runs out")]


def extra_invalid_indexes(live: Catalog, desired: Catalog) -> list[Finding]:
    """Invalid indexes the file names are reported by the diff (apply rebuilds them); this
    covers the ones it does not, which apply would only drop as extra."""
    wanted = {(t.qualified, i.name) for t in desired.tables for i in t.indexes}
    return [Finding(WARNING, "index", "invalid", index.name,
                    f"index {index.name} on {table.qualified} is INVALID (an interrupted concurrent build) "
                    "and is not in the schema file")
            for table in live.tables for index in table.indexes
            if not index.valid and (table.qualified, index.name) not in wanted]
