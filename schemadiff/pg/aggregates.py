"""An aggregate's argument list (``text``, ``*``, ``float8 ORDER BY anyelement``) and the names
of its support functions and types, read the same way from the file and from the catalog."""

from __future__ import annotations

import re
from typing import Optional

from .routines import SignatureError, argument_text, parse_signature

_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


def parse_aggregate_arguments(text: Optional[str]) -> tuple:
    """(arguments, direct): ``direct`` is None for a plain aggregate, else the number of
    arguments before ``ORDER BY``. ``*`` and nothing are no arguments."""
    text = (text or "").strip()
    if text in ("", "*"):
        return (), None
    parts = _ORDER_BY.split(text)
    if len(parts) > 2:
        raise SignatureError("ORDER BY appears twice")
    args = []
    for part in parts:
        part = part.strip()
        found = parse_signature(part, "integer")[0] if part else ()
        if any(a.mode not in ("in", "variadic") or a.default is not None for a in found):
            raise SignatureError("an aggregate's arguments have no OUT/INOUT mode and no DEFAULT")
        args.append(found)
    if len(parts) == 1:
        return args[0], None
    if not args[1]:
        raise SignatureError("ORDER BY needs at least one argument")
    return args[0] + args[1], len(args[0])


def aggregate_arguments_text(arguments, direct: Optional[int]) -> str:
    """The argument list as CREATE/DROP/COMMENT ON AGGREGATE take it."""
    if not arguments:
        return "*"
    if direct is None:
        return ", ".join(argument_text(a) for a in arguments)
    before = ", ".join(argument_text(a) for a in arguments[:direct])
    after = ", ".join(argument_text(a) for a in arguments[direct:])
    return f"{before} ORDER BY {after}" if before else f"ORDER BY {after}"


def support_function(name: Optional[str]) -> Optional[str]:
    """A function name as ``regproc`` prints it under ``search_path = public``: public's and
    pg_catalog's unqualified (an overloaded name is printed qualified by the server)."""
    if name is None:
        return None
    name = name.strip()
    for prefix in ("public.", "pg_catalog."):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def state_type(text: Optional[str]) -> Optional[str]:
    """A type as ``format_type`` prints it (``int`` → ``integer``)."""
    if text is None:
        return None
    return parse_signature("", text)[1]
