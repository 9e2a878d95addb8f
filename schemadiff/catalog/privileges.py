"""What the connected role may do, asked of the catalog in one query
(``queries/privileges.sql``): the facts behind plan's warning that a role cannot carry a
plan out."""

from __future__ import annotations

from typing import Iterable


def read_privileges(conn, needs: Iterable) -> list[tuple]:
    """(what, schema, name, ok, detail, superuser, role, database) for each need
    (plan.privileges.Need); ``ok`` is None when the object does not exist."""
    from .inspect import _fetch, query

    needs = list(dict.fromkeys(needs))
    if not needs:
        return []
    return _fetch(conn, query("privileges"), {"what": [n.what for n in needs], "schema": [n.schema for n in needs],
                                              "name": [n.name for n in needs]})
