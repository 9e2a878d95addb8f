"""Rows of ``queries/text_search.sql`` → text search dictionaries and configurations."""

from __future__ import annotations

import re

from ..model import TextSearchConfiguration, TextSearchDictionary

# How PostgreSQL stores a dictionary's options (serialize_deflist): name = 'value', ...
_OPTION = re.compile(r"""\s*("(?:[^"]|"")*"|[^\s=]+)\s*=\s*(E?)'((?:[^']|'')*)'\s*(?:,|$)""")


def parse_options(text) -> tuple[tuple[str, str], ...]:
    if not text:
        return ()
    out, pos = [], 0
    while pos < len(text):
        m = _OPTION.match(text, pos)
        if m is None:
            raise ValueError(f"cannot read text search dictionary options {text!r}")
        name = m.group(1)
        name = name[1:-1].replace('""', '"') if name.startswith('"') else name
        value = m.group(3).replace("''", "'")
        out.append((name.lower(), value.replace("\\\\", "\\") if m.group(2) else value))
        pos = m.end()
    return tuple(sorted(out))


def text_search_from_rows(rows) -> dict:
    dictionaries, configurations = [], []
    for kind, schema, name, base, options, mappings, comment in rows:
        if kind == "dictionary":
            dictionaries.append(TextSearchDictionary(schema, name, base, parse_options(options), comment))
        else:
            mapped = tuple((token, tuple(dicts)) for token, dicts in mappings)
            configurations.append(TextSearchConfiguration(schema, name, base, mapped, comment))
    return {"ts_dictionaries": dictionaries, "ts_configurations": configurations}
