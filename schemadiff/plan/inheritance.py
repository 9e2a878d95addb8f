"""SQL, locks and hazards of ALTER TABLE … INHERIT / NO INHERIT."""

from __future__ import annotations

from ..diff.inheritance import InheritTable, NoInheritTable
from . import kinds
from .render import q
from .statements import LOCKING, Hazard

_LOCK = "ACCESS EXCLUSIVE on the child, SHARE UPDATE EXCLUSIVE on the parent (brief; catalog only)"


def _inherit_hazards(c: InheritTable) -> tuple:
    return (Hazard(LOCKING, "INHERIT_NEEDS_MATCHING_COLUMNS",
                   f"{c.table} must already have every column of {c.parent} (same types, NOT NULL where the parent's "
                   f"is) and its CHECK constraints, or PostgreSQL refuses INHERIT; the plan adds those it lacks, but "
                   f"queries on {c.parent} read {c.table}'s rows from now on"),)


kinds.register(
    InheritTable,
    describe=lambda c: f"make table {c.table} inherit {c.parent}",
    render=lambda c: [f"ALTER TABLE {q(c.table)} INHERIT {q(c.parent)}"],
    hazards=_inherit_hazards, lock=lambda c: _LOCK, object=lambda c: str(c.table), kind="table", problem="differs",
)

kinds.register(
    NoInheritTable,
    describe=lambda c: f"stop table {c.table} inheriting {c.parent} (it keeps the inherited columns as its own)",
    render=lambda c: [f"ALTER TABLE {q(c.table)} NO INHERIT {q(c.parent)}"],
    lock=lambda c: _LOCK, object=lambda c: str(c.table), kind="table", problem="differs",
)
