"""Functions and procedures: created, replaced in place (``CREATE OR REPLACE``), dropped and
re-created where PostgreSQL refuses ``OR REPLACE`` (another result type, an input parameter
renamed, a default removed, a function becoming a procedure), dropped, commented. Matched by
schema, name and input argument types: another argument list is another function.

Dropped only by a file with a ``functions:`` (``procedures:``) key, each key for its kind."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from ..model import Catalog, Function
from ..pg import normalize
from ..pg.sqltree import same_expression, same_sql
from .keyed import keyed_diff


@dataclass(frozen=True)
class CreateFunction:
    """Create a function or procedure (before the tables whose defaults may call it)."""
    function: Function
    reason: str = field(default="", compare=False)  # "re-created around …" when a dependents pass adds it
    depth: int = field(default=0, compare=False)  # after the new functions its defaults or SQL body call
    after_tables: bool = field(default=False, compare=False)  # see reads_tables
    after_views: bool = field(default=False, compare=False)  # made among the views, after those it reads (depth)

    @property
    def touches(self) -> tuple:
        return ("function", self.function.schema, self.function.signature)


@dataclass(frozen=True)
class ChangeFunction:
    """``CREATE OR REPLACE`` a function whose body or attributes change: in place, nothing
    that uses it notices."""
    from_: Function
    to: Function
    after_tables: bool = field(default=False, compare=False)

    @property
    def touches(self) -> tuple:
        return ("function", self.to.schema, self.to.signature)


@dataclass(frozen=True)
class ReplaceFunction:
    """Drop and re-create a function PostgreSQL cannot replace in place (``reason``). Its
    DROP must come before, and its CREATE after, whatever depends on it is re-created."""
    old: Function
    new: Function
    reason: str = field(default="", compare=False)
    after_tables: bool = field(default=False, compare=False)

    @property
    def touches(self) -> tuple:
        return ("function", self.old.schema, self.old.signature)


@dataclass(frozen=True)
class DropFunction:
    """Drop a function or procedure the file no longer declares (callers first: an SQL-standard
    body or a default that calls another function depends on it), or one made again after a
    change it would block (``reason``: "re-created around …", see ``dependents``)."""
    function: Function
    depth: int = field(default=0, compare=False)
    reason: str = field(default="", compare=False)
    before_views: bool = field(default=False, compare=False)  # it uses a view dropped too: goes first

    @property
    def touches(self) -> tuple:
        return ("function", self.function.schema, self.function.signature)


@dataclass(frozen=True)
class SetFunctionComment:
    """Set or clear the comment of a function or procedure."""
    function: Function
    comment: Optional[str]


def diff_functions(current: Catalog, desired: Catalog) -> list:
    cur, want = current.function_map(), desired.function_map()
    added, removed, common = keyed_diff(cur, want)
    tables = {t.name if t.schema == "public" else f"{t.schema}.{t.name}" for t in desired.tables}
    changes: list = [_create(want[k], d, tables, desired) for k, d in _depths([want[k] for k in added]).items()]
    dropped = [cur[k] for k in removed if (desired.manages_procedures if cur[k].procedure else desired.manages_functions)]
    changes += [DropFunction(cur[k], depth=d) for k, d in _depths(dropped).items()]
    for k in common:
        old, new = cur[k], want[k]
        if not same_definition(old, new):
            reason = refused_in_place(old, new)
            late = reads_tables(new, tables)
            changes.append(ReplaceFunction(old, new, reason, late) if reason else ChangeFunction(old, new, late))
            if reason:
                continue
        if old.comment != new.comment:
            changes.append(SetFunctionComment(new, new.comment))
    return changes


def _create(f: Function, depth: int, tables: set, desired: Catalog) -> CreateFunction:
    """A function whose SQL-standard body reads a view of the file, or whose argument or result
    is a view's row type, is made among the views: after the deepest one it needs."""
    from .views import desired_depths

    if not views_needed(f, desired):
        return CreateFunction(f, depth=depth, after_tables=reads_tables(f, tables))
    return CreateFunction(f, depth=max(depth, desired_depths(desired)[("function", f.key)]), after_views=True)


def views_needed(f: Function, desired: Catalog) -> list:
    """The file's views ``f`` needs when it is created: read by its SQL-standard body, or its
    argument or result row type."""
    views = {v.name if v.schema == "public" else f"{v.schema}.{v.name}": v.qualified for v in desired.views}
    return [views[n] for n in _names_read(f) if n in views]


def _names_read(f: Function) -> set:
    """The relations an SQL-standard body reads and the types of arguments and result, spelled
    as the file spells names (public's bare)."""
    from ..pg.sqltree import relations

    names = {t.removesuffix("[]") for t in [a.type for a in f.arguments] + [(f.returns or "").removeprefix("SETOF ")]}
    if f.sql_body is not None:
        names |= {n if s in (None, "public") else f"{s}.{n}"
                  for s, n in relations(f"CREATE FUNCTION x() RETURNS int LANGUAGE sql {f.sql_body}")}
    return names


def reads_tables(f: Function, tables: set) -> bool:
    """Whether ``f`` needs the file's tables to exist when created: an SQL-standard body is
    checked at once (with any relation it names), and a table's row type may be an argument
    or the result. Such functions are made after the tables (and cannot be called by their
    defaults)."""
    from ..pg.sqltree import relations

    if f.sql_body is not None and relations(f"CREATE FUNCTION x() RETURNS int LANGUAGE sql {f.sql_body}"):
        return True
    types = [a.type for a in f.arguments] + [(f.returns or "").removeprefix("SETOF ")]
    return any(t.removesuffix("[]") in tables for t in types)


def reads_views(f: Function, desired: Catalog) -> bool:
    """Whether ``f`` needs one of the file's views (or materialized views) to exist when
    created: its SQL-standard body reads one, or an argument or the result is its row type
    (``RETURNS SETOF active_users``). Such functions are made after the views."""
    from ..pg.sqltree import relations

    views = {(v.schema, v.name) for v in desired.views}
    if not views:
        return False
    named = {(s or "public", n) for s, n in relations(f"CREATE FUNCTION x() RETURNS int LANGUAGE sql {f.sql_body}")} \
        if f.sql_body is not None else set()
    for t in [a.type for a in f.arguments] + [(f.returns or "").removeprefix("SETOF ")]:
        schema, _, name = t.removesuffix("[]").rpartition(".")
        named.add((schema or "public", name))
    return bool(named & views)


def same_definition(old: Function, new: Function) -> bool:
    """Equal but for the comment, bodies compared as text without surrounding white space (or
    by parse tree for SQL), defaults as expressions."""
    plain = ("schema", "name", "returns", "language", "procedure", "volatility", "strict", "security_definer",
             "leakproof", "parallel", "cost", "rows", "config")
    return all(getattr(old, a) == getattr(new, a) for a in plain) and same_arguments(old.arguments, new.arguments) \
        and same_body(old.body, new.body, old.language) and same_sql_body(old.sql_body, new.sql_body)


def same_arguments(old, new) -> bool:
    return len(old) == len(new) and all(
        (a.name, a.type, a.mode) == (b.name, b.type, b.mode) and same_default(a.default, b.default)
        for a, b in zip(old, new))


def same_default(a: Optional[str], b: Optional[str]) -> bool:
    return a == b or (a is not None and b is not None
                      and (normalize.expression(a) == normalize.expression(b) or same_expression(a, b)))


def same_body(a: Optional[str], b: Optional[str], language: str) -> bool:
    if a is None or b is None:
        return a == b
    return a.strip() == b.strip() or (language == "sql" and same_sql(a, b))


def same_sql_body(a: Optional[str], b: Optional[str]) -> bool:
    """SQL-standard bodies (``RETURN a + 1`` is stored as ``RETURN (a + 1)``) by parse tree."""
    if a is None or b is None:
        return a == b
    wrap = "CREATE FUNCTION schemadiff_x() RETURNS int LANGUAGE sql {}".format
    return a.strip() == b.strip() or same_sql(wrap(a), wrap(b))


def refused_in_place(old: Function, new: Function) -> str:
    """Why ``CREATE OR REPLACE`` would fail (PostgreSQL's ProcedureCreate), or ""."""
    if old.procedure != new.procedure:
        return "a function cannot become a procedure" if new.procedure else "a procedure cannot become a function"
    if _result_shape(old) != _result_shape(new):
        return f"its result changes ({old.returns} -> {new.returns})"
    for a, b in zip((a for a in old.arguments if a.is_input), (b for b in new.arguments if b.is_input)):
        if a.name and a.name != b.name:
            return f"input parameter {a.name} is renamed"
    if sum(a.default is not None for a in old.arguments) > sum(b.default is not None for b in new.arguments):
        return "a parameter default is removed"
    return ""


def _result_shape(f: Function) -> tuple:
    """What PostgreSQL keeps of a result: set or not, the type and, for a record, the row of
    OUT (or TABLE) columns. ``TABLE(a integer)`` and ``SETOF integer`` are the same result."""
    if f.procedure:
        return ("procedure", tuple((a.name, a.type) for a in f.arguments if a.mode in ("out", "inout")))
    text = f.returns or ""
    setof = text.startswith(("SETOF ", "TABLE("))
    if text.startswith("TABLE("):
        from ..pg.routines import parse_signature

        columns = parse_signature("", text)[1][6:-1]
        parts = _split_columns(columns)
        if len(parts) == 1:
            return (True, parts[0][1], None)
        return (True, "record", tuple(parts))
    base = text[6:] if text.startswith("SETOF ") else text
    row = tuple((a.name, a.type) for a in f.arguments if a.mode in ("out", "inout")) if base == "record" else None
    return (setof, base, row)


def _split_columns(columns: str) -> list:
    from pglast import parse_sql
    from ..pg.routines import type_text

    [raw] = parse_sql(f"CREATE FUNCTION x() RETURNS TABLE({columns}) LANGUAGE sql AS ''")
    return [(p.name, type_text(p.argType)) for p in raw.stmt.parameters]


def _depths(created: list) -> dict:
    """Each function's key → 1 + the depth of the others its defaults or SQL body call (by
    name, quoted or not), so that those are created first (and dropped last)."""
    names = {f.key: re.compile(rf'(?<![\w$]){re.escape(f.name)}"?\s*\(') for f in created}
    depth: dict = {}

    def of(f: Function, seen: frozenset) -> int:
        if f.key in depth:
            return depth[f.key]
        text = " ".join([a.default for a in f.arguments if a.default] + [f.sql_body or ""])
        calls = [g for g in created if g.key != f.key and g.key not in seen and names[g.key].search(text)]
        depth[f.key] = 1 + max((of(g, seen | {f.key}) for g in calls), default=-1)
        return depth[f.key]

    for f in created:
        of(f, frozenset())
    return {f.key: depth[f.key] for f in created}
