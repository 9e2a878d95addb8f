"""Settle expression differences that text cannot: ask the server.

``status IN ('a', 'b')`` is stored as ``(status)::text = ANY (ARRAY['a'::text, …])``; no
textual rule covers every such rewrite. For the few expressions (defaults, checks, index
keys and predicates) whose normalized text still differs from the live one, we let
PostgreSQL parse the desired text on a scratch temporary table, inside a transaction that is
always rolled back, and read it back with the same catalog functions. Equal schemas then
compare equal, and a steady-state plan costs no extra queries.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Optional

from ..pg import normalize, types as pgtypes
from ..model import Catalog, Index, Table
from ..pg.compare import same_index
from ..pg.indexdef import index_sql
from ..pg.naming import quote_ident
from .canonicalize_security import canonicalize_policies
from .canonicalize_triggers import canonicalize_triggers
from .canonicalize_types import canonicalize_domains
from .canonicalize_views import canonicalize_views
from .canonicalize_grants import canonicalize_grants
from .probes import first_value, rolled_back, succeeds


def canonicalize(conn, current: Catalog, desired: Catalog) -> Catalog:
    """``desired`` with each expression the server proves equal to the live one replaced by
    the live text."""
    from .partitions import settle_partitions

    desired = settle_partitions(conn, current, desired)
    desired = canonicalize_domains(conn, current, desired)
    if desired.functions:  # canonicalize_functions returns any other catalog as it is
        from .canonicalize_functions import canonicalize_functions  # imports the differ: only when needed

        desired = canonicalize_functions(conn, current, desired)
    desired = canonicalize_views(conn, current, desired)
    desired = canonicalize_grants(conn, current, desired)
    desired = canonicalize_triggers(conn, current, desired)
    desired = canonicalize_policies(conn, current, desired)
    live = current.table_map()
    work = [(t, live[t.qualified]) for t in desired.tables if t.qualified in live and _suspects(t, live[t.qualified])]
    if not work:
        return desired
    try:
        canonical = rolled_back(conn, work, lambda i, pair: _probe_table(conn, i, *pair))
    except Exception:  # a read-only standby, no TEMP privilege: compare textually only
        return desired
    tables = {t.qualified: t for t in desired.tables}
    for i, (table, old) in enumerate(work):
        tables[table.qualified] = _adopt(table, old, canonical.get(i, {}))
    return replace(desired, tables=tuple(tables[t.qualified] for t in desired.tables))


def _suspects(table: Table, live: Table) -> bool:
    return bool(_default_suspects(table, live) or _check_suspects(table, live) or _index_suspects(table, live)
                or _type_suspects(table, live) or _generated_suspects(table, live))


def _type_suspects(table: Table, live: Table) -> list:
    """Columns of an extension's type spelled otherwise than format_type prints it: only the
    server knows that ``geometry(point, 4326)`` prints as ``geometry(Point,4326)``."""
    out = []
    for column in table.columns:
        old = live.column(column.name)
        if old and old.type != column.type and not (pgtypes.is_builtin(column.type) and pgtypes.is_builtin(old.type)):
            out.append(column)
    return out


def _generated_suspects(table: Table, live: Table) -> list:
    """Generated columns whose expression reads differently (``round(q * p, 2)`` is stored
    as ``round((q * (p)::numeric), 2)`` when ``p`` is of a domain type)."""
    return [c for c in table.columns if c.generated is not None and live.column(c.name) is not None
            and live.column(c.name).generated is not None
            and normalize.expression(c.generated) != normalize.expression(live.column(c.name).generated)]


def _default_suspects(table: Table, live: Table) -> list:
    out = []
    for column in table.columns:
        old = live.column(column.name)
        if old and column.default is not None and old.default is not None:
            new_text, old_text = normalize.expression(column.default), normalize.expression(old.default)
            if new_text != old_text and not _plainly_different(new_text, old_text, column.type, old.type):
                out.append(column)
    return out


_PLAIN_STRING = re.compile(r"^'(?:[^']|'')*'$")


def _plainly_different(a: str, b: str, *types: str) -> bool:
    """Two different plain string literals as defaults of a text or varchar column: no
    reading by the server makes them equal, so a changed default needs no probe."""
    return all(t == "text" or (t.startswith("character varying") and not t.endswith("]")) for t in types) \
        and bool(_PLAIN_STRING.match(a)) and bool(_PLAIN_STRING.match(b))


def _check_suspects(table: Table, live: Table) -> list:
    old = {c.name: c for c in live.checks}
    return [c for c in table.checks if c.name in old
            and normalize.expression(c.expression) != normalize.expression(old[c.name].expression)]


def _index_suspects(table: Table, live: Table) -> list:
    old = {i.name: i for i in live.indexes}
    return [i for i in table.indexes if i.name in old and not same_index(i, old[i.name])
            and (i.unique, i.method) == (old[i.name].unique, old[i.name].method)]


def _probe_table(conn, i: int, table: Table, live: Table) -> dict:
    scratch = f"schemadiff_canon_{i}"
    columns = ", ".join(f"{quote_ident(c.name)} {c.type}" for c in table.columns)
    if not succeeds(conn, f"CREATE TEMP TABLE {scratch} ({columns})"):
        return {}
    found: dict = {"defaults": {}, "checks": {}, "indexes": {}, "types": {}, "generated": {}}
    for column in _type_suspects(table, live):
        found["types"][column.name] = first_value(conn, (
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s"),
            (f"pg_temp.{scratch}", column.name))
    for n, column in enumerate(_generated_suspects(table, live)):
        probe = f"schemadiff_g{n}"
        if succeeds(conn, f"ALTER TABLE {scratch} ADD COLUMN {probe} {column.type} GENERATED ALWAYS AS ({column.generated}) STORED"):
            found["generated"][column.name] = first_value(conn, (
                "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a"
                " ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
                " WHERE d.adrelid = %s::regclass AND a.attname = %s"), (f"pg_temp.{scratch}", probe))
    for column in _default_suspects(table, live):
        if succeeds(conn, f"ALTER TABLE {scratch} ALTER COLUMN {quote_ident(column.name)} SET DEFAULT {column.default}"):
            found["defaults"][column.name] = first_value(conn, (
                "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a"
                " ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
                " WHERE d.adrelid = %s::regclass AND a.attname = %s"), (f"pg_temp.{scratch}", column.name))
    for n, check in enumerate(_check_suspects(table, live)):
        name = f"c{n}"
        if succeeds(conn, f"ALTER TABLE {scratch} ADD CONSTRAINT {name} CHECK ({check.expression}) NOT VALID"):
            found["checks"][check.name] = first_value(conn, (
                "SELECT pg_get_expr(conbin, conrelid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND conname = %s"), (f"pg_temp.{scratch}", name))
    for n, index in enumerate(_index_suspects(table, live)):
        name = f"{scratch}_i{n}"
        probe = replace(index, name=name)
        if succeeds(conn, index_sql_on_scratch(scratch, probe)):
            found["indexes"][index.name] = _read_index(conn, name)
    return found


def index_sql_on_scratch(scratch: str, index: Index) -> str:
    from ..model import QualifiedName

    return index_sql(QualifiedName("pg_temp", scratch), index).replace("IF NOT EXISTS ", "")


def _read_index(conn, name: str) -> Optional[tuple]:
    """The probe's keys as the catalog reader spells them (with COLLATE, operator class and
    ordering, see ``index_keys``) and its predicate."""
    from ..pg.index_keys import keys_of_definition

    row = conn.execute(
        "SELECT ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k ORDER BY k),"
        " pg_get_expr(i.indpred, i.indrelid, true), pg_get_indexdef(i.indexrelid, 0, true), am.amname"
        " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam"
        " WHERE i.indexrelid = %s::regclass", (f"pg_temp.{name}",)).fetchone()
    if not row:
        return None
    keys = keys_of_definition(row[2], row[3], row[0])
    return (keys, row[1]) if keys is not None else None


def _adopt(table: Table, live: Table, found: dict) -> Table:
    """Take the live text wherever the server's reading of the desired text matches it."""
    if not found:
        return table
    defaults, types = found.get("defaults", {}), found.get("types", {})
    columns = tuple(
        replace(c, default=live.column(c.name).default)
        if c.name in defaults and _same(defaults[c.name], live.column(c.name).default) else c
        for c in table.columns
    )
    columns = tuple(replace(c, type=types[c.name]) if c.name in types and types[c.name] == live.column(c.name).type
                    else c for c in columns)
    generated = found.get("generated", {})
    columns = tuple(
        replace(c, generated=live.column(c.name).generated)
        if c.name in generated and _same(generated[c.name], live.column(c.name).generated) else c
        for c in columns
    )
    live_checks = {c.name: c for c in live.checks}
    checks = tuple(
        replace(c, expression=live_checks[c.name].expression)
        if c.name in found.get("checks", {}) and _same(found["checks"][c.name], live_checks[c.name].expression) else c
        for c in table.checks
    )
    live_indexes = {i.name: i for i in live.indexes}
    indexes = tuple(_adopt_index(i, live_indexes.get(i.name), found.get("indexes", {}).get(i.name)) for i in table.indexes)
    return replace(table, columns=columns, checks=checks, indexes=indexes)


def _adopt_index(index: Index, live: Optional[Index], probe: Optional[tuple]) -> Index:
    if live is None or probe is None:
        return index
    keys, where = probe
    probed = replace(index, keys=keys, where=where)
    if same_index(probed, live):
        return replace(index, keys=live.keys, where=live.where)
    return index


def _same(a: Optional[str], b: Optional[str]) -> bool:
    return normalize.expression(a) == normalize.expression(b)
