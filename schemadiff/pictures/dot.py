"""An :class:`~schemadiff.pictures.erd.Erd` as Graphviz DOT: each box an HTML-like table
label, each foreign key an edge from the child's columns to the parent's with crow's-foot
ends (many at the child, one at the parent; a circle where it may be none)."""

from __future__ import annotations

from html import escape

from .erd import Erd, ErdLink, ErdTable
from .mermaid import display_name

# (header fill, border) per state; "same" is the quiet default.
COLOURS = {"same": ("#dbe4f0", "#5b6b82"), "added": ("#c9f2d0", "#1a7f37"),
           "changed": ("#fbe7b5", "#9a6700"), "removed": ("#f8d0d0", "#cf222e")}
FONT = "Helvetica"
# Which side of a row an edge leaves the child by and enters the parent by: the child is laid
# out before its parent, so facing sides keep edges from looping round the box.
# Rows have a port on their first cell (l) and last (r).
SIDES = {"LR": (":r{}:e", ":l{}:w"), "RL": (":l{}:w", ":r{}:e")}


def dot(erd: Erd, rankdir: str = "LR") -> str:
    """The DOT text of ``erd``, laid out in ``rankdir`` (LR, RL, TB or BT)."""
    ids = {t.name: f"t{i}" for i, t in enumerate(erd.tables)}
    lines = ["digraph erd {",
             f'    graph [rankdir={rankdir}, fontname="{FONT}", nodesep=0.4, ranksep=0.8];',
             f'    node [shape=plain, fontname="{FONT}", fontsize=10];',
             f'    edge [fontname="{FONT}", fontsize=8, dir=both, arrowsize=0.8];']
    lines += [f"    {ids[t.name]} [label=<{_label(t)}>];" for t in erd.tables]
    columns = {t.name: [c.name for c in t.columns] for t in erd.tables}
    sides = SIDES.get(rankdir, (":l{}", ":l{}"))
    lines += [_edge(link, ids, columns, sides) for link in erd.links]
    return "\n".join(lines + ["}"]) + "\n"


def _label(table: ErdTable) -> str:
    fill, border = COLOURS[table.state]
    kind = "" if table.kind == "table" else f" <i>({escape(table.kind)})</i>"
    marker = "" if table.state == "same" else f" [{table.state}]"
    title = f"<b>{escape(display_name(table))}</b>{kind}{escape(marker)}"
    if table.state == "removed":
        title = f"<s>{title}</s>"
    tooltip = f' title="{escape(table.comment)}"' if table.comment else ""
    rows = [f'<tr><td colspan="3" bgcolor="{fill}"{tooltip}>{title}</td></tr>']
    for i, column in enumerate(table.columns):
        keys = escape(", ".join(column.keys))
        rows.append(f'<tr><td align="left" port="l{i}">{escape(column.name)}</td><td align="left">{escape(column.type)}</td>'
                    f'<td align="left" port="r{i}">{keys}</td></tr>')
    return (f'<table border="1" cellborder="0" cellspacing="0" cellpadding="3" color="{border}">\n        '
            + "\n        ".join(rows) + "\n    </table>")


def _edge(link: ErdLink, ids: dict, columns: dict, sides: tuple) -> str:
    child = _port(columns[link.child], link.columns, sides[0])
    parent = _port(columns[link.parent], link.ref_columns, sides[1])
    head = "teeodot" if link.optional else "teetee"
    tail = "teeodot" if link.unique else "crowodot"
    colour = COLOURS[link.state][1]
    style = ', style="dashed"' if link.state == "removed" else ""
    return (f'    {ids[link.child]}{child} -> {ids[link.parent]}{parent} [arrowhead={head}, arrowtail={tail}, '
            f'color="{colour}", tooltip="{_attribute(link.name)}"{style}];')


def _port(shown: list, columns, side: str) -> str:
    """The row of the link's first column, when the box shows it (else the whole box)."""
    return side.format(shown.index(columns[0])) if columns and columns[0] in shown else ""


def _attribute(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
