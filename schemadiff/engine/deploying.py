"""The deploying jobs: plan (and rehearse, export, save it), apply (fresh or a saved plan),
history and rollback."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..model import Catalog
from ..plan import Plan, PlanOptions
from .applying import ApplyResult, apply, refuse_destructive
from .planning import plan_while_loading
from .project import Project
from .reviewing import lint_catalog, sizes_of
from .target import connection


@dataclass
class Planned:
    """A plan, the desired state and text it was made from, and what was done with it."""

    plan: Plan
    desired: Catalog
    text: str
    lint: Optional[object] = None  # plan.lint.LintReport, when asked for
    migration_file: Optional[Path] = None  # when exported and there was something to write
    validated: bool = False
    current: Optional[Catalog] = None  # what the plan starts from (live, or the OLD file), to draw the change


def plan_schema(project: Project, *, online: bool = True, data_dir=None, validate: bool = False,
                export_to=None, export_name: Optional[str] = None, save_to=None, lint: bool = False,
                allow_destructive: bool = False) -> Planned:
    """What apply would change. ``validate`` rehearses the plan on a scratch copy of the live
    schema first; ``export_to`` writes it as the next numbered migration file of that folder,
    under apply's guard (a plan that loses data is refused unless ``allow_destructive``: the
    file will be run by psql, with no schemadiff left to ask); ``save_to`` saves it for
    ``apply_schema(saved_plan=…)``; ``lint`` lints file and changes."""
    options = PlanOptions(online=online)
    target = project.target
    the_plan, desired, text, live = plan_while_loading(target, project.load, options,
                                                       data_migrations=project.data_migrations(data_dir))
    planned = Planned(the_plan, desired, text, current=live)
    if validate:
        from ..deploy.validate_plan import validate_plan

        validate_plan(target, desired, the_plan, options)
        planned.validated = True
    if export_to is not None:
        from ..deploy.export import write_migration

        if not allow_destructive:
            refuse_destructive(the_plan, "No migration file was written.")

        planned.migration_file = write_migration(the_plan, export_to, export_name, version_table=target.version_table)
    if save_to is not None:
        from ..deploy.saved import save_plan

        save_plan(the_plan, save_to, schema_path=project.schema, schema_text=text)
    if lint:
        planned.lint = lint_catalog(project, desired, text, the_plan.changes, online=online, sizes=sizes_of(the_plan))
    return planned


def apply_schema(project: Project, *, allow_destructive: bool = False, dry_run: bool = False, online: bool = True,
                 data_dir=None, saved_plan=None, retries: Optional[int] = None, progress=None) -> ApplyResult:
    """Bring the database to the schema file under the deploy lock; with ``saved_plan`` (a
    file from ``plan_schema(save_to=…)``) run exactly that plan, refused if it went stale."""
    desired, text = project.load()
    fixed, on_plan = None, None
    if saved_plan is not None:
        from ..deploy.saved import load_plan, verify_plan

        fixed = load_plan(saved_plan)
        on_plan = functools.partial(verify_plan, fixed)
    return apply(project.target, desired, text, allow_destructive=allow_destructive, dry_run=dry_run,
                 lock_wait_s=project.lock_wait, options=PlanOptions(online=online),
                 settings=project.execution(retries), progress=progress, fixed_plan=fixed, on_plan=on_plan,
                 data_migrations=project.data_migrations(data_dir), max_lock_s=project.max_lock_time)


def history(project: Project, limit: Optional[int] = None) -> list:
    """The recorded versions (deploy.versions.Version), newest first."""
    from ..deploy import versions

    target = project.target
    with connection(target) as conn:
        return versions.history(conn, target.version_table, limit=limit)


def rollback(project: Project, to_version: int, *, allow_destructive: bool = False, dry_run: bool = False,
             retries: Optional[int] = None, progress=None) -> ApplyResult:
    """Plan the schema recorded with ``to_version`` and apply it like ``apply_schema``."""
    from ..deploy.rollback import snapshot_of

    target = project.target
    with connection(target) as conn:
        desired, text, recorded_hash = snapshot_of(conn, target.version_table, to_version)
    # A dry run shows the whole plan, destructive steps included.
    return apply(target, desired, text, allow_destructive=allow_destructive or dry_run, dry_run=dry_run,
                 lock_wait_s=project.lock_wait, settings=project.execution(retries), progress=progress,
                 recorded_hash=recorded_hash)
