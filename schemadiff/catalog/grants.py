"""Rows of ``queries/grants.sql`` → the (object, grantee) privileges that differ from the default."""

from __future__ import annotations

from ..model import Grant, GrantTarget
from ..model.grants import PUBLIC, default_privileges, is_default


def grants_from_rows(rows) -> list[Grant]:
    """Per object, each grantee's whole set; PUBLIC with an empty set where the list no longer
    gives it its default (EXECUTE revoked from PUBLIC); pairs at their default left out."""
    out: list[Grant] = []
    for kind, schema, name, column, entries in rows:
        target = GrantTarget(kind, schema, name, column)
        held: dict = {}
        for grantee, privilege, grantable in entries:
            pairs = held.setdefault(grantee, {})
            pairs[privilege] = pairs.get(privilege, False) or grantable
        if default_privileges(target, PUBLIC):
            held.setdefault(PUBLIC, {})
        grants = (Grant(target, grantee, tuple(sorted(pairs.items()))) for grantee, pairs in held.items())
        out += [g for g in grants if not is_default(g)]
    return out
