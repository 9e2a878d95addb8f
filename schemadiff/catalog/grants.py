"""Rows of ``queries/grants.sql`` → the (object, grantee) privileges that differ from the default."""

from __future__ import annotations

from ..model import DefaultGrant, Grant, GrantTarget
from ..model.grants import PUBLIC, default_grant_base, default_privileges, is_default


def grants_from_rows(rows) -> dict:
    """Per object, each grantee's whole set; PUBLIC with an empty set where the list no longer
    gives it its default (EXECUTE revoked from PUBLIC); pairs at their default left out. The
    same for the default privileges rules (rows of kind ``default <objects>``)."""
    grants: list[Grant] = []
    defaults: list[DefaultGrant] = []
    for kind, schema, name, column, entries in rows:
        held = _held(entries)
        if kind.startswith("default "):
            objects = kind.split(" ", 1)[1]
            if default_grant_base(DefaultGrant(name, schema, objects, PUBLIC)):
                held.setdefault(PUBLIC, ())
            rules = (DefaultGrant(name, schema, objects, grantee, pairs) for grantee, pairs in held.items())
            defaults += [r for r in rules if r.privileges != default_grant_base(r)]
            continue
        target = GrantTarget(kind, schema, name, column)
        if default_privileges(target, PUBLIC):
            held.setdefault(PUBLIC, ())
        grants += [g for g in (Grant(target, grantee, pairs) for grantee, pairs in held.items()) if not is_default(g)]
    return {"grants": grants, "default_grants": defaults}


def _held(entries) -> dict:
    """grantee → sorted (privilege, grantable) pairs (several grantors' entries merged)."""
    held: dict = {}
    for grantee, privilege, grantable in entries:
        pairs = held.setdefault(grantee, {})
        pairs[privilege] = pairs.get(privilege, False) or grantable
    return {grantee: tuple(sorted(pairs.items())) for grantee, pairs in held.items()}
