"""Settle trigger WHEN conditions with the server: a desired condition whose text (and parse
tree) differs from the live one is put on a probe trigger on a scratch table made ``LIKE``
the live one, in a transaction that is always rolled back, and read back the way the
inspector reads it; where the server's reading equals the live text, the live text is adopted.
Nothing is asked when every condition already compares equal."""

from __future__ import annotations

from dataclasses import replace

from ..model import Catalog, Trigger
from ..pg.sqltree import same_expression
from .probes import first_value, rolled_back, succeeds
from .triggers import when_of


def _suspects(current: Catalog, desired: Catalog) -> list[tuple[Trigger, Trigger]]:
    live = {t.key: t for t in current.triggers}
    return [(t, live[t.key]) for t in desired.triggers if t.key in live and t.when is not None
            and live[t.key].when is not None and not same_expression(t.when, live[t.key].when)]


def canonicalize_triggers(conn, current: Catalog, desired: Catalog) -> Catalog:
    work = _suspects(current, desired)
    if not work:
        return desired
    try:
        found = rolled_back(conn, work, lambda i, pair: _probe(conn, i, pair[0]))
    except Exception:  # a read-only standby, no TEMP privilege: compare textually only
        return desired
    adopted = {want.key: live.when for i, (want, live) in enumerate(work) if found.get(i) == live.when}
    if not adopted:
        return desired
    return replace(desired, triggers=tuple(replace(t, when=adopted[t.key]) if t.key in adopted else t
                                           for t in desired.triggers))


def _probe(conn, i: int, trigger: Trigger):
    from ..plan.triggers import trigger_definition
    from ..pg.naming import qualify

    scratch = f"schemadiff_trg_{i}"
    if not succeeds(conn, f"CREATE TEMP TABLE {scratch} (LIKE {qualify(trigger.schema, trigger.table)})"):
        return None
    probe = replace(trigger, schema="pg_temp", table=scratch, name="schemadiff_probe", constraint=False,
                    old_table=None, new_table=None, timing="after" if trigger.timing == "instead of" else trigger.timing)
    if not succeeds(conn, trigger_definition(probe)):
        return None
    return when_of(first_value(conn, "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass",
                               (f"pg_temp.{scratch}",)))
