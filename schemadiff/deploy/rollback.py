"""Rollback without down-scripts: every version row holds the schema file it was made from, so
rolling back to version N is planning that snapshot against the live database and applying it
under the same guards as `apply` (deploy lock, lock timeouts, --allow-destructive)."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from . import versions
from ..desired import loads
from ..errors import SchemadiffError
from ..model import Catalog, Table, catalog_hash


class VersionNotFound(SchemadiffError):
    """The version to roll back to is not recorded, or was recorded without a snapshot."""


def snapshot_of(conn, version_table, version: int) -> tuple[Catalog, str, str]:
    """The catalog and text recorded with ``version``, and the hash to record for it; rename
    hints of the newest snapshot are turned around, so that rolling back a rename renames back
    instead of drop + create. The hash is the snapshot's as written, without those hints, so
    that `check` against the file rolled back to finds the version row in step with it."""
    found = versions.get(conn, version_table, version)
    if found is None:
        known = [v.version for v in versions.history(conn, version_table, limit=20)]
        listed = f"recorded: {', '.join(map(str, known))}" if known else "nothing is recorded yet"
        raise VersionNotFound(f"version {version} is not recorded in {version_table} ({listed}); "
                              "`schemadiff history` lists them")
    if not found.snapshot:
        raise VersionNotFound(f"version {version} was recorded without a snapshot of its schema file, "
                              "so there is nothing to roll back to")
    catalog = loads(found.snapshot, f"<snapshot of version {version}>")
    latest = versions.latest(conn, version_table)
    newer = _snapshot_catalog(conn, version_table, latest.version) if latest and latest.version != version else None
    planned = reverse_hints(catalog, newer) if newer is not None else catalog
    return planned, found.snapshot, catalog_hash(catalog)


def _snapshot_catalog(conn, version_table, version: int) -> Optional[Catalog]:
    found = versions.get(conn, version_table, version)
    if found is None or not found.snapshot:
        return None
    try:
        return loads(found.snapshot, f"<snapshot of version {version}>")
    except SchemadiffError:
        return None


def reverse_hints(old: Catalog, newer: Catalog) -> Catalog:
    """``old`` with a ``renamed_from`` hint wherever ``newer`` renamed one of its tables,
    columns or indexes (so the object is renamed back, rows kept)."""
    old_names = set(old.table_map())
    tables = []
    for table in old.tables:
        twin = next((n for n in newer.tables if n.renamed_from == table.name and n.schema == table.schema
                     and n.qualified not in old_names), None)
        if twin is not None:
            table = replace(table, renamed_from=twin.name)
        counterpart = twin or newer.table(table.qualified)
        tables.append(_reverse_inner(table, counterpart) if counterpart is not None else table)
    return replace(old, tables=tuple(tables))


def _reverse_inner(table: Table, newer: Table) -> Table:
    def back(items, newer_items):
        names = {i.name for i in items}
        out = []
        for item in items:
            twin = next((n for n in newer_items if n.renamed_from == item.name and n.name not in names), None)
            out.append(replace(item, renamed_from=twin.name) if twin is not None else item)
        return tuple(out)

    return replace(table, columns=back(table.columns, newer.columns), indexes=back(table.indexes, newer.indexes))
