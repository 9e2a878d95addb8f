"""Changes inside one table that exists on both sides: columns, constraints, indexes, comment."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Sequence

from ..model import CheckConstraint, Column, Constraint, ExclusionConstraint, ForeignKey, Index, QualifiedName, Table
from ..pg import normalize
from ..pg.compare import same_index  # noqa: F401  (here too: diff.types and diff.views import it from here)
from ..pg.index_keys import comparable
from .changes import (
    AddColumn, AddConstraint, AddIndex, AlterColumn, AlterConstraintTiming, Change, DropColumn, DropConstraint, DropIndex,
    RenameColumn, RenameConstraint, RenameIndex, SetTableComment, ValidateConstraint,
)
from .comments import diff_table_comments
from .keyed import _by_name, _old_name, keyed_diff, match_renames
from .table_details import alter_generation, diff_table_details, generation_changed, rebuild_generated


def diff_table(current: Table, desired: Table, old_name: str | None = None) -> list[Change]:
    """Changes inside one table that exists on both sides (``old_name``: it is being renamed)."""
    key = desired.qualified
    changes: list[Change] = []
    if (current.comment or None) != (desired.comment or None):
        changes.append(SetTableComment(key, current.comment, desired.comment))
    changes += _diff_columns(key, current, desired)
    current = _with_renamed_columns(current, desired)
    current, rebuilt = _rebuild_for_retyped(key, current, changes)
    changes += rebuilt
    if old_name:
        desired = _implied_renames(current, desired, old_name)
    changes += _diff_constraints(key, current, desired)
    changes += _diff_indexes(key, current, desired)
    changes += diff_table_details(current, desired, changes)
    changes += diff_table_comments(current, desired, changes)
    return changes


def _rebuild_for_retyped(key: QualifiedName, current: Table, changes: list) -> tuple[Table, list[Change]]:
    """Checks and expression/partial indexes that mention a column whose type changes are
    dropped and created again from the file: PostgreSQL would re-parse them against the new
    type itself (``"n" >= 0`` on numeric becomes ``"n"::numeric >= 0::numeric`` on
    integer), leaving text that differs from the file until a second apply."""
    retyped = [c.to.name for c in changes if isinstance(c, AlterColumn) and "type" in c.changed]
    if not retyped:
        return current, []
    stale_checks, stale_indexes = mentioning(current, retyped)
    rebuilt: list[Change] = [DropConstraint(key, c) for c in stale_checks]
    rebuilt += [DropIndex(key, i) for i in stale_indexes]
    current = replace(current, checks=tuple(c for c in current.checks if c not in stale_checks),
                      indexes=tuple(i for i in current.indexes if i not in stale_indexes))
    return current, rebuilt


def mentioning(table: Table, columns: Sequence[str]) -> tuple[list[CheckConstraint], list[Index]]:
    """The checks, and the partial or expression indexes, of ``table`` whose text names one of
    ``columns`` (PostgreSQL re-parses those when the column's type changes)."""
    from ..pg.naming import quote_ident

    patterns = [re.compile(rf'(?<![\w."]){re.escape(quote_ident(n))}(?![\w"(])') for n in columns]

    def mentions(*texts) -> bool:
        return any(p.search(t) for t in texts if t for p in patterns)

    checks = [c for c in table.checks if mentions(c.expression)]
    indexes = [i for i in table.indexes if mentions(i.where, *(k for k in i.keys if _is_expression_key(k)))]
    return checks, indexes


def _is_expression_key(key: str) -> bool:
    """Whether an index key is an expression rather than a (possibly quoted) column."""
    from ..pg.index_keys import parse

    bare = parse(key).head
    return not re.fullmatch(r'[a-z_][a-z0-9_$]*|"(?:[^"]|"")+"', bare)


def _with_renamed_columns(current: Table, desired: Table) -> Table:
    """``current`` as it reads once column renames are done: keys and expressions of its
    constraints and indexes name the new columns, so they compare equal and are kept."""
    have = {c.name for c in current.columns}
    renames = {c.renamed_from: c.name for c in desired.columns
               if c.renamed_from and c.renamed_from in have and c.name not in have}
    if not renames:
        return current
    from ..pg.naming import quote_ident

    def cols(names):
        return tuple(renames.get(n, n) for n in names)

    def expr(text):
        if text is None:
            return None
        out = text
        for old, new in renames.items():
            out = re.sub(rf'(?<![\w."]){re.escape(quote_ident(old))}(?![\w"(])', quote_ident(new), out)
        return out

    return replace(
        current,
        primary_key=replace(current.primary_key, columns=cols(current.primary_key.columns),
                            include=cols(current.primary_key.include)) if current.primary_key else None,
        uniques=tuple(replace(u, columns=cols(u.columns), include=cols(u.include)) for u in current.uniques),
        foreign_keys=tuple(replace(f, columns=cols(f.columns)) for f in current.foreign_keys),
        checks=tuple(replace(c, expression=expr(c.expression)) for c in current.checks),
        exclusions=tuple(replace(x, elements=tuple((expr(k), op) for k, op in x.elements), include=cols(x.include),
                                 where=expr(x.where)) for x in current.exclusions),
        indexes=tuple(replace(i, keys=tuple(expr(k) for k in i.keys), include=cols(i.include), where=expr(i.where))
                      for i in current.indexes),
    )


def _implied_renames(current: Table, desired: Table, old_name: str) -> Table:
    """A renamed table keeps its constraint and index names (``customers_pkey``) while the file,
    naming them by default, expects ``clients_pkey``: treat those as renames, not drop + add."""
    have = {o.name for o in (*current.constraints, *current.indexes)}
    prefix = desired.name + "_"

    def hinted(obj):
        if obj.renamed_from or obj.name in have or not obj.name.startswith(prefix):
            return obj
        old = old_name + "_" + obj.name[len(prefix):]
        return replace(obj, renamed_from=old) if old in have else obj

    return replace(
        desired,
        primary_key=hinted(desired.primary_key) if desired.primary_key else None,
        uniques=tuple(map(hinted, desired.uniques)), foreign_keys=tuple(map(hinted, desired.foreign_keys)),
        checks=tuple(map(hinted, desired.checks)), indexes=tuple(map(hinted, desired.indexes)),
        exclusions=tuple(map(hinted, desired.exclusions)),
    )


def _diff_columns(key: QualifiedName, current: Table, desired: Table) -> list[Change]:
    cur, renames = match_renames(_by_name(current.columns), _by_name(desired.columns), _old_name)
    changes: list[Change] = [RenameColumn(key, old, new) for old, new in renames]
    want = _by_name(desired.columns)
    added, removed, common = keyed_diff(cur, want)
    changes += [AddColumn(key, want[name]) for name in added]
    changes += [DropColumn(key, cur[name]) for name in removed]
    changes += _alter_columns(key, cur, want, common, desired)
    return rebuild_generated(key, current, desired, changes)


def _alter_columns(key: QualifiedName, cur: dict, want: dict, common, desired: Table) -> list[Change]:
    changes: list[Change] = []
    for name in common:
        before = cur[name]
        if before.name != name:  # renamed: compare under the new name
            before = replace(before, name=name)
        if generation_changed(before, want[name]):  # carries the column's other changes too
            changes.append(alter_generation(key, before, want[name], desired))
        elif not same_column(before, want[name]):
            changes.append(AlterColumn(key, before, want[name]))
    return changes


def same_column(a: Column, b: Column) -> bool:
    return (
        a.type == b.type and a.nullable == b.nullable and a.identity == b.identity
        and a.identity_options == b.identity_options
        and a.serial == b.serial and (a.comment or None) == (b.comment or None)
        and normalize.expression(a.default) == normalize.expression(b.default)
        and (a.collation, a.storage, a.compression) == (b.collation, b.storage, b.compression)
        and normalize.expression(a.generated) == normalize.expression(b.generated)
    )


def _diff_constraints(key: QualifiedName, current: Table, desired: Table) -> list[Change]:
    return _diff_named(key, current.constraints, desired.constraints, same_constraint,
                       RenameConstraint, DropConstraint, AddConstraint, alter=_retimed) + _validations(key, current, desired)


def _retimed(key: QualifiedName, before: Constraint, after: Constraint):
    """A foreign key that differs only in DEFERRABLE / INITIALLY DEFERRED is altered in place;
    keys and exclusions have no such ALTER and are dropped and added."""
    if isinstance(before, ForeignKey) and isinstance(after, ForeignKey) and same_foreign_key_but_timing(before, after):
        return AlterConstraintTiming(key, before, after)
    return None


def _validations(key: QualifiedName, current: Table, desired: Table) -> list[Change]:
    """Kept checks and foreign keys that are NOT VALID while the file wants them valid (one
    that changed is dropped and added anew instead). A valid one satisfies ``not_valid:
    true``: PostgreSQL cannot make a constraint NOT VALID again, nor is there a reason to."""
    cur, _ = match_renames(_by_name(current.constraints), _by_name(desired.constraints), _old_name)
    return [ValidateConstraint(key, want) for want in desired.foreign_keys + desired.checks
            if want.validated and want.name in cur and not cur[want.name].validated
            and (same_constraint(cur[want.name], want) or _retimed(key, cur[want.name], want))]


def same_constraint(a: Constraint, b: Constraint) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, CheckConstraint):
        return normalize.expression(a.expression) == normalize.expression(b.expression) and a.no_inherit == b.no_inherit
    if isinstance(a, ForeignKey):
        return same_foreign_key_but_timing(a, b) and _timing(a) == _timing(b)
    if isinstance(a, ExclusionConstraint):
        return _exclusion_shape(a) == _exclusion_shape(b) and _timing(a) == _timing(b)
    return a.columns == b.columns and _timing(a) == _timing(b) and a.include == b.include \
        and comparable(a.parameters) == comparable(b.parameters) \
        and getattr(a, "nulls_not_distinct", False) == getattr(b, "nulls_not_distinct", False)


def same_foreign_key_but_timing(a: ForeignKey, b: ForeignKey) -> bool:
    """Equal but for DEFERRABLE / INITIALLY DEFERRED, which ALTER CONSTRAINT changes in place."""
    return (a.columns, a.ref_table, a.ref_columns, a.on_delete, a.on_delete_columns, a.on_update) == \
        (b.columns, b.ref_table, b.ref_columns, b.on_delete, b.on_delete_columns, b.on_update)


def _timing(constraint) -> tuple:
    return constraint.deferrable, constraint.deferrable and constraint.initially_deferred


def _exclusion_shape(x: ExclusionConstraint) -> tuple:
    elements = tuple((normalize.index_key(k), op.strip()) for k, op in x.elements)
    return elements, x.method, x.include, comparable(x.parameters), normalize.expression(x.where)


def _diff_indexes(key: QualifiedName, current: Table, desired: Table) -> list[Change]:
    # An INVALID index (an interrupted concurrent build) is rebuilt even when it matches.
    return _diff_named(key, current.indexes, desired.indexes, lambda a, b: a.valid and same_index(a, b),
                       RenameIndex, DropIndex, AddIndex)


def _diff_named(key: QualifiedName, current, desired, same: Callable, rename, drop, add, alter=None) -> list[Change]:
    """Named objects of one table (constraints, indexes): renames first, then drops, drop +
    add for the changed, and adds."""
    cur, renames = match_renames(_by_name(current), _by_name(desired), _old_name)
    changes: list[Change] = [rename(key, old, new) for old, new in renames]
    want = _by_name(desired)
    added, removed, common = keyed_diff(cur, want)
    changes += [drop(key, cur[name]) for name in removed]
    for name in common:
        altered = alter and not same(cur[name], want[name]) and alter(key, replace(cur[name], name=name), want[name])
        if altered:
            changes.append(altered)
        elif not same(cur[name], want[name]):
            changes.append(drop(key, replace(cur[name], name=name)))
            changes.append(add(key, want[name]))
    changes += [add(key, want[name]) for name in added]
    return changes
