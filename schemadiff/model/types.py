"""User-defined types (enums, domains, composite and range types) and collations."""

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
    comment: Optional[str] = None

    @cached_property  # frozen, so safe to keep; diff and plan ask for it many times per table
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)


@dataclass(frozen=True)
class DomainCheck:
    """A CHECK constraint of a domain; ``expression`` speaks of ``VALUE``. ``validated``
    False: NOT VALID (live), or all that the file asks for (``not_valid: true``)."""

    name: str
    expression: str
    validated: bool = True


@dataclass(frozen=True)
class Domain:
    """A domain: a base type (canonical ``format_type`` spelling) with a default, NOT NULL,
    checks and a collation (a collation's qualified name, pg_catalog for the built-in ones)."""

    schema: str
    name: str
    base_type: str
    default: Optional[str] = None
    nullable: bool = True
    checks: tuple[DomainCheck, ...] = ()
    collation: Optional[QualifiedName] = None
    comment: Optional[str] = None

    @cached_property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)


@dataclass(frozen=True)
class CompositeAttribute:
    """One attribute of a composite type."""

    name: str
    type: str
    collation: Optional[QualifiedName] = None


@dataclass(frozen=True)
class CompositeType:
    """A composite type (CREATE TYPE … AS (…)); attributes in order."""

    schema: str
    name: str
    attributes: tuple[CompositeAttribute, ...]
    comment: Optional[str] = None

    @cached_property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)


@dataclass(frozen=True)
class RangeType:
    """A range type over ``subtype``; ``multirange`` is the name of its multirange type (in
    the same schema), ``subtype_opclass`` only when not the subtype's default."""

    schema: str
    name: str
    subtype: str
    subtype_opclass: Optional[str] = None
    collation: Optional[QualifiedName] = None
    subtype_diff: Optional[str] = None
    multirange: str = ""
    comment: Optional[str] = None
    canonical: Optional[str] = None  # read, never created: the file refuses it (see desired/user_types.py)

    @cached_property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)


def default_multirange_name(range_name: str) -> str:
    """PostgreSQL's name for a range's multirange: the first ``range`` in the name becomes
    ``multirange``, else ``_multirange`` is appended (makeMultirangeTypeName)."""
    from ..pg.naming import truncate_identifier

    if "range" in range_name:
        return truncate_identifier(range_name.replace("range", "multirange", 1))
    return truncate_identifier(range_name + "_multirange")


COLLATION_PROVIDERS = ("icu", "libc")


@dataclass(frozen=True)
class Collation:
    """A collation (CREATE COLLATION): icu with ``locale``, or libc with ``lc_collate`` and
    ``lc_ctype``; deterministic unless said otherwise."""

    schema: str
    name: str
    provider: str = "libc"
    locale: Optional[str] = None  # icu only
    lc_collate: Optional[str] = None  # libc only
    lc_ctype: Optional[str] = None  # libc only
    deterministic: bool = True
    comment: Optional[str] = None

    @cached_property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)
