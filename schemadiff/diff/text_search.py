"""Text search dictionaries and configurations: created, dropped, re-created (a dictionary
whose template changes, a configuration whose parser changes), altered (a dictionary's
options, a configuration's mappings), commented. Matched by qualified name.

Dropped only by a file with a ``text_search:`` key: queries name configurations at run time
(``to_tsquery('app.english_unaccent', …)``) without the catalog knowing, so a file written
before they were managed must not start dropping them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..model import Catalog, QualifiedName, TextSearchConfiguration, TextSearchDictionary
from .keyed import keyed_diff


@dataclass(frozen=True)
class CreateTextSearchDictionary:
    """Create a text search dictionary (before the configurations that map to it)."""
    dictionary: TextSearchDictionary


@dataclass(frozen=True)
class DropTextSearchDictionary:
    """Drop a text search dictionary no longer declared."""
    dictionary: TextSearchDictionary


@dataclass(frozen=True)
class ReplaceTextSearchDictionary:
    """Drop and re-create a dictionary whose template changes (PostgreSQL cannot alter it)."""
    from_: TextSearchDictionary
    to: TextSearchDictionary


@dataclass(frozen=True)
class AlterTextSearchDictionary:
    """Set changed options of a dictionary and remove those no longer declared."""
    name: QualifiedName
    options: tuple[tuple[str, str], ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class CreateTextSearchConfiguration:
    """Create a text search configuration with its mappings."""
    configuration: TextSearchConfiguration


@dataclass(frozen=True)
class DropTextSearchConfiguration:
    """Drop a text search configuration no longer declared."""
    configuration: TextSearchConfiguration


@dataclass(frozen=True)
class ReplaceTextSearchConfiguration:
    """Drop and re-create a configuration whose parser changes (PostgreSQL cannot alter it)."""
    from_: TextSearchConfiguration
    to: TextSearchConfiguration


@dataclass(frozen=True)
class AlterTextSearchMappings:
    """Map token types of a configuration to other dictionaries; unmap those no longer declared."""
    name: QualifiedName
    mappings: tuple[tuple[str, tuple[str, ...]], ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class SetTextSearchComment:
    """Set or clear the comment of a text search dictionary or configuration."""
    word: str  # DICTIONARY | CONFIGURATION
    name: QualifiedName
    comment: Optional[str]


def diff_text_search(current: Catalog, desired: Catalog) -> list:
    return _dictionaries(current, desired) + _configurations(current, desired)


def _by_name(objects) -> dict:
    return {o.qualified: o for o in objects}


def _dictionaries(current: Catalog, desired: Catalog) -> list:
    cur, want = _by_name(current.ts_dictionaries), _by_name(desired.ts_dictionaries)
    added, removed, common = keyed_diff(cur, want)
    changes: list = [CreateTextSearchDictionary(want[k]) for k in added]
    changes += [DropTextSearchDictionary(cur[k]) for k in removed if desired.manages_text_search]
    for k in common:
        old, new = cur[k], want[k]
        if old.template != new.template:
            changes.append(ReplaceTextSearchDictionary(old, new))
            continue
        if old.options != new.options:
            kept = dict(new.options)
            changes.append(AlterTextSearchDictionary(k, tuple(o for o in new.options if o not in old.options),
                                                     tuple(n for n, _ in old.options if n not in kept)))
        if old.comment != new.comment:
            changes.append(SetTextSearchComment("DICTIONARY", k, new.comment))
    return changes


def _configurations(current: Catalog, desired: Catalog) -> list:
    cur, want = _by_name(current.ts_configurations), _by_name(desired.ts_configurations)
    added, removed, common = keyed_diff(cur, want)
    changes: list = [CreateTextSearchConfiguration(want[k]) for k in added]
    changes += [DropTextSearchConfiguration(cur[k]) for k in removed if desired.manages_text_search]
    for k in common:
        old, new = cur[k], want[k]
        if old.parser != new.parser:
            changes.append(ReplaceTextSearchConfiguration(old, new))
            continue
        if old.mappings != new.mappings:
            kept = dict(new.mappings)
            changes.append(AlterTextSearchMappings(k, tuple(m for m in new.mappings if m not in old.mappings),
                                                   tuple(t for t, _ in old.mappings if t not in kept)))
        if old.comment != new.comment:
            changes.append(SetTextSearchComment("CONFIGURATION", k, new.comment))
    return changes
