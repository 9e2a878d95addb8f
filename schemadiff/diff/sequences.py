"""Sequences: created, dropped, renamed, or altered in place (type, options, owner, comment).

A ``serial`` column stands for the sequence it owns, so on either side its implied sequence
takes part in the match: a serial column turned into an explicit sequence (or back) alters
that one sequence, which keeps its position, instead of dropping it and creating another."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from ..model import Catalog, QualifiedName, Sequence
from ..model.sequences import is_serial_of, serial_sequence
from ..pg.normalize import nextval_default, nextval_target
from .keyed import keyed_diff, match_renames


@dataclass(frozen=True)
class CreateSequence:
    """Create a sequence (its owner is set once the owning column exists)."""
    sequence: Sequence


@dataclass(frozen=True)
class DropSequence:
    """Drop a sequence and its position."""
    sequence: Sequence


@dataclass(frozen=True)
class RenameSequence:
    """Rename a sequence (``renamed_from``)."""
    old: QualifiedName
    new: QualifiedName


@dataclass(frozen=True)
class AlterSequence:
    """Change a sequence's type, options, owner or comment, never its position."""
    from_: Sequence
    to: Sequence

    @property
    def changed(self) -> tuple[str, ...]:
        fields = [f for f in ("type", "options", "owned_by", "comment") if getattr(self.from_, f) != getattr(self.to, f)]
        return tuple(fields)


def diff_sequences(current: Catalog, desired: Catalog) -> list:
    """Changes to sequences; ``current`` is read with :func:`settle_sequences` already applied."""
    cur_implied, want_implied = _implied(current), _implied(desired)
    cur = {**cur_implied, **current.sequence_map()}
    want = {**want_implied, **desired.sequence_map()}
    cur, renames = match_renames(cur, want, _old_key)
    changes: list = [RenameSequence(old, new) for old, new in renames]
    added, removed, common = keyed_diff(cur, want)
    kept_columns = _kept_columns(desired)
    for key in added:
        if key in want_implied:
            continue  # the serial column creates it
        changes.append(CreateSequence(replace(want[key], owned_by=None)))
        if want[key].owned_by:
            changes.append(AlterSequence(replace(want[key], owned_by=None), want[key]))
    for key in removed:
        owner = cur[key].owned_by
        kept = kept_columns.get((QualifiedName(*owner[:2]), owner[2])) if owner else None
        if key in cur_implied and (kept is None or kept.serial):
            continue  # dropped with its column, or still the (renamed) serial column's own
        changes.append(DropSequence(cur[key]))
    for key in common:
        if key in cur_implied and key in want_implied:
            continue  # serial on both sides: the column's own change keeps its sequence in step
        before = replace(cur[key], schema=key.schema, name=key.name)
        if before != want[key]:
            changes.append(AlterSequence(before, want[key]))
    return changes


def _kept_columns(desired: Catalog) -> dict:
    """The file's columns by (table, column), under their current names too when the file
    renames the table or the column."""
    kept = {}
    for table in desired.tables:
        old_table = QualifiedName(table.schema, table.renamed_from or table.name)
        for column in table.columns:
            kept[(table.qualified, column.name)] = kept[(old_table, column.renamed_from or column.name)] = column
    return kept


def settle_sequences(current: Catalog, desired: Catalog) -> Catalog:
    """``current`` as the diff should see it: serial columns of renamed tables (see
    :func:`settle_serials`), and defaults that will follow a sequence rename on their own
    (they hold the sequence's OID, not its name) already naming the new one."""
    return _follow_renames(settle_serials(current, desired), desired)


def _follow_renames(current: Catalog, desired: Catalog) -> Catalog:
    have = current.sequence_map()
    renames = {QualifiedName(k.schema, s.renamed_from): k for k, s in desired.sequence_map().items()
               if s.renamed_from and k not in have and QualifiedName(k.schema, s.renamed_from) in have}
    if not renames:
        return current

    def followed(column):
        new = renames.get(nextval_target(column.default))
        return replace(column, default=nextval_default(new)) if new else column

    return replace(current, tables=tuple(replace(t, columns=tuple(map(followed, t.columns))) for t in current.tables))


def settle_serials(current: Catalog, desired: Catalog) -> Catalog:
    """``current`` with a column read as ``serial`` where the file declares it serial and its
    sequence is serial's but for the name (the table was renamed after it was made): that
    column is serial as far as anyone can tell, and renaming its sequence is not asked for."""
    wanted = {(t.qualified, c.name) for t in desired.tables for c in t.columns if c.serial}
    if not wanted or not current.sequences:
        return current
    sequences = current.sequence_map()
    settled_tables, absorbed = [], set()
    for table in current.tables:
        columns = []
        for column in table.columns:
            sequence = sequences.get(nextval_target(column.default)) if (table.qualified, column.name) in wanted else None
            if sequence is not None and is_serial_of(sequence, table.qualified, column, by_name=False):
                absorbed.add(sequence.qualified)
                column = replace(column, serial=True, default=None)
            columns.append(column)
        changed = any(a is not b for a, b in zip(columns, table.columns))
        settled_tables.append(replace(table, columns=tuple(columns)) if changed else table)
    if not absorbed:
        return current
    return replace(current, tables=tuple(settled_tables),
                   sequences=tuple(s for s in current.sequences if s.qualified not in absorbed))


def _implied(catalog: Catalog) -> dict:
    return {s.qualified: s for s in (serial_sequence(t.qualified, c) for t in catalog.tables for c in t.columns if c.serial)}


def _old_key(key: QualifiedName, sequence: Sequence) -> Optional[QualifiedName]:
    return QualifiedName(key.schema, sequence.renamed_from) if sequence.renamed_from else None
