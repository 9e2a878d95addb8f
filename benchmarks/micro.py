"""diff + plan alone on in-memory catalogs (no YAML, no database): the engine's own cost.

    .venv/bin/python benchmarks/micro.py --tables 10000 [--runs 5]

prints one JSON line: the median seconds of diff+build_plan for an unchanged and a 5%-changed
twin of ``--tables`` tables built directly as model objects.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace

from schemadiff.diff import diff
from schemadiff.model import (
    CheckConstraint, Column, ForeignKey, Index, PrimaryKey, QualifiedName, Table, sorted_catalog,
)
from schemadiff.plan import build_plan


def table(i: int, live: bool = True) -> Table:
    """One table as the catalog prints it (``live``) or as a person writes it in YAML."""
    name = f"t_{i:05d}"
    parent = QualifiedName("public", f"t_{max(i - 1, 0):05d}")
    columns = (
        Column("id", "bigint", nullable=False, serial=True),
        Column("parent_id", "bigint"),
        Column("name", "character varying(200)", nullable=False),
        Column("status", "character varying(20)", nullable=False, default="'active'::character varying" if live else "'active'"),
        Column("amount", "numeric(12,2)", nullable=False, default="0"),
        Column("payload", "jsonb", nullable=False, default="'{}'::jsonb"),
        Column("created_at", "timestamp with time zone", nullable=False, default="CURRENT_TIMESTAMP"),
        Column("deleted_at", "timestamp with time zone"),
        Column("ref_id", "bigint"),
        Column("score", "integer", nullable=False, default="0"),
    )
    return Table(
        schema="public", name=name, columns=columns,
        primary_key=PrimaryKey(f"{name}_pkey", ("id",)),
        foreign_keys=(ForeignKey(f"{name}_parent_id_fkey", ("parent_id",), parent, ("id",), on_delete="cascade"),),
        checks=(CheckConstraint(f"{name}_amount_check", "amount >= (0)::numeric" if live else "amount >= 0"),),
        indexes=(
            Index(f"{name}_created_at_idx", ("created_at",)),
            Index(f"{name}_status_live_idx", ("status",), where="deleted_at IS NULL"),
            Index(f"{name}_payload_gin", ("payload",), method="gin"),
            Index(f"{name}_parent_id_idx", ("parent_id DESC",)),
        ),
        comment=f"table {i}",
    )


def altered(t: Table) -> Table:
    columns = tuple(replace(c, default="'pending'::character varying") if c.name == "status" else c for c in t.columns)
    return replace(
        t, columns=columns + (Column("archived_note", "text"),),
        indexes=t.indexes[1:],
        foreign_keys=t.foreign_keys + (ForeignKey(f"{t.name}_ref_id_fkey", ("ref_id",), QualifiedName("public", "t_00000"), ("id",)),),
    )


def catalogs(n: int):
    current = sorted_catalog([table(i) for i in range(n)])
    tables = [table(i, live=False) for i in range(n)]
    same = sorted_catalog(tables)
    changed = sorted_catalog([altered(t) if i % 20 == 0 else t for i, t in enumerate(tables)])
    return current, same, changed


def measure(n: int, runs: int) -> dict:
    current, same, changed = catalogs(n)
    out = {"tables": n}
    for label, desired in (("unchanged", same), ("changed_5pct", changed)):
        times, cpu, statements = [], [], 0
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            plan = build_plan(diff(current, desired))
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            statements = len(plan.statements)
        out[label] = {"median_s": statistics.median(times), "cpu_median_s": statistics.median(cpu), "statements": statements}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="diff+plan micro-benchmark on in-memory catalogs")
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.tables, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
