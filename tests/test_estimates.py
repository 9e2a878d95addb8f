"""Plans that know the data: sizes per statement, estimated durations from a calibrated
throughput model, and the --max-lock-time guard, on real tables of a few hundred thousand rows.

The only timing asserted is the factor-of-3 band between an estimate and the measured time of
the same statement on the same server after `calibrate` (the point of the feature)."""

from __future__ import annotations

import json
import time

import pytest

from schemadiff import db
from schemadiff.deploy import calibration, versions
from schemadiff.desired import loads
from schemadiff.engine import Target, apply, plan_against
from schemadiff.errors import LockTimeRefused
from schemadiff.plan import PlanOptions, report
from schemadiff.plan.cost import INDEX, INDEX_CONCURRENTLY, REWRITE, SCAN, plan_estimate

ROWS = 300_000

BEFORE = """
tables:
  events:
    columns:
      id: {type: integer, nullable: false}
      n: {type: integer, nullable: false}
      payload: text
      at: timestamptz
    primary_key: id
"""
# A rewrite (integer → bigint), an index build and a CHECK validated on existing rows.
AFTER = """
tables:
  events:
    columns:
      id: {type: integer, nullable: false}
      n: {type: bigint, nullable: false}
      payload: text
      at: timestamptz
    primary_key: id
    checks:
      - n >= 0
    indexes:
      - name: events_at
        columns: [at]
"""


def _fill(sql, rows: int = ROWS) -> None:
    sql("CREATE TABLE events (id integer PRIMARY KEY, n integer NOT NULL, payload text, at timestamptz)")
    if rows:
        sql(f"INSERT INTO events SELECT g, g % 1000, repeat(md5(g::text), 2), now() - g * interval '1 minute'"
            f" FROM generate_series(1, {rows}) g")
    sql("VACUUM ANALYZE events")


def _plan(url: str, text: str, online: bool = True):
    conn = db.connect(url)
    try:
        return plan_against(conn, Target(url), loads(text), PlanOptions(online=online))
    finally:
        conn.close()


def _by_work(plan, work):
    return next(s for s in plan.statements if s.work == work)


def test_sizes_work_and_estimates_appear_in_every_format(database_url, sql):
    _fill(sql, 100_000)
    plan = _plan(database_url, AFTER)
    rewrite = _by_work(plan, REWRITE)
    assert rewrite.touches[0].name == "events" and 90_000 < rewrite.touches[0].rows < 110_000
    assert rewrite.touches[0].analyzed and rewrite.touches[0].heap_bytes > 5_000_000
    assert rewrite.estimate.lock == "ACCESS EXCLUSIVE" and rewrite.estimate.high > 0
    assert {s.work for s in plan.statements} >= {REWRITE, INDEX_CONCURRENTLY, SCAN}

    text = report.plan_text(plan)
    assert "touches: public.events (~100.0k rows" in text
    assert "cost: rewrite, " in text and "blocks writes (ACCESS EXCLUSIVE)" in text
    assert "Estimated duration: " in text and "uncalibrated: conservative defaults" in text
    assert "Longest write-blocking lock: ACCESS EXCLUSIVE on public.events" in text

    data = json.loads(report.plan_json(plan))
    statement = next(s for s in data["statements"] if s["work"] == "rewrite")
    assert statement["touches"][0]["table"] == "public.events" and statement["touches"][0]["rows"] > 90_000
    assert statement["estimate"]["lock"] == "ACCESS EXCLUSIVE"
    assert data["estimate"]["longest_lock"]["table"] == "public.events"
    assert data["estimate"]["throughput"]["calibrated"] is False
    from importlib import resources

    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(resources.files("schemadiff").joinpath("plan.schema.json").read_text())
    jsonschema.validate(data, schema)

    markdown = report.plan_markdown(plan)
    assert "| # | change | touches | cost |" in markdown
    assert "public.events (~100.0k rows" in markdown and "| rewrite, " in markdown
    assert "⏱️ Estimated duration:" in markdown


def test_an_empty_tables_statements_are_instant(database_url, sql):
    _fill(sql, 0)
    plan = _plan(database_url, AFTER)
    assert plan.statements and all(s.estimate is not None and s.estimate.instant for s in plan.statements)
    assert "Estimated duration: instant" in report.plan_text(plan)
    assert "cost: rewrite, instant" in report.plan_text(plan)
    assert plan_estimate(plan).longest_lock is None or plan_estimate(plan).longest_lock.seconds < 0.05


def test_sizes_cost_no_extra_query_and_do_not_change_the_fingerprint(database_url, sql):
    """The sizes come with the tables query; a table growing is not a schema change."""
    _fill(sql, 1000)
    before = _plan(database_url, AFTER)
    sql("INSERT INTO events SELECT g, 1, 'x', now() FROM generate_series(1001, 20000) g")
    sql("ANALYZE events")
    after = _plan(database_url, AFTER)
    assert after.current_fingerprint == before.current_fingerprint
    assert after.statements == before.statements
    assert after.statements[0].touches[0].rows > before.statements[0].touches[0].rows


def _timed(url: str, statements) -> list[float]:
    """Run the statements as apply would (each outside any transaction but its own) and time each."""
    conn = db.connect(url)
    try:
        out = []
        for s in statements:
            started = time.perf_counter()
            conn.execute(s.sql)
            out.append(time.perf_counter() - started)
        return out
    finally:
        conn.close()


def test_estimates_land_within_a_factor_of_3_after_calibrate(database_url, sql, capsys):
    conn = db.connect(database_url)
    try:
        measured = calibration.calibrate(conn, versions.DEFAULT_TABLE)
    finally:
        conn.close()
    assert measured.calibrated
    _fill(sql)
    # Offline, so that the index is built in one statement, and the CHECK is checked under
    # its ADD; the online forms are the same work split differently.
    plan = _plan(database_url, AFTER, online=False)
    assert plan.throughput == measured
    rewrite, index = _by_work(plan, REWRITE), _by_work(plan, INDEX)
    online = _plan(database_url, AFTER)
    validate = next(s for s in online.statements if s.kind == "ValidateConstraint")
    add_check = next(s for s in online.statements if s.kind == "AddConstraint")
    # Index first (on the table as it is), then the check, then the rewrite.
    took_index, _, took_validate = _timed(database_url, [index, add_check, validate])
    (took_rewrite,) = _timed(database_url, [rewrite])
    rows = [("rewrite", rewrite, took_rewrite), ("index build", index, took_index), ("validation", validate, took_validate)]
    with capsys.disabled():
        for name, s, took in rows:
            print(f"\n  {name}: estimated {s.estimate.point:.3f} s, measured {took:.3f} s, ratio {took / s.estimate.point:.2f}")
    for name, s, took in rows:
        assert s.estimate.point / 3 <= took <= s.estimate.point * 3, (name, s.estimate.point, took)


def test_the_guard_refuses_a_plan_over_its_limit_and_accepts_it_under_a_higher_one(database_url, sql):
    _fill(sql, 100_000)
    target = Target(database_url)
    plan = _plan(database_url, AFTER)
    hold = plan_estimate(plan).longest_lock
    assert hold is not None and hold.seconds > 0
    with pytest.raises(LockTimeRefused) as refused:
        apply(target, loads(AFTER), max_lock_s=hold.seconds / 10)
    message = str(refused.value)
    assert "alter column public.events.n" in message or "public.events.n" in message
    assert "add a new column of the new type" in message and "backfill it in batches" in message
    assert sql("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'events'::regclass"
               " AND attname = 'n'") == [("integer",)]
    result = apply(target, loads(AFTER), max_lock_s=hold.seconds * 10)
    assert result.changed
    assert sql("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'events'::regclass"
               " AND attname = 'n'") == [("bigint",)]


def test_cli_calibrate_status_api_and_the_guard(database_url, sql, tmp_path):
    from core_helpers import invoke, output

    from schemadiff import api

    _fill(sql, 50_000)
    (tmp_path / ".git").mkdir()
    (tmp_path / "schema.yaml").write_text(AFTER)
    calibrated = invoke("calibrate", "--rows", "20000", cwd=tmp_path, url=database_url)
    assert calibrated.returncode == 0, output(calibrated)
    assert "Calibrated: scan " in output(calibrated) and "calibrated on this server" in output(calibrated)
    # The calibration table is schemadiff's own: never planned away.
    assert "schemadiff_version_calibration" not in output(invoke("plan", cwd=tmp_path, url=database_url))

    status = invoke("status", cwd=tmp_path, url=database_url)
    assert "Estimated time:" in output(status), output(status)
    migration = api.get_migration_status_sync(database_url, str(tmp_path / "schema.yaml"))
    assert migration["pending_estimate"]["high_s"] > 0
    assert migration["pending_estimate"]["throughput"]["calibrated"] is True
    assert migration["pending"][0]["touches"][0]["table"] == "public.events"

    refused = invoke("apply", "--max-lock-time", "1ms", cwd=tmp_path, url=database_url)
    assert refused.returncode == 7, output(refused)
    assert "exceeds --max-lock-time" in output(refused) and "backfill it in batches" in output(refused)
    (tmp_path / "schemadiff.toml").write_text("max_lock_time = 0.001\n")
    assert invoke("apply", cwd=tmp_path, url=database_url).returncode == 7
    applied = invoke("apply", "--max-lock-time", "10min", cwd=tmp_path, url=database_url)
    assert applied.returncode == 0, output(applied)
    assert "(estimated " in output(applied) and "took " in output(applied)


@pytest.mark.parametrize(("rows", "fires"), [(0, False), (50_000, True)])
def test_lint_rules_about_rewrites_speak_only_for_tables_big_enough_and_say_their_size(database_url, sql, rows, fires):
    from schemadiff.engine.reviewing import sizes_of
    from schemadiff.plan.lint import lint

    _fill(sql, rows)
    the_plan = _plan(database_url, AFTER)
    report_ = lint(loads(AFTER), the_plan.changes, sizes=sizes_of(the_plan))
    rewrites = [f for f in report_.findings if f.rule == "SD004"]
    assert bool(rewrites) == fires
    if fires:
        assert "rows" in rewrites[0].message  # the size is named
    assert any(f.rule == "SD004" for f in lint(loads(AFTER), the_plan.changes).findings)  # no sizes: always


def test_a_partitioned_tables_size_is_that_of_its_partitions(database_url, sql):
    from schemadiff.catalog.inspect import inspect

    sql("CREATE TABLE readings (id bigint, day date NOT NULL) PARTITION BY RANGE (day)")
    sql("CREATE TABLE readings_2024 PARTITION OF readings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')")
    sql("INSERT INTO readings SELECT g, date '2024-01-01' + (g % 300) FROM generate_series(1, 20000) g")
    sql("ANALYZE readings_2024")
    conn = db.connect(database_url)
    try:
        sizes = {str(s.qualified): s for s in inspect(conn, ["public"]).sizes}
    finally:
        conn.close()
    assert sizes["public.readings"].rows == pytest.approx(20000, rel=0.1)
    assert sizes["public.readings"].heap_bytes > 0


def test_an_enum_rebuild_is_a_rewrite_of_every_table_using_the_type(database_url, sql):
    sql("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
    sql("CREATE TABLE people (id integer PRIMARY KEY, mood mood)")
    sql("CREATE TABLE pets (id integer PRIMARY KEY, mood mood)")
    sql("INSERT INTO people SELECT g, 'ok' FROM generate_series(1, 30000) g")
    sql("INSERT INTO pets SELECT g, 'happy' FROM generate_series(1, 20000) g")
    sql("VACUUM ANALYZE people")
    sql("VACUUM ANALYZE pets")
    plan = _plan(database_url, """
enums:
  mood: [ok, happy]
tables:
  people:
    columns: {id: {type: integer, nullable: false}, mood: mood}
    primary_key: id
  pets:
    columns: {id: {type: integer, nullable: false}, mood: mood}
    primary_key: id
""")
    rewrite = _by_work(plan, REWRITE)
    assert rewrite.kind == "RecreateEnum"
    assert sorted(str(t.qualified) for t in rewrite.touches) == ["public.people", "public.pets"]
    assert not rewrite.estimate.instant
    assert "touches: public.people (~30.0k rows" in report.plan_text(plan)


def test_a_saved_plan_applied_shows_the_estimates_of_the_fresh_plan(database_url, sql, tmp_path):
    from core_helpers import invoke, output

    _fill(sql, 50_000)
    (tmp_path / ".git").mkdir()
    (tmp_path / "schema.yaml").write_text(AFTER)
    saved = invoke("plan", "--out", "plan.json", cwd=tmp_path, url=database_url)
    assert saved.returncode in (0, 2), output(saved)
    applied = invoke("apply", "--plan", "plan.json", cwd=tmp_path, url=database_url)
    assert applied.returncode == 0, output(applied)
    assert "(estimated " in output(applied) and "took " in output(applied)
