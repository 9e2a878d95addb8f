"""Triggers (``CREATE [CONSTRAINT] TRIGGER``) on tables, partitioned tables and views.

The function a trigger calls is named as under ``search_path = public``: bare when it lives in
public or pg_catalog, else ``schema.name``. A WHEN condition is kept as text (the server's
reading of it on the live side, see ``catalog/triggers.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .dependencies import Reference
from .names import QualifiedName

TIMINGS = ("before", "after", "instead of")
EVENTS = ("insert", "update", "delete", "truncate")  # the order PostgreSQL prints them in
ENABLED = ("origin", "always", "replica", "disabled")


@dataclass(frozen=True)
class Trigger:
    """One trigger; ``update_columns`` are those of ``UPDATE OF``, in their written order."""

    schema: str  # the table's
    table: str
    name: str
    timing: str
    events: tuple[str, ...]
    function: str
    arguments: tuple[str, ...] = ()
    update_columns: tuple[str, ...] = ()
    for_each: str = "row"
    when: Optional[str] = None
    constraint: bool = False
    deferrable: bool = False
    initially_deferred: bool = False
    referenced_table: Optional[QualifiedName] = None  # a constraint trigger's FROM
    old_table: Optional[str] = None  # REFERENCING OLD TABLE AS …
    new_table: Optional[str] = None
    enabled: str = "origin"
    comment: Optional[str] = None
    depends_on: tuple[Reference, ...] = field(default=(), compare=False)

    @property
    def on(self) -> QualifiedName:
        return QualifiedName(self.schema, self.table)

    @property
    def key(self) -> tuple:
        return (self.schema, self.table, self.name)

    @property
    def label(self) -> str:
        return f"{self.name} on {self.on}"


def function_name(schema: str, name: str) -> str:
    """How a trigger's function is named: bare in public and pg_catalog."""
    return name if schema in ("public", "pg_catalog") else f"{schema}.{name}"
