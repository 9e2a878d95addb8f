"""Row-level security of a table (``ALTER TABLE … ENABLE / FORCE ROW LEVEL SECURITY``) and
its policies (``CREATE POLICY``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .dependencies import Reference
from .names import QualifiedName

COMMANDS = ("all", "select", "insert", "update", "delete")


@dataclass(frozen=True)
class RowSecurity:
    """A table with row-level security enabled (and perhaps forced on its owner too)."""

    schema: str
    name: str
    enabled: bool = True
    forced: bool = False

    @property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)

    @property
    def mode(self) -> str:
        return "forced" if self.forced and self.enabled else "enabled" if self.enabled else "disabled"


@dataclass(frozen=True)
class Policy:
    """One policy; ``roles`` sorted, ``public`` for PUBLIC; expressions as text."""

    schema: str  # the table's
    table: str
    name: str
    command: str = "all"
    permissive: bool = True
    roles: tuple[str, ...] = ("public",)
    using: Optional[str] = None
    with_check: Optional[str] = None
    comment: Optional[str] = None
    renamed_from: Optional[str] = field(default=None, compare=False)
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
