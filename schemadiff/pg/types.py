"""PostgreSQL type names: parse what a person writes, produce what ``format_type`` prints.

Both sides of a diff pass through :func:`canonical_type`, so ``int4``, ``integer`` and
``int`` compare equal, and ``varchar(255)`` equals ``character varying(255)``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from typing import Iterable, Optional

# alias -> canonical base name (format_type spelling, without modifiers)
_ALIASES = {
    "int": "integer", "int4": "integer", "integer": "integer",
    "int2": "smallint", "smallint": "smallint",
    "int8": "bigint", "bigint": "bigint",
    "float4": "real", "real": "real",
    "float8": "double precision", "double precision": "double precision",
    "decimal": "numeric", "numeric": "numeric",
    "bool": "boolean", "boolean": "boolean",
    "varchar": "character varying", "character varying": "character varying",
    "char": "character", "character": "character", "bpchar": "character",
    "varbit": "bit varying", "bit varying": "bit varying", "bit": "bit",
    "timestamptz": "timestamp with time zone",
    "timestamp with time zone": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "timestamp without time zone": "timestamp without time zone",
    "timetz": "time with time zone", "time with time zone": "time with time zone",
    "time": "time without time zone", "time without time zone": "time without time zone",
    "text": "text", "bytea": "bytea", "date": "date", "interval": "interval",
    "uuid": "uuid", "json": "json", "jsonb": "jsonb", "xml": "xml",
    "inet": "inet", "cidr": "cidr", "macaddr": "macaddr", "macaddr8": "macaddr8",
    "money": "money", "tsvector": "tsvector", "tsquery": "tsquery", "oid": "oid",
    "point": "point", "line": "line", "lseg": "lseg", "box": "box", "path": "path",
    "polygon": "polygon", "circle": "circle", "jsonpath": "jsonpath",
    "int4range": "int4range", "int8range": "int8range", "numrange": "numrange",
    "tsrange": "tsrange", "tstzrange": "tstzrange", "daterange": "daterange",
    "int4multirange": "int4multirange", "int8multirange": "int8multirange",
    "nummultirange": "nummultirange", "datemultirange": "datemultirange",
    "tsmultirange": "tsmultirange", "tstzmultirange": "tstzmultirange",
    "regclass": "regclass", "name": "name", '"char"': '"char"', "pg_lsn": "pg_lsn",
    "txid_snapshot": "txid_snapshot", "pg_snapshot": "pg_snapshot",
}
SERIALS = {
    "serial": "integer", "serial4": "integer",
    "bigserial": "bigint", "serial8": "bigint",
    "smallserial": "smallint", "serial2": "smallint",
}
INTEGER_TYPES = ("smallint", "integer", "bigint")
# The inverse, for writing YAML that people like to read.
_SHORT = {
    "character varying": "varchar", "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp", "time with time zone": "timetz",
    "time without time zone": "time", "character": "char", "bit varying": "varbit",
}
_TYPMOD_TYPES = {"character varying", "character", "bit", "bit varying", "numeric"}
_PRECISION_TYPES = {
    "timestamp with time zone", "timestamp without time zone",
    "time with time zone", "time without time zone", "interval",
}
_TYPE_RE = re.compile(
    r"""^(?P<base>"?[a-z_][a-z0-9_$ ."]*?)\s*
        (?:\((?P<args>[0-9 ,]*)\))?\s*
        (?P<tz>with\s+time\s+zone|without\s+time\s+zone)?\s*$""",
    re.VERBOSE,
)


class UnknownType(ValueError):
    """Raised for a type name that is neither built in nor declared."""

    def __init__(self, text: str, suggestions: list[str]):
        self.text = text
        self.suggestions = suggestions
        super().__init__(text)


@dataclass(frozen=True)
class ParsedType:
    canonical: str
    serial: bool = False


def known_type_names() -> list[str]:
    return sorted(set(_ALIASES) | set(SERIALS))


def canonical_type(text: str, user_types: Iterable[str] = ()) -> ParsedType:
    """Canonical ``format_type`` spelling of ``text``; ``user_types`` are declared enums
    (canonical, i.e. unqualified when in ``public``)."""
    if not isinstance(user_types, frozenset):
        user_types = frozenset(user_types)
    return _canonical_type(str(text), user_types)


@lru_cache(maxsize=4096)  # a big schema spells the same dozen types thousands of times
def _canonical_type(text: str, user_types: frozenset) -> ParsedType:
    raw = " ".join(str(text).strip().split())
    array = ""
    while raw.endswith("]"):
        match = re.search(r"\[\s*\d*\s*\]$", raw)
        if not match:
            break
        array = "[]"
        raw = raw[: match.start()].rstrip()
    if raw.lower().endswith(" array"):
        raw, array = raw[:-6].rstrip(), "[]"
    user = _user_type(raw, user_types)
    if user:
        return ParsedType(user + array)
    lowered = raw.lower()
    if lowered in SERIALS and not array:
        return ParsedType(SERIALS[lowered], serial=True)
    match = _TYPE_RE.match(lowered)
    if not match:
        raise UnknownType(text, _suggest(lowered, user_types))
    base = " ".join(match["base"].split())
    args = match["args"]
    tz = match["tz"]
    if tz:
        base = f"{base} {' '.join(tz.split())}"
    canonical = _canonical_base(base, args)
    if canonical is None:
        raise UnknownType(text, _suggest(base, user_types))
    return ParsedType(canonical + array)


# The fields an interval may be restricted to; only those ending in second take a precision.
_INTERVAL_FIELDS = {"year", "month", "day", "hour", "minute", "second", "year to month", "day to hour",
                    "day to minute", "day to second", "hour to minute", "hour to second", "minute to second"}


def _canonical_base(base: str, args: Optional[str]) -> Optional[str]:
    fields = base[len("interval "):] if base.startswith("interval ") else None
    if fields is not None:
        if fields not in _INTERVAL_FIELDS or (args is not None and not fields.endswith("second")):
            return None
        return f"interval {fields}" + (f"({args.strip()})" if args is not None else "")
    if base in ("float", "double") and args is None:
        return "double precision"
    if base == "float":
        return "real" if int(args) <= 24 else "double precision"
    name = _ALIASES.get(base)
    if name is None:
        return None
    mods = ",".join(a.strip() for a in args.split(",")) if args is not None else None
    if name == "character" and mods is None and base != "bpchar":
        mods = "1"
    if name == "bit" and mods is None:
        mods = "1"
    if name == "numeric" and mods is not None and "," not in mods:
        mods += ",0"
    if mods is None:
        return name
    if name in _PRECISION_TYPES:
        if name == "interval":
            return f"interval({mods})"
        head, _, zone = name.partition(" ")
        return f"{head}({mods}) {zone}"
    if name in _TYPMOD_TYPES:
        return f"{name}({mods})"
    return None


def _user_type(raw: str, user_types: Iterable[str]) -> Optional[str]:
    candidates = set(user_types)
    text = raw
    if text.lower().startswith("public."):
        text = text[7:]
    return text if text in candidates else None


def _suggest(text: str, user_types: Iterable[str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(text, known_type_names() + list(user_types), n=3)


def short_type(canonical: str) -> str:
    """The short spelling people write (``varchar(255)`` for ``character varying(255)``)."""
    array = "[]" if canonical.endswith("[]") else ""
    body = canonical[:-2] if array else canonical
    match = re.match(r"^(timestamp|time)\((\d+)\) (with|without) time zone$", body)
    if match:
        head = match[1] + ("tz" if match[3] == "with" else "")
        return f"{head}({match[2]}){array}"
    match = re.match(r"^([a-z ]+?)(\(.*\))?$", body)
    if match and match[1] in _SHORT:
        return _SHORT[match[1]] + (match[2] or "") + array
    return canonical


def is_integer(canonical: str) -> bool:
    return canonical in INTEGER_TYPES


# Types an extension provides (citext, hstore, cube, vector(3), geometry(Point,4326)) cannot
# be known offline. They are spelled as format_type prints them under search_path = public:
# names folded to lower case unless quoted, qualified unless in public, modifiers kept as
# written (only the server knows how a type prints them; catalog.canonicalize asks it).
_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_EXTENSION_TYPE_RE = re.compile(rf"^(?P<schema>{_IDENT}\s*\.\s*)?(?P<name>{_IDENT})\s*(?:\((?P<mods>[^()]*)\))?$")


def extension_type(text: str) -> Optional[ParsedType]:
    """The ``format_type`` spelling of a type name schemadiff does not know, or None when
    ``text`` cannot be a type name at all."""
    from .naming import quote_ident

    raw, array = _split_array(" ".join(str(text).strip().split()))
    match = _EXTENSION_TYPE_RE.match(raw)
    if not match:
        return None
    name = quote_ident(_fold(match["name"]))
    schema = _fold(match["schema"].rstrip(" .")) if match["schema"] else "public"
    mods = f"({','.join(m.strip() for m in match['mods'].split(','))})" if match["mods"] is not None else ""
    qualified = name if schema == "public" else f"{quote_ident(schema)}.{name}"
    return ParsedType(qualified + mods + array)


def is_qualified(text: str) -> bool:
    match = _EXTENSION_TYPE_RE.match(_split_array(" ".join(str(text).strip().split()))[0])
    return bool(match and match["schema"])


def _split_array(raw: str) -> tuple[str, str]:
    array = ""
    while True:
        match = re.search(r"\s*\[\s*\d*\s*\]$", raw)
        if not match:
            break
        raw, array = raw[: match.start()], "[]"
    if raw.lower().endswith(" array"):
        raw, array = raw[:-6].rstrip(), "[]"
    return raw, array


def _fold(identifier: str) -> str:
    return identifier[1:-1].replace('""', '"') if identifier.startswith('"') else identifier.lower()


def misspelled_builtin(text: str, user_types: Iterable[str] = ()) -> Optional[str]:
    """The built-in (or declared) type ``text`` is a close misspelling of: one edit away, or
    two for names of eight letters or more (``intger``, ``varchr(10)``, ``timestamptz2``).
    Looser likeness is not a typo: ``citext`` is not ``text`` misspelled."""
    base = re.sub(r"\(.*$", "", _split_array(" ".join(str(text).strip().split()))[0]).strip().lower()
    allowed = 1 if len(base) < 8 else 2
    candidates = sorted(set(known_type_names()) | set(user_types))
    best = min(candidates, key=lambda known: (_edit_distance(base, known), known))
    return best if _edit_distance(base, best) <= allowed else None


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def is_builtin(canonical: str) -> bool:
    """Whether ``canonical`` names a type schemadiff knows offline (not an extension's)."""
    try:
        _canonical_type(canonical, frozenset())
    except UnknownType:
        return False
    return True
