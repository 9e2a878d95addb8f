"""Planning on a connection: inspect, settle expressions with the server, diff, order."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from ..catalog.canonicalize import canonicalize
from ..diff import diff
from ..model import Catalog
from ..plan import Plan, PlanOptions, build_plan
from .reading import LiveRead, managed, read_live, read_unmanaged_of
from .target import Target, connection


def plan_against(conn, target: Target, desired: Catalog, options: PlanOptions = PlanOptions(),
                 data_migrations=None, live: Optional[Catalog] = None) -> Plan:
    """Plan on an open connection: inspect (unless ``live`` was read already), settle
    expressions with the server, diff; pending ``data_migrations`` (datamigrations.discover)
    are woven in between additive and contracting."""
    live = live if live is not None else read_live(conn, target, desired)
    desired = managed(target, desired)
    settled = canonicalize(conn, live, desired)
    options = replace(options, server_version=conn.info.server_version)
    changes = diff(live, settled)
    # Only a change can break what schemadiff does not manage: no query for an empty plan.
    unmanaged = read_unmanaged_of(conn, target, desired) if changes else ()
    the_plan = build_plan(changes, options, desired=desired, current=live, unmanaged=unmanaged)
    if data_migrations:
        from ..deploy.datamigrations import weave

        the_plan = weave(conn, the_plan, data_migrations, options)
    return the_plan


def plan_while_loading(target: Target, load, options: PlanOptions = PlanOptions(), data_migrations=None):
    """``plan``, with the catalog read overlapping ``load()`` (which returns the desired
    catalog and its text); returns (plan, desired, text)."""
    with LiveRead(target) as reading:
        desired, text = load()
        conn, live = reading.result(desired)
        return plan_against(conn, target, desired, options, data_migrations, live=live), desired, text


def plan(target: Target, desired: Catalog, options: PlanOptions = PlanOptions(), data_migrations=None) -> Plan:
    """What would change to make the database match ``desired``."""
    with connection(target) as conn:
        return plan_against(conn, target, desired, options, data_migrations)
