"""Locks: statement lock_timeout with retries against a table another session holds, a clean
failure when it is never released, hazards that name locks, and the deploy lock between two
parallel `schemadiff apply` processes."""

from __future__ import annotations

import threading

import pytest

from schemadiff.deploy.apply import WAITING_APPLICATION_NAME, ExecutionSettings
from schemadiff.errors import ApplyFailed
from schemadiff.plan import build_plan, lock_of
from schemadiff.diff import changes as ch
from schemadiff.model import Column, QualifiedName
from prodsafe_helpers import (apply, cli, cli_background, column_type, connect, converged, schemadiff_backends,
                              version_count, wait_for, write)

V1 = """
enums:
  state: [new, done]
tables:
  jobs:
    columns:
      id: bigserial
      name: varchar(50)
    primary_key: id
"""
V2 = """
enums:
  state: [new, running, done]
tables:
  jobs:
    columns:
      id: bigserial
      name: varchar(50)
      owner: text
    primary_key: id
"""


def _hold(url: str, release_after: float | None, statement: str = "LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE"):
    """Another session holds a lock on jobs in an open transaction; a timer commits it."""
    conn = connect(url)
    conn.execute("BEGIN")
    conn.execute(statement)
    timer = None
    if release_after is not None:
        timer = threading.Timer(release_after, conn.execute, ("COMMIT",))
        timer.start()
    return conn, timer


def test_lock_timeout_fires_and_apply_retries_until_the_lock_is_released(database_url, sql):
    apply(database_url, V1)
    held = []

    def grab_lock_before_the_table_ddl(n, total, statement):
        # ACCESS EXCLUSIVE also blocks catalog reads (pg_get_expr opens the table), so it is
        # taken once the plan is made: right before the first statement runs.
        if n == 1:
            held.append(_hold(database_url, release_after=1.5))

    try:
        result = apply(database_url, V2, progress=grab_lock_before_the_table_ddl,
                       settings=ExecutionSettings(lock_timeout_ms=300, retries=5, backoff_s=0.2))
    finally:
        for conn, timer in held:
            timer.join()
            conn.close()
    assert result.outcome.retries >= 1
    assert len(result.outcome.executed) == 2
    assert column_type(sql, "jobs", "owner") == "text"
    assert version_count(sql) == 2
    assert converged(database_url, V2)


def test_access_exclusive_never_released_fails_with_how_far_it_got(database_url, sql):
    apply(database_url, V1)
    held = []

    def grab(n, total, statement):
        if n == 1:
            held.append(_hold(database_url, release_after=None))

    try:
        with pytest.raises(ApplyFailed) as failure:
            apply(database_url, V2, progress=grab, settings=ExecutionSettings(lock_timeout_ms=200, retries=2, backoff_s=0.1))
    finally:
        for conn, _ in held:
            conn.close()
    assert failure.value.exit_code == 1
    assert "apply failed at 'add column public.jobs.owner'" in str(failure.value)
    assert "1 of 2 statement(s) had been committed" in str(failure.value)
    assert version_count(sql) == 1


def test_long_transaction_never_ending_makes_the_cli_exit_1_cleanly(database_url, sql, tmp_path):
    apply(database_url, V1)
    sql("INSERT INTO jobs (name) VALUES ('a')")
    schema = write(tmp_path, V2)
    holder, _ = _hold(database_url, release_after=None, statement="UPDATE jobs SET name = 'b'")
    try:
        result = cli(database_url, schema, "apply", "--lock-timeout", "0.2", "--lock-retries", "2")
    finally:
        holder.close()
    assert result.returncode == 1, result.stderr
    message = result.stderr
    assert "apply failed at 'add column public.jobs.owner'" in message
    assert "lock not granted after retries" in message
    assert "1 of 2 statement(s) had been committed" in message  # the enum label, in its own transaction
    assert "no version was recorded" in message
    assert version_count(sql) == 1
    assert sql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'jobs'::regclass AND attname = 'owner'") == [(0,)]
    # the committed part stays, and a rerun finishes the rest
    assert sql("SELECT enum_range(NULL::state)::text") == [("{new,running,done}",)]
    apply(database_url, V2)
    assert converged(database_url, V2)


def test_hazards_and_locks_name_the_lock_and_whether_it_rewrites():
    table = QualifiedName("public", "t")
    int_col, big_col = Column("n", "integer"), Column("n", "bigint")
    rewrite = build_plan([ch.AlterColumn(table, int_col, big_col)]).statements[0]
    assert "ACCESS EXCLUSIVE" in rewrite.hazards[0].message and "rewrites" in rewrite.hazards[0].message
    widen = ch.AlterColumn(table, Column("s", "character varying(50)"), Column("s", "text"))
    assert lock_of(widen) == "ACCESS EXCLUSIVE (brief; binary-coercible type change: no rewrite)"
    offline = build_plan([ch.AlterColumn(table, Column("s", "text"), Column("s", "text", nullable=False))],
                         __import__("schemadiff.plan", fromlist=["PlanOptions"]).PlanOptions(online=False)).statements[0]
    assert "ACCESS EXCLUSIVE" in offline.hazards[0].message and "scans" in offline.hazards[0].message


def _first_is_blocked_on_the_table(sql) -> bool:
    """The first apply holds the deploy lock and waits for the table lock."""
    return any(wait == "Lock" and "jobs" in query for _, wait, query in schemadiff_backends(sql))


def _second_waits_for_the_deploy_lock(sql) -> bool:
    # The deploy lock is polled (pg_try_advisory_lock), so a waiting apply shows in
    # pg_stat_activity rather than as an ungranted lock.
    return bool(sql("SELECT 1 FROM pg_stat_activity WHERE application_name = %s", WAITING_APPLICATION_NAME))


def test_two_parallel_applies_serialize_on_the_deploy_lock(database_url, sql, tmp_path):
    apply(database_url, V1)
    schema = write(tmp_path, V2)
    # Make the first apply slow: a long transaction holds the table it alters.
    holder, _ = _hold(database_url, release_after=None, statement="UPDATE jobs SET name = name")
    try:
        first = cli_background(database_url, schema, "apply", "--lock-timeout", "30")
        wait_for(lambda: _first_is_blocked_on_the_table(sql), timeout=15, what="the first apply to wait for the table")
        second = cli_background(database_url, schema, "apply", "--lock-wait", "30")
        wait_for(lambda: _second_waits_for_the_deploy_lock(sql), timeout=15, what="the second apply to wait")
        holder.execute("COMMIT")
        out1, err1 = first.communicate(timeout=30)
        out2, err2 = second.communicate(timeout=30)
    finally:
        holder.close()
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "Applied 2 statement(s)" in out1
    assert "No changes" in out2  # it planned after the first had finished
    assert version_count(sql) == 2  # the baseline and the one apply that changed something
    assert converged(database_url, V2)


def test_second_apply_gives_up_with_a_clear_message_when_lock_wait_is_short(database_url, sql, tmp_path):
    apply(database_url, V1)
    schema = write(tmp_path, V2)
    holder, _ = _hold(database_url, release_after=None, statement="UPDATE jobs SET name = name")
    try:
        first = cli_background(database_url, schema, "apply", "--lock-timeout", "30")
        wait_for(lambda: _first_is_blocked_on_the_table(sql), timeout=15, what="the first apply to wait for the table")
        second = cli(database_url, schema, "apply", "--lock-wait", "0.5")
        holder.execute("COMMIT")
        out1, err1 = first.communicate(timeout=30)
    finally:
        holder.close()
    assert second.returncode == 5, second.stderr
    assert "another schemadiff apply holds the deploy lock" in second.stderr
    assert first.returncode == 0, err1
    assert version_count(sql) == 2
    assert converged(database_url, V2)
