"""Extensions: created, dropped, moved to another schema, updated to a declared version.

Matched by name (an extension is database-wide). One installed in a schema the file does not
manage, and not declared, is not the file's business: it is left alone, never dropped; so are
all of them when the file has no ``extensions:`` key (a file written before extensions were
managed must not start dropping them).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from ..model import Catalog, Extension
from ..pg.naming import quote_ident
from .changes import CreateSchema
from .keyed import keyed_diff


@dataclass(frozen=True)
class CreateExtension:
    """Install an extension (before any type, table or index that uses it)."""
    extension: Extension


@dataclass(frozen=True)
class DropExtension:
    """Drop an extension no longer declared, and every object it created."""
    extension: Extension


@dataclass(frozen=True)
class SetExtensionSchema:
    """Move an extension's objects to the schema the file declares."""
    name: str
    from_schema: str
    to_schema: str


@dataclass(frozen=True)
class UpdateExtension:
    """Update an extension to the version the file declares."""
    name: str
    from_version: Optional[str]
    to_version: str


def diff_extensions(current: Catalog, desired: Catalog) -> list:
    cur, want = current.extension_map(), desired.extension_map()
    added, removed, common = keyed_diff(cur, want)
    changes: list = [CreateExtension(want[k]) for k in added]
    if desired.manages_extensions:
        changes += [DropExtension(cur[k]) for k in removed if cur[k].schema in current.schemas]
    for k in common:
        old, new = cur[k], want[k]
        if old.schema != new.schema:
            changes.append(SetExtensionSchema(k, old.schema, new.schema))
        if new.version is not None and new.version != old.version:
            changes.append(UpdateExtension(k, old.version, new.version))
    return _schemas_for(changes, current, desired) + changes


def _schemas_for(changes: list, current: Catalog, desired: Catalog) -> list:
    """CREATE SCHEMA for a schema an extension goes to that neither side lists: a file lists
    its extensions' schemas, but a live catalog used as the desired one (plan --validate
    rebuilds the live schema in a scratch database) lists only the schemas it manages."""
    targets = {c.extension.schema for c in changes if isinstance(c, CreateExtension)}
    targets |= {c.to_schema for c in changes if isinstance(c, SetExtensionSchema)}
    return [CreateSchema(s) for s in sorted(targets - set(desired.schemas) - set(current.schemas))]


def after_moves(current: Catalog, desired: Catalog) -> Catalog:
    """``current`` as it is once moved extensions sit in their new schema: a column of type
    ``cube`` whose extension moves from public to ext is the ``ext.cube`` column the file
    writes, not a type change (SET SCHEMA carries the column along)."""
    cur, want = current.extension_map(), desired.extension_map()
    moves = {(cur[k].schema, want[k].schema) for k in cur if k in want and cur[k].schema != want[k].schema}
    if not moves:
        return current
    wanted = {(t.qualified, c.name): c.type for t in desired.tables for c in t.columns}

    def column(table, c):
        new = wanted.get((table.qualified, c.name))
        return replace(c, type=new) if new and any(_requalified(c.type, a, b) == new for a, b in moves) else c

    return replace(current, tables=tuple(replace(t, columns=tuple(column(t, c) for c in t.columns)) for t in current.tables))


def _requalified(type_text: str, old_schema: str, new_schema: str) -> Optional[str]:
    old_prefix = "" if old_schema == "public" else f"{quote_ident(old_schema)}."
    head = type_text.split("(")[0]
    if (old_prefix and not type_text.startswith(old_prefix)) or (not old_prefix and "." in head):
        return None
    bare = type_text[len(old_prefix):]
    return bare if new_schema == "public" else f"{quote_ident(new_schema)}.{bare}"
