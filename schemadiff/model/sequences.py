"""Sequences: standalone or shared ones (``sequences:``), and the options of a sequence, which
identity columns carry too.

Options are kept resolved (PostgreSQL's defaults filled in for the type and direction), so a
file that leaves them out and a catalog that lists them compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

from .names import QualifiedName

TYPE_RANGES = {"smallint": (-32768, 32767), "integer": (-2147483648, 2147483647),
               "bigint": (-9223372036854775808, 9223372036854775807)}


@dataclass(frozen=True)
class SequenceOptions:
    """START, INCREMENT, MINVALUE, MAXVALUE, CACHE and CYCLE of a sequence, all resolved."""

    start: int
    increment: int
    minimum: int
    maximum: int
    cache: int = 1
    cycle: bool = False


def resolve_options(type_: str, start: Optional[int] = None, increment: Optional[int] = None,
                    minimum: Optional[int] = None, maximum: Optional[int] = None,
                    cache: Optional[int] = None, cycle: Optional[bool] = None) -> SequenceOptions:
    """The options PostgreSQL gives a sequence of ``type_`` when only those given are set."""
    low, high = TYPE_RANGES.get(type_, TYPE_RANGES["bigint"])
    increment = 1 if increment is None else increment
    if minimum is None:
        minimum = 1 if increment > 0 else low
    if maximum is None:
        maximum = high if increment > 0 else -1
    if start is None:
        start = minimum if increment > 0 else maximum
    return SequenceOptions(start, increment, minimum, maximum, 1 if cache is None else cache, bool(cycle))


@dataclass(frozen=True)
class Sequence:
    """A sequence that is not an identity column's own; ``owned_by`` is (schema, table,
    column) when dropping that column drops the sequence."""

    schema: str
    name: str
    type: str = "bigint"
    options: SequenceOptions = field(default_factory=lambda: resolve_options("bigint"))
    owned_by: Optional[tuple[str, str, str]] = None
    comment: Optional[str] = None
    renamed_from: Optional[str] = field(default=None, compare=False)

    @cached_property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)


def serial_sequence_name(table: QualifiedName, column: str) -> QualifiedName:
    """The sequence ``serial`` creates for ``table.column``."""
    from ..pg.naming import make_object_name

    return QualifiedName(table.schema, make_object_name(table.name, column, "seq"))


def serial_sequence(table: QualifiedName, column) -> Sequence:
    """Exactly the sequence a ``serial`` (``smallserial``, ``bigserial``) column owns."""
    name = serial_sequence_name(table, column.name)
    return Sequence(name.schema, name.name, column.type, resolve_options(column.type),
                    owned_by=(table.schema, table.name, column.name))


def is_serial_of(sequence: Sequence, table: QualifiedName, column, *, by_name: bool = True) -> bool:
    """Whether ``sequence`` is what ``serial`` would have made for ``column`` (feeding it, NOT
    NULL, same type, default options, no comment), and so can be written as ``serial``
    without losing anything; ``by_name`` also asks for the name serial gives."""
    from ..pg.normalize import nextval_target

    expected = serial_sequence(table, column)
    return (column.identity is None and not column.nullable and column.type in TYPE_RANGES
            and nextval_target(column.default) == sequence.qualified
            and sequence.type == expected.type and sequence.options == expected.options
            and sequence.owned_by == expected.owned_by and sequence.comment is None
            and (not by_name or sequence.qualified == expected.qualified))
