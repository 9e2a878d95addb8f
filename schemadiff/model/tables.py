"""Tables and what lives on them: columns, keys, checks, foreign keys, indexes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Optional, Union

from .names import QualifiedName
from .sequences import SequenceOptions

# Foreign-key actions as PostgreSQL's catalog spells them (pg_constraint.confdeltype).
FK_ACTIONS = ("no action", "restrict", "cascade", "set null", "set default")


IDENTITY_KINDS = ("always", "by default")
STORAGE_KINDS = ("plain", "external", "extended", "main")
COMPRESSIONS = ("pglz", "lz4")
REPLICA_IDENTITIES = ("default", "full", "nothing", "index")


@dataclass(frozen=True)
class Column:
    """A table column; ``type`` is the canonical PostgreSQL spelling (``format_type``)."""

    name: str
    type: str
    nullable: bool = True
    default: Optional[str] = None
    identity: Optional[str] = None  # "always" | "by default"
    identity_options: Optional[SequenceOptions] = None  # None: PostgreSQL's defaults for the type
    serial: bool = False  # owns a sequence that feeds its default (serial/bigserial)
    comment: Optional[str] = None
    generated: Optional[str] = None  # GENERATED ALWAYS AS (expression) STORED; then no default
    collation: Optional[str] = None  # SQL spelling ("C"), only when not the type's own
    storage: Optional[str] = None  # plain | external | extended | main, only when not the type's own
    compression: Optional[str] = None  # pglz | lz4, only when set on the column
    using: Optional[str] = field(default=None, compare=False)  # conversion hint for type changes
    renamed_from: Optional[str] = field(default=None, compare=False)


@dataclass(frozen=True)
class PrimaryKey:
    """A table's primary key."""

    name: str
    columns: tuple[str, ...]
    renamed_from: Optional[str] = field(default=None, compare=False)
    deferrable: bool = False
    initially_deferred: bool = False
    include: tuple[str, ...] = ()  # INCLUDE columns of its index
    parameters: tuple[tuple[str, str], ...] = ()  # its index's storage parameters (see Index)
    comment: Optional[str] = None  # COMMENT ON CONSTRAINT (not on its index)


@dataclass(frozen=True)
class UniqueConstraint:
    """A UNIQUE constraint (backed by an index of the same name); ``nulls_not_distinct``:
    NULLs count as equal (PostgreSQL 15+)."""

    name: str
    columns: tuple[str, ...]
    renamed_from: Optional[str] = field(default=None, compare=False)
    deferrable: bool = False
    initially_deferred: bool = False
    nulls_not_distinct: bool = False
    include: tuple[str, ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()
    comment: Optional[str] = None


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
    on_delete_columns: tuple[str, ...] = ()  # ON DELETE SET NULL/DEFAULT (these), PostgreSQL 15+; () = all
    comment: Optional[str] = None


@dataclass(frozen=True)
class CheckConstraint:
    """A CHECK constraint; ``expression`` is the bare boolean expression.

    ``validated`` False: live, the constraint is NOT VALID (existing rows were never
    checked); in the file (``not_valid: true``), NOT VALID is all that is asked for."""

    name: str
    expression: str
    validated: bool = True
    renamed_from: Optional[str] = field(default=None, compare=False)
    no_inherit: bool = False  # NO INHERIT: holds on this table only, not its children
    comment: Optional[str] = None


@dataclass(frozen=True)
class ExclusionConstraint:
    """An EXCLUDE constraint: no two rows whose ``elements`` (key, operator) all match.
    Keys are spelled as index keys; ``parameters`` are its index's storage parameters."""

    name: str
    elements: tuple[tuple[str, str], ...]
    method: str = "gist"
    where: Optional[str] = None
    include: tuple[str, ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()
    deferrable: bool = False
    initially_deferred: bool = False
    renamed_from: Optional[str] = field(default=None, compare=False)
    comment: Optional[str] = None


Constraint = Union[PrimaryKey, UniqueConstraint, ForeignKey, CheckConstraint, ExclusionConstraint]


@dataclass(frozen=True)
class Index:
    """A secondary index. ``keys`` are column names or expressions, each with its collation,
    operator class and ordering when not the default (``pg.index_keys``); ``parameters``
    its storage parameters (``WITH``), (name, value) pairs as written (compared in any order)."""

    name: str
    keys: tuple[str, ...]
    unique: bool = False
    method: str = "btree"
    where: Optional[str] = None
    include: tuple[str, ...] = ()
    valid: bool = field(default=True, compare=False)
    renamed_from: Optional[str] = field(default=None, compare=False)
    nulls_not_distinct: bool = False
    parameters: tuple[tuple[str, str], ...] = ()
    comment: Optional[str] = None


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
    partition_by: Optional[str] = None  # "RANGE (created_at)" as pg_get_partkeydef prints it
    partitions: tuple = ()  # of model.partitions.Partition
    partitions_external: bool = field(default=False, compare=False)  # see Partition
    unlogged: bool = False
    parameters: tuple[tuple[str, str], ...] = ()  # storage parameters (WITH), sorted, values as text
    replica_identity: str = "default"  # default | full | nothing | index
    replica_index: Optional[str] = None  # the index of REPLICA IDENTITY USING INDEX
    exclusions: tuple[ExclusionConstraint, ...] = ()
    # INHERITS (parents), in order. A child's ``columns`` and ``checks`` are its own (local)
    # ones: those it inherits are its parents' (PostgreSQL propagates them).
    inherits: tuple[QualifiedName, ...] = ()

    @cached_property  # frozen, so safe to keep; diff and plan ask for it many times per table
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)

    def column(self, name: str) -> Optional[Column]:
        return self._columns_by_name.get(name)

    @cached_property  # column() is asked of every column of every table: a scan each was quadratic
    def _columns_by_name(self) -> dict:
        by_name: dict = {}
        for column in self.columns:
            by_name.setdefault(column.name, column)  # the first, as a scan would find
        return by_name

    @property
    def constraints(self) -> tuple[Constraint, ...]:
        pk = (self.primary_key,) if self.primary_key else ()
        return pk + self.uniques + self.foreign_keys + self.checks + self.exclusions

    def replace(self, **changes) -> "Table":
        return replace(self, **changes)
