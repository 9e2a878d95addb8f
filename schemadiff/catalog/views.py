"""Rows of ``queries/views.sql`` → views and materialized views (their indexes come with the
tables' index query, attached here)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..model import QualifiedName, View
from ..model.dependencies import references_from_rows
from ..model.views import VIEW_OPTIONS, clean_query
from ..pg import normalize


@dataclass
class _Builder:
    view: View
    indexes: list = field(default_factory=list)


def view_builders(rows) -> dict:
    """Views by qualified name, each with a list its indexes are appended to."""
    out = {}
    for schema, name, materialized, query, options, populated, comment, columns, column_comments, depends in rows:
        pairs = dict(o.split("=", 1) for o in options or ())
        view = View(schema, name, clean_query(query), materialized,
                    check_option=None if materialized else pairs.get("check_option"),
                    options=() if materialized else tuple(sorted((k, "true") for k, v in pairs.items()
                                                                 if k in VIEW_OPTIONS and normalize.boolean(v))),
                    with_data=bool(populated) if materialized else True, comment=comment,
                    parameters=tuple(sorted((k, normalize.storage_parameter(v)) for k, v in pairs.items())) if materialized else (),
                    column_comments=tuple(sorted((c, t) for c, t in column_comments)),
                    columns=tuple((c, t) for c, t in columns), depends_on=references_from_rows(depends))
        out[QualifiedName(schema, name)] = _Builder(view)
    return out


def built_views(builders: dict) -> list[View]:
    return [replace(b.view, indexes=tuple(sorted(b.indexes, key=lambda i: i.name))) for b in builders.values()]
