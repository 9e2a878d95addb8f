"""A routine's argument list and result type read with PostgreSQL's own parser (pglast), so
that the file's ``add(a int, b int = 1)`` and the catalog's ``a integer, b integer DEFAULT 1``
(``pg_get_function_arguments``) become the same :class:`~schemadiff.model.Argument` values:
types spelled as ``format_type`` prints them, without type modifiers, public and pg_catalog
names unqualified (the connection's ``search_path`` is ``public``)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from ..model.functions import Argument
from . import types as pgtypes
from .naming import quote_ident

_MODES = {"d": "in", "i": "in", "o": "out", "b": "inout", "v": "variadic"}
_TYPMOD = re.compile(r"\(\s*\d+(?:\s*,\s*\d+)?\s*\)")
_INTERVAL_FIELDS = re.compile(r"^interval\s+(?:year|month|day|hour|minute|second)(?:\s+to\s+\w+)?")


class SignatureError(ValueError):
    """The argument list or result does not parse."""


@lru_cache(maxsize=4096)  # pure; a file's routines repeat their signatures, and each parse is a pglast call
def parse_signature(arguments: str, returns: Optional[str], procedure: bool = False) -> tuple:
    """(arguments, result) of ``arguments`` (the text inside the parentheses) and ``returns``
    (None: derived from OUT arguments, as PostgreSQL does; always None for a procedure)."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    head = "PROCEDURE" if procedure else "FUNCTION"
    result = f" RETURNS {returns}" if returns and not procedure else ""
    try:
        [raw] = parse_sql(f"CREATE {head} schemadiff_x({arguments}){result} LANGUAGE sql AS $schemadiff$$schemadiff$")
    except ParseError as exc:
        raise SignatureError(str(exc).split("\n")[0]) from None
    except ValueError:
        raise SignatureError("not a single argument list") from None
    params = raw.stmt.parameters or ()
    defaults = _default_texts(arguments)
    args = tuple(_argument(p, d) for p, d in zip(params, defaults) if p.mode != "t")
    if procedure:
        return args, None
    columns = [p for p in params if p.mode == "t"]
    if columns:
        return args, "TABLE(" + ", ".join(f"{quote_ident(p.name)} {type_text(p.argType)}" for p in columns) + ")"
    if raw.stmt.returnType is not None:
        node = raw.stmt.returnType
        return args, ("SETOF " if node.setof else "") + type_text(node)
    outs = [a for a in args if a.mode in ("out", "inout")]
    return args, (outs[0].type if len(outs) == 1 else "record" if outs else None)


def _argument(param, default: Optional[str]) -> Argument:
    default = default if param.defexpr is not None else None
    return Argument(param.name or None, type_text(param.argType), _MODES.get(param.mode, "in"), default)


def _default_texts(arguments: str) -> list:
    """Each argument's default expression as written (after DEFAULT or =), or None."""
    from pglast.parser import scan

    data = arguments.encode("utf-8")
    out: list = []
    depth, start, piece_end = 0, None, len(data)
    for token in scan(arguments):
        if token.name in ("ASCII_40", "ASCII_91"):
            depth += 1
        elif token.name in ("ASCII_41", "ASCII_93"):
            depth -= 1
        elif depth == 0 and token.name == "ASCII_44":
            out.append(data[start:token.start].decode("utf-8").strip() if start is not None else None)
            start = None
        elif depth == 0 and start is None and token.name in ("DEFAULT", "ASCII_61"):
            start = token.end + 1
    out.append(data[start:piece_end].decode("utf-8").strip() if start is not None else None)
    return out


def type_text(node) -> str:
    """A TypeName node as ``format_type`` prints an argument's or result's type."""
    from pglast.stream import RawStream

    text = RawStream()(node)
    if node.setof and text.upper().startswith("SETOF "):
        text = text[6:]
    if node.pct_type:
        return text  # users.id%TYPE: only the server knows (settled by a probe)
    try:
        canonical = pgtypes.canonical_type(text).canonical
    except pgtypes.UnknownType:
        canonical = text
        for prefix in ("public.", "pg_catalog."):
            if canonical.startswith(prefix):
                canonical = canonical[len(prefix):]
    array = "[]" if canonical.endswith("[]") else ""
    base = _TYPMOD.sub("", canonical[:-2] if array else canonical)
    base = "interval" if _INTERVAL_FIELDS.match(base) else " ".join(base.split())
    return base + array


def argument_text(arg: Argument, defaults: bool = True) -> str:
    mode = "" if arg.mode == "in" else arg.mode.upper() + " "
    name = f"{quote_ident(arg.name)} " if arg.name else ""
    default = f" DEFAULT {arg.default}" if defaults and arg.default is not None else ""
    return f"{mode}{name}{arg.type}{default}"


def arguments_text(arguments, defaults: bool = True) -> str:
    """The argument list as CREATE FUNCTION takes it (``defaults=False``: as DROP takes it)."""
    return ", ".join(argument_text(a, defaults) for a in arguments)


def split_key(key: str) -> tuple[str, Optional[str]]:
    """``app.add(a integer)`` → (``app.add``, ``a integer``); a key without parentheses has
    no argument list (None)."""
    text = str(key).strip()
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == "(" and not quoted:
            if not text.endswith(")"):
                raise SignatureError(f"{key!r} must end with ')' closing its argument list")
            return text[:i].strip(), text[i + 1:-1]
    return text, None
