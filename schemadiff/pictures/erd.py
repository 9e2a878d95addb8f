"""The entity-relationship graph of a catalog: tables (and views) as boxes, foreign keys as
links. It knows nothing of Mermaid, DOT or HTML; those render an :class:`Erd`."""

from __future__ import annotations

import difflib
from collections import deque
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Iterable, Optional, Sequence, Union

from ..errors import SchemadiffError
from ..model import Catalog, QualifiedName, Table, View

STATES = ("same", "added", "changed", "removed")


class UnknownTable(SchemadiffError):
    """A focus table that is neither a table nor a view of the schema."""


@dataclass(frozen=True)
class ErdColumn:
    """A column as drawn: ``keys`` is a subset of PK, FK, UK in that order."""

    name: str
    type: str
    keys: tuple[str, ...] = ()
    nullable: bool = True
    comment: Optional[str] = None


@dataclass(frozen=True)
class ErdTable:
    """A box: a table, partitioned table, view or materialized view (``kind``)."""

    name: QualifiedName
    columns: tuple[ErdColumn, ...] = ()
    state: str = "same"
    comment: Optional[str] = None
    kind: str = "table"


@dataclass(frozen=True)
class ErdLink:
    """A foreign key from ``child`` to ``parent``; ``optional``: a child column is nullable,
    ``unique``: the child columns are unique (one-to-one)."""

    name: str
    child: QualifiedName
    parent: QualifiedName
    columns: tuple[str, ...]
    ref_columns: tuple[str, ...]
    optional: bool = False
    unique: bool = False
    state: str = "same"


@dataclass(frozen=True)
class Erd:
    """A diagram: its boxes and links in a deterministic order, and how many tables and views
    of the schema it leaves out (``hidden``)."""

    tables: tuple[ErdTable, ...]
    links: tuple[ErdLink, ...]
    hidden: int = 0


Box = Union[Table, View]


def erd_of(catalog: Catalog, *, tables: Sequence[str] = (), depth: int = 1, schemas: Sequence[str] = (),
           pattern: Optional[str] = None, all_columns: bool = False, max_tables: Optional[int] = None) -> Erd:
    """The diagram of ``catalog``: every table and view, or the focus ``tables`` and their
    foreign-key neighbours (either direction) to ``depth``; narrowed to ``schemas`` and to
    names matching the glob ``pattern``; key columns only unless ``all_columns``. Past
    ``max_tables`` it keeps the most connected tables (focus tables first)."""
    boxes = _boxes(catalog)
    focus = [resolve(catalog, name) for name in tables]
    _known_schemas(boxes, schemas)
    wanted = {q for q in boxes if _matches(q, schemas, pattern)}
    if focus:
        wanted = (neighbours(catalog, focus, depth) & wanted) | set(focus)
    if max_tables is not None and len(wanted) > max_tables:
        wanted = _most_connected(catalog, wanted, focus, max_tables)
    drawn = tuple(_box(boxes[q], all_columns) for q in sorted(wanted))
    links = tuple(link for t in catalog.tables if t.qualified in wanted for link in _links(t, wanted))
    return Erd(drawn, tuple(sorted(links, key=_link_order)), hidden=len(boxes) - len(wanted))


def erd_of_change(old: Catalog, new: Catalog, *, max_tables: int = 20,
                  touched: Optional[Iterable[QualifiedName]] = None) -> Optional[Erd]:
    """The tables the change from ``old`` to ``new`` adds, changes or removes, with their
    direct neighbours, states set (key columns, and those added or altered); collapsed to the changed tables past ``max_tables``. None
    when no table changes. ``touched``: the tables a plan's changes name (:func:`tables_named`),
    when known: the live and desired models of a plan may spell equal things differently, and
    a table only one side has may be left alone; else the tables that differ."""
    before, after = old.table_map(), new.table_map()
    named = set(touched) if touched is not None else None

    def of_change(found: set) -> set:
        return found if named is None else found & named

    common = before.keys() & after.keys()
    changed = of_change(common) if named is not None else {q for q in common if before[q] != after[q]}
    states = {**{q: "added" for q in of_change(after.keys() - before.keys())},
              **{q: "removed" for q in of_change(before.keys() - after.keys())}, **{q: "changed" for q in changed}}
    if not states:
        return None
    near = set(states) | _direct_neighbours(old, new, set(states))
    shown = near if len(near) <= max_tables else set(sorted(states)[:max_tables])
    drawn = tuple(_changed_box(q, states.get(q, "same"), before, after) for q in sorted(shown))
    return Erd(drawn, _change_links(before, after, shown, states), hidden=len(near) - len(shown))


def tables_named(changes: Iterable) -> set[QualifiedName]:
    """The tables a plan's changes (``Plan.changes``) work on: each names its ``table`` (a
    rename its ``old`` and ``new`` names)."""
    found = set()
    for change in changes:
        for named in (getattr(change, "table", None), getattr(change, "old", None), getattr(change, "new", None)):
            if isinstance(named, Table):
                found.add(named.qualified)
            elif isinstance(named, QualifiedName):
                found.add(named)
    return found


def resolve(catalog: Catalog, name: str) -> QualifiedName:
    """The table or view ``name`` (``schema.name``, or a bare name: public first, else the
    only schema that has it); :class:`UnknownTable` when there is none."""
    boxes = _boxes(catalog)
    schema, dot, bare = name.rpartition(".")
    if dot and QualifiedName(schema, bare) in boxes:
        return QualifiedName(schema, bare)
    if not dot:
        found = sorted(q for q in boxes if q.name == name)
        public = [q for q in found if q.schema == "public"]
        if public or len(found) == 1:
            return (public or found)[0]
        if found:
            raise UnknownTable(f"table {name!r} is in several schemas ({', '.join(q.schema for q in found)}): "
                               f"name one as schema.{name}.")
    close = difflib.get_close_matches(name, sorted({str(q) for q in boxes} | {q.name for q in boxes}), n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise UnknownTable(f"no table or view named {name!r} in the schema ({len(boxes)} tables and views).{hint}")


def neighbours(catalog: Catalog, focus: Iterable[QualifiedName], depth: int) -> set[QualifiedName]:
    """``focus`` and every table within ``depth`` foreign keys of it, either direction."""
    graph = _adjacency(catalog)
    seen = {q: 0 for q in focus}
    queue = deque(seen)
    while queue:
        q = queue.popleft()
        if seen[q] >= depth:
            continue
        for other in sorted(graph.get(q, ())):
            if other not in seen:
                seen[other] = seen[q] + 1
                queue.append(other)
    return set(seen)


def _boxes(catalog: Catalog) -> dict[QualifiedName, Box]:
    return {**{t.qualified: t for t in catalog.tables}, **{v.qualified: v for v in catalog.views}}


def _known_schemas(boxes: dict, schemas: Sequence[str]) -> None:
    """A ``--schema`` holding no table or view is a typo, not an empty picture."""
    present = sorted({q.schema for q in boxes})
    unknown = [s for s in schemas if s not in present]
    if unknown:
        raise UnknownTable(f"no table or view in schema {', '.join(repr(s) for s in unknown)}; "
                           f"the schemas with some are: {', '.join(present) or 'none'}.")


def _matches(q: QualifiedName, schemas: Sequence[str], pattern: Optional[str]) -> bool:
    if schemas and q.schema not in schemas:
        return False
    return pattern is None or fnmatchcase(q.name, pattern) or fnmatchcase(str(q), pattern)


def _adjacency(catalog: Catalog) -> dict[QualifiedName, set[QualifiedName]]:
    graph: dict[QualifiedName, set[QualifiedName]] = {}
    for t in catalog.tables:
        for fk in t.foreign_keys:
            if fk.ref_table != t.qualified:
                graph.setdefault(t.qualified, set()).add(fk.ref_table)
                graph.setdefault(fk.ref_table, set()).add(t.qualified)
    return graph


def _most_connected(catalog: Catalog, wanted: set, focus: list, limit: int) -> set[QualifiedName]:
    """``limit`` tables of ``wanted`` that hang together: from the focus tables, then the most
    connected, each grown breadth-first through its neighbours (the most connected first), so
    that what is drawn has its links, whatever the shape (a chain, a star, islands)."""
    graph = _adjacency(catalog)
    near = {q: graph.get(q, set()) & wanted for q in wanted}

    def rank(q):
        return (q not in focus, -len(near[q]), q)

    chosen: dict = dict.fromkeys(q for q in focus if q in wanted)
    for seed in sorted(wanted, key=rank):
        queue = [seed] if seed not in chosen else sorted(near[seed] - chosen.keys(), key=rank)
        while queue and len(chosen) < limit:
            q = queue.pop(0)
            if q not in chosen:
                chosen[q] = None
                queue += sorted(near[q] - chosen.keys(), key=rank)
        if len(chosen) >= limit:
            break
    return set(chosen)


def _box(box: Box, all_columns: bool, state: str = "same") -> ErdTable:
    if isinstance(box, View):
        columns = tuple(ErdColumn(n, t, comment=dict(box.column_comments).get(n)) for n, t in box.columns)
        return ErdTable(box.qualified, columns if all_columns else (), state, box.comment, box.kind)
    columns = tuple(c for c in _columns(box) if all_columns or c.keys)
    return ErdTable(box.qualified, columns, state, box.comment, "partitioned" if box.partition_by else "table")


def _columns(table: Table) -> tuple[ErdColumn, ...]:
    pk = set(table.primary_key.columns) if table.primary_key else set()
    fk = {c for f in table.foreign_keys for c in f.columns}
    uk = {c for u in table.uniques for c in u.columns}
    return tuple(ErdColumn(c.name, short_type(c.type), tuple(k for k, cols in (("PK", pk), ("FK", fk), ("UK", uk)) if c.name in cols),
                           c.nullable, c.comment) for c in table.columns)


# The SQL-standard spellings the catalog gives, as people write them in a diagram.
_SHORT_TYPES = (("character varying", "varchar"), ("timestamp with time zone", "timestamptz"),
                ("timestamp without time zone", "timestamp"), ("time with time zone", "timetz"),
                ("time without time zone", "time"), ("double precision", "float8"), ("character", "char"),
                ("bit varying", "varbit"))


def short_type(type_: str) -> str:
    """``character varying(255)`` as ``varchar(255)``: the short name of a long SQL type name."""
    for long, short in _SHORT_TYPES:
        if type_ == long or type_.startswith((long + "(", long + "[")):
            return short + type_[len(long):]
    return type_


def _unique_sets(table: Table) -> list[set[str]]:
    keys = [set(table.primary_key.columns)] if table.primary_key else []
    keys += [set(u.columns) for u in table.uniques]
    keys += [set(i.keys) for i in table.indexes if i.unique and i.where is None]
    return keys


def _links(table: Table, shown: set, state: str = "same", only: Optional[set] = None) -> list[ErdLink]:
    unique = _unique_sets(table)
    return [ErdLink(fk.name, table.qualified, fk.ref_table, fk.columns, fk.ref_columns,
                    optional=any(c is None or c.nullable for c in map(table.column, fk.columns)),
                    unique=set(fk.columns) in unique, state=state)
            for fk in table.foreign_keys if fk.ref_table in shown and (only is None or fk.name in only)]


def _link_order(link: ErdLink):
    return (link.child, link.name, link.parent, STATES.index(link.state))


def _direct_neighbours(old: Catalog, new: Catalog, changed: set) -> set[QualifiedName]:
    return (neighbours(old, changed, 1) | neighbours(new, changed, 1)) & (
        old.table_map().keys() | new.table_map().keys())


def _changed_box(q: QualifiedName, state: str, before: dict, after: dict) -> ErdTable:
    """Key columns, and every column of an added table and the new or altered ones of a changed table."""
    if state in ("removed", "same"):
        return _box((before if state == "removed" else after)[q], all_columns=False, state=state)
    drawn = _box(after[q], all_columns=True, state=state)
    if state == "changed":
        old = before[q]
        columns = tuple(c for c in drawn.columns if c.keys or after[q].column(c.name) != old.column(c.name))
        drawn = ErdTable(drawn.name, columns, state, drawn.comment, drawn.kind)
    return drawn


def _change_links(before: dict, after: dict, shown: set, states: dict) -> tuple[ErdLink, ...]:
    links = []
    for q in shown:
        old, new = before.get(q), after.get(q)
        old_fks = {f.name: f for f in old.foreign_keys} if old else {}
        new_fks = {f.name: f for f in new.foreign_keys} if new else {}
        if new is not None:
            for name, fk in new_fks.items():
                state = "same" if old_fks.get(name) == fk else "added" if name not in old_fks else "changed"
                links += _links(new, shown, "added" if states.get(q) == "added" else state, only={name})
        if old is not None:
            gone = {name for name in old_fks if name not in new_fks}
            links += _links(old, shown, "removed", only=gone)
    return tuple(sorted(links, key=_link_order))
