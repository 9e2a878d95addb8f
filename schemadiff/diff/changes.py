"""The change types a diff produces. Plain data: no SQL, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

from ..model import Column, Constraint, Enum, Index, QualifiedName, Table


@dataclass(frozen=True)
class CreateSchema:
    """Create a schema the file uses."""
    name: str


@dataclass(frozen=True)
class CreateEnum:
    """Create an enum type."""
    enum: Enum


@dataclass(frozen=True)
class DropEnum:
    """Drop an enum type no longer declared."""
    enum: Enum


@dataclass(frozen=True)
class AddEnumValue:
    """Add one label to an enum, before ``before`` (None: at the end)."""
    enum: QualifiedName
    value: str
    before: Optional[str] = None


@dataclass(frozen=True)
class RenameEnumValue:
    """Rename one label of an enum."""
    enum: QualifiedName
    old: str
    new: str


@dataclass(frozen=True)
class RenameEnum:
    """Rename an enum type (``renamed_from``)."""
    old: QualifiedName
    new: QualifiedName


@dataclass(frozen=True)
class RecreateEnum:
    """Rebuild an enum without some labels (PostgreSQL cannot drop a label)."""
    from_: Enum
    to: Enum
    columns: tuple  # ((QualifiedName table, column name, column type), ...)
    # ((QualifiedName table, Index | CheckConstraint), ...): kept partial or expression indexes
    # and checks whose text names one of ``columns``, as they are live; dropped and made again
    # around the rebuild (their stored text names the set-aside type, which ALTER TYPE trips on).
    dependents: tuple = ()


@dataclass(frozen=True)
class CreateTable:
    """Create a table with its columns, primary key, unique and check constraints."""
    table: Table
    depth: int = field(default=0, compare=False)  # generations of INHERITS parents: those first


@dataclass(frozen=True)
class DropTable:
    """Drop a table and its rows."""
    table: Table
    depth: int = field(default=0, compare=False)  # generations of INHERITS parents: children first


@dataclass(frozen=True)
class RenameTable:
    """Rename a table (``renamed_from``)."""
    old: QualifiedName
    new: QualifiedName


@dataclass(frozen=True)
class AddColumn:
    """Add a column to an existing table; ``rows_need_a_value``: its type is a NOT NULL domain
    with no default on the domain or the column, so rows already there make it fail."""
    table: QualifiedName
    column: Column
    rows_need_a_value: bool = False


@dataclass(frozen=True)
class DropColumn:
    """Drop a column and its values."""
    table: QualifiedName
    column: Column


@dataclass(frozen=True)
class RenameColumn:
    """Rename a column (``renamed_from``)."""
    table: QualifiedName
    old: str
    new: str


@dataclass(frozen=True)
class AlterColumn:
    """Change a column's type, nullability, default, identity, comment, collation, storage or compression."""
    table: QualifiedName
    from_: Column
    to: Column

    @property
    def changed(self) -> tuple[str, ...]:
        from ..pg import normalize

        fields = []
        if self.from_.type != self.to.type:
            fields.append("type")
        if self.from_.nullable != self.to.nullable:
            fields.append("nullable")
        if normalize.expression(self.from_.default) != normalize.expression(self.to.default) or self.from_.serial != self.to.serial:
            fields.append("default")
        if self.from_.identity != self.to.identity:
            fields.append("identity")
        if self.from_.identity_options != self.to.identity_options and self.to.identity:
            fields.append("identity_options")
        if (self.from_.comment or None) != (self.to.comment or None):
            fields.append("comment")
        fields += [f for f in ("collation", "storage", "compression") if getattr(self.from_, f) != getattr(self.to, f)]
        return tuple(fields)


@dataclass(frozen=True)
class AddConstraint:
    """Add a constraint; ``new_table`` when its table is created by the same plan."""
    table: QualifiedName
    constraint: Constraint
    new_table: bool = False


@dataclass(frozen=True)
class DropConstraint:
    """Drop a constraint."""
    table: QualifiedName
    constraint: Constraint


@dataclass(frozen=True)
class RenameConstraint:
    """Rename a constraint (``renamed_from``)."""
    table: QualifiedName
    old: str
    new: str


@dataclass(frozen=True)
class ValidateConstraint:
    """Validate a constraint that exists NOT VALID."""
    table: QualifiedName
    constraint: Constraint


@dataclass(frozen=True)
class AlterConstraintTiming:
    """Change a foreign key's DEFERRABLE / INITIALLY DEFERRED in place (ALTER CONSTRAINT)."""
    table: QualifiedName
    from_: Constraint
    to: Constraint


@dataclass(frozen=True)
class AddIndex:
    """Create an index; ``new_table`` when its table is created by the same plan."""
    table: QualifiedName
    index: Index
    new_table: bool = False


@dataclass(frozen=True)
class DropIndex:
    """Drop an index (also used to clear an INVALID one before rebuilding it)."""
    table: QualifiedName
    index: Index


@dataclass(frozen=True)
class RenameIndex:
    """Rename an index (``renamed_from``)."""
    table: QualifiedName
    old: str
    new: str


@dataclass(frozen=True)
class SetTableComment:
    """Set or clear a table's comment."""
    table: QualifiedName
    from_: Optional[str]
    to: Optional[str]


Change = Union[
    CreateSchema, CreateEnum, DropEnum, AddEnumValue, RenameEnumValue, RenameEnum, RecreateEnum,
    CreateTable, DropTable, RenameTable, AddColumn, DropColumn, RenameColumn, AlterColumn,
    AddConstraint, DropConstraint, RenameConstraint, ValidateConstraint, AddIndex, DropIndex,
    RenameIndex, SetTableComment, AlterConstraintTiming,
]
