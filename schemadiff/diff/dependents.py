"""Dependents dropped before, and made again after, a change PostgreSQL refuses while they
exist: a column's type or collation changing, a column or table dropped, an enum or domain
rebuilt, a view or function dropped and re-created. A view (or a view over that view, …) that
reads what the change touches, and that the file still declares, is dropped first and created
again from the file afterwards, its ``reason`` naming the change.

Generic: each dependent kind (views, triggers, policies, functions, column defaults, table
checks, indexes and domain checks calling functions) registers
where its live objects are (each with ``depends_on``, see ``model/dependencies``), how to drop
and create one, and how other objects name it; each change that touches something registers
what it touches. Only kinds the file manages are handled: an unmanaged dependent keeps the
UNMANAGED_DEPENDENT hazard of ``plan/unmanaged``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Optional

from ..model import Catalog, CheckConstraint, ExclusionConstraint, Index, QualifiedName
from ..model.dependencies import Reference
from . import aggregates as ag
from . import changes as ch
from . import function_callers as fc
from . import functions as fn
from . import partitions as pc
from . import security as sec
from . import triggers as tg
from . import user_types as ut
from . import views as vw

# (what, schema, name, column) of a Reference, and how a description names the change.
Touch = tuple[str, str, str, Optional[str], str]


@dataclass(frozen=True)
class DependentKind:
    """A kind of object that depends on others and can be dropped and made again."""

    name: str
    managed: Callable[[Catalog], bool]
    live: Callable[[Catalog], dict]  # key -> live object (with depends_on)
    desired: Callable[[Catalog], dict]  # key -> desired object
    drop: Callable[[Any, Catalog, str], Any]  # (live object, current catalog, reason) -> change
    create: Callable[[Any, Catalog, str], Any]  # (desired object, desired catalog, reason) -> change
    target: Callable[[Any], Optional[tuple]]  # how others' depends_on name it: (what, schema, name)
    about: Callable[[Any], Optional[Any]]  # the key of the object a change is about (None: another)
    dropped: Callable[[Any], bool]  # whether that change drops it (DropView), not alter it in place


KINDS: list[DependentKind] = []
TOUCHES: list[Callable[[Any], list]] = []


def register_kind(kind: DependentKind) -> None:
    KINDS.append(kind)


def register_touch(touches: Callable[[Any], list]) -> None:
    """``touches(change) -> [Touch, ...]``: what a change does that its dependents must not see."""
    TOUCHES.append(touches)


def with_dependents(changes: list, current: Catalog, desired: Catalog) -> list:
    """``changes`` with each managed live dependent of what they touch dropped before and made
    again after them (a change already planned on such an object in place becomes part of it)."""
    changes, handled = fc.dropped_first(_with_dependents(changes, current, desired))
    return _callers_handled(changes, handled)


def _with_dependents(changes: list, current: Catalog, desired: Catalog) -> list:
    kinds = [k for k in KINDS if k.managed(desired)]
    queue = [t for c in changes for touches in TOUCHES for t in touches(c)]
    if not kinds or not queue:
        return changes
    dropped = {(k.name, k.about(c)) for k in kinds for c in changes if k.about(c) is not None and k.dropped(c)}
    live = {k.name: k.live(current) for k in kinds}
    wanted = {k.name: k.desired(desired) for k in kinds}
    redo: dict = {}
    while queue:
        what, schema, name, column, label = queue.pop(0)
        for kind in kinds:
            for key, obj in live[kind.name].items():
                if (kind.name, key) in redo or (kind.name, key) in dropped or key not in wanted[kind.name]:
                    continue
                if any(ref.touches(what, schema, name, column) for ref in obj.depends_on):
                    redo[(kind.name, key)] = (kind, obj, wanted[kind.name][key], label)
                    target = kind.target(obj)
                    if target is not None:
                        queue.append((*target, None, label))  # a view over it: made again around the same change
    if not redo:
        return changes
    kept = [c for c in changes if not any((k.name, k.about(c)) in redo for k in kinds if k.about(c) is not None)]
    extra = []
    for kind, live, wanted, label in redo.values():
        reason = f"re-created around {label}"
        extra += [kind.drop(live, current, reason), kind.create(wanted, desired, reason)]
    return _callers_handled(kept + extra, {(name, *key) for name, key in redo if name in _CALLER_KINDS})


_CALLER_KINDS = ("default", "constraint", "index", "domain check")


def _callers_handled(changes: list, handled: set) -> list:
    """A function dropped while the plan takes the defaults, checks and indexes calling it off
    is no longer used by them; an enum rebuild no longer remakes a check or index that is
    made again around the function (it would call the function before it exists again)."""
    if not handled:
        return changes
    out = []
    for c in changes:
        # A function the file drops for good is dropped last, after its callers are back.
        attribute = "function" if isinstance(c, fn.DropFunction) and c.reason else "old" if isinstance(c, fn.ReplaceFunction) else None
        f = getattr(c, attribute) if attribute else None
        if f is not None:
            defaults = tuple(u for u in f.default_users if ("default", *u) not in handled)
            tables = tuple(u for u in f.table_users if u not in handled)
            c = replace(c, **{attribute: replace(f, default_users=defaults, table_users=tables)})
        if isinstance(c, ch.RecreateEnum):
            kept = tuple((t, d) for t, d in c.dependents
                         if ("index" if isinstance(d, Index) else "constraint", t.schema, t.name, d.name) not in handled)
            c = replace(c, dependents=kept)
        out.append(c)
    return out


# -- what changes touch ---------------------------------------------------------------------------

def _table_touches(change) -> list:
    if isinstance(change, ch.AlterColumn) and {"type", "collation"} & set(change.changed):
        what = "type" if "type" in change.changed else "collation"
        t = change.table
        return [("column", t.schema, t.name, change.to.name, f"the {what} change of {t}.{change.to.name}")]
    if isinstance(change, ch.DropColumn):
        t = change.table
        return [("column", t.schema, t.name, change.column.name, f"the drop of column {t}.{change.column.name}")]
    if isinstance(change, ch.DropTable):
        t = change.table.qualified
        # Its partitions go with it (DROP TABLE drops them), even one the file keeps under
        # another parent: what is on them is made again too.
        label = f"the drop of table {t}"
        return [("relation", q.schema, q.name, None, label) for q in [t, *pc.all_partitions([change.table])]]
    return []


def _type_touches(change) -> list:
    if isinstance(change, (ch.RecreateEnum, ut.ReplaceDomain)):
        word = "enum" if isinstance(change, ch.RecreateEnum) else "domain"
        old = change.from_.qualified
        label = f"the rebuild of {word} {old}"
        return [("type", old.schema, old.name, None, label)] + [
            ("column", table.schema, table.name, column, label) for table, column, _ in change.columns]
    return []


def _view_touches(change) -> list:
    if isinstance(change, vw.DropView):
        v = change.view
        return [("relation", v.schema, v.name, None, f"the {'re-creation' if change.reason else 'drop'} of {v.kind} {v.qualified}")]
    return []


def _function_touches(change) -> list:
    """A function dropped and made again (its result type changes, say): what calls it goes first."""
    if isinstance(change, (fn.ReplaceFunction, fn.DropFunction)):
        what, schema, signature = change.touches
        verb = "re-creation" if isinstance(change, fn.ReplaceFunction) else "drop"
        return [(what, schema, signature, None, f"the {verb} of function {schema}.{signature}")]
    return []


def _aggregate_touches(change) -> list:
    """An aggregate dropped and made again (its state type changes, say): the views calling it go first."""
    if isinstance(change, (ag.ReplaceAggregate, ag.DropAggregate)):
        what, schema, signature = change.touches
        verb = "re-creation" if isinstance(change, ag.ReplaceAggregate) else "drop"
        return [(what, schema, signature, None, f"the {verb} of aggregate {schema}.{signature}")]
    return []


def _views_kind() -> DependentKind:
    def about(change):
        return change.view_key if type(change).__module__ == vw.__name__ else None

    return DependentKind(
        name="view", managed=lambda c: c.manages_views, live=lambda c: c.view_map(), desired=lambda c: c.view_map(),
        drop=lambda v, cat, reason: vw.DropView(v, vw.live_depths(cat).get(v.qualified, 0), reason),
        create=lambda v, cat, reason: vw.CreateView(v, vw.desired_depths(cat).get(v.qualified, 0), reason),
        target=lambda v: ("relation", v.schema, v.name), about=about,
        dropped=lambda c: isinstance(c, vw.DropView))


def _table_object_kind(name: str, module, attribute: str, managed, drop, create, replace_types) -> DependentKind:
    """Triggers and policies: keyed (schema, table, name), re-made from the file's definition."""
    def about(change):
        if type(change).__module__ != module.__name__:
            return None
        if isinstance(change, replace_types):
            return change.to.key
        obj = getattr(change, name, None)
        return obj.key if obj is not None and hasattr(obj, "key") else None

    def by_key(catalog):
        return {o.key: o for o in getattr(catalog, attribute)}

    return DependentKind(
        name=name, managed=managed, live=by_key, desired=by_key,
        drop=lambda o, cat, reason: drop(o, reason), create=lambda o, cat, reason: create(o, reason),
        target=lambda o: None, about=about, dropped=lambda c: isinstance(c, drop))


def _uses_a_view(f, catalog: Catalog) -> bool:
    views = {(v.schema, v.name) for v in catalog.views}
    return any((r.schema, r.name) in views for r in f.depends_on)


def _functions_kind() -> DependentKind:
    """A function whose arguments or result use a type that is rebuilt (an enum losing a
    label, a view's row type): dropped first, made again once the new type exists, after the
    tables (after the views when it uses one)."""
    def about(change):
        if isinstance(change, (fn.CreateFunction, fn.DropFunction)):
            return change.function.key
        if isinstance(change, fn.ChangeFunction):
            return change.to.key
        return change.old.key if isinstance(change, fn.ReplaceFunction) else None

    return DependentKind(
        name="function", managed=lambda c: c.manages_functions or c.manages_procedures,
        live=lambda c: c.function_map(), desired=lambda c: c.function_map(),
        drop=lambda f, cat, reason: fn.DropFunction(f, reason=reason, before_views=_uses_a_view(f, cat)),
        create=lambda f, cat, reason: fn.CreateFunction(f, reason, after_tables=True, after_views=fn.reads_views(f, cat)),
        target=lambda f: ("function", f.schema, f.signature), about=about,
        dropped=lambda c: isinstance(c, (fn.DropFunction, fn.ReplaceFunction)))


@dataclass(frozen=True)
class ColumnDefault:
    """A column's default, as a dependent: live ones know the functions they call."""

    table: QualifiedName
    column: str
    default: Optional[str]
    depends_on: tuple = ()


def _live_defaults(catalog: Catalog) -> dict:
    calls: dict = {}
    for f in catalog.functions:
        for schema, table, column in f.default_users:
            calls.setdefault((schema, table, column), []).append(Reference("function", f.schema, f.signature))
    return {key: ColumnDefault(QualifiedName(key[0], key[1]), key[2], None, tuple(refs)) for key, refs in calls.items()}


def _desired_defaults(catalog: Catalog) -> dict:
    return {(t.schema, t.name, c.name): ColumnDefault(t.qualified, c.name, c.default)
            for t in catalog.tables for c in t.columns if c.default is not None}


def _defaults_kind() -> DependentKind:
    """A column default calling a function that is dropped and made again (its argument's enum
    is rebuilt, its result type changes): taken off before, put back from the file after."""
    def about(change):
        if isinstance(change, (fc.DropColumnDefault, fc.SetColumnDefault)):
            return (change.table.schema, change.table.name, change.column)
        return None

    return DependentKind(
        name="default", managed=lambda c: c.manages_functions or c.manages_procedures,
        live=_live_defaults, desired=_desired_defaults,
        drop=lambda d, cat, reason: fc.DropColumnDefault(d.table, d.column, reason),
        create=lambda d, cat, reason: fc.SetColumnDefault(d.table, d.column, d.default, reason),
        target=lambda d: None, about=about, dropped=lambda c: isinstance(c, fc.DropColumnDefault))


def _caller_kind(what: str, drop, create, changes: tuple) -> DependentKind:
    """A table check or exclusion constraint (``what`` "constraint"), an index or a domain check
    calling a function that is dropped and made again: dropped before, made again from the file
    after; a change the diff planned on it becomes part of that."""
    def about(change):
        if not isinstance(change, changes):
            return None
        obj = getattr(change, {"index": "index", "constraint": "constraint"}.get(what, "check"))
        if what == "constraint" and not isinstance(obj, (CheckConstraint, ExclusionConstraint)):
            return None
        owner = change.domain if what == "domain check" else change.table
        return (owner.schema, owner.name, obj.name)

    return DependentKind(
        name=what, managed=lambda c: c.manages_functions or c.manages_procedures,
        live=lambda c: fc.live_callers(what, c), desired=lambda c: fc.desired_callers(what, c),
        drop=lambda d, cat, reason: drop(d.owner, d.obj, reason),
        create=lambda d, cat, reason: create(d.owner, d.obj, reason, *(
            (ut.indirect_columns(d.owner, cat),) if what == "domain check" else ())),
        target=lambda d: None, about=about, dropped=lambda c: isinstance(c, drop))


register_kind(_views_kind())
register_kind(_defaults_kind())
register_kind(_caller_kind("constraint", fc.DropCallingConstraint, fc.AddCallingConstraint,
                           (ch.AddConstraint, ch.DropConstraint, ch.ValidateConstraint,
                            fc.DropCallingConstraint, fc.AddCallingConstraint)))
register_kind(_caller_kind("index", fc.DropCallingIndex, fc.AddCallingIndex,
                           (ch.AddIndex, ch.DropIndex, fc.DropCallingIndex, fc.AddCallingIndex)))
register_kind(_caller_kind("domain check", fc.DropCallingDomainCheck, fc.AddCallingDomainCheck,
                           (ut.AddDomainCheck, ut.DropDomainCheck, ut.ValidateDomainCheck,
                            fc.DropCallingDomainCheck, fc.AddCallingDomainCheck)))
register_kind(_functions_kind())
register_kind(_table_object_kind("trigger", tg, "triggers", lambda c: c.manages_triggers, tg.DropTrigger,
                                 tg.CreateTrigger, (tg.ReplaceTrigger,)))
register_kind(_table_object_kind("policy", sec, "policies", lambda c: c.manages_policies, sec.DropPolicy,
                                 sec.CreatePolicy, (sec.ReplacePolicy,)))
register_touch(_table_touches)
register_touch(_type_touches)
register_touch(_view_touches)
register_touch(_function_touches)
register_touch(_aggregate_touches)

__all__ = ["DependentKind", "KINDS", "TOUCHES", "Touch", "register_kind", "register_touch", "with_dependents"]
