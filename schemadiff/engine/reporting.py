"""What the HTML report is made of: the schema file, and with a database its sizes, health,
version history and pending plan, all read on one connection with one catalog read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .. import db
from ..model import Catalog
from .project import Project


@dataclass
class ReportSources:
    """The schema file's catalog and, when a database was read, what it holds: ``live`` (with
    the tables' sizes), the recorded versions (newest first), the health report and the plan
    that would bring it to the file. Without a database only ``desired`` is set."""

    schema_file: Optional[str]  # None: read from the database alone (the database is the schema)
    desired: Catalog
    database: Optional[str] = None  # db.describe(url): the URL without its password
    live: Optional[Catalog] = None
    history: list = field(default_factory=list)  # deploy.versions.Version
    health: Optional[object] = None  # monitor.check.HealthReport
    pending: Optional[object] = None  # plan.Plan

    @property
    def with_database(self) -> bool:
        return self.live is not None


def report_sources(project: Project, *, database: bool = True, from_database: bool = False) -> ReportSources:
    """The report's sources; ``database`` False (or no URL configured) reads the file only;
    ``from_database`` reads the database alone, as the schema, with no file to compare it to.
    Raises what the file or the database raised: a report of a database that could not be
    read would be a wrong picture, not a partial one."""
    if from_database:
        return _database_alone(project)
    desired, _ = project.load()
    if not database:
        return ReportSources(project.schema, desired)
    from ..deploy import versions
    from ..monitor.check import check_on
    from .planning import plan_against
    from .reading import read_live
    from .target import connection

    target = project.target
    with connection(target) as conn:
        live = read_live(conn, target, desired)
        return ReportSources(
            project.schema, desired, database=db.describe(target.url), live=live,
            history=versions.history(conn, target.version_table),
            health=check_on(conn, target, live, desired),
            pending=plan_against(conn, target, desired, live=live),
        )


def _database_alone(project: Project) -> ReportSources:
    """The live database as the schema (sizes and recorded versions too): the map of a database
    one opens for the first time. Health and pending changes need a file to compare with."""
    from ..catalog.inspect import inspect
    from ..deploy import versions
    from .reading import own_tables, without_ignored
    from .target import connection

    target = project.target
    with connection(target) as conn:
        live = without_ignored(inspect(conn, None, exclude=own_tables(target)), target.ignore)
        return ReportSources(None, live, database=db.describe(target.url), live=live,
                             history=versions.history(conn, target.version_table))
