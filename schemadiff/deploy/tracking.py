"""The tables other migration tools keep their history in. They belong to the tool, never to
the schema file: plans leave them alone, `check` does not report them, `inspect` does not write
them, and `baseline` reads the last step the tool applied from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..model import QualifiedName


@dataclass(frozen=True)
class Tool:
    """A migration tool's history table in ``public``: the columns that may name a step, the
    columns that order the steps (default: the step itself, in its own type), and the tables
    it keeps beside it (locks)."""

    table: str
    version: tuple[str, ...]
    order: tuple[str, ...] = ()
    companions: tuple[str, ...] = ()


# In the order they are looked for. `migrations` is a common name for a table of one's own, so
# it is recognised by baseline but not left out of plans.
TOOLS = (
    Tool("alembic_version", ("version_num",)),
    Tool("schema_migrations", ("version", "filename", "name")),  # Rails, golang-migrate, dbmate
    Tool("flyway_schema_history", ("version",), ("installed_rank",)),
    Tool("databasechangelog", ("id",), ("orderexecuted",), ("databasechangeloglock",)),  # Liquibase
    Tool("django_migrations", ("name",), ("id",)),
    Tool("knex_migrations", ("name",), ("id",), ("knex_migrations_lock",)),
    Tool("_prisma_migrations", ("migration_name",), ("finished_at", "started_at")),
    Tool("goose_db_version", ("version_id",), ("id",)),
    Tool("_sqlx_migrations", ("version",)),
    Tool("__diesel_schema_migrations", ("version",)),
    Tool("__EFMigrationsHistory", ("MigrationId",)),  # Entity Framework Core
    Tool("migrations", ("version", "filename", "name", "migration")),
)
_OWN_NAME = {"migrations"}

TOOL_TABLES = tuple(QualifiedName("public", name) for tool in TOOLS if tool.table not in _OWN_NAME
                    for name in (tool.table, *tool.companions))


@dataclass(frozen=True)
class Tracking:
    """What an older migration tool recorded: its table and the last step it applied."""

    table: str
    version: Optional[str]
    count: int


def find_tracking(conn) -> Optional[Tracking]:
    """The first migration tool's history table found in ``public``, or None."""
    for tool in TOOLS:
        if conn.execute("SELECT to_regclass(%s)", (f'public."{tool.table}"',)).fetchone()[0] is None:
            continue
        columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
            (tool.table,)).fetchall()}
        count = conn.execute(f'SELECT count(*) FROM public."{tool.table}"').fetchone()[0]
        return Tracking(tool.table, _last_step(conn, tool, columns), count)
    return None


def _last_step(conn, tool: Tool, columns: set) -> Optional[str]:
    step = next((c for c in tool.version if c in columns), None)
    if step is None:
        return None
    order = [c for c in tool.order if c in columns] or [step]  # in their own types: 10 after 9
    by = ", ".join(f'"{c}" DESC NULLS LAST' for c in order)
    row = conn.execute(f'SELECT "{step}"::text AS step FROM public."{tool.table}" WHERE "{step}" IS NOT NULL '
                       f"ORDER BY {by} LIMIT 1").fetchone()
    return row[0] if row else None

# schemadiff's own table of data migrations (deploy.datamigrations), and every table that
# belongs to a migration tool rather than to the schema file. Here rather than in
# datamigrations, which imports the planner: reading the catalog (check) needs only the names.
DATA_MIGRATIONS_TABLE = QualifiedName("public", "schemadiff_data_migrations")
SYSTEM_TABLES = (DATA_MIGRATIONS_TABLE, *TOOL_TABLES)
