"""What each statement costs on *this* database: the tables it touches and their size, the
kind of work it does, and an estimated duration from a throughput model of the server.

The model is deliberately small. A statement does one kind of work:

- ``catalog``: changes the catalog only (instant, whatever the table's size);
- ``scan``: reads the whole heap once (VALIDATE, SET NOT NULL, ADD CHECK without NOT VALID);
- ``rewrite``: writes a new copy of the heap and rebuilds every index on it (a type change,
  a volatile default, a generated column);
- ``index``: reads the heap and sorts the keys into a new index;
- ``index (concurrently)``: the same, but two heap scans and a wait for running transactions;
- ``data``: a data migration, whose cost schemadiff cannot know.

Seconds = bytes / bytes-per-second (scan, rewrite) + rows / rows-per-second (index builds),
with the rates either measured on this server by ``schemadiff calibrate`` or the conservative
:data:`DEFAULTS`. The estimate is shown as a range (÷2 … ×2 of the point value), and the time a
write-blocking lock is held is reported apart from it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Optional, Sequence

from ..diff import changes as ch
from ..model import Catalog, ForeignKey, PrimaryKey, QualifiedName, RelationSize, UniqueConstraint
from ..model.sizes import human_bytes, human_rows

CATALOG, SCAN, REWRITE, INDEX, INDEX_CONCURRENTLY, DATA = (
    "catalog", "scan", "rewrite", "index", "index (concurrently)", "data")

# Locks that block writes (or reads and writes) for as long as they are held: the lock part of
# an estimate, and what `apply --max-lock-time` limits. SHARE UPDATE EXCLUSIVE (VALIDATE,
# CONCURRENTLY) lets reads and writes continue.
BLOCKING_LOCKS = ("ACCESS EXCLUSIVE", "EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE")

# The point estimate's uncertainty: the range shown is point / SPREAD … point × SPREAD.
SPREAD = 2.0
# A table with no statistics (never analyzed nor vacuumed) has its rows guessed from its heap
# at this many bytes a row: narrow rows, so more of them, so a slower (safer) index estimate.
GUESSED_ROW_BYTES = 64


@dataclass(frozen=True)
class Throughput:
    """How fast this server scans and rewrites heaps (bytes/s) and builds b-tree indexes
    (rows/s, the heap scan excluded); ``measured_at`` is None for the defaults."""

    scan_bytes_per_s: float
    rewrite_bytes_per_s: float
    index_rows_per_s: float
    measured_at: Optional[datetime] = None

    @property
    def calibrated(self) -> bool:
        return self.measured_at is not None

    def source(self) -> str:
        if self.calibrated:
            return f"calibrated on this server {self.measured_at:%Y-%m-%d %H:%M}"
        return "uncalibrated: conservative defaults (run `schemadiff calibrate` for this server's rates)"

    def as_dict(self) -> dict:
        return {"scan_bytes_per_s": round(self.scan_bytes_per_s), "rewrite_bytes_per_s": round(self.rewrite_bytes_per_s),
                "index_rows_per_s": round(self.index_rows_per_s), "calibrated": self.calibrated,
                "measured_at": self.measured_at.isoformat() if self.measured_at else None}


# Conservative defaults: about a fifth of what a small cloud instance with network storage
# does on a cold cache (a 2-core VM with a local SSD measures 3-10 times faster). Too slow is
# the safe side: a guard that refuses a plan errs towards a reviewer looking at it.
DEFAULTS = Throughput(scan_bytes_per_s=50 * 2**20, rewrite_bytes_per_s=10 * 2**20, index_rows_per_s=200_000)


@dataclass(frozen=True)
class Estimate:
    """A statement's expected duration (seconds, a range around ``point``) and how long of it
    a write-blocking ``lock`` is held ("" for none)."""

    point: float
    lock: str = ""

    @property
    def low(self) -> float:
        return self.point / SPREAD

    @property
    def high(self) -> float:
        return self.point * SPREAD

    @property
    def lock_s(self) -> float:
        """Seconds the blocking lock is expected to be held by this statement (upper end)."""
        return self.high if self.lock else 0.0

    @property
    def instant(self) -> bool:
        return self.high < 0.05


def blocking_lock(lock_text: str) -> str:
    """The write-blocking lock a statement's ``lock`` text names, or ""."""
    head = lock_text.split(" (")[0].split(" on ")[0].strip()
    return head if head in BLOCKING_LOCKS else ""


def touched(change) -> tuple[QualifiedName, ...]:
    """The existing tables a change works on (none for a table it creates)."""
    if isinstance(change, ch.CreateTable) or getattr(change, "new_table", False):
        return ()
    if isinstance(change, ch.RecreateEnum):  # it converts every column of the type: rewrites their tables
        return tuple(dict.fromkeys(table for table, _column, _type in change.columns))
    table = getattr(change, "table", None)
    if isinstance(table, QualifiedName):
        out = [table]
    elif table is not None and hasattr(table, "qualified"):
        out = [table.qualified]
    else:
        return ()
    constraint = getattr(change, "constraint", None)
    if isinstance(constraint, ForeignKey) and constraint.ref_table not in out:
        out.append(constraint.ref_table)  # the check reads the referenced table too
    return tuple(out)


def work_of(change, statement) -> str:
    """The kind of work ``statement`` (made from ``change``) does to the tables it touches."""
    if statement.kind == "DataMigration":
        return DATA
    if not touched(change) or isinstance(change, (ch.DropTable, ch.DropColumn)):
        return CATALOG
    codes = {h.code for h in statement.hazards}
    if "TABLE_REWRITE" in codes:
        return REWRITE
    if statement.builds_index is not None:
        return INDEX_CONCURRENTLY
    constraint = getattr(change, "constraint", None)
    if "INDEX_BUILD" in codes or "INDEX_REBUILD" in codes or (
            isinstance(constraint, (PrimaryKey, UniqueConstraint)) and "index build" in statement.lock):
        return INDEX
    if "VALIDATE_SCAN" in codes:
        return SCAN
    return CATALOG


def with_sizes(statement, change, current: Optional[Catalog]):
    """``statement`` knowing what it touches, how big that is, and the work it does."""
    sizes = current.size_map() if current is not None else {}
    names = touched(change)
    known = tuple(sizes[n] for n in names if n in sizes)
    return replace(statement, work=work_of(change, statement), touches=known)


def _rows(size: RelationSize) -> float:
    return size.rows if size.rows is not None else size.heap_bytes / GUESSED_ROW_BYTES


def seconds(work: str, sizes: Sequence[RelationSize], model: Throughput) -> Optional[float]:
    """The point estimate of ``work`` on tables of ``sizes`` (None: cannot be estimated)."""
    if work == DATA:
        return None
    if work == CATALOG or not sizes:
        return 0.0
    main = sizes[0]
    if main.empty:
        return 0.0
    scan = sum(s.heap_bytes for s in sizes) / model.scan_bytes_per_s
    build = _rows(main) / model.index_rows_per_s + main.heap_bytes / model.scan_bytes_per_s
    if work == SCAN:
        return scan
    if work == REWRITE:
        return main.heap_bytes / model.rewrite_bytes_per_s + main.indexes * build
    if work == INDEX:
        return build
    if work == INDEX_CONCURRENTLY:
        return build + main.heap_bytes / model.scan_bytes_per_s  # the second (validating) scan
    return 0.0


def estimated(statement, model: Throughput):
    """``statement`` with its :class:`Estimate` under ``model``."""
    work = statement.work or (DATA if statement.kind == "DataMigration" else CATALOG)
    point = seconds(work, statement.touches, model)
    if point is None:
        return replace(statement, work=work)
    return replace(statement, estimate=Estimate(point, blocking_lock(statement.lock)))


def estimate_plan(plan, model: Throughput):
    """``plan`` with every statement estimated under ``model``."""
    return replace(plan, statements=tuple(estimated(s, model) for s in plan.statements), throughput=model)


def transactions(statements: Sequence) -> list[list[int]]:
    """Positions of the statements that share a transaction, as apply groups them (locks are
    held until the transaction commits)."""
    out: list[list[int]] = []
    joinable = False
    for i, statement in enumerate(statements):
        if statement.transactional and joinable and not statement.isolated:
            out[-1].append(i)
        else:
            out.append([i])
        joinable = statement.transactional and not statement.isolated
    return out


@dataclass(frozen=True)
class LockHold:
    """How long a write-blocking lock on ``table`` is expected to be held (seconds, upper end),
    and the statement that holds it longest (its 0-based position)."""

    table: QualifiedName
    lock: str
    seconds: float
    statement: int


def lock_holds(statements: Sequence) -> list[LockHold]:
    """Per table, the longest expected hold of a write-blocking lock: from the first statement
    that takes it to the end of its transaction, since PostgreSQL releases it only at commit."""
    holds: dict[QualifiedName, LockHold] = {}
    for group in transactions(statements):
        taken: dict[QualifiedName, tuple[str, float, int, float]] = {}
        for i in group:
            s = statements[i]
            spent = s.estimate.high if s.estimate is not None else 0.0
            for table in taken:
                lock, total, worst, worst_s = taken[table]
                taken[table] = (lock, total + spent, i if spent > worst_s else worst, max(spent, worst_s))
            lock = blocking_lock(s.lock)
            if lock:
                for size in s.touches[:1]:
                    if size.qualified not in taken:
                        taken[size.qualified] = (lock, spent, i, spent)
        for table, (lock, total, worst, _) in taken.items():
            if table not in holds or total > holds[table].seconds:
                holds[table] = LockHold(table, lock, total, worst)
    return sorted(holds.values(), key=lambda h: (-h.seconds, str(h.table)))


@dataclass(frozen=True)
class PlanEstimate:
    """The plan's total duration range, what could not be estimated, and the longest lock."""

    low: float
    high: float
    unknown: int
    longest_lock: Optional[LockHold]


def plan_estimate(plan) -> Optional[PlanEstimate]:
    """None when the plan was not estimated (planned without a database)."""
    if plan.throughput is None:
        return None
    known = [s.estimate for s in plan.statements if s.estimate is not None]
    holds = lock_holds(plan.statements)
    return PlanEstimate(sum(e.low for e in known), sum(e.high for e in known),
                        len(plan.statements) - len(known), holds[0] if holds else None)


def duration(seconds_: float) -> str:
    """0.004 → "<0.1 s", 75 → "1.3 min", 7200 → "2.0 h"."""
    if seconds_ < 0.1:
        return "<0.1 s"
    if seconds_ < 90:
        return f"{seconds_:.1f} s" if seconds_ < 10 else f"{seconds_:.0f} s"
    if seconds_ < 5400:
        return f"{seconds_ / 60:.1f} min"
    return f"{seconds_ / 3600:.1f} h"


def span(low: float, high: float) -> str:
    if high < 0.05:
        return "instant"
    return f"{duration(low)} – {duration(high)}"


def size_text(size: RelationSize) -> str:
    """ "public.events (~300.0k rows, 15.2 MB + 6.4 MB indexes)", with "not analyzed" when
    the row count is a guess."""
    rows = human_rows(_rows(size)) + ("" if size.analyzed else ", not analyzed")
    return f"{size.schema}.{size.name} ({rows}, {human_bytes(size.heap_bytes)} + {human_bytes(size.index_bytes)} indexes)"


def cost_text(statement) -> str:
    """The one-line cost of a statement: work, estimated time, and the lock part."""
    if statement.estimate is None:
        return f"{statement.work or CATALOG}: not estimated" if statement.work == DATA else ""
    e = statement.estimate
    text = f"{statement.work or CATALOG}, {span(e.low, e.high)}"
    if e.lock and not e.instant:
        text += f", blocks writes ({e.lock}) up to {duration(e.high)}"
    return text


def size_dict(size: RelationSize) -> dict:
    return {"table": f"{size.schema}.{size.name}", "rows": size.rows, "analyzed": size.analyzed,
            "heap_bytes": size.heap_bytes, "index_bytes": size.index_bytes, "indexes": size.indexes}


def online_path(statement) -> str:
    """How to make the same change without holding a write-blocking lock that long."""
    sql = statement.sql.upper()
    if statement.work == REWRITE and " TYPE " in sql:
        return ("change the type online instead: add a new column of the new type; backfill it in batches with a "
                "data migration (data/NNN_backfill.sql, a few thousand rows per UPDATE); keep it in step with a "
                "trigger or the application until the switch; switch readers and writers to it (or rename the "
                "columns in one brief statement); then drop the old column")
    if statement.work == REWRITE:
        return ("add the column without the volatile default (or with a constant one, which needs no rewrite), "
                "backfill it in batches with a data migration, then set the default for new rows")
    if statement.work == INDEX and "ADD CONSTRAINT" in sql and ("PRIMARY KEY" in sql or "UNIQUE" in sql):
        return ("build the unique index first with CREATE UNIQUE INDEX CONCURRENTLY (an `indexes:` entry, planned "
                "--online), then add the constraint USING INDEX, which takes the lock only briefly")
    if statement.work == INDEX:
        return "plan --online (the default): the index is built CONCURRENTLY, and writes continue"
    if statement.work == SCAN:
        return ("plan --online (the default): the constraint is added NOT VALID and validated under a SHARE UPDATE "
                "EXCLUSIVE lock, and writes continue")
    return "split the change, or run it in a maintenance window"


def over_limit(plan, limit_s: float) -> list[LockHold]:
    """The tables the plan is expected to keep write-locked longer than ``limit_s`` seconds."""
    return [h for h in lock_holds(plan.statements) if h.seconds > limit_s]


def describe_throughput(model: Throughput) -> str:
    """The rates, as `calibrate` and `status` show them."""
    return (f"scan {human_bytes(model.scan_bytes_per_s)}/s, rewrite {human_bytes(model.rewrite_bytes_per_s)}/s, "
            f"index build {model.index_rows_per_s:,.0f} rows/s ({model.source()})")
