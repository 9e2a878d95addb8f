"""How triggers are planned: their SQL, description, lock and how `check` reads them. They
are created after tables and views (the relations they are on) and dropped first, before
anything they use changes (see order.PHASES)."""

from __future__ import annotations

from ..diff import triggers as tg
from ..model import Trigger
from ..pg.naming import quote_ident, quote_literal
from . import kinds
from .render import _comment, q

CREATE_LOCK = "SHARE ROW EXCLUSIVE (brief; blocks writes, not reads)"
DROP_LOCK = "ACCESS EXCLUSIVE (brief; catalog only)"
_ENABLE = {"origin": "ENABLE", "always": "ENABLE ALWAYS", "replica": "ENABLE REPLICA", "disabled": "DISABLE"}


def function_ref(name: str) -> str:
    return ".".join(quote_ident(part) for part in name.split(".", 1))


def _events(t: Trigger) -> str:
    words = []
    for event in t.events:
        word = event.upper()
        if event == "update" and t.update_columns:
            word += " OF " + ", ".join(quote_ident(c) for c in t.update_columns)
        words.append(word)
    return " OR ".join(words)


def trigger_definition(t: Trigger, or_replace: bool = False) -> str:
    head = f"CREATE {'OR REPLACE ' if or_replace else ''}{'CONSTRAINT ' if t.constraint else ''}TRIGGER"
    parts = [f"{head} {quote_ident(t.name)} {t.timing.upper()} {_events(t)} ON {q(t.on)}"]
    if t.constraint:
        if t.referenced_table:
            parts.append(f"FROM {q(t.referenced_table)}")
        parts.append("NOT DEFERRABLE" if not t.deferrable else
                     f"DEFERRABLE INITIALLY {'DEFERRED' if t.initially_deferred else 'IMMEDIATE'}")
    referencing = [f"{which} TABLE AS {quote_ident(name)}" for which, name in (("OLD", t.old_table), ("NEW", t.new_table))
                   if name]
    if referencing:
        parts.append("REFERENCING " + " ".join(referencing))
    parts.append(f"FOR EACH {t.for_each.upper()}")
    if t.when is not None:
        parts.append(f"WHEN ({t.when})")
    arguments = ", ".join(quote_literal(a) for a in t.arguments)
    parts.append(f"EXECUTE FUNCTION {function_ref(t.function)}({arguments})")
    return "\n    ".join(parts)


def enabled_sql(t: Trigger, enabled: str) -> str:
    return f"ALTER TABLE {q(t.on)} {_ENABLE[enabled]} TRIGGER {quote_ident(t.name)}"


def comment_sql(t: Trigger, comment) -> str:
    return _comment("TRIGGER", f"{quote_ident(t.name)} ON {q(t.on)}", comment)


def create_sql(t: Trigger) -> list[str]:
    out = [trigger_definition(t)]
    if t.enabled != "origin":
        out.append(enabled_sql(t, t.enabled))
    if t.comment is not None:
        out.append(comment_sql(t, t.comment))
    return out


def drop_sql(t: Trigger) -> str:
    return f"DROP TRIGGER IF EXISTS {quote_ident(t.name)} ON {q(t.on)}"


def replaces_in_place(c: tg.ReplaceTrigger) -> bool:
    """CREATE OR REPLACE TRIGGER: PostgreSQL 14+, and neither side a constraint trigger."""
    return c.server_version >= 140000 and not c.from_.constraint and not c.to.constraint


def replace_sql(c: tg.ReplaceTrigger) -> list[str]:
    if replaces_in_place(c):
        out = [trigger_definition(c.to, or_replace=True)]
        if c.to.enabled != "origin" or c.from_.enabled != "origin":  # the replaced row may start as origin
            out.append(enabled_sql(c.to, c.to.enabled))
        if c.from_.comment != c.to.comment:
            out.append(comment_sql(c.to, c.to.comment))
        return out
    return [drop_sql(c.from_), *create_sql(c.to)]


def _describe_create(c: tg.CreateTrigger) -> str:
    return f"create trigger {c.trigger.label}" + (f" ({c.reason})" if c.reason else "")


def _describe_drop(c: tg.DropTrigger) -> str:
    return f"drop trigger {c.trigger.label}" + (f" ({c.reason})" if c.reason else "")


def _object(c) -> str:
    t = getattr(c, "trigger", None) or c.to
    return f"{t.on}.{t.name}"


def register_all() -> None:
    r = kinds.register
    r(tg.CreateTrigger, describe=_describe_create, render=lambda c: create_sql(c.trigger), lock=lambda c: CREATE_LOCK,
      object=_object, kind="trigger", severity="critical", problem="missing")
    r(tg.DropTrigger, describe=_describe_drop, render=lambda c: [drop_sql(c.trigger)], lock=lambda c: DROP_LOCK,
      object=_object, kind="trigger", problem="extra")
    r(tg.ReplaceTrigger, describe=lambda c: f"re-create trigger {c.to.label} with its new definition",
      render=replace_sql, lock=lambda c: CREATE_LOCK if replaces_in_place(c) else DROP_LOCK, object=_object,
      kind="trigger", severity="critical",
      adapt=lambda c, options: tg.ReplaceTrigger(c.from_, c.to, options.server_version))
    r(tg.SetTriggerEnabled, describe=lambda c: f"set trigger {c.trigger.label} {c.enabled}",
      render=lambda c: [enabled_sql(c.trigger, c.enabled)], lock=lambda c: CREATE_LOCK, object=_object,
      kind="trigger", severity="critical")
    r(tg.SetTriggerComment, describe=lambda c: f"{'drop' if c.comment is None else 'set'} comment of trigger {c.trigger.label}",
      render=lambda c: [comment_sql(c.trigger, c.comment)], object=_object, kind="trigger")


register_all()
