"""SD017: any change the planner marks destructive that no rule of its own speaks for — a
dropped sequence, extension, domain, enum, range type, partition or composite attribute, a
narrowed integer, a column turned generated — so that data loss of every kind fails review."""

from __future__ import annotations

from typing import Iterable, Optional

from ..describe import object_name
from ..hazards import hazards_of
from ..kinds import RULES as KIND_RULES
from ..statements import DESTRUCTIVE, PlanOptions
from .rules import Raw


def data_loss_findings(change, online: bool) -> Iterable[Raw]:
    """One SD017 finding naming every destructive hazard of ``change``, if it has any."""
    losses = [h.message for h in _hazards(change, online) if h.kind == DESTRUCTIVE]
    if losses:
        table, obj = location(change)
        yield "SD017", table, obj, "; ".join(losses)


def _hazards(change, online: bool) -> tuple:
    rules = KIND_RULES.get(type(change))
    if rules is not None:
        change = rules.adapt(change, PlanOptions(online=online))
    return hazards_of(change)


def location(change) -> tuple[str, Optional[str]]:
    """(table, object) of a change, the way its table's ``lint: ignore`` entries name it; a change
    outside tables (a sequence, a type) is located at its own name."""
    name = object_name(change)
    table = getattr(change, "table", None) or getattr(change, "parent", None)
    table = getattr(table, "qualified", table)  # DropTable holds the whole Table
    if not hasattr(table, "schema"):
        return name, None
    if name == str(table):
        return name, None
    prefix = f"{table}."
    return str(table), name[len(prefix):] if name.startswith(prefix) else name.rsplit(".", 1)[-1]
