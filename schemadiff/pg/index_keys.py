"""One spelling of an index key (also an exclusion constraint's element), the one PostgreSQL
prints: the column or expression, then ``COLLATE`` (when not the column's own), then the
operator class (when not the type's default), then ``DESC`` and ``NULLS FIRST``/``NULLS LAST``
when not the default ordering. Both the file and the catalog are read into it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .naming import quote_ident


@dataclass(frozen=True)
class IndexKey:
    """The parts of one key; ``head`` is the column or expression as written."""

    head: str
    collation: Optional[str] = None
    opclass: Optional[str] = None
    descending: bool = False
    nulls_first: Optional[bool] = None  # None: the default for the direction

    def text(self) -> str:
        out = self.head
        if self.collation:
            out += f" COLLATE {self.collation}"
        if self.opclass:
            out += f" {self.opclass}"
        if self.descending:
            out += " DESC" + (" NULLS LAST" if self.nulls_first is False else "")
        elif self.nulls_first:
            out += " NULLS FIRST"
        return out


_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_QUALIFIED = rf"{_NAME}(?:\s*\.\s*{_NAME})*"
_SUFFIX = re.compile(
    rf"""^\s*(?:COLLATE\s+(?P<collation>{_QUALIFIED}))?
         \s*(?P<opclass>(?!(?:ASC|DESC|NULLS|COLLATE)\b){_QUALIFIED})?
         \s*(?P<direction>ASC|DESC)?
         \s*(?:NULLS\s+(?P<nulls>FIRST|LAST))?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def parse(text: str) -> IndexKey:
    """Split a key into its parts; what cannot be read is kept whole as the head."""
    text = text.strip()
    end = _head_end(text)
    match = _SUFFIX.match(text[end:]) if end else None
    if not match or (end < len(text) and not text[end].isspace()):
        return IndexKey(text)
    direction, nulls = (match.group("direction") or "").upper(), (match.group("nulls") or "").upper()
    descending = direction == "DESC"
    nulls_first = None if not nulls or (nulls == "FIRST") == descending else nulls == "FIRST"
    return IndexKey(text[:end], _collation(match.group("collation")), _opclass(match.group("opclass")),
                    descending, nulls_first)


def canonical(text: str) -> str:
    """``text`` in the one spelling: ``ASC`` and default NULLS orderings dropped, keywords in
    capitals, a collation quoted as PostgreSQL prints it."""
    return parse(text).text()


def _head_end(text: str) -> int:
    """Where the column or expression ends: a parenthesised expression, a (qualified) name,
    or a function call; 0 when the text starts otherwise."""
    if text.startswith("("):
        return _closing(text, 0)
    match = re.match(_QUALIFIED, text)
    if not match:
        return 0
    end = match.end()
    rest = text[end:]
    if rest.lstrip().startswith("("):
        return _closing(text, end + len(rest) - len(rest.lstrip()))
    return end


def _closing(text: str, start: int) -> int:
    """The index after the parenthesis that closes the one at ``start`` (0 if none)."""
    depth, quote, i = 0, None, start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return 0


def _parts(name: str) -> list[str]:
    parts = re.findall(_NAME, name)
    return [p[1:-1].replace('""', '"') if p.startswith('"') else p.lower() for p in parts]


def _collation(name: Optional[str]) -> Optional[str]:
    if not name:
        return None
    parts = _parts(name)
    if len(parts) == 2 and parts[0] == "pg_catalog":
        parts = parts[1:]
    return ".".join(_quote_collation(p) for p in parts)


def _quote_collation(name: str) -> str:
    # PostgreSQL quotes "default" and "C" (not plain lower-case words); quote_ident agrees,
    # except that "default" is a reserved word there too.
    return '"default"' if name == "default" else quote_ident(name)


def _opclass(name: Optional[str]) -> Optional[str]:
    if not name:
        return None
    parts = _parts(name)
    if len(parts) == 2 and parts[0] == "pg_catalog":
        parts = parts[1:]
    return ".".join(quote_ident(p) for p in parts)


def keys_of_definition(definition: str, method: str, bare_keys: list) -> Optional[tuple]:
    """The keys of an index as ``pg_get_indexdef(oid, 0, true)`` prints them (with COLLATE,
    operator class and ordering), found by walking ``definition`` past each key's bare text
    (``pg_get_indexdef(oid, k, true)``, which leaves those out); None if it cannot be read."""
    marker = f" USING {method} ("
    start = definition.find(marker)
    while start >= 0:
        keys = _walk(definition, start + len(marker), bare_keys)
        if keys is not None:
            return keys
        start = definition.find(marker, start + 1)
    return None


def _walk(definition: str, pos: int, bare_keys: list) -> Optional[tuple]:
    out = []
    for i, bare in enumerate(bare_keys):
        if not definition.startswith(bare, pos):
            return None
        end = _suffix_end(definition, pos + len(bare))
        if end is None:
            return None
        out.append(definition[pos:end])
        closer = ")" if i == len(bare_keys) - 1 else ", "
        if not definition.startswith(closer, end):
            return None
        pos = end + len(closer)
    return tuple(out)


def _suffix_end(text: str, pos: int) -> Optional[int]:
    """The end of ``COLLATE x opclass DESC NULLS LAST`` after a key: the next ``,`` or ``)``
    outside double quotes."""
    quoted = False
    for i in range(pos, len(text)):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in ",)":
            return i
    return None


# Storage parameters (WITH) of each index method. PostgreSQL keeps each value as written
# (``autosummarize=on``) and in the order written, and so does the model, so that a rebuilt
# index reads the same; they compare in any order, the booleans among them as true/false.
INDEX_PARAMETERS = {
    "btree": ("fillfactor", "deduplicate_items"), "hash": ("fillfactor",), "gist": ("fillfactor", "buffering"),
    "spgist": ("fillfactor",), "gin": ("fastupdate", "gin_pending_list_limit"),
    "brin": ("pages_per_range", "autosummarize"),
}
BOOLEAN_PARAMETERS = frozenset({"deduplicate_items", "fastupdate", "autosummarize"})
_TRUE, _FALSE = frozenset({"true", "on", "yes", "1"}), frozenset({"false", "off", "no", "0"})


def parameter_text(value) -> str:
    """A value from the file as PostgreSQL would keep it (YAML's booleans as true/false)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value).strip()


def comparable(parameters: tuple) -> tuple:
    """Storage parameters in the form both sides compare: sorted, booleans as true/false."""
    def value(name: str, text: str) -> str:
        text = text.lower()
        if name in BOOLEAN_PARAMETERS:
            return "true" if text in _TRUE else "false" if text in _FALSE else text
        return text
    return tuple(sorted((name, value(name, text)) for name, text in parameters))


def parameters_from_reloptions(reloptions) -> tuple:
    """``{fillfactor=70}`` (pg_class.reloptions) → (name, value) pairs."""
    return tuple(tuple(option.split("=", 1)) for option in reloptions or ())
