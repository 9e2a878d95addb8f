"""The schema model: what a schema is, independent of YAML, SQL and the catalog.

Both the desired-state loader (``desired``) and the catalog inspector (``catalog``) produce
these objects; ``diff`` compares two of them. Everything is frozen and ordered
deterministically so that equal schemas compare (and hash) equal. One module per family of
objects; :class:`Catalog` ties them together.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Optional

from .names import QualifiedName
from .tables import (
    FK_ACTIONS, IDENTITY_KINDS, CheckConstraint, Column, Constraint, ExclusionConstraint, ForeignKey, Index,
    PrimaryKey, Table, UniqueConstraint,
)
from .types import Enum

__all__ = [
    "Catalog", "CheckConstraint", "Column", "Constraint", "Enum", "ExclusionConstraint", "FK_ACTIONS", "ForeignKey", "IDENTITY_KINDS",
    "Index", "PrimaryKey", "QualifiedName", "Table", "UniqueConstraint", "catalog_hash", "sorted_catalog",
]


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
