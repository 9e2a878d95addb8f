"""A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind. apply drops it again
under the same timeouts as the build (so a blocked cleanup cannot hang while it holds the
deploy lock), finds it by its schema and name as given (dots and all), and when the cleanup
itself fails, says that the INVALID index was left and how to remove it."""

from __future__ import annotations

import threading
import time

import pytest

from schemadiff import desired, engine
from schemadiff.deploy.apply import ExecutionSettings, execute
from schemadiff.monitor.check import check
from schemadiff.errors import ApplyFailed
from prodsafe_helpers import apply, connect, converged, dedent, index_valid, plan, version_count

BASE = """
tables:
  events:
    columns:
      id: bigserial
      account: integer
      code: text
    primary_key: id
"""

DOTTED_UNIQUE = BASE + """
    indexes:
      - name: events.code_key
        columns: [code]
        unique: true
"""

WITH_INDEX = BASE + """
    indexes:
      - name: events_account_idx
        columns: [account]
"""

BOUND_S = 30  # generous: the lock timeout under test is half a second


def test_a_failed_build_of_an_index_with_a_dot_in_its_name_leaves_no_invalid_index(database_url, sql):
    apply(database_url, BASE)
    sql("INSERT INTO events (account, code) VALUES (1, 'dup'), (2, 'dup')")
    with pytest.raises(ApplyFailed) as failed:
        apply(database_url, DOTTED_UNIQUE)
    assert "could not create unique index" in str(failed.value)
    assert index_valid(sql, "events.code_key") is None, "the INVALID index was left behind"
    assert version_count(sql) == 1

    sql("DELETE FROM events WHERE account = 2")
    apply(database_url, DOTTED_UNIQUE)
    assert index_valid(sql, "events.code_key") is True
    assert converged(database_url, DOTTED_UNIQUE)


def _apply_while_a_writer_holds_the_table(database_url):
    """Apply WITH_INDEX while an open write transaction blocks the build and its cleanup;
    returns the ApplyFailed (or None) and the seconds apply took, never waiting unbounded."""
    writer = connect(database_url)
    writer.execute("BEGIN")
    writer.execute("INSERT INTO events (account) VALUES (1)")
    outcome = {}

    def run():
        try:
            apply(database_url, WITH_INDEX, settings=ExecutionSettings(lock_timeout_ms=500, retries=2, backoff_s=0.1))
        except ApplyFailed as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    try:
        thread.join(BOUND_S)
        elapsed = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")  # releases a hung cleanup, so the thread ends either way
        writer.close()
        thread.join(BOUND_S)
    return outcome.get("error"), elapsed


def test_a_cleanup_blocked_by_a_lock_times_out_instead_of_hanging(database_url, sql):
    apply(database_url, BASE)
    error, elapsed = _apply_while_a_writer_holds_the_table(database_url)
    assert elapsed < BOUND_S, f"apply hung for {elapsed:.0f} s behind the writer while holding the deploy lock"
    assert error is not None, "apply reported success with the index INVALID"
    assert version_count(sql) == 1


def test_a_failed_cleanup_is_reported_with_how_to_remove_the_invalid_index(database_url, sql):
    apply(database_url, BASE)
    error, _ = _apply_while_a_writer_holds_the_table(database_url)
    assert error is not None
    message = str(error)
    assert "The INVALID index public.events_account_idx was left in place" in message
    assert "DROP INDEX CONCURRENTLY IF EXISTS public.events_account_idx" in message
    assert index_valid(sql, "events_account_idx") is False

    the_plan = plan(database_url, WITH_INDEX)
    assert [s.kind for s in the_plan.statements] == ["DropIndex", "AddIndex"]
    assert "invalid, to rebuild" in the_plan.statements[0].description
    report = check(engine.Target(url=database_url), desired.loads(dedent(WITH_INDEX)))
    assert report.as_dict()["indexes"]["invalid"] == ["events_account_idx"]


def test_the_session_gets_its_own_timeouts_back_after_a_concurrent_build(database_url):
    apply(database_url, BASE)
    the_plan = plan(database_url, WITH_INDEX)
    with engine.connection(engine.Target(url=database_url)) as conn:
        before = conn.execute("SELECT current_setting('statement_timeout'), current_setting('lock_timeout')").fetchone()
        execute(conn, the_plan, settings=ExecutionSettings(lock_timeout_ms=1234, statement_timeout_ms=0))
        after = conn.execute("SELECT current_setting('statement_timeout'), current_setting('lock_timeout')").fetchone()
    assert before[0] == "30s"
    assert after == before, "catalog reads after the build lost the connection's statement timeout"
