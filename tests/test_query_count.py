"""Reading the catalog costs a fixed number of queries, whatever the number of tables.

Counts, never timings: the statements are counted by the SCHEMADIFF_COUNT_QUERIES hook in
``schemadiff/db.py`` (the one the benchmark suite uses).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from schemadiff import db
from schemadiff.desired import loads
from schemadiff.engine import Target, plan_against
from schemadiff.catalog.inspect import QUERY_NAMES, inspect
from schemadiff.catalog.unmanaged import read_unmanaged

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import generate  # noqa: E402


def _counted(url: str, monkeypatch, work) -> int:
    monkeypatch.setenv("SCHEMADIFF_COUNT_QUERIES", "1")
    conn = db.connect(url)
    try:
        before = db.queries_sent
        work(conn)
        return db.queries_sent - before
    finally:
        conn.close()


@pytest.fixture
def build(sql):
    def run(n: int, rich: bool = True):
        script, base, changed = generate.build(n, rich)
        sql(script)
        return generate.to_yaml(base), generate.to_yaml(changed)
    return run


def test_inspect_sends_the_same_queries_for_1_and_50_tables(database_url, build, sql, monkeypatch):
    build(1)
    one = _counted(database_url, monkeypatch, lambda conn: inspect(conn, ["public"]))
    sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    build(50)
    fifty = _counted(database_url, monkeypatch, lambda conn: inspect(conn, ["public"]))
    expected = generate.build(50)[1]  # the 50 tables and the partitioned ones (with views, functions, triggers)
    assert len(inspect_tables(database_url)) == len(expected["tables"]) + len(expected["partitioned"])
    assert one == fifty  # a handful of set-based queries, not one per table
    assert fifty <= len(QUERY_NAMES) + 1  # one query per object kind, plus the schemas that exist


def test_steady_state_plan_sends_the_same_queries_for_1_and_50_tables(database_url, build, sql, monkeypatch):
    counts = []
    for n in (1, 50):
        sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        base, _ = build(n)
        desired = loads(base)

        def planned(conn, desired=desired):
            assert plan_against(conn, Target(database_url), desired).empty

        counts.append(_counted(database_url, monkeypatch, planned))
    assert counts[0] == counts[1]


def inspect_tables(url: str) -> tuple:
    conn = db.connect(url)
    try:
        return inspect(conn, ["public"]).tables
    finally:
        conn.close()


def test_plan_with_changes_sends_the_same_queries_for_1_and_50_tables(database_url, build, sql, monkeypatch):
    """A plan with changes also reads the unmanaged objects (one query more), whatever the size."""
    counts = []
    for n in (1, 50):
        sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        _, changed = build(n)
        desired = loads(changed)

        def planned(conn, desired=desired):
            assert not plan_against(conn, Target(database_url), desired).empty

        counts.append(_counted(database_url, monkeypatch, planned))
    assert counts[0] == counts[1]


def test_unmanaged_objects_are_read_in_one_query_whatever_their_number(database_url, build, sql, monkeypatch):
    build(50, rich=False)  # tables only: the objects below are the only unmanaged ones
    none = _counted(database_url, monkeypatch, lambda conn: read_unmanaged(conn, ["public"]))
    tables = [r[0] for r in sql("SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")]
    sql("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$")
    sql(";".join(f"CREATE VIEW v_{t} AS SELECT * FROM {t}; CREATE TRIGGER t_{t} BEFORE UPDATE ON {t} "
                 "FOR EACH ROW EXECUTE FUNCTION touch()" for t in tables))
    found = []
    many = _counted(database_url, monkeypatch, lambda conn: found.extend(read_unmanaged(conn, ["public"])))
    assert len(found) == 2 * len(tables) + 1
    assert none == many == 1
