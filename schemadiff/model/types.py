"""User-defined types: enums."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

from .names import QualifiedName


@dataclass(frozen=True)
class Enum:
    """An enum type and its labels in sort order."""

    schema: str
    name: str
    values: tuple[str, ...]
    renamed_from: Optional[str] = field(default=None, compare=False)
    # (old, new) label renames written as ``{name: new, renamed_from: old}`` in the values list
    value_renames: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @cached_property  # frozen, so safe to keep; diff and plan ask for it many times per table
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)
