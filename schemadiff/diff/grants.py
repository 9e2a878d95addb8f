"""Privileges: what to GRANT and REVOKE so that each (object, grantee) holds exactly the
file's set. Matched by (object, grantee); a pair on one side only is at its default on the
other.

Only a file with a ``privileges:`` key manages grants: without one, those in the database are
left alone (many teams grant elsewhere). Revokes on objects the plan drops are not planned
(the drop takes their grants along), and grants on an object renamed by the plan are read
under its new name."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model import Catalog, DefaultGrant, Grant, GrantTarget
from ..model.grants import default_grant_base, default_privileges


@dataclass(frozen=True)
class GrantPrivileges:
    """GRANT ``privileges`` on one object to one grantee (WITH GRANT OPTION when ``grantable``)."""
    target: GrantTarget
    grantee: str
    privileges: tuple[str, ...]
    grantable: bool = False
    reason: str = ""


@dataclass(frozen=True)
class RevokePrivileges:
    """REVOKE ``privileges`` on one object from one grantee (only the grant option of them,
    when ``grant_option_only``)."""
    target: GrantTarget
    grantee: str
    privileges: tuple[str, ...]
    grant_option_only: bool = False


def diff_grants(current: Catalog, desired: Catalog, renames: dict | None = None, dropped=frozenset()) -> list:
    """``renames`` maps an old target (schema, name, column) to its new one; ``dropped`` holds
    (schema, name) and (schema, name, column) of what the plan drops."""
    if not desired.manages_grants:
        return []
    cur = {g.key: g for g in (_renamed(g, renames or {}) for g in current.grants)}
    want = {g.key: g for g in desired.grants}
    cur = _after_table_revokes(cur, want)
    changes: list = []
    for key in sorted(set(cur) | set(want)):
        target, grantee = key
        if _is_dropped(target, dropped) and key not in want:
            continue
        default = default_privileges(target, grantee)
        # An object dropped and made again (a view re-created around a column change, a
        # function replaced) comes back with the default privileges only.
        old = dict(cur[key].privileges if key in cur and not _is_dropped(target, dropped) else default)
        new = dict(want[key].privileges if key in want else default)
        changes += pair_changes(target, grantee, old, new)
    return changes


def _after_table_revokes(cur: dict, want: dict) -> dict:
    """PostgreSQL's REVOKE of a privilege on a table revokes it on every column too: the
    columns' live sets are read as they will be after the table's revokes (which run first),
    so that what the file keeps on a column is granted again."""
    taken: dict = {}
    for key, grant in cur.items():
        target, grantee = key
        if target.kind == "table":
            new = dict(want[key].privileges) if key in want else {}
            taken[(target.schema, target.name, grantee)] = {p for p in dict(grant.privileges) if p not in new}
    out = dict(cur)
    for key, grant in cur.items():
        target, grantee = key
        lost = taken.get((target.schema, target.name, grantee)) if target.kind == "column" else None
        if lost:
            out[key] = replace(grant, privileges=tuple(p for p in grant.privileges if p[0] not in lost))
    return out


def pair_changes(target: GrantTarget, grantee: str, old: dict, new: dict) -> list:
    """At most two revokes (privileges, grant options) then two grants (plain, grantable)."""
    revoked = tuple(sorted(p for p in old if p not in new))
    options = tuple(sorted(p for p in old if p in new and old[p] and not new[p]))
    plain = tuple(sorted(p for p in new if not new[p] and p not in old))
    grantable = tuple(sorted(p for p in new if new[p] and not old.get(p, False)))
    out: list = []
    if revoked:
        out.append(RevokePrivileges(target, grantee, revoked))
    if options:
        out.append(RevokePrivileges(target, grantee, options, grant_option_only=True))
    if plain:
        out.append(GrantPrivileges(target, grantee, plain))
    if grantable:
        out.append(GrantPrivileges(target, grantee, grantable, grantable=True))
    return out


def _renamed(grant: Grant, renames: dict) -> Grant:
    t = grant.target
    new = renames.get((t.schema, t.name, t.column)) or renames.get((t.schema, t.name, None))
    if new is None:
        return grant
    schema, name, column = new
    column = column if column is not None else t.column
    return replace(grant, target=replace(t, schema=schema, name=name, column=column))


def _is_dropped(target: GrantTarget, dropped) -> bool:
    """A function counts as dropped when a function of its name is (grants name it with its
    argument types, a drop may not)."""
    return (target.schema, target.name) in dropped or (target.schema, target.name, target.column) in dropped \
        or target.kind == "function" and (target.schema, target.name.split("(", 1)[0]) in dropped


# Changes that drop an object and create it anew, its grants with it.
_DROPPED_AND_MADE_AGAIN = frozenset({"ReplaceFunction", "RecreateEnum", "ReplaceDomain", "ReplaceRange"})


def renames_and_drops(changes: list) -> tuple[dict, frozenset]:
    """What the other changes rename and drop, read off their types: tables, columns and
    sequences here, and any kind whose change is named Drop… and holds an object with a
    qualified name (views, functions modelled elsewhere)."""
    from . import changes as ch
    from .sequences import RenameSequence

    renames: dict = {}
    dropped: set = set()
    for c in changes:
        if isinstance(c, (ch.RenameTable, RenameSequence)):
            renames[(c.old.schema, c.old.name, None)] = (c.new.schema, c.new.name, None)
        elif isinstance(c, ch.RenameColumn):
            renames[(c.table.schema, c.table.name, c.old)] = (c.table.schema, c.table.name, c.new)
        elif isinstance(c, ch.DropColumn):
            dropped.add((c.table.schema, c.table.name, c.column.name))
        elif type(c).__name__.startswith("Drop") or type(c).__name__ in _DROPPED_AND_MADE_AGAIN:
            for value in vars(c).values():
                qualified = getattr(value, "qualified", None)
                if qualified is not None:
                    dropped.add((qualified.schema, qualified.name))
    return renames, frozenset(dropped)


@dataclass(frozen=True)
class GrantDefaultPrivileges:
    """ALTER DEFAULT PRIVILEGES FOR ROLE … [IN SCHEMA …] GRANT … ON <objects> TO …"""
    rule: DefaultGrant  # role, schema, objects, grantee; its privileges are those granted
    grantable: bool = False


@dataclass(frozen=True)
class RevokeDefaultPrivileges:
    """ALTER DEFAULT PRIVILEGES FOR ROLE … [IN SCHEMA …] REVOKE [GRANT OPTION FOR] … FROM …"""
    rule: DefaultGrant  # its privileges are those revoked
    grant_option_only: bool = False


def diff_default_grants(current: Catalog, desired: Catalog) -> list:
    """Default privileges, per (role, schema, objects, grantee), as grants are per object."""
    if not desired.manages_default_grants:
        return []
    cur = {g.key: g for g in current.default_grants}
    want = {g.key: g for g in desired.default_grants}
    changes: list = []
    for key in sorted(set(cur) | set(want)):
        base = default_grant_base(DefaultGrant(*key))
        old = dict(cur[key].privileges if key in cur else base)
        new = dict(want[key].privileges if key in want else base)
        for c in pair_changes(GrantTarget("schema", ""), key[3], old, new):
            rule = DefaultGrant(*key, privileges=tuple((p, False) for p in c.privileges))
            changes.append(GrantDefaultPrivileges(rule, c.grantable) if isinstance(c, GrantPrivileges)
                           else RevokeDefaultPrivileges(rule, c.grant_option_only))
    return changes
