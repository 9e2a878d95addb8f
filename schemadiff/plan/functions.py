"""How functions and procedures are planned: their SQL, description, hazards and how `check`
reads them. Every CREATE is ``CREATE OR REPLACE`` (rerunnable), preceded by ``SET LOCAL
check_function_bodies = off`` as pg_dump does, so that a body may name tables created later
in the plan. They are made after the user types and before the tables whose defaults, checks,
indexes and generated columns may call them; dropped once those are gone."""

from __future__ import annotations

from ..diff import functions as fn
from ..model import Function
from ..model.functions import LIST_SETTINGS
from ..pg.naming import qualify, quote_ident, quote_literal
from ..pg.routines import arguments_text
from . import kinds
from .render import _comment
from .statements import LOCKING, Hazard

NO_CHECK = "SET LOCAL check_function_bodies = off"


def signature(f: Function, schema: str = "", name: str = "") -> str:
    return f"{qualify(schema or f.schema, name or f.name)}({arguments_text(f.arguments)})"


def create_sql(f: Function, schema: str = "", name: str = "") -> str:
    """The CREATE OR REPLACE statement of ``f`` (under another schema and name for a probe)."""
    lines = [f"CREATE OR REPLACE {f.word} {signature(f, schema, name)}"]
    if not f.procedure:
        lines.append(f" RETURNS {f.returns}")
    lines.append(f" LANGUAGE {quote_ident(f.language)}")
    attributes = [word for word, on in (
        (f.volatility.upper(), f.volatility != "volatile"), ("STRICT", f.strict),
        ("SECURITY DEFINER", f.security_definer), ("LEAKPROOF", f.leakproof),
        (f"PARALLEL {f.parallel.upper()}", f.parallel != "unsafe"),
        (f"COST {_number(f.cost)}", f.cost is not None), (f"ROWS {_number(f.rows)}", f.rows is not None)) if on]
    if attributes:
        lines.append(" " + " ".join(attributes))
    lines += [f" SET {quote_ident(k)} TO {list_setting(v) if k in LIST_SETTINGS else quote_literal(v)}" for k, v in f.config]
    lines.append(f.sql_body if f.sql_body is not None else f"AS {dollar_quote(f.body or '')}")
    return "\n".join(lines)


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


def dollar_quote(text: str) -> str:
    tag, n = "$function$", 0
    while tag in text:
        n += 1
        tag = f"$function{n}$"
    return f"{tag}{text}{tag}"


def create_statements(f: Function) -> list[str]:
    out = [NO_CHECK, create_sql(f)]
    if f.comment is not None:
        out.append(_comment(f.word, signature_without_defaults(f), f.comment))
    return out


def signature_without_defaults(f: Function) -> str:
    return f"{qualify(f.schema, f.name)}({arguments_text(f.arguments, defaults=False)})"


def drop_sql(f: Function) -> str:
    return f"DROP {f.word} IF EXISTS {signature_without_defaults(f)}"


def _table_user(user: tuple) -> str:
    """As PostgreSQL names it in its refusal (an exclusion constraint by its constraint's name)."""
    kind, schema, owner, name = user
    owner = owner if schema == "public" else f"{schema}.{owner}"
    if kind == "domain check":
        return f"constraint {name} on type {owner}"
    return f"constraint {name} on table {owner}" if kind == "constraint" else f"index {name} on table {owner}"


def _used_by(f: Function, verb: str) -> tuple:
    users = f.used_by + tuple(f"default value for column {column} of table {schema}.{table}"
                              for schema, table, column in f.default_users) + tuple(map(_table_user, f.table_users))
    if not users:
        return ()
    return (Hazard(LOCKING, "FAILS_IF_USED", f"{verb} {f.label}: PostgreSQL refuses while it is used by "
                                             f"{'; '.join(users)}"),)


def _describe_replace(c: fn.ReplaceFunction) -> str:
    return f"drop and re-create {c.new.label} ({c.reason})"


def register_all() -> None:
    r = kinds.register
    r(fn.CreateFunction, describe=lambda c: f"create {c.function.label}" + (f" ({c.reason})" if c.reason else ""),
      render=lambda c: create_statements(c.function), object=lambda c: str(c.function.qualified) + _args(c.function),
      kind="function", severity="critical", problem="missing")
    r(fn.ChangeFunction, describe=lambda c: f"replace {c.to.label} (CREATE OR REPLACE)",
      render=lambda c: [NO_CHECK, create_sql(c.to)], object=lambda c: str(c.to.qualified) + _args(c.to),
      kind="function")
    r(fn.ReplaceFunction, describe=_describe_replace,
      render=lambda c: [drop_sql(c.old), *create_statements(c.new)],
      hazards=lambda c: _used_by(c.old, "drops and re-creates"),
      object=lambda c: str(c.new.qualified) + _args(c.new), kind="function")
    r(fn.DropFunction, describe=lambda c: f"drop {c.function.label}" + (f" ({c.reason})" if c.reason else ""), render=lambda c: [drop_sql(c.function)],
      hazards=lambda c: _used_by(c.function, "drops"), object=lambda c: str(c.function.qualified) + _args(c.function),
      kind="function", problem="extra")
    r(fn.SetFunctionComment,
      describe=lambda c: f"{'drop' if c.comment is None else 'set'} comment of {c.function.label}",
      render=lambda c: [_comment(c.function.word, signature_without_defaults(c.function), c.comment)],
      object=lambda c: str(c.function.qualified) + _args(c.function), kind="function")


def _args(f: Function) -> str:
    return f"({', '.join(f.identity)})"


register_all()


def list_setting(value: str) -> str:
    """A list setting as SET takes it: its names as the catalog prints them, but for the empty
    one, which the catalog prints ``""`` (a zero-length identifier SET refuses) and SET takes as
    ``''``."""
    return ", ".join("''" if part.strip() == '""' else part.strip() for part in value.split(","))
