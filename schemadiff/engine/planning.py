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
    # Only a change can break what schemadiff does not manage, or need a privilege: no
    # query for an empty plan.
    unmanaged = read_unmanaged_of(conn, target, desired) if changes else ()
    privileges = read_privileges_for(conn, target, changes) if changes else None
    the_plan = build_plan(changes, options, desired=desired, current=live, unmanaged=unmanaged,
                          privileges=privileges)
    if privileges is not None:
        the_plan = with_recording(the_plan, privileges, target)
    if data_migrations:
        from ..deploy.datamigrations import weave

        the_plan = weave(conn, the_plan, data_migrations, options)
    return in_transactions(conn, estimated(conn, target, the_plan))


def in_transactions(conn, the_plan: Plan) -> Plan:
    """``the_plan``, saying so when apply will run it in several transactions because its
    locks would overflow the server's lock table (one query, none for an empty plan)."""
    if the_plan.empty:
        return the_plan
    from ..deploy.apply import groups
    from ..deploy.chunking import lock_budget, note, transactions

    budget = lock_budget(conn)
    before = groups(the_plan.statements)
    after = transactions(before, budget)
    if len(after) == len(before):
        return the_plan
    return replace(the_plan, transactions_note=note(len(before), len(after), budget))


def estimated(conn, target: Target, the_plan: Plan) -> Plan:
    """``the_plan`` with each statement's estimated duration, from this server's calibration
    (one or two queries, and none for an empty plan) or the conservative defaults."""
    if the_plan.empty:
        return the_plan
    from ..deploy import calibration
    from ..plan.cost import DEFAULTS, estimate_plan

    return estimate_plan(the_plan, calibration.read(conn, target.version_table) or DEFAULTS)


def read_privileges_for(conn, target: Target, changes):
    """What the connected role may do of what ``changes`` and recording the version need
    (plan.privileges.Privileges; one query)."""
    from ..catalog.privileges import read_privileges
    from ..plan.privileges import Privileges, needs, record_need

    wanted = [need for change in changes for need in needs(change)] + [record_need(target.version_table)]
    return Privileges(read_privileges(conn, wanted))


def with_recording(the_plan: Plan, privileges, target: Target) -> Plan:
    """``the_plan`` with recording its version among what the role cannot do, if it cannot."""
    from ..plan.privileges import Blocked, record_need

    reasons = privileges.missing([record_need(target.version_table)])
    if not reasons:
        return the_plan
    blocked = Blocked(None, f"record the applied version in {target.version_table}", reasons)
    return replace(the_plan, blocked=the_plan.blocked + (blocked,))


def plan_while_loading(target: Target, load, options: PlanOptions = PlanOptions(), data_migrations=None):
    """``plan``, with the catalog read overlapping ``load()`` (which returns the desired
    catalog and its text); returns (plan, desired, text, live catalog)."""
    with LiveRead(target) as reading:
        desired, text = load()
        conn, live = reading.result(desired)
        return plan_against(conn, target, desired, options, data_migrations, live=live), desired, text, live


def plan(target: Target, desired: Catalog, options: PlanOptions = PlanOptions(), data_migrations=None) -> Plan:
    """What would change to make the database match ``desired``."""
    with connection(target) as conn:
        return plan_against(conn, target, desired, options, data_migrations)
