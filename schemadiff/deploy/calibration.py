"""``schemadiff calibrate``: measure how fast this server scans, rewrites and indexes a table,
and keep the result beside the version table for the plan's estimates (plan/cost.py)."""

from __future__ import annotations

import statistics
import time
from datetime import datetime
from typing import TYPE_CHECKING, Optional

from ..model import QualifiedName
from ..pg.naming import qualify

if TYPE_CHECKING:  # the planner is imported only when a measurement is used
    from ..plan.cost import Throughput

SAMPLE_ROWS = 300_000
ROUNDS = 3


def calibration_table(version_table: QualifiedName) -> QualifiedName:
    """Where the measurements are kept: ``<version table>_calibration``, in its schema."""
    return QualifiedName(version_table.schema, f"{version_table.name}_calibration")


def scratch_table(version_table: QualifiedName) -> QualifiedName:
    """The table calibrate fills, measures and drops."""
    return QualifiedName(version_table.schema, f"{version_table.name}_calibration_scratch")


def create_sql(table: QualifiedName) -> str:
    return f"""CREATE TABLE IF NOT EXISTS {qualify(table.schema, table.name)} (
    measured_at timestamptz NOT NULL DEFAULT now(),
    scan_bytes_per_s double precision NOT NULL,
    rewrite_bytes_per_s double precision NOT NULL,
    index_rows_per_s double precision NOT NULL,
    sample_rows bigint NOT NULL,
    sample_bytes bigint NOT NULL,
    server_version integer NOT NULL
)"""


def read(conn, version_table: QualifiedName) -> Optional[Throughput]:
    """The latest measurement (None when this database was never calibrated)."""
    from ..plan.cost import Throughput  # imports the planner: not at import (check reads this module's names)

    table = calibration_table(version_table)
    name = qualify(table.schema, table.name)
    if conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0] is None:
        return None
    row = conn.execute(f"SELECT scan_bytes_per_s, rewrite_bytes_per_s, index_rows_per_s, measured_at FROM {name}"
                       " ORDER BY measured_at DESC LIMIT 1").fetchone()
    return Throughput(*row) if row else None


def _timed(conn, sql: str) -> float:
    started = time.perf_counter()
    conn.execute(sql)
    return time.perf_counter() - started


def calibrate(conn, version_table: QualifiedName, rows: int = SAMPLE_ROWS, rounds: int = ROUNDS) -> Throughput:
    """Fill a scratch table with ``rows`` rows, time a VALIDATE (scan), an index build and a
    type change (rewrite) on it ``rounds`` times each, keep the median rates, drop the table,
    and record the result. ``conn`` is an autocommit connection: each step commits, as apply
    runs them."""
    from ..plan.cost import Throughput

    scratch = scratch_table(version_table)
    name = qualify(scratch.schema, scratch.name)
    conn.execute(f"DROP TABLE IF EXISTS {name}")
    # Rows shaped like an ordinary table's: a key, a number, a short text, a timestamp.
    conn.execute(f"CREATE TABLE {name} AS SELECT g AS id, (g::bigint * 7919 % 1000003)::int AS n, md5(g::text) AS t,"
                 f" now() - g * interval '1 second' AS at FROM generate_series(1, {int(rows)}) g")
    try:
        conn.execute(f"VACUUM ANALYZE {name}")
        heap = conn.execute("SELECT pg_table_size(%s::regclass)", (name,)).fetchone()[0]
        scans, builds, rewrites = [], [], []
        for i in range(rounds):
            conn.execute(f"ALTER TABLE {name} ADD CONSTRAINT calibration_check CHECK (n >= 0) NOT VALID")
            scans.append(_timed(conn, f"ALTER TABLE {name} VALIDATE CONSTRAINT calibration_check"))
            conn.execute(f"ALTER TABLE {name} DROP CONSTRAINT calibration_check")
            builds.append(_timed(conn, f"CREATE INDEX calibration_index ON {name} (n)"))
            conn.execute(f"DROP INDEX {qualify(scratch.schema, 'calibration_index')}")
            heap_now = conn.execute("SELECT pg_table_size(%s::regclass)", (name,)).fetchone()[0]
            to = "bigint" if i % 2 == 0 else "integer"
            rewrites.append((heap_now, _timed(conn, f"ALTER TABLE {name} ALTER COLUMN n TYPE {to}")))
        scan_rate = heap / statistics.median(scans)
        # The index rate excludes the heap scan the build starts with (cost.seconds adds it).
        build = statistics.median(builds) - heap / scan_rate
        index_rate = rows / max(build, statistics.median(builds) * 0.2)
        rewrite_rate = statistics.median(b / t for b, t in rewrites)
        server_version = conn.info.server_version
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {name}")
    table = calibration_table(version_table)
    conn.execute(create_sql(table))
    measured_at = conn.execute(
        f"INSERT INTO {qualify(table.schema, table.name)} (scan_bytes_per_s, rewrite_bytes_per_s, index_rows_per_s,"
        " sample_rows, sample_bytes, server_version) VALUES (%s, %s, %s, %s, %s, %s) RETURNING measured_at",
        (scan_rate, rewrite_rate, index_rate, rows, heap, server_version)).fetchone()[0]
    return Throughput(scan_rate, rewrite_rate, index_rate, measured_at)


def when(throughput: Throughput) -> str:
    stamp: datetime = throughput.measured_at
    return f"{stamp:%Y-%m-%d %H:%M}" if stamp else "never"
