"""Compare two catalogs into a list of changes. Knows nothing of YAML or SQL.

``diff(current, desired)`` returns what must happen to ``current`` to make it ``desired``.
Objects are matched by name; a ``renamed_from`` hint on the desired side matches an object
under its old name, so that it is renamed instead of dropped and re-created.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Catalog, QualifiedName, Table
from .changes import AddConstraint, AddIndex, Change, CreateSchema, CreateTable, DropTable, RenameTable
from .keyed import keyed_diff, match_renames
from .table_details import details_of_new_table
from .tables import diff_table
from .types import diff_enums


def diff(current: Catalog, desired: Catalog) -> list[Change]:
    """What must change in ``current`` to make it equal to ``desired``."""
    changes: list[Change] = []
    for schema in desired.schemas:
        if schema not in current.schemas:
            changes.append(CreateSchema(schema))
    changes += diff_enums(current, desired)
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
        changes += details_of_new_table(table)
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


