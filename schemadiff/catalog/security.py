"""Rows of ``queries/row_security.sql`` → tables with row-level security on, and policies."""

from __future__ import annotations

from ..model import Policy, RowSecurity
from ..model.dependencies import references_from_rows

COMMANDS = {"*": "all", "r": "select", "a": "insert", "w": "update", "d": "delete"}


def row_security_from_rows(rows) -> dict:
    tables, policies = [], []
    for kind, schema, table, name, enabled, forced, cmd, permissive, roles, using, check, comment, deps in rows:
        if kind == "table":
            tables.append(RowSecurity(schema, table, bool(enabled), bool(forced)))
        else:
            policies.append(Policy(schema, table, name, COMMANDS[cmd], bool(permissive), tuple(roles), using, check,
                                   comment, depends_on=references_from_rows(deps)))
    return {"row_security": tables, "policies": policies}
