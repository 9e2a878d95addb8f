"""Settle trigger WHEN conditions with the server: a desired condition whose text (and parse
tree) differs from the live one is put on a probe trigger on a scratch table made ``LIKE``
the live one, in a transaction that is always rolled back, and read back the way the
inspector reads it; where the server's reading equals the live text, the live text is adopted.
Nothing is asked when every condition already compares equal."""

from __future__ import annotations

from dataclasses import replace

from ..model import Catalog, Trigger
from ..pg.sqltree import same_expression
from .probes import rolled_back, run_each
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
        found = rolled_back(conn, [work], lambda _, pairs: _probe_all(conn, [want for want, _ in pairs]))[0]
    except Exception:  # a read-only standby, no TEMP privilege: compare textually only
        return desired
    adopted = {want.key: live.when for i, (want, live) in enumerate(work) if found.get(_scratch(i)) == live.when}
    if not adopted:
        return desired
    return replace(desired, triggers=tuple(replace(t, when=adopted[t.key]) if t.key in adopted else t
                                           for t in desired.triggers))


def _scratch(i: int) -> str:
    return f"schemadiff_trg_{i}"


def _probe_all(conn, triggers: list) -> dict:
    """Each trigger on a scratch table of its own, all made in one round trip and read back in
    one: a constant number of queries whatever the number of triggers."""
    from ..plan.triggers import trigger_definition
    from ..pg.naming import qualify

    statements = []
    for i, trigger in enumerate(triggers):
        probe = replace(trigger, schema="pg_temp", table=_scratch(i), name="schemadiff_probe", constraint=False,
                        old_table=None, new_table=None,
                        timing="after" if trigger.timing == "instead of" else trigger.timing)
        statements += [f"CREATE TEMP TABLE {_scratch(i)} (LIKE {qualify(trigger.schema, trigger.table)})",
                       trigger_definition(probe)]
    run_each(conn, statements)
    rows = conn.execute("SELECT c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                        " WHERE c.relnamespace = pg_my_temp_schema() AND c.relname = ANY(%s)",
                        ([_scratch(i) for i in range(len(triggers))],)).fetchall()
    return {name: when_of(definition) for name, definition in rows}
