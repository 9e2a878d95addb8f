"""Constraint changes made in place rather than by drop and add: a foreign key's timing."""

from __future__ import annotations

from ..diff import changes as ch
from ..pg.naming import quote_ident
from . import kinds
from .render import q


def _timing_sql(c: ch.AlterConstraintTiming) -> list[str]:
    timing = "NOT DEFERRABLE" if not c.to.deferrable else \
        "DEFERRABLE INITIALLY " + ("DEFERRED" if c.to.initially_deferred else "IMMEDIATE")
    return [f"ALTER TABLE {q(c.table)} ALTER CONSTRAINT {quote_ident(c.to.name)} {timing}"]


def _timing_words(constraint) -> str:
    if not constraint.deferrable:
        return "not deferrable"
    return "deferrable, initially " + ("deferred" if constraint.initially_deferred else "immediate")


kinds.register(
    ch.AlterConstraintTiming,
    describe=lambda c: f"make foreign key {c.to.name} on {c.table} {_timing_words(c.to)}",
    render=_timing_sql,
    lock=lambda c: "ACCESS EXCLUSIVE (brief; catalog only)",
    object=lambda c: f"{c.table}.{c.to.name}",
    kind="constraint", problem="differs",
)
