"""Settle function texts with the server, as ``canonicalize`` does for tables.

First without a query: a desired body, default or SQL-standard body that is the live one but
for surrounding white space (or the same parse tree) takes the live text. Then each desired
function that still differs from a live one of its name in its arguments, result or SQL
body (``users.id%TYPE``, ``'{}'`` for ``'{}'::integer[]``, ``RETURN a + 1``) is created as a
scratch function in ``pg_temp``, in a transaction that is always rolled back, and read back
with the inspector's functions; where that reading is the live one, the live text is taken."""

from __future__ import annotations

from dataclasses import replace

from ..diff.functions import same_arguments, same_body, same_default, same_definition, same_sql_body
from ..model import Catalog, Function
from ..pg.routines import parse_signature
from .probes import rolled_back


def canonicalize_functions(conn, current: Catalog, desired: Catalog) -> Catalog:
    """``desired`` with each function text the server reads as the live one replaced by it."""
    if not desired.functions:
        return desired
    live = current.function_map()
    functions = [adopt_texts(f, live.get(f.key)) for f in desired.functions]
    names = {(f.schema, f.name) for f in current.functions}
    work = [f for f in functions if (f.schema, f.name) in names and not _settled(f, live.get(f.key))]
    if work:
        try:
            probed = rolled_back(conn, work, lambda i, f: _probe(conn, i, f))
        except Exception:  # a read-only standby, no TEMP privilege: compare textually only
            probed = {}
        settled = {f.key: _adopt(f, probed.get(i), live) for i, f in enumerate(work)}
        functions = [settled.get(f.key, f) for f in functions]
    return replace(desired, functions=tuple(sorted(functions, key=lambda f: f.key)))


def adopt_texts(f: Function, old) -> Function:
    """``f`` with the live body, SQL body and defaults where they are the same text."""
    if old is None or f == old:
        return f
    body = old.body if same_body(old.body, f.body, f.language) else f.body
    sql_body = old.sql_body if same_sql_body(old.sql_body, f.sql_body) else f.sql_body
    arguments = f.arguments
    if len(old.arguments) == len(f.arguments):
        arguments = tuple(replace(a, default=o.default) if (a.name, a.type, a.mode) == (o.name, o.type, o.mode)
                          and same_default(o.default, a.default) else a for a, o in zip(f.arguments, old.arguments))
    return replace(f, body=body, sql_body=sql_body, arguments=arguments)


def _settled(f: Function, old) -> bool:
    return old is not None and (same_definition(old, f) or (
        same_arguments(old.arguments, f.arguments) and old.returns == f.returns
        and same_sql_body(old.sql_body, f.sql_body)))


def _probe(conn, i: int, f: Function):
    """Create ``f`` under its own name in pg_temp (a parameter shows in an SQL body as
    ``name.param``) in a savepoint rolled back at once, so that overloads do not meet."""
    from ..plan.functions import create_sql

    try:
        with conn.transaction(force_rollback=True):
            conn.execute("SET LOCAL check_function_bodies = off")
            conn.execute(create_sql(f, "pg_temp", f.name))
            row = conn.execute(
                "SELECT pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),"
                " CASE WHEN to_jsonb(p) ->> 'prosqlbody' IS NOT NULL"
                "  THEN substring(pg_get_functiondef(p.oid) FROM '\\n((?:BEGIN ATOMIC|RETURN )[\\s\\S]*)$') END"
                " FROM pg_proc p WHERE p.pronamespace = pg_my_temp_schema() AND p.proname = %s", (f.name,)).fetchone()
    except Exception:  # the server refuses the desired text: it stays different
        return None
    if row is None:
        return None
    arguments, returns = parse_signature(row[0], row[1], f.procedure)
    return arguments, returns, row[2].rstrip("\n") if row[2] else None


def _adopt(f: Function, found, live: dict) -> Function:
    if not found:
        return f
    arguments, returns, sql_body = found
    probed = replace(f, arguments=arguments, returns=returns)
    old = live.get(probed.key)
    if old is None:
        return f
    if old.arguments == arguments:
        f = replace(f, arguments=old.arguments)
    if old.returns == returns:
        f = replace(f, returns=old.returns)
    if f.sql_body is not None and sql_body == old.sql_body:
        f = replace(f, sql_body=old.sql_body)
    return f
