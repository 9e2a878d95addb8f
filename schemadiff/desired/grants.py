"""The file's ``privileges:`` (grants per grantee), and its writer for ``inspect``.

    privileges:
      app_user:                                   # a role, or PUBLIC
        schema app: [usage]
        table public.users: [select, insert, update with grant option]
        column public.users.email: [select]       # schema.table.column (table.column: public)
        sequence public.users_id_seq: [usage, select]
        function public.touch_updated_at(): [execute]
        type public.mood: [usage]
      PUBLIC:
        function public.touch_updated_at(): []    # EXECUTE revoked from PUBLIC

Each entry is the whole set the grantee holds on that object; an object or grantee not listed
keeps PostgreSQL's default (nothing, but PUBLIC's EXECUTE on functions, USAGE on types and on
the public schema). Views, materialized views and foreign tables are written ``table``, a
procedure ``function`` (``view``, ``materialized view``, ``procedure`` are read as those).
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ..model import Catalog, Grant, GrantTarget
from ..model.grants import KINDS, PRIVILEGES, PUBLIC, is_default
from .reader import Reader, describe_value

ALIASES = {"view": "table", "materialized view": "table", "foreign table": "table", "procedure": "function",
           "routine": "function", "domain": "type"}
_GRANT_OPTION = " with grant option"


class GrantsReader(Reader):
    """Reads ``privileges:``; ``self.grant_paths`` keeps where each came from, for the checks
    that need the whole file (the schemas it manages)."""

    def grants(self, value: Any) -> list[Grant]:
        self.grant_paths: dict = {}
        spec = self.mapping(value, ("privileges",), "privileges")
        out: list[Grant] = []
        for grantee, objects in spec.items():
            path = ("privileges", grantee)
            if not isinstance(grantee, str) or not grantee:
                self.error(path, f"a grantee must be a role name or PUBLIC, not {describe_value(grantee)}")
                continue
            role = PUBLIC if grantee.upper() == PUBLIC else grantee
            for key, privileges in self.mapping(objects, path, f"the privileges of {grantee}").items():
                grant = self.grant(role, key, privileges, path + (key,))
                if grant is None:
                    continue
                if grant.key in self.grant_paths:
                    self.error(path + (key,), f"{grant.target.label} is listed twice for {grantee}")
                    continue
                self.grant_paths[grant.key] = path + (key,)
                if not is_default(grant):
                    out.append(grant)
        return out

    def grant(self, grantee: str, key: Any, value: Any, path: tuple) -> Optional[Grant]:
        target = self.grant_target(key, path)
        if target is None:
            return None
        return Grant(target, grantee, self.privilege_set(target.kind, value, path, f"the privileges on {key}"))

    def privilege_set(self, kind: str, value: Any, path: tuple, what: str) -> tuple[tuple[str, bool], ...]:
        """``[select, insert with grant option]`` → sorted (privilege, grantable) pairs."""
        items = [value] if isinstance(value, str) else self.listing(value, path, what)
        pairs: dict = {}
        for i, item in enumerate(items):
            text = " ".join(item.split()).lower() if isinstance(item, str) else None
            if text is None:
                self.error(path + (i,), f"a privilege must be a word such as select, not {describe_value(item)}")
                continue
            grantable = text.endswith(_GRANT_OPTION)
            name = text[:-len(_GRANT_OPTION)].strip().upper() if grantable else text.upper()
            allowed = PRIVILEGES[kind]
            if name not in allowed:
                self.error(path + (i,), f"{text!r} is not a privilege on a {kind}; expected one of: "
                                        f"{', '.join(p.lower() for p in allowed)} (add 'with grant option' to let "
                                        "the grantee grant it on)")
                continue
            pairs[name] = pairs.get(name, False) or grantable
        return tuple(sorted(pairs.items()))

    def grant_target(self, key: Any, path: tuple) -> Optional[GrantTarget]:
        text = " ".join(str(key).split())
        kind = next((k for k in sorted((*KINDS, *ALIASES), key=len, reverse=True) if text.lower().startswith(k + " ")), None)
        if kind is None:
            self.error(path, f"{text!r} must start with the kind of object: one of {', '.join(KINDS)} "
                             "(e.g. 'table public.users')")
            return None
        name = text[len(kind) + 1:].strip()
        kind = ALIASES.get(kind, kind)
        target = parse_target(kind, name)
        if target is None:
            self.error(path, f"cannot read {text!r} as a {kind} name "
                             f"({_EXAMPLES[kind]}; quote a name holding dots with double quotes)")
        return target

    def check_grant_schemas(self, grants: list[Grant], schemas: set) -> None:
        """A grant must be on an object of a schema the file manages: the live grants of other
        schemas are never read, so it would be planned on every run."""
        for grant in grants:
            if grant.target.schema not in schemas:
                self.error(self.grant_paths.get(grant.key, ("privileges",)),
                           f"{grant.target.label} is in schema {grant.target.schema}, which this file does not "
                           f"manage; list it under 'schemas:' (schemadiff then manages its tables too)")


_EXAMPLES = {"schema": "e.g. 'schema app'", "table": "e.g. 'table app.users'",
             "column": "e.g. 'column app.users.email'", "sequence": "e.g. 'sequence app.users_id_seq'",
             "function": "e.g. 'function app.touch(integer, text)'", "type": "e.g. 'type app.mood'"}


def split_name(text: str) -> Optional[list[str]]:
    """``a."b.c".d`` → ``[a, b.c, d]``; None when the quotes do not close."""
    parts, current, i = [], "", 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            end = i + 1
            while True:
                end = text.find('"', end)
                if end < 0:
                    return None
                if text[end + 1:end + 2] == '"':
                    end += 2
                    continue
                break
            current += text[i + 1:end].replace('""', '"')
            i = end + 1
            continue
        if ch == ".":
            parts.append(current)
            current = ""
        else:
            current += ch
        i += 1
    parts.append(current)
    return parts if all(p.strip() for p in parts) else None


def parse_target(kind: str, text: str) -> Optional[GrantTarget]:
    """A target from its name as the file writes it; bare names are in public."""
    args = None
    if kind == "function":
        m = re.match(r'^(.*?)\((.*)\)$', text, re.S)
        if m is None:
            return None
        text, args = m.group(1).strip(), normalize_arguments(m.group(2))
    parts = split_name(text)
    if parts is None:
        return None
    parts = [p.strip() for p in parts]
    if kind == "schema":
        return GrantTarget("schema", parts[0]) if len(parts) == 1 else None
    if kind == "column":
        if len(parts) == 2:
            parts = ["public", *parts]
        return GrantTarget("column", *parts) if len(parts) == 3 else None
    if len(parts) == 1:
        parts = ["public", *parts]
    if len(parts) != 2:
        return None
    return GrantTarget(kind, parts[0], f"{parts[1]}({args})" if kind == "function" else parts[1])


def normalize_arguments(text: str) -> str:
    """Argument types as the inspector writes them: ``integer, text`` (the server settles
    spellings such as ``int4`` at plan time)."""
    parts = [" ".join(p.split()) for p in _split_commas(text)]
    return ", ".join(p for p in parts if p)


def _split_commas(text: str) -> list[str]:
    out, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(current)
            current = ""
        else:
            current += ch
    return out + [current]


# -- the writer ---------------------------------------------------------------------------------

def quote_part(name: str) -> str:
    return f'"{name.replace(chr(34), chr(34) * 2)}"' if re.search(r'[."\s()]', name) or name != name.strip() else name


def target_key(target: GrantTarget) -> str:
    if target.kind == "schema":
        return f"schema {quote_part(target.schema)}"
    if target.kind == "function":
        name, args = target.name.split("(", 1)
        return f"function {quote_part(target.schema)}.{quote_part(name)}({args}"
    own = f"{quote_part(target.schema)}.{quote_part(target.name)}"
    return f"{target.kind} {own}.{quote_part(target.column)}" if target.column is not None else f"{target.kind} {own}"


def privilege_words(grant: Grant) -> list[str]:
    order = PRIVILEGES[grant.target.kind]
    ranked = sorted(grant.privileges, key=lambda p: order.index(p[0]) if p[0] in order else len(order))
    return [name.lower() + (_GRANT_OPTION if grantable else "") for name, grantable in ranked]


def dump_grants(catalog: Catalog) -> dict:
    """``privileges:``: per grantee (PUBLIC last), each object it holds non-default privileges on."""
    out: dict = {}
    for grant in sorted(catalog.grants, key=lambda g: (g.grantee == PUBLIC, g.grantee, g.target)):
        out.setdefault(grant.grantee, {})[target_key(grant.target)] = privilege_words(grant)
    return out
