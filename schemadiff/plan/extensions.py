"""How extensions are planned: rendered, described, what they risk, how `check` reads them.

CREATE EXTENSION runs before any type or table (order.PHASES), without CASCADE: an extension
that requires another is declared with it, so nothing is installed that the file does not name.
A server without the extension's files refuses with its own message, which names it
(``extension "x" is not available``); apply reports it as the failing statement.
"""

from __future__ import annotations

from ..diff.extensions import CreateExtension, DropExtension, SetExtensionSchema, UpdateExtension
from ..pg.naming import quote_ident, quote_literal
from . import kinds
from .statements import DESTRUCTIVE, Hazard


def create_sql(c: CreateExtension) -> list[str]:
    e = c.extension
    version = f" VERSION {quote_literal(e.version)}" if e.version else ""
    return [f"CREATE EXTENSION IF NOT EXISTS {quote_ident(e.name)} WITH SCHEMA {quote_ident(e.schema)}{version}"]


def drop_sql(c: DropExtension) -> list[str]:
    # No CASCADE: a column still using one of its types makes it fail instead of vanishing.
    return [f"DROP EXTENSION IF EXISTS {quote_ident(c.extension.name)}"]


def drop_hazards(c: DropExtension) -> tuple:
    return (Hazard(DESTRUCTIVE, "DELETES_DATA", f"drops extension {c.extension.name} and every object it created "
                   "(types, functions, operators); fails while a column or index still uses them"),)


kinds.register(
    CreateExtension, describe=lambda c: f"create extension {c.extension.name}", render=create_sql,
    object=lambda c: c.extension.name, severity="critical", kind="extension", problem="missing")
kinds.register(
    DropExtension, describe=lambda c: f"drop extension {c.extension.name}", render=drop_sql, hazards=drop_hazards,
    object=lambda c: c.extension.name, kind="extension", problem="extra")
kinds.register(
    SetExtensionSchema, describe=lambda c: f"move extension {c.name} from schema {c.from_schema} to {c.to_schema}",
    render=lambda c: [f"ALTER EXTENSION {quote_ident(c.name)} SET SCHEMA {quote_ident(c.to_schema)}"],
    lock=lambda c: "ACCESS EXCLUSIVE (brief; catalog only) on its objects",
    object=lambda c: c.name, kind="extension", problem="differs")
kinds.register(
    UpdateExtension, describe=lambda c: f"update extension {c.name} from version {c.from_version} to {c.to_version}",
    render=lambda c: [f"ALTER EXTENSION {quote_ident(c.name)} UPDATE TO {quote_literal(c.to_version)}"],
    object=lambda c: c.name, kind="extension", problem="differs")
