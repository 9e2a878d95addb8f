"""The file's ``triggers:``, and its writer for ``inspect``.

    triggers:
      orders.set_updated_at:            # table.trigger (app.orders.audit in schema app)
        timing: before                  # before | after | instead of
        events: [insert, {update of: [status, total]}]   # insert, update, delete, truncate
        for_each: row                   # row (default) | statement
        when: "old.* IS DISTINCT FROM new.*"
        function: set_updated_at        # bare in public and pg_catalog, else schema.name
        arguments: [updated_at]
        constraint: {deferrable: true, initially_deferred: true}   # a constraint trigger
        referencing: {old_table: old_rows, new_table: new_rows}   # transition tables
        enabled: origin                 # origin (default) | always | replica | disabled
        comment: …

A trigger written as a mapping with ``table:`` is keyed by its bare name instead.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ..model import Catalog, QualifiedName, Trigger
from ..model.triggers import ENABLED, EVENTS, TIMINGS
from ..pg import naming
from .reader import Reader, describe_value, split_qualified

TRIGGER_KEYS = ("table", "name", "timing", "events", "for_each", "when", "function", "arguments", "constraint", "referencing",
                "enabled", "comment")
CONSTRAINT_KEYS = ("deferrable", "initially_deferred", "from")
REFERENCING_KEYS = ("old_table", "new_table")
_UPDATE_OF = re.compile(r"^\s*update\s+of\s+(.+)$", re.IGNORECASE | re.DOTALL)


def plain_function(text: str) -> str:
    """A function as the model names it: no ``()``, bare in public and pg_catalog."""
    text = text.strip()
    if text.endswith("()"):
        text = text[:-2].rstrip()
    for prefix in ("public.", "pg_catalog."):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def table_and_name(reader: Reader, key: Any, body: dict, path: tuple) -> tuple[QualifiedName, str]:
    """(table, own name) of a trigger or policy keyed ``table.name`` (``schema.table.name``), or
    by its bare name with a ``table:``."""
    key = str(key)
    table_text = reader.text(body.get("table"), path + ("table",), "table")
    own = reader.text(body.get("name"), path + ("name",), "name")
    if own is not None:
        # A name holding a dot ("Users can read their own rows.") is given apart: the key is
        # then <table>.<name>, and the table is what comes before the name.
        if table_text is None:
            if not key.endswith("." + own) or len(key) == len(own) + 1:
                reader.error(path, f"{key!r} is not <table>.{own}: write the key so, or give a table:")
                return QualifiedName("public", ""), own
            table_text = key[:-len(own) - 1]
        schema, table = split_qualified(table_text)
        return QualifiedName(schema, naming.truncate_identifier(table)), naming.truncate_identifier(own)
    if table_text is None:
        if "." not in key:
            reader.error(path, f"{key!r} names no table: write the key as table.name, or give a table:")
            return QualifiedName("public", ""), key
        table_text, key = key.rsplit(".", 1)
    schema, table = split_qualified(table_text)
    return QualifiedName(schema, naming.truncate_identifier(table)), naming.truncate_identifier(key)


class TriggersReader(Reader):
    """Reads ``triggers:``."""

    def triggers(self, value: Any) -> list[Trigger]:
        spec = self.mapping(value, ("triggers",), "triggers")
        found, seen = [], set()
        for key, body in spec.items():
            trigger = self.trigger(key, body)
            if trigger is None:
                continue
            if trigger.key in seen:
                self.error(("triggers", key), f"trigger {trigger.label} is declared twice")
            seen.add(trigger.key)
            found.append(trigger)
        return found

    def trigger(self, key: Any, body: Any) -> Optional[Trigger]:
        path = ("triggers", key)
        what = f"trigger {key!r}"
        body = self.mapping(body, path, what)
        self.expect_keys(body, TRIGGER_KEYS, path, what)
        table, name = table_and_name(self, key, body, path)
        timing = self.one_of(body.get("timing"), TIMINGS, path + ("timing",), "timing", None)
        function = self.text(body.get("function"), path + ("function",), "function")
        if timing is None or not function:
            self.error(path, f"{what} needs a timing (before, after or instead of) and a function")
            return None
        events, columns = self.trigger_events(body.get("events"), path + ("events",))
        for_each = self.one_of(body.get("for_each"), ("row", "statement"), path + ("for_each",), "for_each", "row")
        constraint = self.trigger_constraint(body.get("constraint"), path + ("constraint",))
        referencing = self.mapping(body.get("referencing"), path + ("referencing",), "referencing")
        self.expect_keys(referencing, REFERENCING_KEYS, path + ("referencing",), "referencing")
        enabled = body.get("enabled")
        enabled = {True: "origin", False: "disabled"}.get(enabled, enabled) if isinstance(enabled, bool) else enabled
        trigger = Trigger(
            table.schema, table.name, name, timing, events, plain_function(function),
            tuple(self.text(a, path + ("arguments", i), "an argument") or "" for i, a in
                  enumerate(self.listing(body.get("arguments"), path + ("arguments",), "arguments"))),
            columns, for_each, self.text(body.get("when"), path + ("when",), "when"),
            constraint is not None, *(constraint or (False, False, None)),
            *(naming.truncate_identifier(str(referencing[k])) if referencing.get(k) else None for k in REFERENCING_KEYS),
            self.one_of(enabled, ENABLED, path + ("enabled",), "enabled", "origin"),
            **self.comment_of(body, path))
        self.trigger_rules(trigger, path)
        return trigger

    def one_of(self, value: Any, allowed: tuple, path: tuple, what: str, default: Optional[str]) -> Optional[str]:
        if value is None:
            return default
        text = " ".join(str(value).lower().replace("_", " ").split())
        if text not in allowed:
            self.error(path, f"{what} must be one of: {', '.join(allowed)}, not {describe_value(value)}")
            return default
        return text

    def trigger_events(self, value: Any, path: tuple) -> tuple[tuple, tuple]:
        items = [value] if isinstance(value, (str, dict)) else self.listing(value, path, "events")
        events, columns = set(), ()
        for i, item in enumerate(items):
            where = path + (i,) if isinstance(value, list) else path
            if isinstance(item, dict) and len(item) == 1 and str(next(iter(item))).lower() == "update of":
                events.add("update")
                columns = self.name_list(next(iter(item.values())), where + ("update of",), "the columns of update of")
                continue
            text = item.strip().lower() if isinstance(item, str) else None
            match = _UPDATE_OF.match(item) if isinstance(item, str) else None
            if match:
                events.add("update")
                columns = tuple(naming.truncate_identifier(c.strip()) for c in match.group(1).split(","))
            elif text in EVENTS:
                events.add(text)
            else:
                self.error(where, f"an event must be insert, update, 'update of a, b', delete or truncate, "
                                  f"not {describe_value(item)}")
        if not events:
            self.error(path, "a trigger needs at least one event (insert, update, delete, truncate)")
        return tuple(e for e in EVENTS if e in events), columns

    def trigger_constraint(self, value: Any, path: tuple) -> Optional[tuple]:
        """(deferrable, initially_deferred, from table) of a constraint trigger, or None."""
        if value is None or value is False:
            return None
        if value is True:
            return (False, False, None)
        spec = self.mapping(value, path, "constraint")
        self.expect_keys(spec, CONSTRAINT_KEYS, path, "constraint")
        deferred = self.boolean(spec.get("initially_deferred"), path + ("initially_deferred",), "initially_deferred", False)
        deferrable = self.boolean(spec.get("deferrable"), path + ("deferrable",), "deferrable", deferred)
        if deferred and not deferrable:
            self.error(path, "a constraint trigger initially_deferred must be deferrable")
        ref = self.text(spec.get("from"), path + ("from",), "from")
        return (deferrable, deferred, QualifiedName(*split_qualified(ref)) if ref else None)

    def trigger_rules(self, t: Trigger, path: tuple) -> None:
        """What PostgreSQL would refuse, said before any database is touched."""
        rules = [
            (t.timing == "instead of" and (t.for_each != "row" or t.when or t.update_columns),
             "an instead of trigger is for each row, with no when and no update of columns (it is on a view)"),
            ("truncate" in t.events and t.for_each == "row", "a truncate trigger is for each statement"),
            (t.constraint and (t.timing != "after" or t.for_each != "row"), "a constraint trigger is after and for each row"),
            ((t.old_table or t.new_table) and (t.timing != "after" or t.constraint),
             "transition tables (referencing) need an after trigger that is not a constraint trigger"),
            (t.old_table and not {"update", "delete"} & set(t.events), "old_table needs an update or delete event"),
            (t.new_table and not {"insert", "update"} & set(t.events), "new_table needs an insert or update event"),
        ]
        for broken, message in rules:
            if broken:
                self.error(path, f"trigger {t.label}: {message}")


def dump_triggers(catalog: Catalog) -> dict:
    """``triggers:`` keyed table.name (public tables bare)."""
    return {_key(t): _trigger(t) for t in catalog.triggers}


def _key(t: Trigger) -> str:
    return f"{table_key(t.schema, t.table)}.{t.name}"


def table_key(schema: str, table: str) -> str:
    """The table part of a trigger's or policy's key: bare for a public table, but for one whose
    name holds a dot (``public.a.b``, as ``tables:`` writes it)."""
    return table if schema == "public" and "." not in table else f"{schema}.{table}"


def own_name(name: str) -> dict:
    """``name:`` for a trigger or policy whose name holds a dot, which its key ``table.name``
    alone would split at the wrong place."""
    return {"name": name} if "." in name else {}


def _trigger(t: Trigger) -> dict:
    events: list = [({"update of": list(t.update_columns)} if e == "update" and t.update_columns else e) for e in t.events]
    body: dict = own_name(t.name) | {"timing": t.timing, "events": events}
    if t.for_each != "row":
        body["for_each"] = t.for_each
    if t.when is not None:
        body["when"] = t.when
    body["function"] = t.function
    if t.arguments:
        body["arguments"] = list(t.arguments)
    if t.constraint:
        spec = {k: v for k, v in (("deferrable", t.deferrable), ("initially_deferred", t.initially_deferred)) if v}
        if t.referenced_table:
            spec["from"] = str(t.referenced_table) if t.referenced_table.schema != "public" else t.referenced_table.name
        body["constraint"] = spec or True
    referencing = {k: v for k, v in (("old_table", t.old_table), ("new_table", t.new_table)) if v}
    if referencing:
        body["referencing"] = referencing
    if t.enabled != "origin":
        body["enabled"] = t.enabled
    if t.comment is not None:
        body["comment"] = t.comment
    return body
