"""Rows of the sequence query → standalone sequences, identity options on their columns, and
``serial`` read only where the sequence is exactly what ``serial`` makes."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from ..model import QualifiedName, Sequence
from ..model.sequences import SequenceOptions, is_serial_of, resolve_options


def attach_sequences(tables: dict, rows, excluded: Iterable[QualifiedName] = ()) -> list[Sequence]:
    """Give identity columns of ``tables`` (builders by name) their options, turn columns fed
    by a serial-shaped sequence into ``serial``, and return every other sequence (those owned
    by an ``excluded`` table left out with it)."""
    excluded = set(excluded)
    out = []
    for (schema, name, type_, start, increment, minimum, maximum, cache, cycle, identity,
         owner_schema, owner_table, owner_column, comment) in rows:
        options = SequenceOptions(start, increment, minimum, maximum, cache, cycle)
        owner = QualifiedName(owner_schema, owner_table) if owner_table is not None else None
        if owner in excluded:
            continue
        builder = tables.get(owner)
        if identity:
            if builder is not None:
                _set_identity_options(builder, owner_column, options)
            continue
        sequence = Sequence(schema, name, type_, options,
                            owned_by=(owner_schema, owner_table, owner_column) if owner else None, comment=comment)
        if builder is None or not _absorbed_as_serial(builder, owner, sequence):
            out.append(sequence)
    return out


def _set_identity_options(builder, column_name: str, options: SequenceOptions) -> None:
    for i, column in enumerate(builder.columns):
        if column.name == column_name and options != resolve_options(column.type):
            builder.columns[i] = replace(column, identity_options=options)


def _absorbed_as_serial(builder, table: QualifiedName, sequence: Sequence) -> bool:
    """Whether the owning column reads as ``serial`` (then it stands for the sequence)."""
    for i, column in enumerate(builder.columns):
        if column.name == sequence.owned_by[2] and is_serial_of(sequence, table, column):
            builder.columns[i] = replace(column, serial=True, default=None)
            return True
    return False
