"""Domains, composite and range types, and collations: their changes and keyed diffs.

Creates and drops carry a ``depth`` (0 for a type over built-in types only, else one more than
the deepest type it uses) so that the planner creates a domain after the type it is over, and
drops it before that type. No SQL here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from ..model import Catalog, Collation, CompositeAttribute, CompositeType, Domain, DomainCheck, QualifiedName, RangeType
from ..pg import normalize
from .keyed import keyed_diff


# -- changes ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CreateCollation:
    """Create a collation."""
    collation: Collation


@dataclass(frozen=True)
class DropCollation:
    """Drop a collation no longer declared (PostgreSQL refuses while something uses it)."""
    collation: Collation


@dataclass(frozen=True)
class ReplaceCollation:
    """Drop and re-create a collation whose provider, locale or determinism changed."""
    from_: Collation
    to: Collation


@dataclass(frozen=True)
class CreateDomain:
    """Create a domain with its default, NOT NULL and valid checks."""
    domain: Domain
    depth: int = 0


@dataclass(frozen=True)
class DropDomain:
    """Drop a domain no longer declared."""
    domain: Domain
    depth: int = 0


@dataclass(frozen=True)
class ReplaceDomain:
    """Rebuild a domain whose base type or collation changed, converting the columns of it."""
    from_: Domain
    to: Domain
    columns: tuple  # ((QualifiedName table, column name, column type), ...)


@dataclass(frozen=True)
class SetDomainDefault:
    """Set or drop a domain's default."""
    domain: QualifiedName
    default: Optional[str]


@dataclass(frozen=True)
class SetDomainNullable:
    """SET NOT NULL (checks every column of the domain) or DROP NOT NULL on a domain."""
    domain: QualifiedName
    nullable: bool
    blocked_by: tuple = ()  # see ValidateDomainCheck


@dataclass(frozen=True)
class AddDomainCheck:
    """Add a check to a domain NOT VALID (no scan; its validation is a change of its own)."""
    domain: QualifiedName
    check: DomainCheck


@dataclass(frozen=True)
class ValidateDomainCheck:
    """Validate a domain check that exists NOT VALID."""
    domain: QualifiedName
    check: DomainCheck
    blocked_by: tuple = ()  # array or composite columns of the domain: PostgreSQL refuses then


@dataclass(frozen=True)
class DropDomainCheck:
    """Drop a check of a domain."""
    domain: QualifiedName
    check: DomainCheck


@dataclass(frozen=True)
class CreateComposite:
    """Create a composite type."""
    type: CompositeType
    depth: int = 0


@dataclass(frozen=True)
class DropComposite:
    """Drop a composite type no longer declared."""
    type: CompositeType
    depth: int = 0


@dataclass(frozen=True)
class AddAttribute:
    """Add an attribute at the end of a composite type."""
    type: QualifiedName
    attribute: CompositeAttribute


@dataclass(frozen=True)
class DropAttribute:
    """Drop an attribute of a composite type, and its values in every column of the type."""
    type: QualifiedName
    attribute: CompositeAttribute
    reorder: bool = False  # dropped to be added again at the end, to reach the file's order


@dataclass(frozen=True)
class AlterAttribute:
    """Change the type or collation of an attribute of a composite type."""
    type: QualifiedName
    from_: CompositeAttribute
    to: CompositeAttribute


@dataclass(frozen=True)
class CreateRange:
    """Create a range type (and its multirange)."""
    range: RangeType
    depth: int = 0


@dataclass(frozen=True)
class DropRange:
    """Drop a range type no longer declared."""
    range: RangeType
    depth: int = 0


@dataclass(frozen=True)
class ReplaceRange:
    """Drop and re-create a range type whose definition changed (PostgreSQL cannot alter it)."""
    from_: RangeType
    to: RangeType


@dataclass(frozen=True)
class SetTypeComment:
    """Set or clear the comment of a domain, composite or range type, or collation."""
    word: str  # DOMAIN | TYPE | COLLATION
    name: QualifiedName
    comment: Optional[str]


# -- diff ------------------------------------------------------------------------------------

def diff_user_types(current: Catalog, desired: Catalog) -> list:
    """Collations, domains, composite and range types of ``current`` made into ``desired``'s."""
    return (_diff_collations(current, desired) + _diff_domains(current, desired)
            + _diff_composites(current, desired) + _diff_ranges(current, desired))


def type_key(type_text: str) -> QualifiedName:
    """The type a column or attribute type names (``billing.amount[]`` → billing.amount)."""
    bare = type_text[:-2] if type_text.endswith("[]") else type_text
    schema, _, name = bare.rpartition(".")
    return QualifiedName(schema or "public", name)


def depths(catalog: Catalog) -> dict:
    """How deep each domain, composite and range type sits on other user types."""
    types = catalog.user_type_map()
    uses = {k: [type_key(t) for t in _types_used(obj)] for k, obj in types.items()}
    out: dict = {}

    def depth(key, seen=()) -> int:
        if key not in out:
            inner = [depth(u, seen + (key,)) for u in uses.get(key, ()) if u in types and u not in seen + (key,)]
            out[key] = 1 + max(inner) if inner else 0
        return out[key]

    for key in types:
        depth(key)
    return out


def _types_used(obj) -> list:
    if isinstance(obj, Domain):
        return [obj.base_type]
    if isinstance(obj, CompositeType):
        return [a.type for a in obj.attributes]
    return [obj.subtype]


def _diff_collations(current: Catalog, desired: Catalog) -> list:
    cur, want = {c.qualified: c for c in current.collations}, {c.qualified: c for c in desired.collations}
    added, removed, common = keyed_diff(cur, want)
    changes: list = [CreateCollation(want[k]) for k in added] + [DropCollation(cur[k]) for k in removed]
    for k in common:
        if replace(cur[k], comment=None) != replace(want[k], comment=None):
            changes.append(ReplaceCollation(cur[k], want[k]))
            if want[k].comment is not None:
                changes.append(SetTypeComment("COLLATION", k, want[k].comment))
        elif (cur[k].comment or None) != (want[k].comment or None):
            changes.append(SetTypeComment("COLLATION", k, want[k].comment))
    return changes


def _diff_domains(current: Catalog, desired: Catalog) -> list:
    cur, want = {d.qualified: d for d in current.domains}, {d.qualified: d for d in desired.domains}
    added, removed, common = keyed_diff(cur, want)
    new_depths, old_depths = depths(desired), depths(current)
    changes: list = [CreateDomain(want[k], new_depths.get(k, 0)) for k in added]
    changes += [AddDomainCheck(k, c) for k in added for c in want[k].checks if not c.validated]
    changes += [SetTypeComment("DOMAIN", k, want[k].comment) for k in added if want[k].comment is not None]
    changes += [DropDomain(cur[k], old_depths.get(k, 0)) for k in removed]
    for k in common:
        changes += _diff_domain(cur[k], want[k], desired, current)
    return changes


def _diff_domain(old: Domain, new: Domain, desired: Catalog, current: Catalog) -> list:
    k = new.qualified
    if (old.base_type, old.collation) != (new.base_type, new.collation):
        return [ReplaceDomain(old, new, _columns_of(k, desired, current))] + \
            ([SetTypeComment("DOMAIN", k, new.comment)] if new.comment is not None else [])
    changes: list = []
    blocked = indirect_columns(k, current)
    if normalize.expression(old.default) != normalize.expression(new.default):
        changes.append(SetDomainDefault(k, new.default))
    if old.nullable != new.nullable:
        changes.append(SetDomainNullable(k, new.nullable, () if new.nullable else blocked))
    live = {c.name: c for c in old.checks}
    for check in new.checks:
        was = live.get(check.name)
        if was is not None and _same_check(was, check):
            if check.validated and not was.validated:
                changes.append(ValidateDomainCheck(k, check, blocked))
            continue
        if was is not None:
            changes.append(DropDomainCheck(k, was))
        changes.append(AddDomainCheck(k, check))
        if check.validated:
            changes.append(ValidateDomainCheck(k, check, blocked))
    wanted = {c.name for c in new.checks}
    changes += [DropDomainCheck(k, c) for c in old.checks if c.name not in wanted]
    if (old.comment or None) != (new.comment or None):
        changes.append(SetTypeComment("DOMAIN", k, new.comment))
    return changes


def _same_check(a: DomainCheck, b: DomainCheck) -> bool:
    return normalize.expression(a.expression) == normalize.expression(b.expression)


def indirect_columns(key: QualifiedName, current: Catalog) -> tuple:
    """Live columns holding the domain inside an array or a composite type, as ``table.column``:
    PostgreSQL will not check them, so it refuses to validate a check or set NOT NULL."""
    containers = {c.qualified for c in current.composites if any(type_key(a.type) == key for a in c.attributes)}
    return tuple(f"{t.qualified}.{c.name}" for t in current.tables for c in t.columns
                 if (type_key(c.type) == key and c.type.endswith("[]")) or type_key(c.type) in containers)


def _columns_of(key: QualifiedName, desired: Catalog, current: Catalog) -> tuple:
    """Columns of the type that exist live and stay in the file."""
    wanted = {(t.qualified, c.name) for t in desired.tables for c in t.columns}
    return tuple((t.qualified, c.name, c.type) for t in current.tables for c in t.columns
                 if type_key(c.type) == key and (t.qualified, c.name) in wanted)


def _diff_composites(current: Catalog, desired: Catalog) -> list:
    cur, want = {t.qualified: t for t in current.composites}, {t.qualified: t for t in desired.composites}
    added, removed, common = keyed_diff(cur, want)
    new_depths, old_depths = depths(desired), depths(current)
    changes: list = [CreateComposite(want[k], new_depths.get(k, 0)) for k in added]
    changes += [SetTypeComment("TYPE", k, want[k].comment) for k in added if want[k].comment is not None]
    changes += [DropComposite(cur[k], old_depths.get(k, 0)) for k in removed]
    for k in common:
        changes += _diff_attributes(k, cur[k].attributes, want[k].attributes)
        if (cur[k].comment or None) != (want[k].comment or None):
            changes.append(SetTypeComment("TYPE", k, want[k].comment))
    return changes


def _diff_attributes(key: QualifiedName, old: tuple, new: tuple) -> list:
    """ADD ATTRIBUTE appends, so the kept attributes keep their order: those after the first
    one out of the file's order are dropped and added again at the end."""
    wanted = {a.name: a for a in new}
    kept = [a for a in old if a.name in wanted]
    prefix = 0
    while prefix < len(kept) and kept[prefix].name == new[prefix].name:
        prefix += 1
    changes: list = [DropAttribute(key, a) for a in old if a.name not in wanted]
    changes += [DropAttribute(key, a, reorder=True) for a in kept[prefix:]]
    changes += [AlterAttribute(key, a, wanted[a.name]) for a in kept[:prefix] if a != wanted[a.name]]
    changes += [AddAttribute(key, a) for a in new[prefix:]]
    return changes


def _diff_ranges(current: Catalog, desired: Catalog) -> list:
    cur, want = {r.qualified: r for r in current.ranges}, {r.qualified: r for r in desired.ranges}
    added, removed, common = keyed_diff(cur, want)
    new_depths, old_depths = depths(desired), depths(current)
    changes: list = [CreateRange(want[k], new_depths.get(k, 0)) for k in added]
    changes += [SetTypeComment("TYPE", k, want[k].comment) for k in added if want[k].comment is not None]
    changes += [DropRange(cur[k], old_depths.get(k, 0)) for k in removed]
    for k in common:
        if replace(cur[k], comment=None) != replace(want[k], comment=None):
            changes.append(ReplaceRange(cur[k], want[k]))
            if want[k].comment is not None:
                changes.append(SetTypeComment("TYPE", k, want[k].comment))
        elif (cur[k].comment or None) != (want[k].comment or None):
            changes.append(SetTypeComment("TYPE", k, want[k].comment))
    return changes
