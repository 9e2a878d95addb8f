"""Views and materialized views: created, dropped, replaced (CREATE OR REPLACE VIEW where
PostgreSQL allows it: the same leading output columns, only new ones appended; else dropped and
made again), refreshed (a materialized view's WITH [NO] DATA), commented, and a materialized
view's indexes. Matched by qualified name.

Queries compare equal when their text is equal or they parse the same (``pg.sqltree``);
against a database the server's own reading settles the rest (``catalog/canonicalize_views``).
Dropped only by a file with a ``views:`` or ``materialized_views:`` key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..model import Catalog, Index, QualifiedName, View
from ..pg.sqltree import same_sql
from .comments import SetIndexComment
from .keyed import keyed_diff
from .tables import same_index


@dataclass(frozen=True)
class CreateView:
    """Create a view or materialized view (with its indexes and comments); ``depth`` orders a
    view after the views it reads; ``reason`` says why it is made again, when it is."""
    view: View
    depth: int = 0
    reason: str = ""

    @property
    def view_key(self) -> QualifiedName:
        return self.view.qualified


@dataclass(frozen=True)
class DropView:
    """Drop a view or materialized view (views over it first: ``depth`` is reversed)."""
    view: View
    depth: int = 0
    reason: str = ""

    @property
    def view_key(self) -> QualifiedName:
        return self.view.qualified


@dataclass(frozen=True)
class ReplaceView:
    """CREATE OR REPLACE VIEW: a new query returning the same leading columns, or new options."""
    from_: View
    to: View
    depth: int = 0
    reason: str = ""

    @property
    def view_key(self) -> QualifiedName:
        return self.to.qualified


@dataclass(frozen=True)
class RefreshMaterializedView:
    """REFRESH MATERIALIZED VIEW … WITH [NO] DATA: fill it, or empty it."""
    view: View
    depth: int = 0

    @property
    def view_key(self) -> QualifiedName:
        return self.view.qualified


@dataclass(frozen=True)
class SetViewStorageParameters:
    """ALTER MATERIALIZED VIEW … SET / RESET (storage parameters): in place, no rebuild."""
    view: QualifiedName
    from_: tuple
    to: tuple

    @property
    def view_key(self) -> QualifiedName:
        return self.view

    @property
    def set(self) -> tuple:
        return tuple(p for p in self.to if p not in self.from_)

    @property
    def reset(self) -> tuple:
        kept = {name for name, _ in self.to}
        return tuple(name for name, _ in self.from_ if name not in kept)


@dataclass(frozen=True)
class SetViewComment:
    """Set or drop the comment of a view or materialized view, or of one of its columns."""
    name: QualifiedName
    materialized: bool
    comment: Optional[str]
    column: Optional[str] = None

    @property
    def view_key(self) -> QualifiedName:
        return self.name


@dataclass(frozen=True)
class AddViewIndex:
    """Create an index on a materialized view."""
    view: QualifiedName
    index: Index

    @property
    def view_key(self) -> QualifiedName:
        return self.view


@dataclass(frozen=True)
class DropViewIndex:
    """Drop an index of a materialized view."""
    view: QualifiedName
    index: Index

    @property
    def view_key(self) -> QualifiedName:
        return self.view


def diff_views(current: Catalog, desired: Catalog) -> list:
    cur, want = current.view_map(), desired.view_map()
    live_depth, wanted_depth = live_depths(current), desired_depths(desired)
    added, removed, common = keyed_diff(cur, want)
    changes: list = [CreateView(want[k], wanted_depth.get(k, 0)) for k in added]
    changes += [DropView(cur[k], live_depth.get(k, 0)) for k in removed if desired.manages_views]
    for k in common:
        changes += _changed(cur[k], want[k], live_depth.get(k, 0), wanted_depth.get(k, 0))
    return changes


def _changed(old: View, new: View, old_depth: int, new_depth: int) -> list:
    if old.materialized != new.materialized:
        reason = f"it becomes a {new.kind}"
        return [DropView(old, old_depth, reason), CreateView(new, new_depth, reason)]
    same_query = same_sql(old.query, new.query)
    if not same_query and (new.materialized or not replaceable(old, new)):
        reason = "its query changes" + ("" if new.materialized else " the columns it returns")
        return [DropView(old, old_depth, reason), CreateView(new, new_depth, reason)]
    out: list = []
    if not same_query or (old.check_option, old.options) != (new.check_option, new.options):
        out.append(ReplaceView(old, new, new_depth))
    if old.parameters != new.parameters:
        out.append(SetViewStorageParameters(new.qualified, old.parameters, new.parameters))
    if old.with_data != new.with_data:
        out.append(RefreshMaterializedView(new, new_depth))
    if old.comment != new.comment:
        out.append(SetViewComment(new.qualified, new.materialized, new.comment))
    old_comments, new_comments = dict(old.column_comments), dict(new.column_comments)
    for column in sorted(set(old_comments) | set(new_comments)):
        if old_comments.get(column) != new_comments.get(column):
            out.append(SetViewComment(new.qualified, new.materialized, new_comments.get(column), column))
    return out + _indexes(old, new)


def _indexes(old: View, new: View) -> list:
    mine, theirs = {i.name: i for i in old.indexes}, {i.name: i for i in new.indexes}
    out: list = []
    for name, index in theirs.items():
        live = mine.get(name)
        if live is not None and same_index(live, index):
            if (live.comment or None) != (index.comment or None):
                out.append(SetIndexComment(new.qualified, name, index.comment))
            continue
        if live is not None:
            out.append(DropViewIndex(old.qualified, live))
        out.append(AddViewIndex(new.qualified, index))
    out += [DropViewIndex(old.qualified, i) for name, i in mine.items() if name not in theirs]
    return out


def replaceable(old: View, new: View) -> bool:
    """Whether CREATE OR REPLACE VIEW can take ``new``'s query: the server's reading of it
    (a probe) returns ``old``'s columns, same names and types in order, and maybe more after."""
    if old.materialized or new.materialized or not old.columns or not new.columns:
        return False
    return len(new.columns) >= len(old.columns) and new.columns[:len(old.columns)] == old.columns


# -- dependency depth among views ----------------------------------------------------------------

def live_depths(catalog: Catalog) -> dict:
    """How deep each live view sits over other views (0: reads tables only), from pg_depend."""
    keys = set(catalog.view_map())
    reads = {v.qualified: {QualifiedName(r.schema, r.name) for r in v.depends_on
                           if r.what in ("relation", "column")} & keys for v in catalog.views}
    return _depths(reads)


def desired_depths(catalog: Catalog) -> dict:
    """How deep each desired view sits over other desired views, from its query's parse tree
    (an unqualified name is public's, as under search_path = public). A function that needs a
    view (see diff.functions.views_needed) is a node of the same graph, keyed ``("function",
    key)``: a view calling it sits above it, and it above the views it needs, so that view →
    function → view is made in that order."""
    from .functions import views_needed

    keys = set(catalog.view_map())
    reads: dict = {v.qualified: {QualifiedName(s or "public", n) for s, n in v.relations()} & keys for v in catalog.views}
    by_name: dict = {}
    for f in catalog.functions:
        needed = views_needed(f, catalog)
        if needed:
            reads[("function", f.key)] = set(needed)
            by_name.setdefault((f.schema, f.name), []).append(("function", f.key))
    if by_name:
        for v in catalog.views:
            for schema, name in calls(v.query):
                reads[v.qualified] |= set(by_name.get((schema or "public", name), ()))
    return _depths(reads)


def calls(query: str) -> frozenset:
    from ..pg.sqltree import function_calls

    return function_calls(query)


def _depths(reads: dict) -> dict:
    depth: dict = {}

    def of(key, seen=()) -> int:
        if key not in depth:
            if key in seen:  # a cycle cannot exist in PostgreSQL; stop rather than loop
                return 0
            depth[key] = 1 + max((of(k, seen + (key,)) for k in reads.get(key, ()) if k != key), default=-1)
        return depth[key]

    for key in reads:
        of(key)
    return depth
