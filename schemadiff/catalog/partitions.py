"""Rows of the partitions query → each partitioned table's key and its tree of partitions;
and the server's reading of the file's keys and bounds where their text differs."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from ..model import Catalog, QualifiedName, Table
from ..model.partitions import Partition, PartitionColumn
from ..pg import normalize
from ..pg.compare import same_bound, same_key
from ..pg.naming import quote_ident
from .tables import _parameter, _TableBuilder
from .probes import rolled_back, succeeds


def partition_builders(rows) -> dict:
    """A scratch builder per partition, for the table readers to attach its own indexes and checks to."""
    return {QualifiedName(row[0], row[1]): _TableBuilder(row[0], row[1], None) for row in rows if row[4] is not None}


def with_partitions(tables: list[Table], rows, own: Optional[dict] = None) -> list[Table]:
    """``tables`` with their partition key and partitions (nested, sub-partitions included);
    ``own``: the partition builders holding each partition's own indexes and checks."""
    keys, children, own = {}, {}, own or {}
    for schema, name, partition_by, parent_schema, parent_name, bound, comment, parameters, columns in rows:
        me = QualifiedName(schema, name)
        keys[me] = partition_by
        if parent_name is not None:
            children.setdefault(QualifiedName(parent_schema, parent_name), []).append(
                (me, bound, comment, parameters, columns))

    def partitions_of(parent: QualifiedName) -> tuple:
        return tuple(
            Partition(schema=me.schema, name=me.name, bound=bound, comment=comment,
                      partition_by=keys.get(me), partitions=partitions_of(me),
                      parameters=tuple(sorted(_parameter(p) for p in parameters or ())),
                      indexes=tuple(own[me].indexes) if me in own else (),
                      checks=tuple(own[me].checks) if me in own else (),
                      columns=tuple(PartitionColumn(*c) for c in columns or ()))
            for me, bound, comment, parameters, columns in children.get(parent, ())
        )

    return [replace(t, partition_by=keys[t.qualified], partitions=partitions_of(t.qualified))
            if keys.get(t.qualified) else t for t in tables]


def settle_partitions(conn, current: Catalog, desired: Catalog) -> Catalog:
    """``desired`` with each partition key and bound the server reads as the live one replaced
    by the live text: ``FROM ('2024-01-01')`` on a timestamptz key is printed
    ``FROM ('2024-01-01 00:00:00+00')``, in the session's time zone. Asked on scratch temporary
    tables in a transaction that is always rolled back; nothing is asked when texts agree."""
    live = current.table_map()
    work = [(t, live[t.qualified]) for t in desired.tables
            if t.partition_by and t.qualified in live and live[t.qualified].partition_by]
    work = [(t, old) for t, old in work if _differs(t, old)]
    if not work:
        return desired
    try:
        answers = rolled_back(conn, work, lambda i, pair: _settle_table(_Probe(conn, pair[0], i), *pair))
    except Exception:  # a read-only standby, no TEMP privilege: compare textually only
        return desired
    settled = {work[i][0].qualified: table for i, table in answers.items()}
    return replace(desired, tables=tuple(settled.get(t.qualified, t) for t in desired.tables))


def _differs(new, old) -> bool:
    if not same_key(new.partition_by, old.partition_by):
        return True
    live = {p.qualified: p for p in old.partitions}
    return any(p.qualified in live and (not same_bound(p.bound, live[p.qualified].bound) or _differs_below(p, live[p.qualified]))
               for p in new.partitions)


def _differs_below(new: Partition, old: Partition) -> bool:
    return bool(new.partition_by and old.partition_by) and _differs(new, old)


class _Probe:
    """Scratch partitioned tables with the columns of one table, each under a fresh name."""

    def __init__(self, conn, table: Table, number: int):
        self.conn, self.columns, self.prefix, self.count = conn, table.columns, f"schemadiff_part_{number}", 0

    def key(self, key: str) -> Optional[str]:
        name = self.parent(key)
        return self.read(f"SELECT pg_get_partkeydef('pg_temp.{name}'::regclass)") if name else None

    def bound(self, key: str, bound: str) -> Optional[str]:
        parent = self.parent(key)
        child = f"{parent}_p"
        if parent and succeeds(self.conn, f"CREATE TEMP TABLE {child} PARTITION OF {parent} {bound}"):
            return self.read(f"SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = 'pg_temp.{child}'::regclass")
        return None

    def parent(self, key: str) -> Optional[str]:
        self.count += 1
        name = f"{self.prefix}_{self.count}"
        columns = ", ".join(f"{quote_ident(c.name)} {c.type}" for c in self.columns)
        return name if succeeds(self.conn, f"CREATE TEMP TABLE {name} ({columns}) PARTITION BY {key}") else None

    def read(self, sql: str) -> Optional[str]:
        row = self.conn.execute(sql).fetchone()
        return row[0] if row else None


def _settle_table(probe: _Probe, table, old):
    """``table`` (or a partition) with the live key and bounds wherever the server agrees."""
    key = table.partition_by
    if not same_key(key, old.partition_by) and _same_text(probe.key(key), old.partition_by):
        key = old.partition_by
    live = {p.qualified: p for p in old.partitions}
    partitions = []
    for p in table.partitions:
        was = live.get(p.qualified)
        if was is not None and not same_bound(p.bound, was.bound) and _same_text(probe.bound(key, p.bound), was.bound):
            p = replace(p, bound=was.bound)
        if was is not None and p.partition_by and was.partition_by:
            p = _settle_table(probe, p, was)
        partitions.append(p)
    return replace(table, partition_by=key, partitions=tuple(partitions))


def _same_text(a: Optional[str], b: Optional[str]) -> bool:
    return a is not None and normalize.expression(a) == normalize.expression(b)
