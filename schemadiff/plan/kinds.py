"""How the planner treats the changes of each object kind beyond tables and enums.

A kind's plan module (``plan/<kind>.py``) registers, for each of its change types, a one-line
description, the SQL, and the lock and hazards, so that adding a kind adds a module instead of
a branch in every function of the planner. Where the change runs relative to others is decided
in one place, ``order.PHASES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional


def _no_hazards(change: Any) -> tuple:
    return ()


def _no_lock(change: Any) -> str:
    return ""


def _as_is(change: Any, options: Any) -> Any:
    return change


@dataclass(frozen=True)
class ChangeRules:
    """What the planner needs to know about one change type."""

    describe: Callable[[Any], str]
    render: Callable[[Any], list[str]]
    hazards: Callable[[Any], tuple] = _no_hazards
    lock: Callable[[Any], str] = _no_lock
    object: Callable[[Any], str] = str
    # Runs in a transaction of its own (what came before commits first, e.g. a new enum label
    # before anything uses it), or outside any transaction (CREATE INDEX CONCURRENTLY).
    isolated: bool = False
    transactional: bool = True
    # How `check` reads the change as health: "the sequence billing.ids is missing" is
    # (critical, sequence, missing); the message is the description.
    severity: str = "warning"
    kind: str = "object"
    problem: str = "differs"
    # The statements themselves, when one change needs several with different transaction
    # needs or an online path (``statements(change, options) -> list[Statement]``); then
    # render, hazards and lock describe the plain, one-transaction form.
    statements: Optional[Callable[[Any, Any], list]] = None
    # The change as planned with ``options`` (PlanOptions), e.g. told the server's version.
    adapt: Callable[[Any, Any], Any] = _as_is


RULES: dict[type, ChangeRules] = {}


def register(change_type: type, **rules: Any) -> None:
    """Declare how the planner treats ``change_type``."""
    RULES[change_type] = ChangeRules(**rules)


def rules_for(change: Any) -> ChangeRules:
    try:
        return RULES[type(change)]
    except KeyError:
        raise TypeError(f"the planner knows no rules for {type(change).__name__}") from None
