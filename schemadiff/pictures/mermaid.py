"""An :class:`~schemadiff.pictures.erd.Erd` as Mermaid ``erDiagram`` text, which GitHub and
GitLab render in Markdown.

Mermaid's grammar is narrow, so names are made safe rather than quoted: each box has a plain
identifier and shows its real name as a quoted alias; attribute types and names may not
contain blanks or quotes, so those become ``_``; comments are quoted strings without ``"``.
"""

from __future__ import annotations

import re

from .erd import Erd, ErdColumn, ErdLink, ErdTable

MARKERS = {"same": "", "added": " (added)", "changed": " (changed)", "removed": " (removed)"}
COMMENT_LENGTH = 80

_UNSAFE_WORD = re.compile(r"[^A-Za-z0-9_\-\[\]().,*\u00C0-\uFFFF]")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_]")
# Mermaid reads these as key markers wherever they stand alone, even in a name's place.
_KEY_WORDS = {"pk", "fk", "uk"}


def mermaid(erd: Erd) -> str:
    """The ``erDiagram`` text of ``erd``: one entity per box, one relationship per link."""
    ids = identifiers(erd)
    lines = ["erDiagram"]
    for table in erd.tables:
        lines += _entity(table, ids[table.name])
    lines += [_relationship(link, ids) for link in erd.links]
    return "\n".join(lines) + "\n"


LEGEND = ("Tables and foreign keys marked *(added)*, *(changed)* or *(removed)* are this change's; "
          "the others are their unchanged neighbours.")


def markdown_section(erd: Erd) -> str:
    """A Markdown section with the ``mermaid`` block of a change's diagram and its legend."""
    left_out = f" {erd.hidden} more table(s) left out to keep it readable, unchanged neighbours first." \
        if erd.hidden else ""
    return "\n".join(["**Diagram**", "", LEGEND + left_out, "", "```mermaid", mermaid(erd).rstrip("\n"), "```", ""])


def identifiers(erd: Erd) -> dict:
    """A plain, unique Mermaid identifier for every box (the alias shows the real name)."""
    taken: set = set()
    ids = {}
    for table in erd.tables:
        base = _UNSAFE_ID.sub("_", f"{table.name.schema}_{table.name.name}")
        candidate, n = base, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate.lower())
        ids[table.name] = candidate
    return ids


def display_name(table: ErdTable) -> str:
    """A box's name as shown: bare in public, else schema-qualified."""
    name = table.name
    return name.name if name.schema == "public" else str(name)


def _entity(table: ErdTable, ident: str) -> list[str]:
    lines = [f"    %% {display_name(table)}: {_one_line(table.comment)}"] if table.comment else []
    kind = "" if table.kind == "table" else f" [{table.kind}]"
    head = f'    {ident}["{_quoted(display_name(table) + kind + MARKERS[table.state])}"]'
    if not table.columns:
        return lines + [head]
    return lines + [head + " {", *(f"        {_attribute(c)}" for c in table.columns), "    }"]


def _attribute(column: ErdColumn) -> str:
    parts = [_word(column.type), _word(column.name)]
    if column.keys:
        parts.append(", ".join(column.keys))
    if column.comment:
        parts.append(f'"{_quoted(_one_line(column.comment))}"')
    return " ".join(parts)


def _relationship(link: ErdLink, ids: dict) -> str:
    parent_end = "|o" if link.optional else "||"
    child_end = "o|" if link.unique else "o{"
    label = _quoted(link.name + MARKERS[link.state])
    return f'    {ids[link.parent]} {parent_end}--{child_end} {ids[link.child]} : "{label}"'


def _word(text: str) -> str:
    word = _UNSAFE_WORD.sub("_", text.replace(" ", "_")) or "_"
    if not re.match(r"[A-Za-z_*\u00C0-\uFFFF]", word) or word.lower() in _KEY_WORDS:
        word = "_" + word
    return word


def _quoted(text: str) -> str:
    # A name in quotes may not hold a quote, a backslash or a per cent sign: look-alikes do.
    return text.replace('"', "'").replace("\\", "/").replace("%", "\uff05")


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= COMMENT_LENGTH else flat[:COMMENT_LENGTH - 1] + "…"
