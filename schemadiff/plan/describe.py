"""One-line descriptions of changes and the name of the object each touches."""

from __future__ import annotations

from ..diff import changes as ch
from ..model import CheckConstraint, ExclusionConstraint, ForeignKey, PrimaryKey, QualifiedName, UniqueConstraint
from . import kinds


def describe(change) -> str:
    """A one-line human description: ``create table public.users``."""
    c = change
    if isinstance(c, ch.CreateSchema):
        return f"create schema {c.name}"
    if isinstance(c, ch.CreateEnum):
        return f"create enum {c.enum.qualified}"
    if isinstance(c, ch.DropEnum):
        return f"drop enum {c.enum.qualified}"
    if isinstance(c, ch.AddEnumValue):
        return f"add label {c.value!r} to enum {c.enum}"
    if isinstance(c, ch.RenameEnumValue):
        return f"rename label {c.old!r} of enum {c.enum} to {c.new!r}"
    if isinstance(c, ch.RenameEnum):
        return f"rename enum {c.old} to {c.new.name}"
    if isinstance(c, ch.RecreateEnum):
        return f"rebuild enum {c.to.qualified} with labels {', '.join(c.to.values)}"
    if isinstance(c, ch.CreateTable):
        return f"create table {c.table.qualified}"
    if isinstance(c, ch.DropTable):
        return f"drop table {c.table.qualified}"
    if isinstance(c, ch.RenameTable):
        return f"rename table {c.old} to {c.new.name}"
    if isinstance(c, ch.AddColumn):
        return f"add column {c.table}.{c.column.name}"
    if isinstance(c, ch.DropColumn):
        return f"drop column {c.table}.{c.column.name}"
    if isinstance(c, ch.RenameColumn):
        return f"rename column {c.table}.{c.old} to {c.new}"
    if isinstance(c, ch.AlterColumn):
        return f"alter column {c.table}.{c.to.name} ({', '.join(c.changed)})"
    if isinstance(c, ch.AddConstraint):
        return f"add {constraint_word(c.constraint)} {c.constraint.name} on {c.table}"
    if isinstance(c, ch.DropConstraint):
        return f"drop {constraint_word(c.constraint)} {c.constraint.name} on {c.table}"
    if isinstance(c, ch.RenameConstraint):
        return f"rename constraint {c.old} on {c.table} to {c.new}"
    if isinstance(c, ch.ValidateConstraint):
        return f"validate {constraint_word(c.constraint)} {c.constraint.name} on {c.table}"
    if isinstance(c, ch.AddIndex):
        return f"create index {c.index.name} on {c.table}"
    if isinstance(c, ch.DropIndex):
        return f"drop index {c.index.name} on {c.table}" + ("" if c.index.valid else " (invalid, to rebuild)")
    if isinstance(c, ch.RenameIndex):
        return f"rename index {c.old} on {c.table} to {c.new}"
    if isinstance(c, ch.SetTableComment):
        return f"set comment on table {c.table}"
    return kinds.rules_for(c).describe(c)


def constraint_word(constraint) -> str:
    return {PrimaryKey: "primary key", UniqueConstraint: "unique constraint",
            ForeignKey: "foreign key", CheckConstraint: "check",
            ExclusionConstraint: "exclusion constraint"}[type(constraint)]


def object_name(change) -> str:
    """The object a change touches, e.g. ``public.users.users_pkey``."""
    if type(change) in kinds.RULES:
        return kinds.RULES[type(change)].object(change)
    c = change
    for attr in ("table",):
        value = getattr(c, attr, None)
        if value is not None and not isinstance(value, QualifiedName):
            value = value.qualified
        if value is not None:
            inner = getattr(c, "column", None) or getattr(c, "constraint", None) or getattr(c, "index", None) or getattr(c, "to", None)
            name = getattr(inner, "name", None) or getattr(c, "new", None) or ""
            return f"{value}.{name}" if name else str(value)
    if isinstance(c, ch.CreateSchema):
        return c.name
    for attr in ("enum", "to", "new", "old"):
        value = getattr(c, attr, None)
        if value is not None:
            return str(getattr(value, "qualified", value))
    return ""
