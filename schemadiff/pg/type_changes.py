"""What a column type change costs: nothing, a rewrite, or possibly data.

PostgreSQL skips the table rewrite when the old type is binary-coercible to the new one and
the new type modifier only widens (``varchar(50)`` → ``varchar(255)`` or ``text``,
``numeric(10,2)`` → ``numeric(12,2)``); other changes rewrite the table, and changes that
narrow or cross families can lose or reject values.
"""

from __future__ import annotations

import re
from typing import Optional

_STRINGS = ("character varying", "text")
_INT_RANK = {"smallint": 1, "integer": 2, "bigint": 3, "numeric": 4}
_FLOAT_RANK = {"real": 1, "double precision": 2}


def _split(type_: str) -> tuple[str, Optional[tuple[int, ...]], bool]:
    array = type_.endswith("[]")
    body = type_[:-2] if array else type_
    match = re.match(r"^(.*?)\(([\d,]+)\)(.*)$", body)
    if not match:
        return body, None, array
    base = (match.group(1) + match.group(3)).strip()
    return base, tuple(int(x) for x in match.group(2).split(",")), array


def type_change_kind(old: str, new: str) -> str:
    """``binary`` (no rewrite), ``rewrite`` (lossless rewrite), ``narrowing`` or ``incompatible``."""
    if old == new:
        return "binary"
    old_base, old_mod, old_arr = _split(old)
    new_base, new_mod, new_arr = _split(new)
    if old_arr != new_arr:
        return "incompatible"
    if old_base in _STRINGS and new_base in _STRINGS:
        return _string_change(old_base, old_mod, new_base, new_mod)
    if old_base == new_base == "numeric":
        return _numeric_change(old_mod, new_mod)
    if old_base == new_base and old_base in ("bit varying", "character"):
        return _length_change(old_mod, new_mod, binary=old_base == "bit varying")
    if old_base == new_base and old_base.startswith(("timestamp", "time", "interval")):
        return "binary" if new_mod is None or (old_mod is not None and new_mod >= old_mod) else "narrowing"
    if old_base in _INT_RANK and new_base in _INT_RANK:
        if new_base == "numeric" and new_mod is not None:
            return "narrowing"
        return "rewrite" if _INT_RANK[new_base] > _INT_RANK[old_base] else "narrowing"
    if old_base in _FLOAT_RANK and new_base in _FLOAT_RANK:
        return "rewrite" if _FLOAT_RANK[new_base] > _FLOAT_RANK[old_base] else "narrowing"
    if new_base == "text" or (new_base == "character varying" and new_mod is None):
        return "rewrite"
    if {old_base, new_base} == {"timestamp without time zone", "timestamp with time zone"}:
        return "rewrite"
    if {old_base, new_base} == {"json", "jsonb"}:
        return "rewrite"
    return "incompatible"


def _string_change(old_base, old_mod, new_base, new_mod) -> str:
    if new_base == "text" or new_mod is None:
        return "binary"
    if old_base == "text" or old_mod is None:
        return "narrowing"
    return "binary" if new_mod[0] >= old_mod[0] else "narrowing"


def _numeric_change(old_mod, new_mod) -> str:
    if new_mod is None:
        return "binary"
    if old_mod is None:
        return "narrowing"
    old_p, old_s = old_mod[0], old_mod[1] if len(old_mod) > 1 else 0
    new_p, new_s = new_mod[0], new_mod[1] if len(new_mod) > 1 else 0
    if new_s == old_s and new_p >= old_p:
        return "binary"
    if new_s >= old_s and new_p - new_s >= old_p - old_s:
        return "rewrite"
    return "narrowing"


def _length_change(old_mod, new_mod, binary: bool) -> str:
    if new_mod is None or (old_mod is not None and new_mod[0] >= old_mod[0]):
        return "binary" if binary else "rewrite"
    return "narrowing"
