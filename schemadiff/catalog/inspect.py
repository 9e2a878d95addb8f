"""Live catalog → :class:`~schemadiff.model.Catalog`, in a fixed number of set-based queries
whatever the number of tables (see ``queries/*.sql``)."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from importlib import resources
from typing import Iterable, Optional, Sequence

from ..model import Catalog, Enum, Extension, QualifiedName, sorted_catalog
from .partitions import partition_builders, with_partitions
from .sequences import attach_sequences
from .security import row_security_from_rows
from .text_search import text_search_from_rows
from .functions import functions_from_rows
from .aggregates import aggregates_from_rows
from .grants import grants_from_rows
from .triggers import triggers_from_rows
from .tables import attach_constraints, attach_indexes, sizes_from_rows, tables_from_rows
from .user_types import collations_from_rows, user_types_from_rows
from .views import built_views, view_builders

# Kept as rows until the end of inspect: a few rows per object of the rarer kinds.
_SMALL = ("enums", "user_types", "collations", "extensions", "text_search", "functions", "aggregates", "grants",
          "triggers", "row_security")
# In the order they are sent: the relations first, so that the rows of each query after them
# become model objects as they arrive (see inspect).
QUERY_NAMES = ("tables", "partitions", "views", "constraints", "indexes", "sequences") + _SMALL


@lru_cache(maxsize=None)
def query(name: str) -> str:
    return resources.files("schemadiff.catalog").joinpath("queries", f"{name}.sql").read_text(encoding="utf-8")


def inspect(conn, schemas: Optional[Sequence[str]] = None, exclude: Iterable[QualifiedName] = ()) -> Catalog:
    """Read the catalog of ``schemas`` (all user schemas when None); tables named in
    ``exclude`` (schemadiff's own version table, ignored objects) are left out."""
    params = {"schemas": list(schemas) if schemas is not None else None}
    excluded = set(exclude)
    # The rows of the big queries are let go once read into builders, not held to the end:
    # a row per column of every table is the biggest thing a plan holds (peak memory).
    table_rows = _fetch(conn, query("tables"), params)
    tables, sizes = tables_from_rows(table_rows), sizes_from_rows(table_rows)
    del table_rows
    partition_rows = _fetch(conn, query("partitions"), params)
    partitions = partition_builders(partition_rows)
    views = view_builders(_fetch(conn, query("views"), params))
    attach_constraints(tables | partitions, _fetch(conn, query("constraints"), params))
    attach_indexes(tables | partitions | views, _fetch(conn, query("indexes"), params))
    sequence_rows = _fetch(conn, query("sequences"), params)
    sequences = attach_sequences(tables, sequence_rows, excluded)
    rows = {name: _fetch(conn, query(name), params) for name in _SMALL}
    enums = [Enum(schema, name, tuple(labels), comment=comment) for schema, name, labels, comment in rows["enums"]]
    kept = [t.build() for key, t in tables.items() if key not in excluded]
    kept = with_partitions(kept, partition_rows, partitions)
    extensions = [Extension(*r) for r in rows["extensions"]]
    existing = _existing_schemas(conn, schemas)
    sizes = tuple(s for s in sizes if s.qualified not in excluded)
    return replace(sorted_catalog(kept, enums, [name for name, _ in existing], **user_types_from_rows(rows["user_types"]),
                          collations=collations_from_rows(rows["collations"]), sequences=sequences,
                          extensions=extensions, schema_comments=[(n, c) for n, c in existing if c is not None],
                          **text_search_from_rows(rows["text_search"]), functions=functions_from_rows(rows["functions"]),
                          aggregates=aggregates_from_rows(rows["aggregates"]),
                          views=built_views(views),
                          **_kept_grants(grants_from_rows(rows["grants"]), excluded | _owned_by(sequence_rows, excluded)),
                          triggers=[t for t in triggers_from_rows(rows["triggers"]) if t.on not in excluded],
                          **_not_on(row_security_from_rows(rows["row_security"]), excluded)), sizes=sizes)


def _kept_grants(found: dict, excluded: set) -> dict:
    """Grants on schemadiff's own (and ignored) tables are not the file's."""
    return {**found, "grants": [g for g in found["grants"]
                                if QualifiedName(g.target.schema, g.target.name) not in excluded]}


def _owned_by(sequence_rows, excluded: set) -> set:
    """The sequences an excluded table owns (its identity's, its serial's): left out with it,
    their grants too (default privileges give schemadiff's version table's sequence some)."""
    return {QualifiedName(row[0], row[1]) for row in sequence_rows
            if row[11] is not None and QualifiedName(row[10], row[11]) in excluded}


def _not_on(found: dict, excluded: set) -> dict:
    """Row-level security and policies, but for those of the excluded tables."""
    return {"row_security": [r for r in found["row_security"] if r.qualified not in excluded],
            "policies": [p for p in found["policies"] if p.on not in excluded]}


# What initdb says of public: the file's "no comment" (a database made from it has it).
PUBLIC_COMMENT = "standard public schema"


def _existing_schemas(conn, schemas: Optional[Sequence[str]]) -> list[tuple]:
    """(name, comment) of those of ``schemas`` that exist (every user schema when None): a
    schema the file wants but the database lacks must not look present, or CREATE SCHEMA is
    never planned."""
    if schemas is not None and not schemas:
        return []
    rows = _fetch(conn, "SELECT nspname, obj_description(oid, 'pg_namespace') FROM pg_namespace"
                        " WHERE (%(schemas)s::text[] IS NULL AND nspname"
                        " NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_)')"
                        " OR nspname = ANY(%(schemas)s::text[])",
                  {"schemas": list(schemas) if schemas is not None else None})
    return [(name, None if (name, comment) == ("public", PUBLIC_COMMENT) else comment) for name, comment in rows]


def _fetch(conn, sql: str, params: dict) -> list:
    with conn.cursor() as cur:
        cur.execute(sql, params, prepare=False)
        return cur.fetchall()


