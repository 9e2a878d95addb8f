"""Rehearse a plan before it touches the real database: rebuild the live schema (no data) in a
scratch database, run the plan there, and diff again against the desired state."""

from __future__ import annotations

from dataclasses import replace

from .. import db, engine
from .apply import execute
from ..errors import SchemadiffError
from ..model import Catalog
from ..plan import Plan, PlanOptions
from .scratch import scratch_database


class PlanDoesNotConverge(SchemadiffError):
    """After running the plan on a scratch copy, the schema still differs from the desired one."""


def validate_plan(target: engine.Target, desired: Catalog, plan: Plan,
                  options: PlanOptions = PlanOptions()) -> None:
    """Raise PlanDoesNotConverge unless ``plan``, run on a copy of the live schema, gives
    ``desired``; raise with the failing statement if it does not run at all."""
    with engine.connection(target) as conn:
        live = engine.read_live(conn, target, desired, every_kind=True)
    with scratch_database(target.url, target.connect_timeout) as url:
        scratch = replace(target, url=url)
        _build(scratch, live)
        with engine.connection(scratch) as conn:
            try:
                execute(conn, plan)
            except SchemadiffError as exc:
                raise PlanDoesNotConverge(f"the plan fails on a scratch copy of the live schema: {exc}") from None
            left = engine.plan_against(conn, scratch, desired, options)
    if not left.empty:
        missing = "; ".join(s.description for s in left.statements)
        raise PlanDoesNotConverge(
            f"the plan does not reach the desired state: on a scratch copy of the live schema, after running "
            f"it, {len(left.statements)} change(s) remain: {missing}. Nothing was changed on {db.describe(target.url)}.")


def _build(scratch: engine.Target, live: Catalog) -> None:
    """The live schema in the empty scratch database, planned by the engine itself."""
    engine.apply(scratch, live, allow_destructive=True, options=PlanOptions(online=False))
