"""Extensions: created, dropped, moved to another schema, updated to a declared version.

Matched by name (an extension is database-wide). One installed in a schema the file does not
manage, and not declared, is not the file's business: it is left alone, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..model import Catalog, Extension
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
    changes += [DropExtension(cur[k]) for k in removed if cur[k].schema in current.schemas]
    for k in common:
        old, new = cur[k], want[k]
        if old.schema != new.schema:
            changes.append(SetExtensionSchema(k, old.schema, new.schema))
        if new.version is not None and new.version != old.version:
            changes.append(UpdateExtension(k, old.version, new.version))
    return changes
