"""Online DDL on tables with rows: concurrent index builds while writers write, INVALID index
repair, NOT VALID + VALIDATE constraints, SET NOT NULL through a validated check, and type
changes that do (or do not) rewrite the table."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from schemadiff.deploy.apply import ExecutionSettings, groups
from schemadiff.monitor.check import check
from schemadiff import desired, engine
from prodsafe_helpers import (apply, column_type, connect, converged, dedent, index_valid, plan,
                              relfilenode, schemadiff_backends, version_count, wait_for)

BASE = """
tables:
  events:
    columns:
      id: bigserial
      account: {type: integer, nullable: false}
      kind: varchar(50)
      note: varchar(50)
      code: text
    primary_key: id
"""

WITH_INDEX = BASE + """
    indexes:
      - name: events_account_idx
        columns: [account]
"""


def _fill(sql, rows: int = 50_000) -> None:
    sql("INSERT INTO events (account, kind, note, code) SELECT g %% 1000, 'k' || (g %% 7), 'n', (g %% 100)::text"
        " FROM generate_series(1, %s) g", rows)


class Writer:
    """A thread inserting one row per transaction into events until stopped; counts its inserts."""

    def __init__(self, url: str):
        self.url, self.inserted, self.errors = url, 0, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with connect(self.url) as conn:
                while not self.stop.is_set():
                    conn.execute("INSERT INTO events (account, kind) VALUES (1, 'w')")
                    self.inserted += 1
        except Exception as exc:  # reported by the test; the writer must never fail
            self.errors.append(exc)

    def wait_for_inserts(self, more: int, timeout: float, what: str) -> None:
        target = self.inserted + more
        wait_for(lambda: self.inserted >= target, timeout=timeout, what=what)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, error_type, *exc):
        self.stop.set()
        self.thread.join(30)
        assert error_type or not self.thread.is_alive(), "the writer is still blocked"


def _index_build_waiting(sql) -> bool:
    return any(wait == "Lock" and "CREATE INDEX" in query for _, wait, query in schemadiff_backends(sql))


def test_index_on_existing_table_is_built_concurrently_while_a_writer_inserts(database_url, sql):
    apply(database_url, BASE)
    _fill(sql)
    the_plan = plan(database_url, WITH_INDEX)
    [statement] = the_plan.statements
    assert "CREATE INDEX CONCURRENTLY" in statement.sql and not statement.transactional
    assert "SHARE UPDATE EXCLUSIVE" in statement.lock

    patient = ExecutionSettings(lock_timeout_ms=60_000, retries=0)
    with Writer(database_url) as writer, ThreadPoolExecutor(1) as pool:
        writer.wait_for_inserts(20, timeout=10, what="the writer to start")
        # An open write transaction keeps the build waiting, so it stays in progress while the
        # writer is watched. A blocking build (SHARE lock) queued behind it would hold the
        # writer back too; a concurrent one must not.
        with connect(database_url) as open_writer:
            open_writer.execute("BEGIN")
            open_writer.execute("INSERT INTO events (account, kind) VALUES (2, 'open')")
            build = pool.submit(apply, database_url, WITH_INDEX, settings=patient)
            wait_for(lambda: _index_build_waiting(sql), timeout=30, what="the index build to start")
            writer.wait_for_inserts(20, timeout=10, what="the writer's inserts while the index is built")
            assert _index_build_waiting(sql), "the build ended before the writer's inserts were seen"
            open_writer.execute("COMMIT")
        result = build.result(timeout=60)
    assert writer.errors == []
    assert result.outcome.executed == [statement.sql]
    assert index_valid(sql, "events_account_idx") is True
    assert converged(database_url, WITH_INDEX)


def test_invalid_index_is_reported_by_plan_and_check_and_rebuilt_by_apply(database_url, sql):
    schema = BASE + """
    indexes:
      - name: events_code_key
        columns: [code]
        unique: true
    """
    apply(database_url, BASE)
    sql("INSERT INTO events (account, code) VALUES (1, 'dup'), (2, 'dup')")
    try:
        sql("CREATE UNIQUE INDEX CONCURRENTLY events_code_key ON events (code)")
    except Exception:
        pass  # the build fails on the duplicate and leaves the index INVALID, as an interrupted one does
    assert index_valid(sql, "events_code_key") is False
    sql("DELETE FROM events WHERE account = 2")

    the_plan = plan(database_url, schema)
    assert [s.kind for s in the_plan.statements] == ["DropIndex", "AddIndex"]
    assert "invalid, to rebuild" in the_plan.statements[0].description
    report = check(engine.Target(url=database_url), desired.loads(dedent(schema)))
    assert report.as_dict()["indexes"]["invalid"] == ["events_code_key"]

    apply(database_url, schema)
    assert index_valid(sql, "events_code_key") is True
    assert converged(database_url, schema)


def test_index_on_a_table_created_by_the_same_plan_is_plain_and_transactional(database_url):
    the_plan = plan(database_url, WITH_INDEX)
    index = next(s for s in the_plan.statements if s.kind == "AddIndex")
    assert "CONCURRENTLY" not in index.sql and index.transactional
    assert len(groups(the_plan.statements)) == 1, "table and index are created in one transaction"
    apply(database_url, WITH_INDEX)
    assert converged(database_url, WITH_INDEX)


def test_check_and_foreign_key_on_existing_tables_are_added_not_valid_then_validated(database_url, sql):
    parent = """
  accounts:
    columns:
      id: integer
    primary_key: id
"""
    start = BASE + parent
    target = BASE + """
    checks:
      - name: events_account_positive
        expression: account >= 0
    foreign_keys:
      - columns: [account]
        references: accounts
""" + parent
    apply(database_url, start)
    sql("INSERT INTO accounts SELECT g FROM generate_series(0, 999) g")
    _fill(sql, 5000)
    the_plan = plan(database_url, target)
    shape = [(s.kind, "NOT VALID" in s.sql, s.isolated) for s in the_plan.statements]
    assert shape == [
        ("AddConstraint", True, False), ("ValidateConstraint", False, True),   # the check
        ("AddConstraint", True, False), ("ValidateConstraint", False, True),   # the foreign key
    ]
    for validate in the_plan.statements[1::2]:
        assert validate.hazards[0].code == "VALIDATE_SCAN" and "SHARE UPDATE EXCLUSIVE" in validate.hazards[0].message
    # VALIDATE never shares a transaction with the ADD that took the stronger lock
    assert [len(g) for _, g in groups(the_plan.statements)] == [1, 1, 1, 1]

    apply(database_url, target)
    assert sql("SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'events'::regclass"
               " AND contype IN ('c', 'f') ORDER BY conname") == [
        ("events_account_fkey", True), ("events_account_positive", True)]
    assert converged(database_url, target)


def test_set_not_null_goes_through_a_validated_helper_check(database_url, sql):
    target = BASE.replace("kind: varchar(50)", "kind: {type: varchar(50), nullable: false}")
    apply(database_url, BASE)
    _fill(sql, 5000)
    the_plan = plan(database_url, target)
    assert [s.sql for s in the_plan.statements][2:] == [
        "ALTER TABLE public.events ALTER COLUMN kind SET NOT NULL",
        "ALTER TABLE IF EXISTS public.events DROP CONSTRAINT IF EXISTS events_kind_not_null"]
    assert "CHECK (kind IS NOT NULL) NOT VALID" in the_plan.statements[0].sql
    assert the_plan.statements[1].sql.startswith("ALTER TABLE public.events VALIDATE CONSTRAINT") and the_plan.statements[1].isolated
    apply(database_url, target)
    assert sql("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'kind'") == [(True,)]
    assert sql("SELECT count(*) FROM pg_constraint WHERE conname = 'events_kind_not_null'") == [(0,)]
    assert converged(database_url, target)


def test_widening_types_do_not_rewrite_and_other_changes_are_tagged(database_url, sql):
    apply(database_url, BASE)
    _fill(sql, 2000)
    widened = BASE.replace("kind: varchar(50)", "kind: varchar(255)").replace("note: varchar(50)", "note: text")
    the_plan = plan(database_url, widened)
    assert all(not s.hazards and "no rewrite" in s.lock for s in the_plan.statements), the_plan.statements
    node = relfilenode(sql, "events")
    apply(database_url, widened)
    assert relfilenode(sql, "events") == node, "a binary-coercible widening rewrote the table"
    assert column_type(sql, "events", "kind") == "character varying(255)"
    assert column_type(sql, "events", "note") == "text"
    assert converged(database_url, widened)

    bigger = widened.replace("account: {type: integer", "account: {type: bigint")
    [statement] = plan(database_url, bigger).statements
    assert [h.code for h in statement.hazards] == ["TABLE_REWRITE"]
    assert "ACCESS EXCLUSIVE" in statement.hazards[0].message and "rewrite" in statement.lock
    apply(database_url, bigger)
    assert relfilenode(sql, "events") != node
    assert converged(database_url, bigger)


def test_using_from_the_schema_file_converts_values(database_url, sql):
    apply(database_url, BASE)
    sql("INSERT INTO events (account, code) VALUES (1, '42'), (2, ''), (3, NULL)")
    converted = BASE.replace("code: text", "code: {type: integer, using: \"nullif(code, '')::integer\"}")
    [statement] = plan(database_url, converted).statements
    assert "USING nullif(code, '')::integer" in statement.sql
    assert {h.code for h in statement.hazards} == {"CONVERTS_TYPE", "TABLE_REWRITE"}
    versions = version_count(sql)
    result = apply(database_url, converted, allow_destructive=True)
    assert result.outcome.version == versions + 1
    assert sql("SELECT account, code FROM events ORDER BY account") == [(1, 42), (2, None), (3, None)]
    assert converged(database_url, converted)
