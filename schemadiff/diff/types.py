"""Enums: created, dropped, renamed, labels added in place or renamed, or the type rebuilt
when labels go away (PostgreSQL cannot drop a label)."""

from __future__ import annotations

from dataclasses import replace

from ..model import Catalog, Enum, QualifiedName
from .changes import AddEnumValue, Change, CreateEnum, DropEnum, RecreateEnum, RenameEnum, RenameEnumValue
from .keyed import keyed_diff, match_renames


def diff_enums(current: Catalog, desired: Catalog) -> list[Change]:
    cur, renames = match_renames(current.enum_map(), desired.enum_map(), _old_enum_key)
    changes: list[Change] = [RenameEnum(old, new) for old, new in renames]
    want = desired.enum_map()
    added, removed, common = keyed_diff(cur, want)
    changes += [CreateEnum(want[k]) for k in added]
    changes += [DropEnum(cur[k]) for k in removed]
    for k in common:
        changes += _diff_enum_values(replace(cur[k], schema=k.schema, name=k.name), want[k], desired, current)
    return changes


def _old_enum_key(key: QualifiedName, enum: Enum):
    return QualifiedName(key.schema, enum.renamed_from) if enum.renamed_from else None


def _diff_enum_values(current: Enum, desired: Enum, catalog: Catalog, live: Catalog = Catalog()) -> list[Change]:
    changes: list[Change] = []
    for old, new in desired.value_renames:
        # Once renamed, the hint matches nothing and is a no-op.
        if old in current.values and new not in current.values:
            changes.append(RenameEnumValue(desired.qualified, old, new))
            current = replace(current, values=tuple(new if v == old else v for v in current.values))
    if current.values == desired.values:
        return changes
    kept = [v for v in current.values if v in desired.values]
    if [v for v in desired.values if v in current.values] == kept and len(kept) == len(current.values):
        return changes + _enum_additions(current, desired)
    columns = _enum_columns(desired, catalog, live)
    return changes + [RecreateEnum(current, desired, columns, _dependents(columns, catalog, live))]


def _enum_additions(current: Enum, desired: Enum) -> list[Change]:
    """New labels, each placed before the next label that already exists."""
    changes = []
    values = desired.values
    for i, value in enumerate(values):
        if value in current.values:
            continue
        following = next((v for v in values[i + 1:] if v in current.values), None)
        changes.append(AddEnumValue(desired.qualified, value, before=following))
    return changes


def _enum_columns(enum: Enum, catalog: Catalog, live: Catalog = Catalog()) -> tuple:
    """Columns of the type that exist on both sides (new ones are added after the rebuild)."""
    type_name = enum.name if enum.schema == "public" else f"{enum.schema}.{enum.name}"
    existing = {(t.qualified, c.name) for t in live.tables for c in t.columns}
    return tuple(
        (t.qualified, c.name, c.type)
        for t in catalog.tables for c in t.columns
        if c.type in (type_name, type_name + "[]") and (not live.tables or (t.qualified, c.name) in existing)
    )


def _dependents(columns: tuple, catalog: Catalog, live: Catalog) -> tuple:
    """Live checks and partial or expression indexes naming a rebuilt column that the file
    keeps as they are (changed ones are dropped before the rebuild and added after it)."""
    from .tables import mentioning, same_constraint, same_index

    wanted, found = catalog.table_map(), live.table_map()
    out = []
    for table in dict.fromkeys(t for t, _, _ in columns):
        if table not in found:
            continue
        checks, indexes = mentioning(found[table], [c for t, c, _ in columns if t == table])
        want = {o.name: o for o in (*wanted[table].checks, *wanted[table].indexes)}
        out += [(table, c) for c in checks if c.name in want and same_constraint(c, want[c.name])]
        out += [(table, i) for i in indexes if i.valid and i.name in want and same_index(i, want[i.name])]
    return tuple(out)
