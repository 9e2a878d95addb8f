"""Settle domain defaults and checks with the server, as ``canonicalize`` does for tables:
``VALUE >= 1 AND VALUE <= 9`` is stored as ``(VALUE >= 1) AND (VALUE <= 9)``. Each domain
whose texts still differ after normalizing is re-created as a scratch domain in ``pg_temp``,
in a transaction that is always rolled back, and read back with the catalog's functions."""

from __future__ import annotations

from dataclasses import replace

from ..model import Catalog, Domain
from ..pg import normalize
from .tables import _strip_outer_parens
from .probes import rolled_back, succeeds


def canonicalize_domains(conn, current: Catalog, desired: Catalog) -> Catalog:
    """``desired`` with each domain default and check the server reads as the live one
    replaced by the live text."""
    live = {d.qualified: d for d in current.domains}
    work = [(d, live[d.qualified]) for d in desired.domains
            if d.qualified in live and live[d.qualified].base_type == d.base_type and _suspects(d, live[d.qualified])]
    if not work:
        return desired
    try:
        probed = rolled_back(conn, work, lambda i, pair: _probe(conn, i, pair[0]))
    except Exception:  # a read-only standby, no TEMP privilege: compare textually only
        return desired
    adopted = {d.qualified: _adopt(d, old, probed.get(i)) for i, (d, old) in enumerate(work)}
    return replace(desired, domains=tuple(adopted.get(d.qualified, d) for d in desired.domains))


def _differs(a, b) -> bool:
    return normalize.expression(a) != normalize.expression(b)


def _suspects(domain: Domain, live: Domain) -> bool:
    old = {c.name: c for c in live.checks}
    return (domain.default is not None and live.default is not None and _differs(domain.default, live.default)) or any(
        c.name in old and _differs(c.expression, old[c.name].expression) for c in domain.checks)


def _probe(conn, i: int, domain: Domain):
    scratch = f"pg_temp.schemadiff_canon_d{i}"
    default = f" DEFAULT {domain.default}" if domain.default is not None else ""
    if not succeeds(conn, f"CREATE DOMAIN {scratch} AS {domain.base_type}{default}"):
        return None
    checks = {}
    for n, check in enumerate(domain.checks):
        if succeeds(conn, f"ALTER DOMAIN {scratch} ADD CONSTRAINT c{n} CHECK ({check.expression}) NOT VALID"):
            row = conn.execute("SELECT pg_get_expr(conbin, 0) FROM pg_constraint WHERE contypid = %s::regtype AND conname = %s",
                               (scratch, f"c{n}")).fetchone()
            checks[check.name] = _strip_outer_parens(row[0]) if row else None
    row = conn.execute("SELECT typdefault FROM pg_type WHERE oid = %s::regtype", (scratch,)).fetchone()
    return {"default": row[0] if row else None, "checks": checks}


def _adopt(domain: Domain, live: Domain, found) -> Domain:
    if not found:
        return domain
    default = live.default if domain.default is not None and not _differs(found["default"], live.default) else domain.default
    old = {c.name: c for c in live.checks}
    checks = tuple(
        replace(c, expression=old[c.name].expression)
        if c.name in old and c.name in found["checks"] and not _differs(found["checks"][c.name], old[c.name].expression) else c
        for c in domain.checks)
    return replace(domain, default=default, checks=checks)
