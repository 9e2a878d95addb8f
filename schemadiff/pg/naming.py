"""PostgreSQL's own naming rules, so that unnamed objects in the file get the names
PostgreSQL would give them (``users_pkey``, ``users_email_key``, ``games_user_id_fkey``,
``games_created_at_idx``), and identifier quoting in one place."""

from __future__ import annotations

import functools
import re
from typing import Callable, Iterable, Optional

NAMEDATALEN = 64
MAX_IDENTIFIER_BYTES = NAMEDATALEN - 1
_PLAIN_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_$]*$")
# Reserved key words (PostgreSQL appendix C, "reserved" and "reserved (can be function or type)")
# that force quoting of an otherwise plain identifier.
_RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric authorization binary both case cast
    check collate collation column concurrently constraint create cross current_catalog
    current_date current_role current_schema current_time current_timestamp current_user default
    deferrable desc distinct do else end except false fetch for foreign freeze from full grant
    group having ilike in initially inner intersect into is isnull join lateral leading left like
    limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps
    placing primary references returning right select session_user similar some symmetric
    system_user table tablesample then to trailing true union unique user using variadic verbose
    when where window with between bigint bit boolean char character coalesce dec decimal exists
    extract float greatest grouping inout int integer interval least national nchar none normalize
    nullif numeric out overlay position precision real row setof smallint substring time timestamp
    treat trim values varchar xmlattributes xmlconcat xmlelement xmlexists xmlforest
    xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable""".split()
)


def quote_ident(name: str) -> str:
    """Quote an identifier when PostgreSQL needs it (as ``quote_ident()`` does)."""
    if _PLAIN_IDENTIFIER.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualify(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def quote_literal(value: str) -> str:
    """An SQL string literal; E'' form never needed because backslashes stay literal
    with standard_conforming_strings (on since PostgreSQL 9.1)."""
    return "'" + value.replace("'", "''") + "'"


def truncate_identifier(name: str) -> str:
    """What PostgreSQL keeps of an over-long identifier (63 bytes, cut on a character)."""
    return _clip(name, MAX_IDENTIFIER_BYTES)


def _clip(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def make_object_name(name1: str, name2: Optional[str], label: Optional[str]) -> str:
    """Port of PostgreSQL's makeObjectName(): truncate the longer of name1/name2 first so
    that ``name1_name2_label`` fits in 63 bytes."""
    n1 = len(name1.encode())
    n2 = len(name2.encode()) if name2 else 0
    overhead = (1 if name2 else 0) + (len(label.encode()) + 1 if label else 0)
    available = MAX_IDENTIFIER_BYTES - overhead
    while n1 + n2 > available:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    parts = [_clip(name1, n1)]
    if name2:
        parts.append(_clip(name2, n2))
    if label:
        parts.append(label)
    return "_".join(parts)


def name_addition(columns: Iterable[str]) -> str:
    """Port of ChooseIndexNameAddition(): column names joined by ``_``, stopping once long."""
    buf = ""
    for column in columns:
        if buf:
            buf += "_"
        buf += _clip(column, MAX_IDENTIFIER_BYTES)
        if len(buf.encode()) >= NAMEDATALEN:
            break
    return buf


def choose_name(
    name1: str, name2: Optional[str], label: str, taken: Callable[[str], bool]
) -> str:
    """Port of ChooseRelationName()/ChooseConstraintName(): append 1, 2, … to the label
    until the name is free."""
    attempt, suffix = label, 0
    while True:
        name = make_object_name(name1, name2, attempt)
        if not taken(name):
            return name
        suffix += 1
        attempt = f"{label}{suffix}"


_EXPRESSION_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(")


@functools.lru_cache(maxsize=4096)  # a big file names the same few keys thousands of times
def index_key_name(key: str) -> str:
    """The name PostgreSQL's FigureIndexColname() gives an index key: the column itself,
    the function name of a function call, else ``expr`` (collation, operator class and
    ordering play no part)."""
    from .index_keys import parse

    bare = parse(key).head
    unquoted = _unquote(bare)
    if unquoted is not None:
        return unquoted
    match = _EXPRESSION_NAME.match(bare)
    if match:
        return match.group(1).lower()
    return "expr"


def index_key_column(key: str) -> Optional[str]:
    """The column an index key is (its collation, operator class and ordering aside), or None
    for an expression."""
    from .index_keys import parse

    return _unquote(parse(key).head)


def _unquote(text: str) -> Optional[str]:
    if _PLAIN_IDENTIFIER.match(text.lower()) and text.lower() not in _RESERVED:
        return text.lower()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"' and '"' not in text[1:-1].replace('""', ""):
        return text[1:-1].replace('""', '"')
    return None


_ORDERING = re.compile(r"\s+(asc|desc)?\s*(nulls\s+(first|last))?\s*$", re.IGNORECASE)


def strip_ordering(key: str) -> str:
    return _ORDERING.sub("", key.strip()) if _ORDERING.search(key.strip()) else key.strip()
