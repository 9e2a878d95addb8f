"""Rows of ``queries/triggers.sql`` → triggers; the WHEN condition cut out of
``pg_get_triggerdef`` by the server's own tokens (a name or an argument holding ``WHEN (``
or a parenthesis cannot mislead it)."""

from __future__ import annotations

from typing import Optional

from ..model import QualifiedName, Trigger
from ..model.dependencies import references_from_rows
from ..model.triggers import function_name

# pg_trigger.tgtype bits (catalog/pg_trigger.h)
ROW, BEFORE, INSERT, DELETE, UPDATE, TRUNCATE, INSTEAD = 1, 2, 4, 8, 16, 32, 64
ENABLED = {"O": "origin", "A": "always", "R": "replica", "D": "disabled"}


def triggers_from_rows(rows) -> list[Trigger]:
    return [_trigger(*row) for row in rows]


def _trigger(schema, table, name, tgtype, update_columns, fn_schema, fn_name, tgargs, nargs, is_constraint,
             deferrable, initdeferred, ref_schema, ref_name, old_table, new_table, enabled, definition, comment,
             deps) -> Trigger:
    events = tuple(e for bit, e in ((INSERT, "insert"), (UPDATE, "update"), (DELETE, "delete"),
                                    (TRUNCATE, "truncate")) if tgtype & bit)
    timing = "instead of" if tgtype & INSTEAD else "before" if tgtype & BEFORE else "after"
    return Trigger(
        schema, table, name, timing, events, function_name(fn_schema, fn_name), arguments(bytes(tgargs or b""), nargs),
        tuple(update_columns or ()), "row" if tgtype & ROW else "statement", when_of(definition),
        bool(is_constraint), bool(deferrable), bool(initdeferred),
        QualifiedName(ref_schema, ref_name) if ref_name else None, old_table, new_table, ENABLED[enabled], comment,
        references_from_rows(deps))


def arguments(raw: bytes, count: int) -> tuple[str, ...]:
    """tgargs: each argument followed by a NUL byte."""
    return tuple(part.decode() for part in raw.split(b"\x00")[:count])


def when_of(definition: Optional[str]) -> Optional[str]:
    """The text inside ``WHEN ( … )`` of a trigger definition, or None."""
    from pglast import parser

    if not definition:
        return None
    data = definition.encode()
    try:
        tokens = list(parser.scan(definition))
    except Exception:
        return None
    for i, token in enumerate(tokens):
        if token.name == "WHEN" and i + 1 < len(tokens) and tokens[i + 1].name == "ASCII_40":
            depth = 0
            for closing in tokens[i + 1:]:
                depth += {"ASCII_40": 1, "ASCII_41": -1}.get(closing.name, 0)
                if depth == 0:
                    return data[tokens[i + 1].end + 1:closing.start].decode()
    return None
