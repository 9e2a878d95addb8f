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


_NEXTVAL = re.compile(r"^\s*nextval\s*\(\s*'((?:[^']|'')*)'\s*(?:::\s*regclass\s*)?\)\s*$", re.IGNORECASE)
_NAME_PART = re.compile(r'\s*(?:"((?:[^"]|"")*)"|([^".\s]+))\s*(\.|$)')


def nextval_target(text: Optional[str]):
    """The sequence a ``nextval('…')`` default draws from (a QualifiedName; unqualified means
    ``public``, the search path schemadiff pins), or None for any other expression."""
    if not text:  # most columns: no default, nothing to import or match
        return None
    match = _NEXTVAL.match(text)
    if not match:
        return None
    from ..model.names import QualifiedName

    parts, rest = [], match.group(1).replace("''", "'")
    while rest:
        part = _NAME_PART.match(rest)
        if not part:
            return None
        parts.append(part.group(1).replace('""', '"') if part.group(1) is not None else part.group(2).lower())
        rest = rest[part.end():]
        if part.group(3) == "." and not rest:
            return None
    if len(parts) == 1:
        return QualifiedName("public", parts[0])
    return QualifiedName(parts[0], parts[1]) if len(parts) == 2 else None


def nextval_default(sequence) -> str:
    """``nextval('seq'::regclass)`` spelled as PostgreSQL prints it with the search path at
    ``public``, so both sides compare equal however the file wrote it."""
    from .naming import quote_ident, quote_literal

    name = quote_ident(sequence.name) if sequence.schema == "public" else \
        f"{quote_ident(sequence.schema)}.{quote_ident(sequence.name)}"
    return f"nextval({quote_literal(name)}::regclass)"


_BOOLEAN_WORDS = {"on": "true", "true": "true", "yes": "true", "off": "false", "false": "false", "no": "false"}


def boolean(text: str) -> Optional[bool]:
    """A boolean option's value as PostgreSQL's parse_bool reads it (``on``, ``yes``, ``1``,
    ``t``, any unique prefix of true/false/yes/no), or None for a text it refuses. The catalog
    keeps what was written: ``WITH (security_invoker = 'on')`` is stored as ``on``."""
    word = str(text).strip().lower()
    if word in ("1", "on"):
        return True
    if word in ("0", "of", "off"):
        return False
    for full, value in (("true", True), ("false", False), ("yes", True), ("no", False)):
        if word and full.startswith(word):
            return value
    return None


def storage_parameter(value) -> str:
    """A storage parameter's value as one text: PostgreSQL keeps what was written
    (``5e-3``, ``off``), so ``0.005``, ``'0.005'`` and ``5e-3`` must all read the same."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    if text.lower() in _BOOLEAN_WORDS:
        return _BOOLEAN_WORDS[text.lower()]
    try:
        number = float(text)
    except ValueError:
        return text
    if number.is_integer() and abs(number) < 2 ** 63:
        return str(int(number))
    return repr(number)


def collation(spelling: str) -> str:
    """The SQL spelling of a collation name: ``C`` → ``"C"``, ``app.ci`` → ``app.ci``;
    a name with no quotes is one identifier unless it is ``schema.name`` of plain words
    (``en_US.utf8`` stays one name: its second part is no plain lower-case word)."""
    from .naming import quote_ident

    text = spelling.strip()
    if '"' in text:
        parts = re.findall(r'"((?:[^"]|"")*)"|([^."]+)', text)
        return ".".join(quote_ident(q.replace('""', '"') if q else w) for q, w in parts)
    schema, dot, name = text.partition(".")
    if dot and re.fullmatch(r"[a-z_][a-z0-9_]*", schema) and re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        return f"{quote_ident(schema)}.{quote_ident(name)}"
    return quote_ident(text)
