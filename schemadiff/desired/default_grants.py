"""The file's ``default_privileges:`` (``ALTER DEFAULT PRIVILEGES``), and its writer for ``inspect``.

    default_privileges:
      app_owner:                       # FOR ROLE: the role whose new objects get them
        tables in schema app:          # tables | sequences | functions | types | schemas [in schema …]
          app_user: [select, insert]   # grantee: the whole set it gets (as under privileges:)
        functions:                     # every schema: replaces the built-in defaults …
          PUBLIC: []                   # … so new functions are not executable by PUBLIC

A rule for one schema only adds to the defaults; one for every schema replaces them (its
PUBLIC entry may take EXECUTE or USAGE away). Entries equal to the default are the same as none.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ..model import Catalog, DefaultGrant
from ..model.grants import DEFAULT_OBJECTS, PUBLIC, default_grant_base
from .grants import GrantsReader, privilege_words, quote_part, split_name
from .reader import describe_value

_KEY = re.compile(r"^(\w+)(?:\s+in\s+schema\s+(.+))?$", re.I)


class DefaultGrantsReader(GrantsReader):
    """Reads ``default_privileges:``."""

    def default_grants(self, value: Any) -> list[DefaultGrant]:
        self.default_grant_paths: dict = {}
        out: list[DefaultGrant] = []
        for role, rules in self.mapping(value, ("default_privileges",), "default_privileges").items():
            path = ("default_privileges", role)
            if not isinstance(role, str) or not role or role.upper() == PUBLIC:
                self.error(path, f"default privileges belong to a role (FOR ROLE), not {describe_value(role)}")
                continue
            for key, grantees in self.mapping(rules, path, f"the default privileges of {role}").items():
                out += self.default_rule(role, key, grantees, path + (key,))
        return out

    def default_rule(self, role: str, key: Any, grantees: Any, path: tuple) -> list[DefaultGrant]:
        parsed = _parse_key(str(key))
        if parsed is None:
            self.error(path, f"{key!r} must be one of {', '.join(DEFAULT_OBJECTS)}, optionally followed by "
                             "'in schema <name>' (e.g. 'tables in schema app')")
            return []
        objects, schema = parsed
        if objects == "schemas" and schema:
            self.error(path, "default privileges on schemas cannot be limited to a schema")
            return []
        out = []
        for grantee, privileges in self.mapping(grantees, path, f"the grantees of {key}").items():
            who = PUBLIC if str(grantee).upper() == PUBLIC else str(grantee)
            pairs = self.privilege_set(DEFAULT_OBJECTS[objects], privileges, path + (grantee,), f"the privileges on {objects}")
            grant = DefaultGrant(role, schema, objects, who, pairs)
            self.default_grant_paths[grant.key] = path + (grantee,)
            if grant.privileges != default_grant_base(grant):
                out.append(grant)
        return out

    def check_default_grant_schemas(self, grants: list[DefaultGrant], schemas: set) -> None:
        for grant in grants:
            if grant.schema and grant.schema not in schemas:
                self.error(self.default_grant_paths.get(grant.key, ("default_privileges",)),
                           f"{grant.label}: schema {grant.schema} is not managed by this file; list it under 'schemas:'")


def _parse_key(text: str) -> Optional[tuple[str, str]]:
    m = _KEY.match(" ".join(text.split()))
    if m is None or m.group(1).lower() not in DEFAULT_OBJECTS:
        return None
    schema = ""
    if m.group(2):
        parts = split_name(m.group(2).strip())
        if parts is None or len(parts) != 1:
            return None
        schema = parts[0].strip()
    return m.group(1).lower(), schema


def dump_default_grants(catalog: Catalog) -> dict:
    out: dict = {}
    for g in sorted(catalog.default_grants, key=lambda g: (g.role, g.objects, g.schema, g.grantee == PUBLIC, g.grantee)):
        key = g.objects + (f" in schema {quote_part(g.schema)}" if g.schema else "")
        out.setdefault(g.role, {}).setdefault(key, {})[g.grantee] = privilege_words(_as_grant(g))
    return out


def _as_grant(g: DefaultGrant):
    from ..model import Grant, GrantTarget

    return Grant(GrantTarget(DEFAULT_OBJECTS[g.objects], ""), g.grantee, g.privileges)

