"""Declarative partitioning: a partitioned table's key and its partitions, nested under it.

A partition is not a table of its own in the model: its columns, keys and indexes come from
its parent (PostgreSQL clones them), so it is written as a name, a bound and what it may add
(a comment, storage parameters, a key of its own when it is itself partitioned, and what a
partition has of its own: indexes, checks, a column default or NOT NULL its parent lacks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .names import QualifiedName
from .tables import CheckConstraint, Index

DEFAULT_BOUND = "DEFAULT"


@dataclass(frozen=True)
class PartitionColumn:
    """A partition's own default or NOT NULL on a column of its parent (what differs from it)."""

    name: str
    default: Optional[str] = None
    not_null: bool = False


@dataclass(frozen=True)
class Partition:
    """One partition: ``bound`` as ``pg_get_expr(relpartbound)`` prints it
    (``FOR VALUES FROM (…) TO (…)``, ``FOR VALUES IN (…)``, ``FOR VALUES WITH (…)``, ``DEFAULT``)."""

    schema: str
    name: str
    bound: str
    comment: Optional[str] = None
    partition_by: Optional[str] = None  # set when it is partitioned in turn
    partitions: tuple["Partition", ...] = ()
    # `partitions: external`: its partitions belong to someone else (pg_partman, a cron job).
    partitions_external: bool = field(default=False, compare=False)
    parameters: tuple[tuple[str, str], ...] = ()  # its own storage parameters (WITH), as Table's
    indexes: tuple[Index, ...] = ()  # its own, not the clones of its parent's
    checks: tuple[CheckConstraint, ...] = ()  # its own, not those it inherits
    columns: tuple[PartitionColumn, ...] = ()  # its own defaults and NOT NULLs, by column name

    @property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)


def partition_tree(partitions: tuple) -> list[Partition]:
    """Every partition below, depth first: a partition before its own partitions."""
    out = []
    for partition in partitions:
        out.append(partition)
        out += partition_tree(partition.partitions)
    return out


def all_partitions(tables) -> dict:
    """Every partition of ``tables``, at any depth, by qualified name → (parent, partition)."""
    out = {}

    def walk(parent: QualifiedName, partitions: tuple):
        for p in partitions:
            out[p.qualified] = (parent, p)
            walk(p.qualified, p.partitions)

    for table in tables:
        walk(table.qualified, table.partitions)
    return out
