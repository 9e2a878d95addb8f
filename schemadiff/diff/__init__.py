"""Compare two catalogs into a list of changes. Knows nothing of YAML or SQL.

``diff(current, desired)`` returns what must happen to ``current`` to make it ``desired``.
Objects are matched by name; a ``renamed_from`` hint on the desired side matches an object
under its old name, so that it is renamed instead of dropped and re-created.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Iterable, TypeVar

from ..pg import normalize
from .changes import (
    AddColumn, AddConstraint, AddEnumValue, AddIndex, AlterColumn, Change, CreateEnum,
    CreateSchema, CreateTable, DropColumn, DropConstraint, DropEnum, DropIndex, DropTable,
    RecreateEnum, RenameColumn, RenameEnumValue, RenameConstraint, RenameEnum, RenameIndex, RenameTable,
    SetTableComment, ValidateConstraint,
)
from ..model import (
    Catalog, CheckConstraint, Column, Constraint, Enum, ForeignKey, Index, QualifiedName, Table,
)

K = TypeVar("K")
T = TypeVar("T")


def keyed_diff(current: dict, desired: dict):
    """The generic keyed diff: (added, removed, common keys), each in a stable order."""
    added = [k for k in desired if k not in current]
    removed = [k for k in current if k not in desired]
    common = [k for k in desired if k in current]
    return added, removed, common


def match_renames(current: dict, desired: dict, old_key: Callable) -> tuple[dict, list]:
    """Re-key ``current`` so that objects renamed in ``desired`` sit under their new key.
    Returns the re-keyed dict and the (old_key, new_key) pairs that were renamed."""
    renames = []
    rekeyed = dict(current)
    for key, obj in desired.items():
        old = old_key(key, obj)
        if old is None or key in current or old not in rekeyed:
            continue
        renames.append((old, key))
        rekeyed[key] = rekeyed.pop(old)
    return rekeyed, renames


def diff(current: Catalog, desired: Catalog) -> list[Change]:
    """What must change in ``current`` to make it equal to ``desired``."""
    changes: list[Change] = []
    for schema in desired.schemas:
        if schema not in current.schemas:
            changes.append(CreateSchema(schema))
    changes += _diff_enums(current, desired)
    cur_tables, renames = match_renames(current.table_map(), desired.table_map(), _old_table_key)
    changes += [RenameTable(old, new) for old, new in renames]
    added, removed, common = keyed_diff(cur_tables, desired.table_map())
    desired_map = desired.table_map()
    for key in added:
        table = desired_map[key]
        changes.append(CreateTable(_as_created(table)))
        changes += [AddConstraint(key, check, new_table=True) for check in table.checks if not check.validated]
        changes += [AddConstraint(key, fk, new_table=True) for fk in table.foreign_keys]
        changes += [AddIndex(key, index, new_table=True) for index in table.indexes]
    for key in removed:
        changes.append(DropTable(cur_tables[key]))
    for key in common:
        old = cur_tables[key]
        old_name = None
        if old.qualified != key:
            old_name = old.name
            old = _renamed_table(old, key)
        changes += diff_table(old, desired_map[key], old_name)
    return changes


def _as_created(table: Table) -> Table:
    """What CREATE TABLE makes: without the checks declared ``not_valid``, which are added
    after it, as CREATE TABLE would mark them valid (its table is empty)."""
    return replace(table, checks=tuple(c for c in table.checks if c.validated))


def _old_table_key(key: QualifiedName, table: Table):
    return QualifiedName(key.schema, table.renamed_from) if table.renamed_from else None


def _renamed_table(table: Table, key: QualifiedName) -> Table:
    return replace(table, schema=key.schema, name=key.name)


def diff_table(current: Table, desired: Table, old_name: str | None = None) -> list[Change]:
    """Changes inside one table that exists on both sides (``old_name``: it is being renamed)."""
    key = desired.qualified
    changes: list[Change] = []
    if (current.comment or None) != (desired.comment or None):
        changes.append(SetTableComment(key, current.comment, desired.comment))
    changes += _diff_columns(key, current, desired)
    current = _with_renamed_columns(current, desired)
    current, rebuilt = _rebuild_for_retyped(key, current, changes)
    changes += rebuilt
    if old_name:
        desired = _implied_renames(current, desired, old_name)
    changes += _diff_constraints(key, current, desired)
    changes += _diff_indexes(key, current, desired)
    return changes


def _rebuild_for_retyped(key: QualifiedName, current: Table, changes: list) -> tuple[Table, list[Change]]:
    """Checks and expression/partial indexes that mention a column whose type changes are
    dropped and created again from the file: PostgreSQL would re-parse them against the new
    type itself (``"n" >= 0`` on numeric becomes ``"n"::numeric >= 0::numeric`` on
    integer), leaving text that differs from the file until a second apply."""
    from ..pg.naming import quote_ident

    retyped = [c.to.name for c in changes if isinstance(c, AlterColumn) and "type" in c.changed]
    if not retyped:
        return current, []
    patterns = [re.compile(rf'(?<![\w."]){re.escape(quote_ident(n))}(?![\w"(])') for n in retyped]

    def mentions(*texts) -> bool:
        return any(p.search(t) for t in texts if t for p in patterns)

    stale_checks = [c for c in current.checks if mentions(c.expression)]
    stale_indexes = [i for i in current.indexes
                     if mentions(i.where, *(k for k in i.keys if _is_expression_key(k)))]
    rebuilt: list[Change] = [DropConstraint(key, c) for c in stale_checks]
    rebuilt += [DropIndex(key, i) for i in stale_indexes]
    current = replace(current, checks=tuple(c for c in current.checks if c not in stale_checks),
                      indexes=tuple(i for i in current.indexes if i not in stale_indexes))
    return current, rebuilt


def _is_expression_key(key: str) -> bool:
    """Whether an index key is an expression rather than a (possibly quoted) column."""
    from ..pg.naming import strip_ordering

    bare = strip_ordering(key)
    return not re.fullmatch(r'[a-z_][a-z0-9_$]*|"(?:[^"]|"")+"', bare)


def _with_renamed_columns(current: Table, desired: Table) -> Table:
    """``current`` as it reads once column renames are done: keys and expressions of its
    constraints and indexes name the new columns, so they compare equal and are kept."""
    have = {c.name for c in current.columns}
    renames = {c.renamed_from: c.name for c in desired.columns
               if c.renamed_from and c.renamed_from in have and c.name not in have}
    if not renames:
        return current
    from ..pg.naming import quote_ident

    def cols(names):
        return tuple(renames.get(n, n) for n in names)

    def expr(text):
        if text is None:
            return None
        out = text
        for old, new in renames.items():
            out = re.sub(rf'(?<![\w."]){re.escape(quote_ident(old))}(?![\w"(])', quote_ident(new), out)
        return out

    return replace(
        current,
        primary_key=replace(current.primary_key, columns=cols(current.primary_key.columns)) if current.primary_key else None,
        uniques=tuple(replace(u, columns=cols(u.columns)) for u in current.uniques),
        foreign_keys=tuple(replace(f, columns=cols(f.columns)) for f in current.foreign_keys),
        checks=tuple(replace(c, expression=expr(c.expression)) for c in current.checks),
        indexes=tuple(replace(i, keys=tuple(expr(k) for k in i.keys), include=cols(i.include), where=expr(i.where))
                      for i in current.indexes),
    )


def _implied_renames(current: Table, desired: Table, old_name: str) -> Table:
    """A renamed table keeps its constraint and index names (``customers_pkey``) while the file,
    naming them by default, expects ``clients_pkey``: treat those as renames, not drop + add."""
    have = {o.name for o in (*current.constraints, *current.indexes)}
    prefix = desired.name + "_"

    def hinted(obj):
        if obj.renamed_from or obj.name in have or not obj.name.startswith(prefix):
            return obj
        old = old_name + "_" + obj.name[len(prefix):]
        return replace(obj, renamed_from=old) if old in have else obj

    return replace(
        desired,
        primary_key=hinted(desired.primary_key) if desired.primary_key else None,
        uniques=tuple(map(hinted, desired.uniques)), foreign_keys=tuple(map(hinted, desired.foreign_keys)),
        checks=tuple(map(hinted, desired.checks)), indexes=tuple(map(hinted, desired.indexes)),
    )


def _by_name(items: Iterable) -> dict:
    return {item.name: item for item in items}


def _old_name(key, obj):
    return getattr(obj, "renamed_from", None)


def _diff_columns(key: QualifiedName, current: Table, desired: Table) -> list[Change]:
    cur, renames = match_renames(_by_name(current.columns), _by_name(desired.columns), _old_name)
    changes: list[Change] = [RenameColumn(key, old, new) for old, new in renames]
    want = _by_name(desired.columns)
    added, removed, common = keyed_diff(cur, want)
    changes += [AddColumn(key, want[name]) for name in added]
    changes += [DropColumn(key, cur[name]) for name in removed]
    for name in common:
        before = cur[name]
        if not same_column(before, want[name]):
            if before.name != name:  # renamed: compare under the new name
                before = replace(before, name=name)
            changes.append(AlterColumn(key, before, want[name]))
    return changes


def same_column(a: Column, b: Column) -> bool:
    return (
        a.type == b.type and a.nullable == b.nullable and a.identity == b.identity
        and a.serial == b.serial and (a.comment or None) == (b.comment or None)
        and normalize.expression(a.default) == normalize.expression(b.default)
    )


def _diff_constraints(key: QualifiedName, current: Table, desired: Table) -> list[Change]:
    return _diff_named(key, current.constraints, desired.constraints, same_constraint,
                       RenameConstraint, DropConstraint, AddConstraint) + _validations(key, current, desired)


def _validations(key: QualifiedName, current: Table, desired: Table) -> list[Change]:
    """Kept checks and foreign keys that are NOT VALID while the file wants them valid (one
    that changed is dropped and added anew instead). A valid one satisfies ``not_valid:
    true``: PostgreSQL cannot make a constraint NOT VALID again, nor is there a reason to."""
    cur, _ = match_renames(_by_name(current.constraints), _by_name(desired.constraints), _old_name)
    return [ValidateConstraint(key, want) for want in desired.foreign_keys + desired.checks
            if want.validated and want.name in cur and same_constraint(cur[want.name], want)
            and not cur[want.name].validated]


def same_constraint(a: Constraint, b: Constraint) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, CheckConstraint):
        return normalize.expression(a.expression) == normalize.expression(b.expression)
    if isinstance(a, ForeignKey):
        return (a.columns, a.ref_table, a.ref_columns, a.on_delete, a.on_update, a.deferrable,
                a.initially_deferred) == (b.columns, b.ref_table, b.ref_columns, b.on_delete,
                                          b.on_update, b.deferrable, b.initially_deferred)
    return a.columns == b.columns


def _diff_indexes(key: QualifiedName, current: Table, desired: Table) -> list[Change]:
    # An INVALID index (an interrupted concurrent build) is rebuilt even when it matches.
    return _diff_named(key, current.indexes, desired.indexes, lambda a, b: a.valid and same_index(a, b),
                       RenameIndex, DropIndex, AddIndex)


def _diff_named(key: QualifiedName, current, desired, same: Callable, rename, drop, add) -> list[Change]:
    """Named objects of one table (constraints, indexes): renames first, then drops, drop +
    add for the changed, and adds."""
    cur, renames = match_renames(_by_name(current), _by_name(desired), _old_name)
    changes: list[Change] = [rename(key, old, new) for old, new in renames]
    want = _by_name(desired)
    added, removed, common = keyed_diff(cur, want)
    changes += [drop(key, cur[name]) for name in removed]
    for name in common:
        if not same(cur[name], want[name]):
            changes.append(drop(key, replace(cur[name], name=name)))
            changes.append(add(key, want[name]))
    changes += [add(key, want[name]) for name in added]
    return changes


def same_index(a: Index, b: Index) -> bool:
    return (
        tuple(normalize.index_key(k) for k in a.keys) == tuple(normalize.index_key(k) for k in b.keys)
        and a.unique == b.unique and a.method == b.method and a.include == b.include
        and normalize.expression(a.where) == normalize.expression(b.where)
    )


def _diff_enums(current: Catalog, desired: Catalog) -> list[Change]:
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
    return changes + [RecreateEnum(current, desired, _enum_columns(desired, catalog, live))]


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
