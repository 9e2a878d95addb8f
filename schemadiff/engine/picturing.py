"""The job that draws the schema (``schemadiff erd``): the entity-relationship graph of the
schema file or of the live database."""

from __future__ import annotations

from typing import Optional, Sequence

from ..model import Catalog
from .project import Project
from .reading import own_tables, without_ignored
from .target import connection


def erd(project: Project, *, from_database: bool = False, tables: Sequence[str] = (), depth: int = 1,
        schemas: Sequence[str] = (), pattern: Optional[str] = None, all_columns: bool = False,
        max_tables: Optional[int] = None):
    """The :class:`~schemadiff.pictures.erd.Erd` of the schema file (or the live database),
    focused and narrowed as :func:`~schemadiff.pictures.erd.erd_of` says."""
    from ..pictures.erd import erd_of

    catalog = live_catalog(project) if from_database else project.load()[0]
    return erd_of(catalog, tables=tables, depth=depth, schemas=schemas, pattern=pattern,
                  all_columns=all_columns, max_tables=max_tables)


def live_catalog(project: Project) -> Catalog:
    """The live database's tables and views, without schemadiff's and other migration tools'
    bookkeeping tables and the ignored ones."""
    from ..catalog.inspect import inspect

    target = project.target
    with connection(target) as conn:
        return without_ignored(inspect(conn, None, exclude=own_tables(target)), target.ignore)
