"""CREATE INDEX as the planner writes it, and a WITH (storage parameters) clause. Outside
``plan`` because the catalog's probes build the same statement on a scratch table, and
importing anything under ``plan`` imports the whole planner (``check`` must not)."""

from __future__ import annotations

import re

from .naming import qualify, quote_ident, quote_literal


def with_clause(parameters) -> str:
    if not parameters:
        return ""
    values = (v if re.fullmatch(r"[\w.]+", v) else quote_literal(v) for _, v in parameters)
    return f" WITH ({', '.join(f'{name} = {value}' for (name, _), value in zip(parameters, values))})"


def index_sql(table, index, concurrently: bool = False) -> str:
    """``index`` (model.Index) on ``table`` (a QualifiedName)."""
    unique = "UNIQUE " if index.unique else ""
    conc = "CONCURRENTLY " if concurrently else ""
    using = f" USING {index.method}" if index.method != "btree" else ""
    sql = f"CREATE {unique}INDEX {conc}IF NOT EXISTS {quote_ident(index.name)} ON {qualify(table.schema, table.name)}{using} ({', '.join(index.keys)})"
    if index.include:
        sql += f" INCLUDE ({', '.join(quote_ident(c) for c in index.include)})"
    if index.nulls_not_distinct:
        sql += " NULLS NOT DISTINCT"
    sql += with_clause(index.parameters)
    if index.where:
        sql += f" WHERE {index.where}"
    return sql
