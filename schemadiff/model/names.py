"""How objects are named across the model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class QualifiedName:
    """A schema-qualified name such as ``public.users``."""

    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"
