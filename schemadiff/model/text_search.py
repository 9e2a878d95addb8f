"""Text search dictionaries and configurations (``CREATE TEXT SEARCH …``).

Names of templates, parsers and dictionaries they refer to are plain text, ``name`` when the
object is in pg_catalog or public (where an unqualified name finds it) else ``schema.name``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .names import QualifiedName


@dataclass(frozen=True)
class TextSearchDictionary:
    """A dictionary: a template and its options (``rules = 'unaccent'``), option names lower case."""

    schema: str
    name: str
    template: str
    options: tuple[tuple[str, str], ...] = ()
    comment: Optional[str] = None

    @property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)


@dataclass(frozen=True)
class TextSearchConfiguration:
    """A configuration: a parser and, per token type, the dictionaries tried in order."""

    schema: str
    name: str
    parser: str = "default"
    mappings: tuple[tuple[str, tuple[str, ...]], ...] = ()  # sorted by token type
    comment: Optional[str] = None

    @property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)


def plain_name(schema: str, name: str) -> str:
    """How a template, parser or dictionary is named: bare in pg_catalog and public."""
    return name if schema in ("pg_catalog", "public") else f"{schema}.{name}"
