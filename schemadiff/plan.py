"""Order changes, attach their SQL and hazards: the plan that `plan` shows and `apply` runs.

Ordering is by phase (a valid topological order for the object kinds schemadiff manages:
schemas and types before tables, tables before their keys, referenced keys before foreign
keys; drops in the reverse order), and by name within a phase, so that the same input
always gives a byte-identical plan.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Optional, Sequence

from . import changes as ch
from . import render
from .model import Catalog, CheckConstraint, ForeignKey, PrimaryKey, QualifiedName, UniqueConstraint, catalog_hash
from .types_compat import type_change_kind

DESTRUCTIVE = "destructive"
LOCKING = "locking"


@dataclass(frozen=True)
class Hazard:
    """Why a statement needs care: ``kind`` is destructive or locking, ``code`` names it."""

    kind: str
    code: str
    message: str


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a plan with what a reviewer needs to know about it."""

    sql: str
    description: str
    hazards: tuple[Hazard, ...] = ()
    transactional: bool = True
    kind: str = ""  # the change type, e.g. "AddIndex"
    object: str = ""  # the object it touches, e.g. "public.users.idx_users_created_at"
    # Runs in a transaction of its own: what came before commits first (releasing its locks),
    # e.g. VALIDATE after ADD ... NOT VALID, or a new enum label before anything uses it.
    isolated: bool = False
    lock: str = ""  # the strongest table lock it takes, and for how long, e.g. "ACCESS EXCLUSIVE (brief)"

    @property
    def destructive(self) -> bool:
        return any(h.kind == DESTRUCTIVE for h in self.hazards)

    @property
    def level(self) -> str:
        kinds = {h.kind for h in self.hazards}
        return DESTRUCTIVE if DESTRUCTIVE in kinds else LOCKING if LOCKING in kinds else "safe"


class PlanHashes:
    """The hash of the desired catalog and the fingerprint of the live one a plan was made
    against, computed on first use: hashing a big catalog is a measurable part of a plan, and
    only apply and saved plans need them."""

    def __init__(self, desired_hash: str = "", current_fingerprint: str = "", *,
                 desired: Optional[Catalog] = None, current: Optional[Catalog] = None):
        self._given = (desired_hash, current_fingerprint)
        self._catalogs = (desired, current)

    @cached_property
    def desired(self) -> str:
        return self._given[0] or (catalog_hash(self._catalogs[0]) if self._catalogs[0] is not None else "")

    @cached_property
    def current(self) -> str:
        return self._given[1] or (catalog_hash(self._catalogs[1]) if self._catalogs[1] is not None else "")


@dataclass(frozen=True)
class Plan:
    """The ordered statements that turn the live database into the desired state."""

    statements: tuple[Statement, ...]
    changes: tuple = field(default=(), compare=False)
    hashes: PlanHashes = field(default_factory=PlanHashes, compare=False)

    @property
    def desired_hash(self) -> str:
        return self.hashes.desired

    @property
    def current_fingerprint(self) -> str:
        return self.hashes.current

    @property
    def empty(self) -> bool:
        return not self.statements

    @property
    def destructive(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.destructive)

    def counts(self) -> dict:
        out = {"safe": 0, LOCKING: 0, DESTRUCTIVE: 0}
        for s in self.statements:
            out[s.level] += 1
        return out


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: ``online`` builds indexes concurrently and adds constraints NOT VALID
    then validates them, so that writers are not blocked on existing tables."""

    online: bool = True


PHASES = (
    ch.CreateSchema, ch.RenameEnum, ch.CreateEnum, ch.RenameEnumValue, ch.AddEnumValue,
    ch.RenameTable, ch.RenameColumn, ch.RenameConstraint, ch.RenameIndex,
    "drop-foreign-keys", ch.DropIndex, ch.DropConstraint, ch.DropColumn, ch.DropTable,
    ch.RecreateEnum, ch.CreateTable, ch.AddColumn, ch.AlterColumn, "add-keys", ch.AddIndex,
    "add-foreign-keys", ch.ValidateConstraint, ch.DropEnum, ch.SetTableComment,
)


def _phase(change) -> int:
    if isinstance(change, ch.DropConstraint) and isinstance(change.constraint, ForeignKey):
        return PHASES.index("drop-foreign-keys")
    if isinstance(change, ch.AddConstraint):
        key = "add-foreign-keys" if isinstance(change.constraint, ForeignKey) else "add-keys"
        return PHASES.index(key)
    return PHASES.index(type(change))


def _sort_key(change) -> tuple:
    return (_phase(change), _object_name(change))


def order(changes: Sequence) -> list:
    """Stable phase order; within a phase by object name (enum labels keep file order)."""
    expanded = list(changes)
    for change in changes:
        if isinstance(change, ch.DropTable):
            expanded += [ch.DropConstraint(change.table.qualified, fk) for fk in change.table.foreign_keys]
    return sorted(expanded, key=_sort_key)


def build_plan(changes: Sequence, options: PlanOptions = PlanOptions(), *,
               desired: Optional[Catalog] = None, current: Optional[Catalog] = None) -> Plan:
    """Order ``changes`` and turn each into statements with hazards; ``desired`` and
    ``current`` are the catalogs the plan's hashes are taken of, when asked for."""
    statements: list[Statement] = []
    renames = probable_renames(changes)
    for change in order(changes):
        produced = _statements(change, options)
        if change in renames:
            first = produced[0]
            produced[0] = replace(first, hazards=first.hazards + (renames[change],))
        statements += produced
    return Plan(tuple(statements), tuple(changes), PlanHashes(desired=desired, current=current))


def probable_renames(changes: Sequence) -> dict:
    """Drops that look like one half of a rename (a table dropped and one with the same columns
    added; a column dropped and one of the same type added to the same table), mapped to a
    PROBABLE_RENAME hazard that suggests the ``renamed_from`` hint which would keep the rows."""
    out = {}
    created = [c.table for c in changes if isinstance(c, ch.CreateTable)]
    added = [c for c in changes if isinstance(c, ch.AddColumn)]
    for change in changes:
        if isinstance(change, ch.DropTable):
            shape = _shape(change.table)
            twins = [t for t in created if t.schema == change.table.schema and _shape(t) == shape]
            if twins:
                names = " or ".join(t.name for t in twins)
                out[change] = Hazard(DESTRUCTIVE, "PROBABLE_RENAME", (
                    f"table {names} added by this plan has the same columns as {change.table.qualified}: if it is a rename, "
                    f"write `renamed_from: {change.table.name}` on table {twins[0].name} in the schema file to keep the rows"))
        elif isinstance(change, ch.DropColumn):
            twins = [a.column.name for a in added if a.table == change.table and a.column.type == change.column.type]
            if twins:
                out[change] = Hazard(DESTRUCTIVE, "PROBABLE_RENAME", (
                    f"column {' or '.join(twins)} of the same type ({change.column.type}) is added to {change.table} by this plan: "
                    f"if it is a rename, write `renamed_from: {change.column.name}` on column {twins[0]} in the schema file to keep the values"))
    return out


def _shape(table) -> tuple:
    return tuple(sorted((c.name, c.type) for c in table.columns))


def _statements(change, options: PlanOptions) -> list[Statement]:
    kind = type(change).__name__
    obj = _object_name(change)
    description = describe(change)
    if isinstance(change, ch.AddIndex) and options.online and not change.new_table:
        sql = render.render(change, concurrently=True)[0]
        hazards = (Hazard(LOCKING, "INDEX_BUILD", f"builds the index CONCURRENTLY under a {SHARE_UPDATE_EXCLUSIVE} lock: "
                          "reads and writes continue, but it waits for running transactions on the table and scans it twice"),)
        return [Statement(sql, description, hazards, transactional=False, kind=kind, object=obj,
                          lock=f"{SHARE_UPDATE_EXCLUSIVE} (whole build; writes continue)")]
    if isinstance(change, ch.DropIndex) and options.online:
        sql = render.render(change, concurrently=True)[0]
        return [Statement(sql, description, (), transactional=False, kind=kind, object=obj,
                          lock=f"{SHARE_UPDATE_EXCLUSIVE} (CONCURRENTLY; writes continue)")]
    if isinstance(change, ch.AddConstraint) and options.online and not change.new_table \
            and isinstance(change.constraint, (ForeignKey, CheckConstraint)):
        add = render.render(change, not_valid=True)[0]
        validate = render.render(ch.ValidateConstraint(change.table, change.constraint))[0]
        return [
            Statement(add, description + " (NOT VALID: no scan yet)", (), kind=kind, object=obj, lock=lock_of(change)),
            Statement(validate, f"validate {_constraint_word(change.constraint)} {obj}",
                      (Hazard(LOCKING, "VALIDATE_SCAN", f"scans the table in a transaction of its own under a {SHARE_UPDATE_EXCLUSIVE} "
                              "lock: reads and writes continue; no rewrite"),),
                      kind="ValidateConstraint", object=obj, isolated=True,
                      lock=f"{SHARE_UPDATE_EXCLUSIVE} (whole scan; writes continue)"),
        ]
    if isinstance(change, ch.AlterColumn) and options.online and change.changed == ("nullable",) and not change.to.nullable:
        return _online_set_not_null(change, description, obj)
    sqls = render.render(change)
    hazards = hazards_of(change)
    lock = lock_of(change)
    isolated = isinstance(change, ch.AddEnumValue)
    first = Statement(sqls[0], description, hazards, kind=kind, object=obj, lock=lock, isolated=isolated)
    return [first] + [Statement(sql, _follow_up(sql, description), (), kind=kind, object=obj, lock=lock) for sql in sqls[1:]]


def _follow_up(sql: str, description: str) -> str:
    """Describe the extra statements of a change (comments after CREATE TABLE, …)."""
    if sql.startswith("COMMENT ON"):
        return f"{description}: set comment on {sql.split(' ')[2].lower()} {sql.split(' ')[3]}"
    if "PERFORM setval(" in sql:
        return f"{description}: move the new sequence past the values already in the column"
    return f"{description} (continued)"


def _online_set_not_null(change: ch.AlterColumn, description: str, obj: str) -> list[Statement]:
    """SET NOT NULL scans under an ACCESS EXCLUSIVE lock unless a validated CHECK (col IS NOT
    NULL) already proves it (PostgreSQL 12+); so add that check NOT VALID, validate it under a
    weaker lock, set NOT NULL without a scan, and drop the helper check."""
    from .naming import make_object_name, quote_ident

    col = quote_ident(change.to.name)
    helper = CheckConstraint(make_object_name(change.table.name, change.to.name, "not_null"), f"{col} IS NOT NULL")
    add = ch.AddConstraint(change.table, helper)
    brief = f"{ACCESS_EXCLUSIVE} (brief; no scan, no rewrite)"
    return [
        Statement(render.render(add, not_valid=True)[0], f"{description}: add helper check NOT VALID", kind="AlterColumn", object=obj, lock=brief),
        Statement(render.render(ch.ValidateConstraint(change.table, helper))[0], f"{description}: validate helper check",
                  (Hazard(LOCKING, "VALIDATE_SCAN", f"scans the table for NULLs in a transaction of its own under a {SHARE_UPDATE_EXCLUSIVE} "
                          "lock: reads and writes continue; no rewrite"),),
                  kind="AlterColumn", object=obj, isolated=True, lock=f"{SHARE_UPDATE_EXCLUSIVE} (whole scan; writes continue)"),
        Statement(render.render(change)[0], description + " (proved by the validated check: no scan)", (), kind="AlterColumn", object=obj, lock=brief),
        Statement(render.render(ch.DropConstraint(change.table, helper))[0], f"{description}: drop helper check", kind="AlterColumn", object=obj, lock=brief),
    ]


ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"


def lock_of(change) -> str:
    """The strongest lock a change takes on an existing table, as run in one transaction, and
    for how long; "" when it touches no existing table."""
    brief = f"{ACCESS_EXCLUSIVE} (brief; catalog only)"
    if isinstance(change, (ch.CreateSchema, ch.CreateEnum, ch.CreateTable, ch.AddEnumValue,
                           ch.RenameEnumValue, ch.RenameEnum, ch.DropEnum)):
        return ""
    if isinstance(change, (ch.AddIndex, ch.AddConstraint)) and change.new_table:
        return ""
    if isinstance(change, ch.AddIndex):
        return "SHARE (whole build; blocks writes)"
    if isinstance(change, ch.AddConstraint):
        if isinstance(change.constraint, ForeignKey):
            return "SHARE ROW EXCLUSIVE on both tables (blocks writes while it checks rows)"
        if isinstance(change.constraint, (PrimaryKey, UniqueConstraint)):
            return f"{ACCESS_EXCLUSIVE} (whole index build; blocks reads and writes)"
        return f"{ACCESS_EXCLUSIVE} (while it checks existing rows)"
    if isinstance(change, ch.ValidateConstraint):
        return f"{SHARE_UPDATE_EXCLUSIVE} (whole scan; writes continue)"
    if isinstance(change, ch.SetTableComment):
        return f"{SHARE_UPDATE_EXCLUSIVE} (brief)"
    if isinstance(change, ch.RecreateEnum):
        return f"{ACCESS_EXCLUSIVE} on every table using the type (rewrites them)"
    if isinstance(change, ch.AlterColumn):
        if "type" in change.changed and type_change_kind(change.from_.type, change.to.type) != "binary" or change.to.using and "type" in change.changed:
            return f"{ACCESS_EXCLUSIVE} (whole rewrite; blocks reads and writes)"
        if "nullable" in change.changed and not change.to.nullable:
            return f"{ACCESS_EXCLUSIVE} (while it scans for NULLs)"
        return f"{ACCESS_EXCLUSIVE} (brief; binary-coercible type change: no rewrite)" if "type" in change.changed else brief
    if isinstance(change, ch.AddColumn) and change.column.default is not None and _volatile(change.column.default):
        return f"{ACCESS_EXCLUSIVE} (whole rewrite: volatile default)"
    return brief


def _volatile(expression: str) -> bool:
    """Defaults PostgreSQL must evaluate per row (so ADD COLUMN rewrites the table)."""
    lowered = expression.lower()
    return any(f in lowered for f in ("random(", "gen_random_uuid(", "uuid_generate", "clock_timestamp(",
                                      "timeofday(", "nextval("))


def hazards_of(change) -> tuple[Hazard, ...]:
    """The named hazards of a change applied in one transaction."""
    if isinstance(change, ch.DropTable):
        return (Hazard(DESTRUCTIVE, "DELETES_DATA", f"drops table {change.table.qualified} and all its rows"),)
    if isinstance(change, ch.DropColumn):
        return (Hazard(DESTRUCTIVE, "DELETES_DATA", f"drops column {change.table}.{change.column.name} and its values"),)
    if isinstance(change, ch.RecreateEnum):
        removed = [v for v in change.from_.values if v not in change.to.values]
        return (Hazard(DESTRUCTIVE, "DELETES_DATA", f"removes label(s) {', '.join(removed)} of enum {change.from_.qualified}; rows holding them make it fail"),
                Hazard(LOCKING, "TABLE_REWRITE", "rewrites every column of that type"))
    if isinstance(change, ch.DropEnum):
        return (Hazard(DESTRUCTIVE, "DELETES_DATA", f"drops type {change.enum.qualified}"),)
    if isinstance(change, ch.AlterColumn):
        return _alter_column_hazards(change)
    if isinstance(change, ch.AddIndex) and not change.new_table:
        return (Hazard(LOCKING, "INDEX_BUILD", "builds the index inside the transaction under a SHARE lock: blocks writes to the table until it commits"),)
    if isinstance(change, ch.AddConstraint) and not change.new_table:
        return (Hazard(LOCKING, "VALIDATE_SCAN", f"scans the table to check existing rows while holding {lock_of(change).split(' (')[0]}, which blocks writes"),)
    if isinstance(change, ch.AddColumn) and not change.column.nullable and change.column.default is None \
            and not change.column.serial and not change.column.identity:
        return (Hazard(LOCKING, "FAILS_ON_ROWS", "adds a NOT NULL column without a default: fails if the table has rows"),)
    return ()


def _alter_column_hazards(change: ch.AlterColumn) -> tuple[Hazard, ...]:
    hazards = []
    if "type" in change.changed:
        kind = type_change_kind(change.from_.type, change.to.type)
        where = f"{change.table}.{change.to.name}: {change.from_.type} → {change.to.type}"
        if kind == "narrowing":
            hazards.append(Hazard(DESTRUCTIVE, "NARROWS_TYPE", f"narrows {where}; values that do not fit fail or are lost"))
            hazards.append(Hazard(LOCKING, "TABLE_REWRITE", "rewrites the table and its indexes under an ACCESS EXCLUSIVE lock that blocks reads and writes until it commits"))
        elif kind == "rewrite":
            hazards.append(Hazard(LOCKING, "TABLE_REWRITE", f"changes {where}; rewrites the table and its indexes under an ACCESS EXCLUSIVE lock that blocks reads and writes until it commits"))
        elif kind == "incompatible":
            how = f" with USING {change.to.using}" if change.to.using else ""
            hazards.append(Hazard(DESTRUCTIVE, "CONVERTS_TYPE", f"converts {where}{how}; values may fail to convert or lose information"))
            hazards.append(Hazard(LOCKING, "TABLE_REWRITE", "rewrites the table and its indexes under an ACCESS EXCLUSIVE lock that blocks reads and writes until it commits"))
    if "nullable" in change.changed and not change.to.nullable:
        hazards.append(Hazard(LOCKING, "VALIDATE_SCAN", f"SET NOT NULL on {change.table}.{change.to.name} scans the table under an ACCESS EXCLUSIVE lock; fails on NULLs"))
    return tuple(hazards)


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
        return f"add {_constraint_word(c.constraint)} {c.constraint.name} on {c.table}"
    if isinstance(c, ch.DropConstraint):
        return f"drop {_constraint_word(c.constraint)} {c.constraint.name} on {c.table}"
    if isinstance(c, ch.RenameConstraint):
        return f"rename constraint {c.old} on {c.table} to {c.new}"
    if isinstance(c, ch.ValidateConstraint):
        return f"validate {_constraint_word(c.constraint)} {c.constraint.name} on {c.table}"
    if isinstance(c, ch.AddIndex):
        return f"create index {c.index.name} on {c.table}"
    if isinstance(c, ch.DropIndex):
        return f"drop index {c.index.name} on {c.table}" + ("" if c.index.valid else " (invalid, to rebuild)")
    if isinstance(c, ch.RenameIndex):
        return f"rename index {c.old} on {c.table} to {c.new}"
    if isinstance(c, ch.SetTableComment):
        return f"set comment on table {c.table}"
    raise TypeError(f"no description for {type(c).__name__}")


def _constraint_word(constraint) -> str:
    return {PrimaryKey: "primary key", UniqueConstraint: "unique constraint",
            ForeignKey: "foreign key", CheckConstraint: "check"}[type(constraint)]


def _object_name(change) -> str:
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


def plan_hash(statements: Sequence[Statement]) -> str:
    payload = json.dumps([s.sql for s in statements]).encode()
    return hashlib.sha256(payload).hexdigest()[:16]
