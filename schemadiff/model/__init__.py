"""The schema model: what a schema is, independent of YAML, SQL and the catalog.

Both the desired-state loader (`desired.py`) and the catalog inspector (`inspect.py`)
produce these objects; `diff.py` compares two of them. Everything is frozen and
ordered deterministically so that equal schemas compare (and hash) equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from operator import attrgetter
from typing import Optional, Union

# Foreign-key actions as PostgreSQL's catalog spells them (pg_constraint.confdeltype).
FK_ACTIONS = ("no action", "restrict", "cascade", "set null", "set default")
IDENTITY_KINDS = ("always", "by default")


@dataclass(frozen=True, order=True)
class QualifiedName:
    """A schema-qualified name such as ``public.users``."""

    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Column:
    """A table column; ``type`` is the canonical PostgreSQL spelling (``format_type``)."""

    name: str
    type: str
    nullable: bool = True
    default: Optional[str] = None
    identity: Optional[str] = None  # "always" | "by default"
    serial: bool = False  # owns a sequence that feeds its default (serial/bigserial)
    comment: Optional[str] = None
    using: Optional[str] = field(default=None, compare=False)  # conversion hint for type changes
    renamed_from: Optional[str] = field(default=None, compare=False)


@dataclass(frozen=True)
class PrimaryKey:
    """A table's primary key."""

    name: str
    columns: tuple[str, ...]
    renamed_from: Optional[str] = field(default=None, compare=False)


@dataclass(frozen=True)
class UniqueConstraint:
    """A UNIQUE constraint (backed by an index of the same name)."""

    name: str
    columns: tuple[str, ...]
    renamed_from: Optional[str] = field(default=None, compare=False)


@dataclass(frozen=True)
class ForeignKey:
    """A FOREIGN KEY constraint."""

    name: str
    columns: tuple[str, ...]
    ref_table: QualifiedName
    ref_columns: tuple[str, ...]
    on_delete: str = "no action"
    on_update: str = "no action"
    deferrable: bool = False
    initially_deferred: bool = False
    validated: bool = True  # see CheckConstraint
    renamed_from: Optional[str] = field(default=None, compare=False)


@dataclass(frozen=True)
class CheckConstraint:
    """A CHECK constraint; ``expression`` is the bare boolean expression.

    ``validated`` False: live, the constraint is NOT VALID (existing rows were never
    checked); in the file (``not_valid: true``), NOT VALID is all that is asked for."""

    name: str
    expression: str
    validated: bool = True
    renamed_from: Optional[str] = field(default=None, compare=False)


Constraint = Union[PrimaryKey, UniqueConstraint, ForeignKey, CheckConstraint]


@dataclass(frozen=True)
class Index:
    """A secondary index. ``keys`` are column names or expressions, each with its
    ordering suffix (``created_at DESC``) when not the default."""

    name: str
    keys: tuple[str, ...]
    unique: bool = False
    method: str = "btree"
    where: Optional[str] = None
    include: tuple[str, ...] = ()
    valid: bool = field(default=True, compare=False)
    renamed_from: Optional[str] = field(default=None, compare=False)


@dataclass(frozen=True)
class Table:
    """A table with everything schemadiff manages on it."""

    schema: str
    name: str
    columns: tuple[Column, ...] = ()
    primary_key: Optional[PrimaryKey] = None
    uniques: tuple[UniqueConstraint, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    comment: Optional[str] = None
    renamed_from: Optional[str] = field(default=None, compare=False)

    @cached_property  # frozen, so safe to keep; diff and plan ask for it many times per table
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)

    def column(self, name: str) -> Optional[Column]:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def constraints(self) -> tuple[Constraint, ...]:
        pk = (self.primary_key,) if self.primary_key else ()
        return pk + self.uniques + self.foreign_keys + self.checks

    def replace(self, **changes) -> "Table":
        return replace(self, **changes)


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


@dataclass(frozen=True)
class Catalog:
    """A whole managed schema: tables and enums keyed by qualified name."""

    tables: tuple[Table, ...] = ()
    enums: tuple[Enum, ...] = ()
    schemas: tuple[str, ...] = ("public",)

    def table(self, qualified: QualifiedName) -> Optional[Table]:
        return self.table_map().get(qualified)

    def table_map(self) -> dict[QualifiedName, Table]:
        return {t.qualified: t for t in self.tables}

    def enum_map(self) -> dict[QualifiedName, Enum]:
        return {e.qualified: e for e in self.enums}

    @property
    def index_count(self) -> int:
        return sum(len(t.indexes) for t in self.tables)


def sorted_catalog(tables, enums=(), schemas=()) -> Catalog:
    """Build a Catalog with a deterministic order of tables, enums and schemas."""
    tables = tuple(sorted(tables, key=lambda t: (t.schema, t.name)))
    enums = tuple(sorted(enums, key=lambda e: (e.schema, e.name)))
    all_schemas = set(schemas) | {t.schema for t in tables} | {e.schema for e in enums}
    return Catalog(tables=tables, enums=enums, schemas=tuple(sorted(all_schemas)))


def catalog_hash(catalog: Catalog) -> str:
    """A content hash of a catalog: equal models hash equal, whatever file they came from."""
    import hashlib
    import json

    payload = json.dumps(_plain(catalog), sort_keys=True, default=str).encode()
    return hashlib.sha256(payload).hexdigest()


def _plain(value):
    """What ``dataclasses.asdict`` gives (as JSON sees it), without its deep copies: several
    times faster on a big catalog, and the same hash as before."""
    cls = value.__class__
    if cls in _SCALARS:
        return value
    spec = _SPECS.get(cls)
    if spec is None and hasattr(cls, "__dataclass_fields__"):
        names = tuple(f.name for f in fields(value))
        spec = _SPECS[cls] = (names, attrgetter(*names) if len(names) > 1 else (lambda v, n=names[0]: (getattr(v, n),)))
    if spec is not None:
        out = dict(zip(spec[0], spec[1](value)))
        for key, item in out.items():
            if item.__class__ not in _SCALARS:
                out[key] = _plain(item)
        return out
    if isinstance(value, (tuple, list)):
        if all(v.__class__ in _SCALARS for v in value):
            return value  # json writes a tuple of strings as the list asdict would give
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})
_SPECS: dict = {}
