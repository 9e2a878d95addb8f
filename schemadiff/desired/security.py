"""The file's row-level security (a table's ``row_level_security:``) and ``policies:``, and
their writer for ``inspect``.

    tables:
      orders:
        columns: {…}
        row_level_security: enabled      # enabled | forced (the owner too) | disabled
    policies:
      orders.tenant_isolation:           # table.policy (app.orders.p in schema app)
        command: all                     # all (default) | select | insert | update | delete
        as: permissive                   # permissive (default) | restrictive
        roles: [app_user]                # default: public
        using: "tenant_id = current_setting('app.tenant_id')::int"
        with_check: "…"
        renamed_from: old_name
        comment: …

A file that never mentions row-level security (no table's ``row_level_security:``, no
``policies:``) leaves it alone, policies included.
"""

from __future__ import annotations

from typing import Any

from ..model import Catalog, Policy, QualifiedName, RowSecurity
from ..model.security import COMMANDS
from ..pg import naming
from .reader import Reader, split_qualified
from .triggers import own_name, table_and_name, table_key

POLICY_KEYS = ("table", "name", "command", "as", "roles", "using", "with_check", "renamed_from", "comment")
RLS_MODES = {"enabled": (True, False), "forced": (True, True), "disabled": (False, False),
             True: (True, False), False: (False, False)}


class SecurityReader(Reader):
    """Reads ``policies:`` and each table's ``row_level_security:``."""

    def row_security(self, tables_spec: Any) -> tuple[list[RowSecurity], bool]:
        """(tables with row-level security on, whether any table mentions it)."""
        found, mentioned = [], False
        for key, body in (tables_spec.items() if isinstance(tables_spec, dict) else ()):
            if not isinstance(body, dict) or "row_level_security" not in body:
                continue
            mentioned = True
            value = body["row_level_security"]
            value = value.lower() if isinstance(value, str) else value
            if value not in RLS_MODES:
                self.error(("tables", key, "row_level_security"),
                           f"row_level_security must be enabled, forced or disabled, not {value!r}")
                continue
            schema, name = split_qualified(key)
            if body.get("schema") is not None:
                schema, name = str(body["schema"]), str(key)
            enabled, forced = RLS_MODES[value]
            if enabled:
                found.append(RowSecurity(schema, naming.truncate_identifier(name), enabled, forced))
        return found, mentioned

    def policies(self, value: Any, declared: set) -> list[Policy]:
        spec = self.mapping(value, ("policies",), "policies")
        found, seen = [], set()
        for key, body in spec.items():
            policy = self.policy(key, body)
            if policy is None:
                continue
            if policy.key in seen:
                self.error(("policies", key), f"policy {policy.label} is declared twice")
            elif declared and policy.on not in declared:
                self.error(("policies", key), f"policy {policy.label} is on a table the file does not declare")
            seen.add(policy.key)
            found.append(policy)
        return found

    def policy(self, key: Any, body: Any):
        path = ("policies", key)
        what = f"policy {key!r}"
        body = self.mapping(body, path, what)
        self.expect_keys(body, POLICY_KEYS, path, what)
        table, name = table_and_name(self, key, body, path)
        command = str(body.get("command", "all")).lower()
        if command not in COMMANDS:
            self.error(path + ("command",), f"command must be one of: {', '.join(COMMANDS)}, not {body['command']!r}")
        kind = str(body.get("as", "permissive")).lower()
        if kind not in ("permissive", "restrictive"):
            self.error(path + ("as",), f"as must be permissive or restrictive, not {body['as']!r}")
        roles = self.name_list(body.get("roles", "public"), path + ("roles",), "roles")
        roles = tuple(sorted({"public" if r.lower() == "public" else r for r in roles}))
        if not roles:
            self.error(path + ("roles",), "a policy needs at least one role (public for everyone)")
        using = self.text(body.get("using"), path + ("using",), "using")
        check = self.text(body.get("with_check"), path + ("with_check",), "with_check")
        if using is not None and command == "insert":
            self.error(path + ("using",), "an insert policy has only with_check (PostgreSQL refuses USING)")
        if check is not None and command in ("select", "delete"):
            self.error(path + ("with_check",), f"a {command} policy has only using (PostgreSQL refuses WITH CHECK)")
        renamed = self.text(body.get("renamed_from"), path + ("renamed_from",), "renamed_from")
        return Policy(table.schema, table.name, name, command, kind == "permissive", roles or ("public",), using, check,
                      renamed_from=naming.truncate_identifier(renamed) if renamed else None,
                      **self.comment_of(body, path))


def dump_policies(catalog: Catalog) -> dict:
    """``policies:`` keyed table.name (public tables bare)."""
    return {_key(p): _policy(p) for p in catalog.policies}


def row_security_of(catalog: Catalog) -> dict[QualifiedName, str]:
    """Each table's ``row_level_security:`` value, for a catalog that manages it: disabled
    written out on the others (the file then says so)."""
    if not (catalog.row_security or catalog.policies):
        return {}
    modes = {r.qualified: r.mode for r in catalog.row_security}
    return {t.qualified: modes.get(t.qualified, "disabled") for t in catalog.tables if t.qualified in modes}


def _key(p: Policy) -> str:
    return f"{table_key(p.schema, p.table)}.{p.name}"


def _policy(p: Policy) -> dict:
    body: dict = own_name(p.name)
    if p.command != "all":
        body["command"] = p.command
    if not p.permissive:
        body["as"] = "restrictive"
    if p.roles != ("public",):
        body["roles"] = list(p.roles)
    if p.using is not None:
        body["using"] = p.using
    if p.with_check is not None:
        body["with_check"] = p.with_check
    if p.comment is not None:
        body["comment"] = p.comment
    return body
