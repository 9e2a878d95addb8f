"""How aggregates are planned: their SQL, description and how `check` reads them. A create is
``CREATE OR REPLACE AGGREGATE`` (rerunnable); made after the functions they use and before
the views that call them, dropped before the functions they use."""

from __future__ import annotations

from ..diff import aggregates as ag
from ..model import Aggregate
from ..pg.aggregates import aggregate_arguments_text
from ..pg.naming import qualify, quote_literal
from . import kinds
from .render import _comment

_MODIFY = {"read_only": "READ_ONLY", "shareable": "SHAREABLE", "read_write": "READ_WRITE"}


def signature(a: Aggregate) -> str:
    return f"{qualify(a.schema, a.name)}({aggregate_arguments_text(a.arguments, a.direct)})"


def create_sql(a: Aggregate) -> str:
    options = [f"SFUNC = {a.sfunc}", f"STYPE = {a.stype}"]
    options += [f"{word} = {value}" for word, value in (
        ("SSPACE", a.sspace), ("FINALFUNC", a.finalfunc), ("COMBINEFUNC", a.combinefunc),
        ("SERIALFUNC", a.serialfunc), ("DESERIALFUNC", a.deserialfunc)) if value is not None]
    if a.finalfunc_extra:
        options.append("FINALFUNC_EXTRA")
    if a.finalfunc_modify is not None:
        options.append(f"FINALFUNC_MODIFY = {_MODIFY[a.finalfunc_modify]}")
    if a.initcond is not None:
        options.append(f"INITCOND = {quote_literal(a.initcond)}")
    options += [f"{word} = {value}" for word, value in (
        ("MSFUNC", a.msfunc), ("MINVFUNC", a.minvfunc), ("MSTYPE", a.mstype), ("MSSPACE", a.msspace),
        ("MFINALFUNC", a.mfinalfunc)) if value is not None]
    if a.mfinalfunc_extra:
        options.append("MFINALFUNC_EXTRA")
    if a.minitcond is not None:
        options.append(f"MINITCOND = {quote_literal(a.minitcond)}")
    if a.sortop is not None:
        options.append(f"SORTOP = {a.sortop if '.' not in a.sortop else f'OPERATOR({a.sortop})'}")
    if a.parallel != "unsafe":
        options.append(f"PARALLEL = {a.parallel.upper()}")
    if a.hypothetical:
        options.append("HYPOTHETICAL")
    return f"CREATE OR REPLACE AGGREGATE {signature(a)} (\n  " + ",\n  ".join(options) + "\n)"


def create_statements(a: Aggregate) -> list[str]:
    out = [create_sql(a)]
    if a.comment is not None:
        out.append(_comment("AGGREGATE", signature(a), a.comment))
    return out


def drop_sql(a: Aggregate) -> str:
    return f"DROP AGGREGATE IF EXISTS {signature(a)}"


def _object(a: Aggregate) -> str:
    return f"{a.qualified}({', '.join(a.identity)})"


def register_all() -> None:
    r = kinds.register
    r(ag.CreateAggregate, describe=lambda c: f"create {c.aggregate.label}" + (f" ({c.reason})" if c.reason else ""),
      render=lambda c: create_statements(c.aggregate), object=lambda c: _object(c.aggregate),
      kind="aggregate", severity="critical", problem="missing")
    r(ag.ChangeAggregate, describe=lambda c: f"replace {c.to.label} (CREATE OR REPLACE)",
      render=lambda c: [create_sql(c.to)], object=lambda c: _object(c.to), kind="aggregate")
    r(ag.ReplaceAggregate, describe=lambda c: f"drop and re-create {c.new.label} ({c.reason})",
      render=lambda c: [drop_sql(c.old), *create_statements(c.new)], object=lambda c: _object(c.new),
      kind="aggregate")
    r(ag.DropAggregate, describe=lambda c: f"drop {c.aggregate.label}", render=lambda c: [drop_sql(c.aggregate)],
      object=lambda c: _object(c.aggregate), kind="aggregate", problem="extra")
    r(ag.SetAggregateComment,
      describe=lambda c: f"{'drop' if c.comment is None else 'set'} comment of {c.aggregate.label}",
      render=lambda c: [_comment("AGGREGATE", signature(c.aggregate), c.comment)],
      object=lambda c: _object(c.aggregate), kind="aggregate")


register_all()
