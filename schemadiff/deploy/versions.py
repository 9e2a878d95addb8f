"""The version table: one row per apply that changed something, holding what was applied
and a snapshot of the desired state (which is what makes rollback need no down-scripts)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from ..errors import PrivilegeMissing
from ..model import QualifiedName
from ..pg.naming import qualify, quote_ident

DEFAULT_TABLE = QualifiedName("public", "schemadiff_version")


@dataclass(frozen=True)
class Version:
    """One recorded apply."""

    version: int
    schema_hash: str
    applied_at: datetime
    applied_by: str
    tool_version: str
    statement_count: int
    statements: tuple
    snapshot: Optional[str] = None

    def as_dict(self, with_snapshot: bool = False) -> dict:
        out = {
            "version": self.version, "schema_hash": self.schema_hash,
            "applied_at": self.applied_at.isoformat(), "applied_by": self.applied_by,
            "tool_version": self.tool_version, "statement_count": self.statement_count,
        }
        if with_snapshot:
            out["statements"] = list(self.statements)
            out["snapshot"] = self.snapshot
        return out


def create_sql(table: QualifiedName = DEFAULT_TABLE) -> str:
    return f"""CREATE TABLE IF NOT EXISTS {qualify(table.schema, table.name)} (
    version         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schema_hash     text NOT NULL,
    applied_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    applied_by      text NOT NULL DEFAULT current_user,
    tool_version    text NOT NULL,
    statement_count integer NOT NULL,
    statements      jsonb NOT NULL,
    snapshot        text,
    extra           jsonb NOT NULL DEFAULT '{{}}'::jsonb
)"""


def ensure_table(conn, table: QualifiedName = DEFAULT_TABLE) -> None:
    """Create the version table (and its schema) unless it exists. Asked first, because
    PostgreSQL checks CREATE on the schema (on the database) before IF NOT EXISTS: a
    deployer without it could not record a version in a table that is already there."""
    if _exists(conn, table):
        return
    found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (table.schema,)).fetchone()
    if found is None:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(table.schema)}")
    conn.execute(create_sql(table))


def record(conn, table: QualifiedName, *, schema_hash: str, tool_version: str,
           statements: list[str], snapshot: Optional[str], extra: Optional[dict] = None) -> int:
    """Insert a version row; returns its number. Call inside the apply's transaction."""
    ensure_table(conn, table)
    row = conn.execute(
        f"INSERT INTO {qualify(table.schema, table.name)}"
        " (schema_hash, tool_version, statement_count, statements, snapshot, extra)"
        " VALUES (%s, %s, %s, %s::jsonb, %s, %s::jsonb) RETURNING version",
        (schema_hash, tool_version, len(statements), json.dumps(statements), snapshot,
         json.dumps(extra or {})),
    ).fetchone()
    return row[0]


_COLUMNS = "version, schema_hash, applied_at, applied_by, tool_version, statement_count, statements"


def _exists(conn, table: QualifiedName) -> bool:
    """Whether the version table exists; raises PrivilegeMissing when the connected role
    cannot read it (a least-privilege monitoring role), naming the GRANT that would fix it.
    Asked of the catalog, which everyone may read, so that no query fails (and no
    transaction is left aborted) for want of a privilege."""
    row = conn.execute(
        "SELECT has_schema_privilege(n.oid, 'USAGE'), has_table_privilege(c.oid, 'SELECT'), current_user"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')",
        (table.schema, table.name)).fetchone()
    if row is None:
        return False
    usage, select, role = row
    if not (usage and select):
        raise PrivilegeMissing(f"role {role} cannot read the version table {qualify(table.schema, table.name)}: "
                               + "; ".join(read_grants(table, role, usage=usage)))
    return True


def read_grants(table: QualifiedName, role: str, *, usage: bool = True) -> list[str]:
    """The GRANT statements that let ``role`` read the version table."""
    grants = [] if usage else [f"GRANT USAGE ON SCHEMA {quote_ident(table.schema)} TO {quote_ident(role)}"]
    return grants + [f"GRANT SELECT ON {qualify(table.schema, table.name)} TO {quote_ident(role)}"]


def latest(conn, table: QualifiedName = DEFAULT_TABLE) -> Optional[Version]:
    """The most recent version, or None when nothing was ever applied."""
    rows = history(conn, table, limit=1)
    return rows[0] if rows else None


def history(conn, table: QualifiedName = DEFAULT_TABLE, limit: Optional[int] = None) -> list[Version]:
    """Recorded versions, newest first."""
    if not _exists(conn, table):
        return []
    sql = f"SELECT {_COLUMNS} FROM {qualify(table.schema, table.name)} ORDER BY version DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [_version(r) for r in conn.execute(sql).fetchall()]


def get(conn, table: QualifiedName, version: int) -> Optional[Version]:
    """One version with its snapshot."""
    if not _exists(conn, table):
        return None
    row = conn.execute(
        f"SELECT {_COLUMNS}, snapshot FROM {qualify(table.schema, table.name)} WHERE version = %s",
        (version,)).fetchone()
    return _version(row[:7], snapshot=row[7]) if row else None


def _version(row, snapshot: Optional[str] = None) -> Version:
    return Version(row[0], row[1], row[2], row[3], row[4], row[5], tuple(row[6] or ()), snapshot)

