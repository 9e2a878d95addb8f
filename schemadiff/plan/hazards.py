"""What each change risks: the lock it takes and for how long, and its named hazards (data
loss, rewrites, scans, probable renames)."""

from __future__ import annotations

from typing import Sequence

from ..diff import changes as ch
from ..model import ExclusionConstraint, ForeignKey, PrimaryKey, UniqueConstraint
from ..pg.type_changes import type_change_kind
from . import kinds
from .statements import DESTRUCTIVE, LOCKING, Hazard

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"


def lock_of(change) -> str:
    """The strongest lock a change takes on an existing table, as run in one transaction, and
    for how long; "" when it touches no existing table."""
    if type(change) in kinds.RULES:
        return kinds.RULES[type(change)].lock(change)
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
        if isinstance(change.constraint, (PrimaryKey, UniqueConstraint, ExclusionConstraint)):
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
        if "collation" in change.changed and "type" not in change.changed:
            return f"{ACCESS_EXCLUSIVE} (while it rebuilds the column's indexes; no rewrite)"
        return f"{ACCESS_EXCLUSIVE} (brief; binary-coercible type change: no rewrite)" if "type" in change.changed else brief
    if isinstance(change, ch.AddColumn) and change.column.default is not None and _volatile(change.column.default):
        return f"{ACCESS_EXCLUSIVE} (whole rewrite: volatile default)"
    if isinstance(change, ch.AddColumn) and change.column.generated is not None:
        return f"{ACCESS_EXCLUSIVE} (whole rewrite: computes the generated column)"
    return brief


def _volatile(expression: str) -> bool:
    """Defaults PostgreSQL must evaluate per row (so ADD COLUMN rewrites the table)."""
    lowered = expression.lower()
    return any(f in lowered for f in ("random(", "gen_random_uuid(", "uuid_generate", "clock_timestamp(",
                                      "timeofday(", "nextval("))


def hazards_of(change) -> tuple[Hazard, ...]:
    """The named hazards of a change applied in one transaction."""
    if type(change) in kinds.RULES:
        return kinds.RULES[type(change)].hazards(change)
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
    if isinstance(change, ch.ValidateConstraint):
        return (Hazard(LOCKING, "VALIDATE_SCAN", f"scans the table in a transaction of its own under a {SHARE_UPDATE_EXCLUSIVE} "
                       "lock: reads and writes continue; no rewrite"),)
    if isinstance(change, ch.AddConstraint) and not change.new_table and isinstance(change.constraint, ExclusionConstraint):
        return (Hazard(LOCKING, "INDEX_BUILD", f"builds the exclusion constraint's index under an {ACCESS_EXCLUSIVE} lock "
                       "that blocks reads and writes until it commits (PostgreSQL cannot build one CONCURRENTLY); "
                       "fails if existing rows conflict"),)
    if isinstance(change, ch.AddConstraint) and not change.new_table:
        return (Hazard(LOCKING, "VALIDATE_SCAN", f"scans the table to check existing rows while holding {lock_of(change).split(' (')[0]}, which blocks writes"),)
    if isinstance(change, ch.AddColumn) and change.column.generated is not None:
        return (Hazard(LOCKING, "TABLE_REWRITE", f"computes {change.table}.{change.column.name} for every row: rewrites "
                       "the table under an ACCESS EXCLUSIVE lock that blocks reads and writes until it commits"),)
    if isinstance(change, ch.AddColumn) and not change.column.nullable and change.column.default is None \
            and not change.column.serial and not change.column.identity:
        return (Hazard(LOCKING, "FAILS_ON_ROWS", "adds a NOT NULL column without a default: fails if the table has rows"),)
    if isinstance(change, ch.AddColumn) and change.rows_need_a_value:
        return (Hazard(LOCKING, "FAILS_ON_ROWS", f"adds a column of domain {change.column.type}, which is NOT NULL and "
                       "has no default: fails if the table has rows"),)
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
    if "collation" in change.changed and "type" not in change.changed:
        hazards.append(Hazard(LOCKING, "INDEX_REBUILD", f"collation of {change.table}.{change.to.name} → "
                              f"{change.to.collation or 'the type default'}: the table is not rewritten, but its indexes on the "
                              "column are rebuilt under an ACCESS EXCLUSIVE lock that blocks reads and writes"))
    if "nullable" in change.changed and not change.to.nullable:
        hazards.append(Hazard(LOCKING, "VALIDATE_SCAN", f"SET NOT NULL on {change.table}.{change.to.name} scans the table under an ACCESS EXCLUSIVE lock; fails on NULLs"))
    return tuple(hazards)


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
