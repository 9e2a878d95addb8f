"""Settle the file's grants with the server before the diff, in one query and only for the
grants the live catalog does not already hold (none in steady state): a function's argument
types as the server prints them (``int4`` → ``integer``), and whether every grantee role and
every object exists. A role that does not exist is an error (schemadiff never creates roles),
and so is an object that is neither in the database nor declared in the file."""

from __future__ import annotations

import json
from dataclasses import replace

from ..errors import GrantTargetMissing
from ..model import Catalog, Grant, GrantTarget
from ..model.grants import PUBLIC
from ..model.sequences import serial_sequence_name

# One row per missing role ('role', name) and per target (i, found, canonical name).
_QUERY = """
WITH t AS (SELECT * FROM jsonb_to_recordset(%(targets)s::jsonb)
                AS x(i int, kind text, schema text, name text, col text, args jsonb)),
     found AS (
    SELECT t.i, CASE
        WHEN t.kind = 'schema' THEN (SELECT n.nspname FROM pg_namespace n WHERE n.nspname = t.schema)
        -- to_regprocedure raises (not NULL) for an argument type that does not exist yet
        WHEN t.kind = 'function' AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(t.args) a
                                             WHERE to_regtype(a) IS NULL) THEN NULL
        WHEN t.kind = 'function' THEN (
            SELECT p.proname || '(' || oidvectortypes(p.proargtypes) || ')' FROM pg_proc p
            WHERE p.oid = to_regprocedure(quote_ident(t.schema) || '.' || quote_ident(split_part(t.name, '(', 1))
                                          || substr(t.name, strpos(t.name, '('))))
        WHEN t.kind = 'type' THEN (
            SELECT ty.typname FROM pg_type ty WHERE ty.oid = to_regtype(quote_ident(t.schema) || '.' || quote_ident(t.name)))
        WHEN t.kind = 'column' THEN (
            SELECT a.attname FROM pg_attribute a
            WHERE a.attrelid = to_regclass(quote_ident(t.schema) || '.' || quote_ident(t.name))
              AND a.attname = t.col AND a.attnum > 0 AND NOT a.attisdropped)
        ELSE (SELECT c.relname FROM pg_class c
              WHERE c.oid = to_regclass(quote_ident(t.schema) || '.' || quote_ident(t.name))
                AND (c.relkind = 'S') = (t.kind = 'sequence') AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S'))
        END AS canonical
    FROM t)
SELECT 'role', NULL::int, r FROM unnest(%(roles)s::text[]) r WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)
UNION ALL
SELECT 'target', i, canonical FROM found
"""


def canonicalize_grants(conn, current: Catalog, desired: Catalog) -> Catalog:
    """``desired`` with function signatures spelled as the live catalog spells them; raises
    GrantTargetMissing for a role or object that is missing."""
    held = {g.key for g in current.grants} | {g.key for g in current.default_grants}
    suspects = [g for g in desired.grants if g.key not in held] if desired.manages_grants else []
    rules = [g for g in desired.default_grants if g.key not in held] if desired.manages_default_grants else []
    if not suspects and not rules:
        return desired
    known_roles = {g.grantee for g in current.grants} | {g.grantee for g in current.default_grants} \
        | {g.role for g in current.default_grants} | {PUBLIC}
    wanted_roles = {g.grantee for g in suspects} | {g.grantee for g in rules} | {g.role for g in rules}
    roles = sorted(wanted_roles - known_roles)
    suspects += [Grant(GrantTarget("schema", g.schema), PUBLIC) for g in rules if g.schema]
    targets = sorted({g.target for g in suspects})
    payload = [{"i": i, "kind": t.kind, "schema": t.schema, "name": t.name, "col": t.column,
                "args": argument_types(t.name) if t.kind == "function" else []} for i, t in enumerate(targets)]
    with conn.cursor() as cur:
        cur.execute(_QUERY, {"targets": json.dumps(payload), "roles": roles}, prepare=False)
        rows = cur.fetchall()
    missing_roles = [value for what, _, value in rows if what == "role"]
    canonical = {targets[i]: value for what, i, value in rows if what == "target"}
    declared = declared_objects(desired)
    missing = [t for t, value in canonical.items() if value is None and not _declared(t, declared)]
    if missing_roles or missing:
        raise GrantTargetMissing(_message(missing_roles, missing))
    renamed = {t: replace(t, name=value) for t, value in canonical.items() if t.kind == "function" and value}
    if not renamed:
        return desired
    return replace(desired, grants=tuple(sorted(replace(g, target=renamed.get(g.target, g.target)) for g in desired.grants)))


def argument_types(signature: str) -> list[str]:
    """``f(numeric(5,2), app.mood)`` → ``['numeric(5,2)', 'app.mood']``: the argument types of a
    function grant's signature, split at the commas outside parentheses and quotes."""
    inner = signature[signature.find("(") + 1:signature.rfind(")")] if "(" in signature else ""
    parts, depth, quoted, current = [], 0, False, ""
    for ch in inner:
        quoted = not quoted if ch == '"' else quoted
        depth += (ch == "(") - (ch == ")") if not quoted else 0
        if ch == "," and depth == 0 and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [p.strip() for p in parts + [current] if p.strip()]


def declared_objects(desired: Catalog) -> set:
    """(schema, name) of every object the file declares, of any kind (so the plan creates it),
    the schemas as (schema, ""), and (schema, table, column) of the tables' columns."""
    out = {(s, "") for s in desired.schemas}
    for value in vars(desired).values():
        if isinstance(value, tuple):
            out |= {(o.qualified.schema, o.qualified.name) for o in value if hasattr(o, "qualified")}
    out |= {(t.schema, t.name, c.name) for t in desired.tables for c in t.columns}
    out |= {(s.schema, s.name) for t in desired.tables for c in t.columns if c.serial or c.identity
            for s in (serial_sequence_name(t.qualified, c.name),)}  # an identity's is named the same way
    return out


def _declared(target, declared: set) -> bool:
    if target.kind == "column":
        return (target.schema, target.name, target.column) in declared
    if target.kind == "function":
        return (target.schema, target.name.split("(", 1)[0]) in declared or (target.schema, target.name) in declared
    return (target.schema, target.name) in declared


def _message(roles: list, objects: list) -> str:
    parts = []
    if roles:
        parts.append(f"role(s) {', '.join(roles)} do not exist (schemadiff never creates roles: create them first, "
                     "e.g. CREATE ROLE … in your provisioning, or fix the name under 'privileges:')")
    if objects:
        parts.append(f"{', '.join(t.label for t in objects)} neither exist(s) in the database nor are declared in the "
                     "file (check the name; a function is named with its argument types, e.g. public.f(integer, text))")
    return "The schema file's privileges cannot be planned: " + "; ".join(parts) + ". Nothing was changed."


