"""Execute a plan safely: under a deploy lock, in one transaction where PostgreSQL allows,
each statement under a lock timeout with bounded retries, and record the version in the
same transaction as the last DDL it records."""

from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from . import versions
from ..errors import ApplyFailed, LockNotAcquired
from ..model import QualifiedName
from ..pg.naming import qualify
from ..plan import Plan, Statement

LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"
DEADLOCK = "40P01"


@dataclass(frozen=True)
class ExecutionSettings:
    """Timeouts and retries for running DDL against a live database."""

    lock_timeout_ms: int = 5000
    statement_timeout_ms: int = 0  # 0: none (index builds on big tables take long)
    retries: int = 3
    backoff_s: float = 0.5


@dataclass
class ApplyOutcome:
    """What an apply did."""

    executed: list[str] = field(default_factory=list)
    version: Optional[int] = None
    retries: int = 0
    current: Optional[Statement] = None


Progress = Callable[[int, int, Statement], None]


def advisory_key() -> int:
    """The deploy lock's 63-bit key. Advisory locks are per database, so one fixed key makes
    the lock one per database: applies recording in different version tables still
    serialise. (The value is the one earlier releases derived from the default version
    table, so an older schemadiff's apply still excludes a newer one's.)"""
    digest = hashlib.sha256(b"schemadiff:public.schemadiff_version").digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


WAITING_APPLICATION_NAME = "schemadiff: waiting for the deploy lock"


class DeployLock:
    """Session-level advisory lock that serializes applies against one database."""

    def __init__(self, conn, wait_s: float):
        self.conn, self.key, self.wait_s = conn, advisory_key(), wait_s

    def __enter__(self):
        # Poll with pg_try_advisory_lock rather than wait in pg_advisory_lock: a waiting
        # statement is an open transaction, and the lock holder's CREATE INDEX CONCURRENTLY
        # waits for every open transaction to end, so waiting applies and a concurrent index
        # build deadlock (found by running eight applies at once).
        # While waiting, pg_stat_activity shows it in application_name.
        deadline = time.monotonic() + self.wait_s
        pause, waiting = 0.02, False
        try:
            while not self.conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]:
                if not waiting:
                    waiting = True
                    self.conn.execute(f"SET application_name = '{WAITING_APPLICATION_NAME}'")
                if time.monotonic() >= deadline:
                    raise LockNotAcquired(
                        f"another schemadiff apply holds the deploy lock on this database; waited {self.wait_s:g} s "
                        "(raise --lock-wait, or check for a stuck deploy with pg_locks where locktype = 'advisory')"
                    )
                time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
                pause = min(pause * 2, 0.5)
        finally:
            if waiting:
                self.conn.execute("RESET application_name")
        return self

    def __exit__(self, *exc):
        try:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        except Exception:  # the connection is gone; the server released the lock with it
            pass
        return False


def groups(statements: Sequence[Statement]) -> list[tuple[bool, list[Statement]]]:
    """Consecutive transactional statements form one transaction; each non-transactional
    statement (CREATE INDEX CONCURRENTLY) runs on its own, and so does each ``isolated`` one
    (VALIDATE must not run while the ADD ... NOT VALID before it still holds its lock)."""
    out: list[tuple[bool, list[Statement]]] = []
    joinable = False
    for statement in statements:
        isolated = getattr(statement, "isolated", False)
        if statement.transactional and joinable and not isolated:
            out[-1][1].append(statement)
        else:
            out.append((statement.transactional, [statement]))
        joinable = statement.transactional and not isolated
    return out


def execute(conn, plan: Plan, *, settings: ExecutionSettings = ExecutionSettings(),
            version_table: QualifiedName = versions.DEFAULT_TABLE, record: Optional[dict] = None,
            progress: Optional[Progress] = None, lock_budget: Optional[int] = None) -> ApplyOutcome:
    """Run ``plan`` on ``conn`` (autocommit connection holding the deploy lock).

    ``record`` (keyword arguments for versions.record) is written in the transaction of the
    last transactional group, or in a transaction of its own when the plan ends with a
    non-transactional statement or is empty. A transactional group whose locks would overflow
    the server's lock table (``lock_budget``, read from the server when None) is run as several
    transactions (deploy.chunking)."""
    from .chunking import lock_budget as server_budget
    from .chunking import transactions

    outcome = ApplyOutcome()
    parts = groups(plan.statements)
    if plan.statements:
        parts = transactions(parts, lock_budget if lock_budget is not None else server_budget(conn))
    total = len(plan.statements)
    last_tx = max((i for i, (tx, _) in enumerate(parts) if tx), default=None)
    if last_tx is not None and last_tx != len(parts) - 1:
        last_tx = None
    for i, (transactional, statements) in enumerate(parts):
        write_version = record if (record is not None and i == last_tx) else None
        _run_group(conn, statements, transactional, settings, outcome, total, progress, version_table, write_version)
    if record is not None and last_tx is None:
        with conn.transaction():
            outcome.version = versions.record(conn, version_table, **record)
    return outcome


def _run_group(conn, statements, transactional, settings, outcome, total, progress, version_table, record):
    import psycopg

    attempt = 0
    while True:
        start = len(outcome.executed)
        try:
            if transactional:
                with conn.transaction():
                    _set_local_timeouts(conn, settings)
                    for statement in statements:
                        _run_one(conn, statement, outcome, total, progress)
                    if record is not None:
                        outcome.version = versions.record(conn, version_table, **record)
            else:
                with _session_timeouts(conn, settings):
                    _run_one(conn, statements[0], outcome, total, progress)
            return
        except psycopg.Error as exc:
            del outcome.executed[start:]
            retriable = getattr(exc, "sqlstate", None) in (LOCK_NOT_AVAILABLE, DEADLOCK)
            left = "" if transactional else _clear_invalid_index(conn, statements[0], settings)
            # A retry after a failed cleanup would skip the build (IF NOT EXISTS) and call the INVALID index done.
            if retriable and attempt < settings.retries and not left:
                attempt += 1
                outcome.retries += 1
                time.sleep(settings.backoff_s * (2 ** (attempt - 1)))
                continue
            failed = outcome.current or statements[0]
            raise ApplyFailed(_failure_message(exc, failed, outcome, total, transactional, retriable and not left) + left,
                              executed=len(outcome.executed), total=total) from None


def _set_local_timeouts(conn, settings: ExecutionSettings) -> None:
    conn.execute(f"SET LOCAL lock_timeout = {int(settings.lock_timeout_ms)}")
    conn.execute(f"SET LOCAL statement_timeout = {int(settings.statement_timeout_ms)}")


@contextmanager
def _session_timeouts(conn, settings: ExecutionSettings):
    """The apply's timeouts for statements that run outside a transaction, then the session's
    own again (RESET would drop the statement timeout the connection was opened with)."""
    before = conn.execute("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')").fetchone()
    conn.execute(f"SET lock_timeout = {int(settings.lock_timeout_ms)}")
    conn.execute(f"SET statement_timeout = {int(settings.statement_timeout_ms)}")
    try:
        yield
    finally:
        if not conn.broken:  # on a lost connection, keep the error that lost it
            conn.execute("SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false)",
                         before)


def _run_one(conn, statement: Statement, outcome: ApplyOutcome, total: int, progress) -> None:
    outcome.current = statement
    if progress:
        progress(len(outcome.executed) + 1, total, statement)
    conn.execute(statement.sql, prepare=False)
    outcome.executed.append(statement.sql)


def _clear_invalid_index(conn, statement: Statement, settings: ExecutionSettings) -> str:
    """A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind; drop it, under the
    apply's timeouts, so the retry (or the next apply) builds it afresh. Returns "" when
    nothing is left, else a sentence saying what was left and how to remove it."""
    import psycopg

    index = statement.builds_index
    if index is None:
        return ""
    found = None
    try:
        with _session_timeouts(conn, settings):
            found = conn.execute(
                "SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
                (index.schema, index.name)).fetchone()
            if found and found[0]:
                conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {qualify(index.schema, index.name)}")
        return ""
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        was = "was" if found and found[0] else "may have been"
        name = qualify(index.schema, index.name)
        return (f" The INVALID index {name} {was} left in place (dropping it failed: {reason}), so the build was not retried: `schemadiff plan` "
                f"and `check` show it and the next apply rebuilds it, or remove it with "
                f"DROP INDEX CONCURRENTLY IF EXISTS {name}.")


def _failure_message(exc, statement: Statement, outcome: ApplyOutcome, total: int,
                     transactional: bool, retriable: bool) -> str:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    done = len(outcome.executed)
    rolled = "that transaction was rolled back" if transactional else "the statement ran outside a transaction"
    hint = " (lock not granted after retries: a long transaction holds the table)" if retriable else ""
    return (f"apply failed at '{statement.description}': {reason}{hint}. {done} of {total} statement(s) "
            f"had been committed before it; {rolled}; no version was recorded. Fix the cause and run "
            "apply again: it continues from the database as it is.")
