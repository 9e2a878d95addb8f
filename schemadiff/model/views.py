"""Views and materialized views: a query the server stores (``pg_get_viewdef``), its options,
comments, and for a materialized view whether it holds data and its indexes.

Names in a query resolve as under ``search_path = public``: public names are bare, others
schema-qualified, as the inspector reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from .dependencies import Reference
from .names import QualifiedName
from .tables import Index

CHECK_OPTIONS = ("local", "cascaded")
VIEW_OPTIONS = ("security_barrier", "security_invoker")


@dataclass(frozen=True)
class View:
    """A view (``materialized`` False) or a materialized view."""

    schema: str
    name: str
    query: str
    materialized: bool = False
    check_option: Optional[str] = None  # views: local | cascaded
    options: tuple[tuple[str, str], ...] = ()  # WITH (…): (name, value) sorted by name, values lower case
    with_data: bool = True  # materialized views: populated (false: WITH NO DATA)
    parameters: tuple[tuple[str, str], ...] = ()  # materialized views: storage parameters (WITH), sorted
    indexes: tuple[Index, ...] = ()  # materialized views
    comment: Optional[str] = None
    column_comments: tuple[tuple[str, str], ...] = ()  # (column, comment) sorted by column
    # The output columns (name, type) as the server reads them: live, or from a probe of the
    # desired query (canonicalize_views); empty when not known. Decides CREATE OR REPLACE.
    columns: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    depends_on: tuple[Reference, ...] = field(default=(), compare=False)

    @property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)

    @property
    def word(self) -> str:
        """How SQL names its kind: VIEW or MATERIALIZED VIEW."""
        return "MATERIALIZED VIEW" if self.materialized else "VIEW"

    @property
    def kind(self) -> str:
        return "materialized view" if self.materialized else "view"

    def relations(self) -> frozenset:
        """The (schema or None, name) of every relation its query reads (parse tree)."""
        return _relations(self.query)


@lru_cache(maxsize=4096)
def _relations(query: str) -> frozenset:
    from ..pg.sqltree import relations

    return relations(query)


def clean_query(text: str) -> str:
    """A query as compared and written: no surrounding blanks, no trailing semicolon."""
    text = text.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text
