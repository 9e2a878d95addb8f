"""A plan whose locks would overflow the server's lock table (5,000 new tables on a server with
default settings) is applied in several transactions that each fit, says so, and an apply that
stops half way is finished by the next one."""

from __future__ import annotations

import pytest

from schemadiff import db, engine
from schemadiff.deploy import chunking, versions
from schemadiff.desired import loads
from schemadiff.plan import Statement
from schemadiff.plan.report import plan_sql, plan_text

TABLES = 12


def schema() -> str:
    lines = ["tables:"]
    for i in range(TABLES):
        lines += [f"  t{i:02d}:", "    columns:", "      id: bigserial", "      name: text", "    primary_key: id",
                  "    indexes:", f"    - {{name: t{i:02d}_name_idx, columns: [name]}}"]
    return "\n".join(lines) + "\n"


def test_split_keeps_each_run_within_the_budget_and_the_order():
    statements = [Statement(f"CREATE TABLE t{i} (id bigserial PRIMARY KEY)", f"create t{i}") for i in range(10)]
    statements += [Statement(f"CREATE INDEX i{i} ON t{i} (id)", f"index t{i}") for i in range(10)]
    runs = chunking.split(statements, 20)
    assert [s for run in runs for s in run] == statements
    assert len(runs) > 1
    assert all(sum(chunking.footprint(s)[1] for s in run) <= 20 for run in runs)
    assert chunking.split(statements, 1) == [[s] for s in statements]  # never an empty run
    assert chunking.split(statements, 10_000) == [statements]


def test_the_budget_is_a_share_of_the_servers_lock_table(database_url):
    conn = db.connect(database_url)
    try:
        per, connections, prepared = conn.execute(
            "SELECT current_setting('max_locks_per_transaction')::int, current_setting('max_connections')::int,"
            " current_setting('max_prepared_transactions')::int").fetchone()
        assert chunking.lock_budget(conn) == max(per, per * (connections + prepared) // chunking.SHARE_OF_LOCK_TABLE)
    finally:
        conn.close()


def _tables(sql) -> int:
    return sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'")[0][0]


def test_a_plan_over_the_budget_runs_in_several_transactions_and_a_rerun_resumes(database_url, sql, monkeypatch):
    monkeypatch.setattr(chunking, "lock_budget", lambda conn: 30)
    target, desired = engine.Target(database_url), loads(schema())
    conn = db.connect(database_url)
    try:
        planned = engine.plan_against(conn, target, desired)
    finally:
        conn.close()
    assert planned.transactions_note.startswith("Runs in ")
    assert planned.transactions_note in plan_text(planned) and planned.transactions_note in plan_sql(planned)

    class Stop(Exception):
        pass

    def stop_late(done, total, statement):  # a kill, late in the apply
        if done > total * 2 // 3:
            raise Stop

    with pytest.raises(Stop):
        engine.apply(target, desired, schema(), progress=stop_late)
    committed = _tables(sql)
    assert 0 < committed < TABLES  # the transactions before the stop were kept
    conn = db.connect(database_url)
    try:
        assert versions.latest(conn) is None  # no version: the apply did not finish
    finally:
        conn.close()

    engine.apply(target, desired, schema())  # the rerun does what is left
    assert _tables(sql) == TABLES
    conn = db.connect(database_url)
    try:
        assert engine.plan_against(conn, target, desired).empty
        assert len(versions.history(conn)) == 1  # recorded once, with the last transaction
    finally:
        conn.close()


def test_a_plan_within_the_budget_says_nothing_of_transactions(database_url):
    conn = db.connect(database_url)
    try:
        planned = engine.plan_against(conn, engine.Target(database_url), loads(schema()))
    finally:
        conn.close()
    assert not planned.empty and planned.transactions_note == ""
