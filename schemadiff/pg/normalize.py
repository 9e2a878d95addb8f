"""One canonical text for SQL expressions (defaults, checks, index keys and predicates).

PostgreSQL stores expressions parsed and prints them back decorated: ``'a'::character
varying``, ``(0)::numeric``, doubled parentheses. People write them plain. Both sides pass
through :func:`expression` so that the decorations do not count as differences. What this
textual pass cannot settle (``IN (…)`` printed as ``= ANY (ARRAY[…])``) is settled by asking
the server (`canonicalize.py`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>[EeBbXxNnUu]?'(?:[^']|'')*')
  | (?P<dollar>\$(?P<tag>[A-Za-z_]*)\$.*?\$(?P=tag)\$)
  | (?P<ident>"(?:[^"]|"")*")
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<cast>::)
  | (?P<op>[<>=!~+\-*/%^&|#@?]+)
  | (?P<punct>[()\[\],.;])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_TYPE_WORDS = {
    "character", "varying", "double", "precision", "timestamp", "time", "with", "without",
    "zone", "bit",
}
_SYNONYMS = {
    "now()": "current_timestamp",
    "transaction_timestamp()": "current_timestamp",
}


def tokens(text: str) -> list[str]:
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "ws":
            continue
        value = match.group()
        if kind == "word":
            value = value.lower()
        out.append(value)
    return out


def expression(text: Optional[str]) -> Optional[str]:
    """The canonical text of an SQL expression, or None."""
    if text is None:
        return None
    return _expression(str(text))


@lru_cache(maxsize=65536)
def _expression(text: str) -> str:
    # Cached: big schemas repeat the same few defaults and predicates thousands of times,
    # and diff/canonicalize normalize each one more than once.
    toks = tokens(text)
    toks = _strip_literal_casts(toks)
    toks = _numeric_strings(toks)
    toks = _unwrap_literal_parens(toks)
    toks = _strip_outer_parens(toks)
    rendered = _render(toks)
    for long, short in _SYNONYMS.items():
        rendered = rendered.replace(long, short)
    return rendered


def _is_literal(tok: str) -> bool:
    return tok[0] in "'0123456789." or (tok[0] == "-" and tok[1:2].isdigit()) or tok[:2].lower() in ("e'", "b'", "x'", "n'") or tok in (
        "true", "false", "null",
    ) or tok.startswith("$")


def _strip_literal_casts(toks: list[str]) -> list[str]:
    """Drop ``::type`` after a literal or a parenthesised literal."""
    out: list[str] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok == "::" and out and _ends_with_literal(out):
            i = _skip_type(toks, i + 1)
            continue
        out.append(tok)
        i += 1
    return out


def _ends_with_literal(out: list[str]) -> bool:
    if _is_literal(out[-1]):
        return True
    # (0)  or  (-1)
    if out[-1] == ")" and len(out) >= 3 and _is_literal(out[-2]):
        return out[-3] == "(" or (out[-3] == "-" and len(out) >= 4 and out[-4] == "(")
    return False


def _skip_type(toks: list[str], i: int) -> int:
    if i < len(toks) and toks[i].startswith('"'):
        i += 1
    elif i < len(toks):
        i += 1
        while i < len(toks) and toks[i] in _TYPE_WORDS:
            i += 1
        while i + 1 < len(toks) and toks[i] == "." and toks[i + 1][0].isalpha():
            i += 2
    if i < len(toks) and toks[i] == "(":
        depth = 0
        while i < len(toks):
            depth += toks[i] == "("
            depth -= toks[i] == ")"
            i += 1
            if depth == 0:
                break
        while i < len(toks) and toks[i] in _TYPE_WORDS:
            i += 1
    while i + 1 < len(toks) and toks[i] == "[" and toks[i + 1] == "]":
        i += 2
    return i


_NUMERIC_STRING = re.compile(r"^'(-?\d+(?:\.\d+)?)'$")


def _numeric_strings(toks: list[str]) -> list[str]:
    """``'-1'`` (how the catalog prints a negative integer default) → ``-1``; a unary minus
    before a number is folded into it."""
    out: list[str] = []
    for tok in toks:
        match = _NUMERIC_STRING.match(tok)
        if match:
            tok = match.group(1)
        if tok[0].isdigit() and out and out[-1] == "-" and (len(out) == 1 or out[-2] in ("(", ",", "[") or _is_operator(out[-2])):
            out[-1] = "-" + tok
            continue
        out.append(tok)
    return out


def _is_operator(tok: str) -> bool:
    return bool(re.match(r"^[<>=!~+\-*/%^&|#@?]+$", tok)) or tok in ("and", "or", "not")


def _unwrap_literal_parens(toks: list[str]) -> list[str]:
    """``( 0 )`` → ``0`` and ``( - 1 )`` → ``-1`` where the parentheses hold one literal."""
    out: list[str] = []
    for tok in toks:
        out.append(tok)
        if tok != ")":
            continue
        if len(out) >= 3 and out[-3] == "(" and _is_literal(out[-2]) and not _is_call(out, -3):
            out[-3:] = [out[-2]]
        elif len(out) >= 4 and out[-4] == "(" and out[-3] == "-" and _is_literal(out[-2]) and not _is_call(out, -4):
            out[-4:] = ["-" + out[-2]]
    return out


def _is_call(out: list[str], open_index: int) -> bool:
    before = len(out) + open_index - 1
    return before >= 0 and (out[before][0].isalpha() or out[before][0] == '"' or out[before] == "]")


def _strip_outer_parens(toks: list[str]) -> list[str]:
    while len(toks) >= 2 and toks[0] == "(" and toks[-1] == ")" and _matching(toks) == len(toks) - 1:
        toks = toks[1:-1]
    return toks


def _matching(toks: list[str]) -> int:
    depth = 0
    for i, tok in enumerate(toks):
        depth += tok == "("
        depth -= tok == ")"
        if depth == 0:
            return i
    return -1


_NO_SPACE_BEFORE = {")", ",", "]", "(", "[", "::", "."}
_NO_SPACE_AFTER = {"(", "[", "::", "."}


def _render(toks: list[str]) -> str:
    out = []
    prev = None
    for tok in toks:
        if prev is not None and prev not in _NO_SPACE_AFTER and tok not in _NO_SPACE_BEFORE:
            out.append(" ")
        elif tok == "(" and prev is not None and not (prev[0].isalnum() or prev[0] in '_"') and prev not in _NO_SPACE_AFTER:
            out.append(" ")
        out.append(tok)
        prev = tok
    return "".join(out)


@lru_cache(maxsize=65536)
def index_key(text: str) -> str:
    """Canonical text of one index key (see ``index_keys``): ``ASC`` and the default NULLS
    ordering dropped, the collation and operator class spelled one way."""
    from .index_keys import canonical

    return expression(canonical(text))
