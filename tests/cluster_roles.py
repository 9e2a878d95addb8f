"""Roles for SQL fixtures that GRANT to an application role. Roles belong to the whole
cluster, not to a database, so a fixture names its roles in a header line
``-- roles: store_app, store_reader`` and each test session creates them with a unique suffix
(``store_app_3f9c…``), substituted for the name wherever it appears as a word."""

from __future__ import annotations

import re
import uuid
from typing import Iterator

import psycopg
from psycopg import sql as pgsql

HEADER = re.compile(r"^-- roles: (.+)$", re.MULTILINE)


def roles_named(text: str) -> list[str]:
    """The roles a fixture's header line names (none when it has no such line)."""
    return [name.strip() for line in HEADER.findall(text) for name in line.split(",") if name.strip()]


class ClusterRoles:
    """Each role name a fixture uses, created once per session under a unique name."""

    def __init__(self, admin_url: str):
        self.admin_url, self.suffix, self.created = admin_url, uuid.uuid4().hex[:10], {}

    def substitute(self, text: str) -> str:
        """``text`` with its roles created and every mention of one replaced by its unique name."""
        for name in roles_named(text):
            text = re.sub(rf"\b{re.escape(name)}\b", self.create(name), text)
        return text

    def create(self, name: str) -> str:
        if name not in self.created:
            unique = f"{name}_{self.suffix}"
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(pgsql.SQL("CREATE ROLE {} NOLOGIN").format(pgsql.Identifier(unique)))
            self.created[name] = unique
        return self.created[name]

    def drop_all(self) -> None:
        """Drop the roles (the databases that granted them anything are dropped by then)."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for unique in self.created.values():
                conn.execute(pgsql.SQL("DROP ROLE IF EXISTS {}").format(pgsql.Identifier(unique)))


def session_roles(admin_url: str) -> Iterator[ClusterRoles]:
    roles = ClusterRoles(admin_url)
    try:
        yield roles
    finally:
        roles.drop_all()
