"""Privileges granted on objects (``GRANT … ON … TO …``), where they differ from the default.

An object's privileges are kept per (object, grantee): the whole set that grantee holds, each
with whether it may grant it on (WITH GRANT OPTION). A pair is kept only where its set differs
from what PostgreSQL gives by default, so that an object nobody granted anything on has no
entry on either side. The default of a pair is empty but for PUBLIC, which holds EXECUTE on
functions and procedures, USAGE on types, and USAGE on the ``public`` schema (PostgreSQL 15's
initdb: CREATE is no longer PUBLIC's); "EXECUTE revoked from PUBLIC" is then the pair
(function, PUBLIC) with an empty set. The owner's own privileges are left out: the owner of an
object built by ``apply`` is whoever runs it.

Objects are addressed by kind and name, not by a model object: a view, a function or a type
that schemadiff does not manage still takes grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

PUBLIC = "PUBLIC"

# The privileges each kind of object takes, in the order GRANT documents them.
PRIVILEGES = {
    "schema": ("USAGE", "CREATE"),
    "table": ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN"),
    "column": ("SELECT", "INSERT", "UPDATE", "REFERENCES"),
    "sequence": ("USAGE", "SELECT", "UPDATE"),
    "function": ("EXECUTE",),
    "type": ("USAGE",),
}
KINDS = tuple(PRIVILEGES)


@dataclass(frozen=True, order=True)
class GrantTarget:
    """An object privileges are granted on: a schema (``name`` is the schema), a table (also
    a view, materialized view or foreign table), a column of one, a sequence, a function or
    procedure (``name`` is its identity signature ``f(integer, text)``), or a type."""

    kind: str
    schema: str
    name: str = ""
    column: Optional[str] = None

    def __str__(self) -> str:
        if self.kind == "schema":
            return self.schema
        own = f"{self.schema}.{self.name}"
        return f"{own}.{self.column}" if self.column is not None else own

    @property
    def label(self) -> str:
        """``table public.users``, ``column public.users.email``, ``schema app``."""
        return f"{self.kind} {self}"


@dataclass(frozen=True, order=True)
class Grant:
    """What ``grantee`` (a role, or PUBLIC) holds on ``target``: (privilege, grantable) pairs,
    sorted; empty when it holds nothing where it would by default."""

    target: GrantTarget
    grantee: str
    privileges: tuple[tuple[str, bool], ...] = ()

    @property
    def key(self) -> tuple:
        return (self.target, self.grantee)


def default_privileges(target: GrantTarget, grantee: str) -> tuple[tuple[str, bool], ...]:
    """What ``grantee`` holds on ``target`` when nobody granted or revoked anything."""
    if grantee != PUBLIC:
        return ()
    if target.kind == "function":
        return (("EXECUTE", False),)
    if target.kind == "type":
        return (("USAGE", False),)
    if target.kind == "schema" and target.schema == "public":
        return (("USAGE", False),)
    return ()


def is_default(grant: Grant) -> bool:
    return grant.privileges == default_privileges(grant.target, grant.grantee)


# ALTER DEFAULT PRIVILEGES … ON <objects>: the kind of object each word gives privileges on.
DEFAULT_OBJECTS = {"tables": "table", "sequences": "sequence", "functions": "function", "types": "type",
                   "schemas": "schema"}


@dataclass(frozen=True, order=True)
class DefaultGrant:
    """What ``grantee`` will hold on the ``objects`` (tables, sequences, functions, types,
    schemas) ``role`` creates from now on, in ``schema`` ("" for every schema), where that
    differs from the default (``ALTER DEFAULT PRIVILEGES FOR ROLE role [IN SCHEMA schema]``)."""

    role: str
    schema: str
    objects: str
    grantee: str
    privileges: tuple[tuple[str, bool], ...] = ()

    @property
    def key(self) -> tuple:
        return (self.role, self.schema, self.objects, self.grantee)

    @property
    def label(self) -> str:
        where = f" in schema {self.schema}" if self.schema else ""
        return f"default privileges of {self.role} on {self.objects}{where}"


def default_grant_base(grant: DefaultGrant) -> tuple[tuple[str, bool], ...]:
    """A rule for every schema replaces the built-in defaults (it may take PUBLIC's EXECUTE
    away); a rule for one schema only adds to them, so its base is nothing."""
    if grant.schema:
        return ()
    return default_privileges(GrantTarget(DEFAULT_OBJECTS[grant.objects], ""), grant.grantee)
