"""Helpers shared by the reliability suites (convergence, hostile names, concurrency, faults):
scratch databases on the session server and the three convergence assertions."""

from __future__ import annotations

import os

import psycopg
from psycopg import sql as pgsql

from schemadiff import engine
from schemadiff.diff import diff
from schemadiff.model import Catalog

# SCHEMADIFF_LONG=1 runs the property tests with many more examples.
LONG = os.environ.get("SCHEMADIFF_LONG", "").strip() not in ("", "0")


def examples(default: int, long: int) -> int:
    return long if LONG else default


def with_dbname(url: str, dbname: str) -> str:
    from conftest import with_dbname as convert

    return convert(url, dbname)


def scratch_database(admin_url: str):
    """A fresh empty database for one hypothesis example (fixtures are per test, not per example)."""
    from conftest import fresh_database

    return fresh_database(admin_url, prefix="r_")


def reset_database(url: str) -> None:
    """Empty a database quickly (dropping and creating databases costs a checkpoint each):
    drop every user schema with what is in it and give back an empty ``public``."""
    with psycopg.connect(url, autocommit=True, connect_timeout=15) as conn:
        schemas = [r[0] for r in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'")]
        for schema in schemas:
            conn.execute(pgsql.SQL("DROP SCHEMA {} CASCADE").format(pgsql.Identifier(schema)))
        conn.execute("CREATE SCHEMA public")


def live(url: str, desired: Catalog) -> Catalog:
    """The live catalog of the schemas ``desired`` manages."""
    target = engine.Target(url)
    with engine.connection(target) as conn:
        return engine.read_live(conn, target, desired)


def apply(url: str, desired: Catalog, snapshot: str = None) -> engine.ApplyResult:
    return engine.apply(engine.Target(url), desired, snapshot, allow_destructive=True, lock_wait_s=30)


def describe_plan(plan) -> str:
    return "\n".join(s.sql for s in plan.statements) or "<empty>"


def assert_converged(url: str, desired: Catalog, reference_url: str = None, context: str = "") -> None:
    """(1) the live schema has no diff against ``desired``; (2) a second plan is empty;
    (3) it equals the schema of ``reference_url`` (built directly from ``desired``)."""
    target = engine.Target(url)
    with engine.connection(target) as conn:
        again = engine.plan_against(conn, target, desired)
        current = engine.read_live(conn, target, desired)
    assert again.empty, f"{context}: plan not empty after apply:\n{describe_plan(again)}"
    if reference_url is not None:
        reference = live(reference_url, desired)
        changes = diff(current, reference)
        assert not changes, (f"{context}: migrated database differs from one built directly:\n"
                             + "\n".join(map(repr, changes)))


def _value(type_: str, labels: dict) -> str:
    """A SQL expression of row number ``g`` giving distinct values of ``type_`` (for an enum:
    a label every version of it keeps, or NULL when there is none)."""
    base = type_[:-2] if type_.endswith("[]") else type_
    if base in labels:
        return pgsql_literal(labels[base]) if labels[base] is not None else "NULL"
    if base in ("smallint", "integer", "bigint") or base.startswith("numeric"):
        scalar = "g"
    elif base == "boolean":
        scalar = "g % 2 = 0"
    elif base.startswith(("timestamp", "date")):
        scalar = "date '2020-01-01' + g"
    elif base == "jsonb":
        scalar = "jsonb_build_object('n', g)"
    elif base == "uuid":
        scalar = "gen_random_uuid()"
    else:
        scalar = "'v' || g"
    return f"ARRAY[{scalar}]" if type_.endswith("[]") else scalar


def pgsql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def fill(url: str, catalog: Catalog, tables, first: int, rows: int, labels: dict, leave_null) -> int:
    """Give each of ``tables`` (qualified names in ``catalog``) ``rows`` more rows, and every
    row fresh values, numbered from ``first`` so that no two rows share one (defaults filled
    in by ADD COLUMN would repeat); returns the next unused number. Identity and serial
    columns are left to their sequences, which must number on past the rows already there;
    ``leave_null(table, column)`` columns stay NULL."""
    from schemadiff.pg.naming import quote_ident

    not_null_domains = {_type_name(d) for d in catalog.domains if not d.nullable}
    with psycopg.connect(url, autocommit=True, connect_timeout=15) as conn:
        for table in catalog.tables:
            if table.qualified not in tables:
                continue
            rel = f"{quote_ident(table.schema)}.{quote_ident(table.name)}"
            filled = [c for c in table.columns if not c.identity and not c.serial and c.generated is None]
            # NULL, written out (a domain's default would fill an omitted column): foreign keys,
            # and types whose values the generic ones below would not fit (domains with their
            # checks, composite, range and extension types).
            nulls = [c for c in filled if leave_null(table, c.name) or not _known(c.type, labels)]
            if table.partition_by is not None or any(
                    not c.nullable or c.type.removesuffix("[]") in not_null_domains or c.name in _nulls_distinct_keys(table)
                    for c in nulls):
                continue  # rows would not fit: no partition for a generated date, or no (second) NULL allowed
            given = [c for c in filled if c not in nulls]
            first = _renumber(conn, rel, given, first, labels)
            _add_rows(conn, rel, table, given, nulls, first, rows, labels)
            first += rows
    return first


def _nulls_distinct_keys(table) -> set:
    """Columns of a NULLS NOT DISTINCT key: two rows holding NULL there collide."""
    keys = [u.columns for u in table.uniques if u.nulls_not_distinct]
    keys += [i.keys for i in table.indexes if i.unique and i.nulls_not_distinct]
    return {column.strip('"') for key in keys for column in key}


def _type_name(obj) -> str:
    return obj.name if obj.schema == "public" else f"{obj.schema}.{obj.name}"


_KNOWN_BASES = ("smallint", "integer", "bigint", "numeric", "boolean", "timestamp", "date", "jsonb", "uuid",
                "text", "character varying", "character", "varchar")


def _known(type_: str, labels: dict) -> bool:
    """Whether ``_value`` makes values of ``type_`` (an enum with a kept label, or a built-in)."""
    base = type_.removesuffix("[]")
    if base in labels:
        return labels[base] is not None
    return base.startswith(_KNOWN_BASES)


def _renumber(conn, rel: str, columns, first: int, labels: dict) -> int:
    from schemadiff.pg.naming import quote_ident

    held = conn.execute(f"SELECT count(*) FROM {rel}").fetchone()[0]
    for c in columns:
        conn.execute(f"UPDATE {rel} SET {quote_ident(c.name)} = {_value(c.type, labels)} FROM"
                     f" (SELECT ctid AS row_id, ({first} + row_number() OVER () - 1)::int AS g FROM {rel}) todo"
                     " WHERE ctid = todo.row_id")
        first += held
    return first


def _add_rows(conn, rel: str, table, given, nulls, first: int, rows: int, labels: dict) -> None:
    """Insert the rows; the values their sequences give must all lie past the old rows'."""
    from schemadiff.pg.naming import quote_ident

    generated = [quote_ident(c.name) for c in table.columns if c.identity or c.serial]
    names = ", ".join(quote_ident(c.name) for c in (*given, *nulls))
    values = ", ".join([_value(c.type, labels) for c in given] + ["NULL"] * len(nulls))
    # No column given: a zero-column SELECT leaves every column to its default.
    insert = f"INSERT INTO {rel} ({names}) SELECT {values}" if names else f"INSERT INTO {rel} SELECT"
    insert += f" FROM generate_series({first}, {first + rows - 1}) g"
    if not generated:
        conn.execute(insert)
        return
    before = conn.execute(f"SELECT {', '.join(f'max({g})' for g in generated)} FROM {rel}").fetchone()
    new = conn.execute(f"{insert} RETURNING {', '.join(generated)}").fetchall()
    for name, old_max, values in zip(generated, before, zip(*new)):
        assert old_max is None or min(values) > old_max, (
            f"{rel}.{name}: its sequence gave {sorted(values)}, not past the {old_max} already in the table")
