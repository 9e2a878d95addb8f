"""Settle policy expressions with the server (as canonicalize_triggers does for WHEN): a
desired USING or WITH CHECK that differs from the live one is put on a probe policy on a
scratch table made ``LIKE`` the live one, always rolled back, and read back with
``pg_get_expr``. Also: every role a policy names must exist (one query, asked only for roles
no live policy names already); schemadiff never creates roles."""

from __future__ import annotations

from dataclasses import replace

from ..errors import SchemadiffError
from ..model import Catalog, Policy
from ..pg.sqltree import same_expression
from .probes import rolled_back, run_each


class UnknownRoles(SchemadiffError):
    """A policy names a role the server does not have."""


def check_policy_roles(conn, current: Catalog, desired: Catalog) -> None:
    known = {r for p in current.policies for r in p.roles} | {"public"}
    wanted = {r: p for p in desired.policies for r in p.roles if r not in known}
    if not wanted:
        return
    rows = conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (sorted(wanted),)).fetchall()
    missing = sorted(set(wanted) - {r for (r,) in rows})
    if missing:
        raise UnknownRoles("; ".join(f"policy {wanted[r].label} names role {r!r}, which does not exist" for r in missing)
                           + ": schemadiff does not create roles; create them first (or fix the name)")


def _suspects(current: Catalog, desired: Catalog) -> list[tuple[Policy, Policy]]:
    live = {p.key: p for p in current.policies}
    return [(p, live[p.key]) for p in desired.policies if p.key in live
            and (not same_expression(p.using, live[p.key].using) or not same_expression(p.with_check, live[p.key].with_check))]


def canonicalize_policies(conn, current: Catalog, desired: Catalog) -> Catalog:
    check_policy_roles(conn, current, desired)
    work = _suspects(current, desired)
    if not work:
        return desired
    try:
        found = rolled_back(conn, [work], lambda _, pairs: _probe_all(conn, [want for want, _ in pairs]))[0]
    except Exception:  # a read-only standby, no TEMP privilege: compare textually only
        return desired
    adopted = {}
    for i, (want, live) in enumerate(work):
        if found.get(_scratch(i)) is None:
            continue
        using, check = found[_scratch(i)]
        adopted[want.key] = replace(want, using=live.using if using == live.using else want.using,
                                    with_check=live.with_check if check == live.with_check else want.with_check)
    return replace(desired, policies=tuple(adopted.get(p.key, p) for p in desired.policies))


def _scratch(i: int) -> str:
    return f"schemadiff_pol_{i}"


def _probe_all(conn, policies: list) -> dict:
    """Each policy on a scratch table of its own, all made in one round trip and read back in
    one: a constant number of queries whatever the number of policies."""
    from ..plan.security import policy_sql
    from ..pg.naming import qualify

    statements = []
    for i, policy in enumerate(policies):
        probe = replace(policy, schema="pg_temp", table=_scratch(i), name="schemadiff_probe", roles=("public",))
        statements += [f"CREATE TEMP TABLE {_scratch(i)} (LIKE {qualify(policy.schema, policy.table)})", policy_sql(probe)]
    run_each(conn, statements)
    rows = conn.execute(
        "SELECT c.relname, pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)"
        " FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid"
        " WHERE c.relnamespace = pg_my_temp_schema() AND c.relname = ANY(%s)",
        ([_scratch(i) for i in range(len(policies))],)).fetchall()
    return {name: (using, check) for name, using, check in rows}
