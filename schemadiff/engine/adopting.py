"""The jobs that bring a database to schemadiff: inspect it as a schema file, adopt a folder
of migration scripts, baseline a database another tool migrated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..model import Catalog
from .project import Project
from .reading import own_tables, schemadiff_tables, without_ignored
from .target import connection


@dataclass(frozen=True)
class SchemaText:
    """A catalog, the schema.yaml text that describes it, and what the database holds that
    the text leaves out (unmanaged objects, also listed in a comment atop the text)."""

    catalog: Catalog
    text: str
    left_out: tuple = ()


WRITTEN_KINDS = frozenset({"view", "materialized view"})


def inspect_schema(project: Project, schemas: Optional[Sequence[str]] = None) -> SchemaText:
    """The live database (``schemas``, default every user schema) as schema.yaml text,
    without schemadiff's own tables and the ignored ones; what it cannot write is listed.
    Tables the ``ignore`` setting names are neither written nor listed, and neither is
    anything on them: the project said so."""
    from ..catalog.inspect import inspect
    from dataclasses import replace

    from ..catalog.unmanaged import migration_tool_tables, read_unmanaged
    from ..deploy.tracking import TOOL_TABLES
    from ..desired.dump import dump
    from ..model import QualifiedName

    target = project.target
    schemas = list(schemas) if schemas else None
    with connection(target) as conn:
        live = without_ignored(inspect(conn, schemas, exclude=schemadiff_tables(target)), target.ignore)
        left_out = read_unmanaged(conn, schemas, exclude=own_tables(target), ignore=target.ignore)
    written = {(v.schema, v.name) for v in live.views}  # the file says them now
    left_out = tuple(o for o in left_out if not (o.kind in WRITTEN_KINDS and (o.schema, o.name) in written))
    # Other migration tools' tracking tables are left alone, and said to be.
    tools = migration_tool_tables(live, TOOL_TABLES)
    live = without_ignored(live, [str(QualifiedName(t.schema, t.name)) for t in tools])
    # The file written manages the functions and procedures it lists (those it cannot write are
    # left out under kinds of their own), and the grants: no longer left out.
    live = replace(live, manages_functions=True, manages_procedures=True, manages_aggregates=True, manages_grants=True,
                   manages_default_grants=True)
    live, left_out = writable(live, tools + left_out)
    return SchemaText(live, dump(live, left_out, whole_database=True), left_out)


def writable(live: Catalog, left_out: tuple) -> tuple[Catalog, tuple]:
    """``live`` as the inspected file will say it, and what it leaves out. Triggers are
    written only when none needs an object the file leaves out (a function it does not write,
    a view): such a file could not be applied to an empty database. Likewise policies. A file
    that writes a kind manages it, so the report no longer names those objects."""
    from dataclasses import replace

    from ..catalog.unmanaged import without_managed

    left_out = without_managed(left_out, live)  # the functions and views the file writes
    unwritten = {(o.kind, o.schema, o.name) for o in left_out}
    triggers = () if any(_needs(t, unwritten) for t in live.triggers) else live.triggers
    policies = () if any(_needs(p, unwritten) for p in live.policies) else live.policies
    live = replace(live, triggers=triggers, manages_triggers=not live.triggers or bool(triggers), policies=policies,
                   manages_policies=not live.policies or bool(policies),
                   manages_row_security=not live.policies or bool(policies))
    return live, without_managed(left_out, live)


def _needs(obj, unwritten: set) -> bool:
    for ref in obj.depends_on:
        kinds = ("function", "procedure") if ref.what == "function" else ("view", "materialized view", "foreign table")
        if ref.what in ("function", "relation", "column") and any((k, ref.schema, ref.name) in unwritten for k in kinds):
            return True
    return False


def adopt(project: Project, directory) -> SchemaText:
    """The schema a folder of ``NNN_*.sql`` migrations builds, replayed on a scratch database
    on the project's server."""
    from ..deploy.adopt import adopt as replay_folder

    catalog, text = replay_folder(directory, project.target.url)
    return SchemaText(catalog, text)


def baseline(project: Project, *, force: bool = False):
    """Record a version row for the schema file without changing the schema
    (deploy.adopt.BaselineResult), waiting for the deploy lock as configured."""
    from ..deploy.adopt import baseline as record_baseline

    desired, text = project.load()
    return record_baseline(project.target, desired, text, force=force, lock_wait_s=project.lock_wait)
