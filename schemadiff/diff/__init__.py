"""Compare two catalogs into a list of changes. Knows nothing of YAML or SQL.

``diff(current, desired)`` returns what must happen to ``current`` to make it ``desired``.
Objects are matched by name; a ``renamed_from`` hint on the desired side matches an object
under its old name, so that it is renamed instead of dropped and re-created.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Catalog, QualifiedName, Table
from .changes import (
    AddColumn, AddConstraint, AddIndex, Change, CreateSchema, CreateTable, DropConstraint, DropTable, RecreateEnum,
    RenameTable,
)
from .comments import diff_enum_comments, diff_schema_comments, diff_table_comments
from .extensions import after_moves, diff_extensions
from .grants import diff_default_grants, diff_grants, renames_and_drops
from .keyed import keyed_diff, match_renames
from .partitions import all_partitions, detached_table, detaches_concurrently, diff_partitioning, moves, new_table_partitions, partition_details, partitioned_variants
from .sequences import diff_sequences, settle_sequences
from .table_details import details_of_new_table
from .tables import diff_table
from .inheritance import comparable, diff_inheritance, inheritance_depth
from .types import diff_enums


def diff(current: Catalog, desired: Catalog) -> list[Change]:
    """What must change in ``current`` to make it equal to ``desired``."""
    changes: list[Change] = []
    current = settle_sequences(current, desired)
    for schema in desired.schemas:
        if schema not in current.schemas:
            changes.append(CreateSchema(schema))
    changes += diff_schema_comments(current, desired)
    changes += diff_extensions(current, desired)
    current = after_moves(current, desired)
    if _either(current, desired, "ts_dictionaries", "ts_configurations"):
        from .text_search import diff_text_search

        changes += diff_text_search(current, desired)
    enum_changes = diff_enums(current, desired)
    changes += enum_changes + diff_enum_comments(current, desired, enum_changes)
    if _either(current, desired, "collations", "domains", "composites", "ranges"):
        from .user_types import diff_user_types

        changes += diff_user_types(current, desired)
    changes += diff_sequences(current, desired)
    if _either(current, desired, "functions"):
        from .functions import diff_functions

        changes += diff_functions(current, desired)
    if _either(current, desired, "aggregates"):
        from .aggregates import diff_aggregates

        changes += diff_aggregates(current, desired)
    cur_tables, renames = match_renames(current.table_map(), desired.table_map(), _old_table_key)
    changes += [RenameTable(old, new) for old, new in renames]
    added, removed, common = keyed_diff(cur_tables, desired.table_map())
    desired_map = desired.table_map()
    cur_parts, want_parts = all_partitions(current.tables), all_partitions(desired.tables)
    moved = moves(cur_tables, desired_map, cur_parts, want_parts)
    for key in added:
        table = desired_map[key]
        if key in moved.detached:  # its DETACH is planned with its parent; compare with what it leaves
            root, partition = cur_parts[key]
            parent = cur_parts[root][1] if root in cur_parts else current.table_map()[root]
            while root in cur_parts:  # a sub-partition: its columns and keys come from the top
                root = cur_parts[root][0]
            concurrently = detaches_concurrently(parent.partitions)
            changes += diff_table(detached_table(current.table_map()[root], partition, parent.partition_by, concurrently), table)
            continue
        changes.append(CreateTable(_as_created(table), depth=inheritance_depth(table, desired_map)))
        changes += [AddConstraint(key, check, new_table=True) for check in table.checks if not check.validated]
        changes += [AddConstraint(key, fk, new_table=True) for fk in table.foreign_keys]
        changes += [AddIndex(key, index, new_table=True) for index in table.indexes]
        changes += new_table_partitions(table, moved)
        changes += details_of_new_table(table)
        changes += diff_table_comments(None, table, [])
    for key in removed:
        if key not in moved.standalone:  # else attached as a partition
            changes.append(DropTable(cur_tables[key], depth=inheritance_depth(cur_tables[key], current.table_map())))
        else:
            changes += partition_details(cur_tables[key].parameters, want_parts[key][1])
    for key in common:
        old = cur_tables[key]
        old_name = None
        if old.qualified != key:
            old_name = old.name
            old = _renamed_table(old, key)
        renamed = dict(renames)
        changes += diff_inheritance(cur_tables, desired_map, old, desired_map[key], renamed)
        seen_old, seen_new = comparable(cur_tables, desired_map, old, desired_map[key], renamed)
        changes += partitioned_variants(diff_table(seen_old, seen_new, old_name), old, desired_map[key])
        changes += diff_partitioning(old, desired_map[key], moved)
    if _either(current, desired, "views"):
        from .views import diff_views

        changes += diff_views(current, desired)
    changes = _with_domain_nullability(_foreign_keys_around_enum_rebuilds(changes, current, desired), desired)
    followed = _after_table_renames(current, renames)
    if _either(followed, desired, "triggers"):
        from .triggers import diff_triggers

        changes += diff_triggers(followed, desired)
    if _either(followed, desired, "row_security", "policies"):
        from .security import diff_policies, diff_row_security

        changes += diff_row_security(followed, desired) + diff_policies(followed, desired)
    if changes:  # only a change has dependents to make again
        from .dependents import with_dependents

        changes = with_dependents(changes, current, desired)
    return changes + diff_grants(current, desired, *renames_and_drops(changes)) + diff_default_grants(current, desired)


def _either(current: Catalog, desired: Catalog, *kinds: str) -> bool:
    """Whether either catalog holds objects of one of ``kinds``: a kind neither holds has no
    changes, so its differ (and its change classes) is not even imported; a check of a file
    of plain tables then loads a third fewer classes."""
    return any(getattr(catalog, kind) for catalog in (current, desired) for kind in kinds)


def _after_table_renames(current: Catalog, renames: list) -> Catalog:
    """``current`` with triggers, row-level security and policies moved to the new names of
    renamed tables: they follow their table in PostgreSQL."""
    moved = dict(renames)
    if not moved:
        return current
    def follow(obj, schema: str = "schema", name: str = "table"):
        new = moved.get(QualifiedName(getattr(obj, schema), getattr(obj, name)))
        return replace(obj, **{schema: new.schema, name: new.name}) if new else obj
    return replace(current, triggers=tuple(follow(t) for t in current.triggers),
                   policies=tuple(follow(p) for p in current.policies),
                   row_security=tuple(follow(r, name="name") for r in current.row_security))


def _foreign_keys_around_enum_rebuilds(changes: list, current: Catalog, desired: Catalog) -> list:
    """An enum rebuild converts its columns one by one: a foreign key between two of them (or
    from one) would meet columns of two types half-way ("cannot be implemented"). Such keys are
    dropped before the rebuild and added again after it, unless the diff does so already."""
    rebuilt = {(table, column) for c in changes if isinstance(c, RecreateEnum) for table, column, _ in c.columns}
    if not rebuilt:
        return changes
    handled = {(c.table, c.constraint.name) for c in changes if isinstance(c, (AddConstraint, DropConstraint))}
    live = current.table_map()
    extra: list = []
    for table in desired.tables:
        old = live.get(table.qualified)
        if old is None:
            continue
        old_keys = {fk.name: fk for fk in old.foreign_keys}
        for fk in table.foreign_keys:
            touches = any((table.qualified, col) in rebuilt for col in fk.columns) or \
                any((fk.ref_table, col) in rebuilt for col in fk.ref_columns)
            if touches and fk.name in old_keys and (table.qualified, fk.name) not in handled:
                extra += [DropConstraint(table.qualified, old_keys[fk.name]), AddConstraint(table.qualified, fk)]
    return changes + extra


def _with_domain_nullability(changes: list, desired: Catalog) -> list:
    """Mark new columns of a NOT NULL domain that nothing gives a value: like a NOT NULL column
    without a default, they fail on a table with rows."""
    strict = {(d.name if d.schema == "public" else f"{d.schema}.{d.name}") for d in desired.domains
              if not d.nullable and d.default is None}
    if not strict:
        return changes
    return [replace(c, rows_need_a_value=True)
            if isinstance(c, AddColumn) and c.column.default is None and c.column.type in strict else c
            for c in changes]


def _as_created(table: Table) -> Table:
    """What CREATE TABLE makes: without the checks declared ``not_valid``, which are added
    after it, as CREATE TABLE would mark them valid (its table is empty)."""
    return replace(table, checks=tuple(c for c in table.checks if c.validated))


def _old_table_key(key: QualifiedName, table: Table):
    return QualifiedName(key.schema, table.renamed_from) if table.renamed_from else None


def _renamed_table(table: Table, key: QualifiedName) -> Table:
    return replace(table, schema=key.schema, name=key.name)


