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

    from ..catalog.unmanaged import migration_tool_tables, read_unmanaged, without_managed
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
    # The file written manages the functions and procedures it lists: no longer left out.
    live = replace(live, manages_functions=any(not f.procedure for f in live.functions),
                   manages_procedures=any(f.procedure for f in live.functions))
    left_out = without_managed(left_out, live)
    left_out = tools + left_out
    if live.grants or live.default_grants:  # written under `privileges:`, so no longer left out
        from dataclasses import replace

        from ..catalog.unmanaged import managed_kinds

        kinds = managed_kinds(replace(live, manages_grants=bool(live.grants),
                                      manages_default_grants=bool(live.default_grants)))
        left_out = tuple(o for o in left_out if o.kind not in kinds)
    return SchemaText(live, dump(live, left_out, whole_database=True), left_out)


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
