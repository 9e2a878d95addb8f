"""The health checks beyond the diff, each provoked for real on a live database."""

from __future__ import annotations

import psycopg
import pytest

from schemadiff.monitor.check import check
from schemadiff.desired import load
from schemadiff.engine import Target

from monitoring_support import applied, write_schema

INT4_MAX = 2_147_483_647


@pytest.fixture
def schema_path(tmp_path, database_url):
    path = write_schema(tmp_path)
    applied(database_url, path)
    return path


def run(database_url, schema_path):
    return check(Target(database_url, statement_timeout_ms=10_000), load(schema_path))


def by(report, kind, problem):
    return [f for f in report.findings if f.kind == kind and f.problem == problem]


def test_clean_database_is_healthy(database_url, schema_path):
    report = run(database_url, schema_path)
    assert report.findings == [] and report.status == "ok" and report.exit_code == 0
    assert (report.table_count, report.index_count, report.version.version) == (2, 2, 1)


def test_index_left_invalid_by_a_failed_concurrent_build_is_critical(database_url, schema_path, sql):
    sql("INSERT INTO users (telegram_id) VALUES (1), (1)")
    sql("DROP INDEX idx_users_telegram_id")
    with pytest.raises(psycopg.errors.UniqueViolation):
        sql("CREATE UNIQUE INDEX CONCURRENTLY idx_users_telegram_id ON users (telegram_id)")
    assert sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_users_telegram_id'::regclass") == [(False,)]
    report = run(database_url, schema_path)
    [finding] = by(report, "index", "invalid")
    assert finding.severity == "critical" and finding.object == "idx_users_telegram_id"
    assert "INVALID" in finding.message
    assert report.as_dict()["indexes"]["invalid"] == ["idx_users_telegram_id"]
    assert report.exit_code == 2


def test_invalid_index_not_in_the_file_is_reported_too(database_url, schema_path, sql):
    sql("INSERT INTO users (telegram_id, email) VALUES (1, 'a@x'), (2, 'a@x')")
    with pytest.raises(psycopg.errors.UniqueViolation):
        sql("CREATE UNIQUE INDEX CONCURRENTLY users_email_key2 ON users (email)")
    report = run(database_url, schema_path)
    [finding] = by(report, "index", "invalid")
    assert finding.object == "users_email_key2" and finding.severity == "warning"


def test_not_valid_constraint_is_a_warning(database_url, schema_path, sql):
    sql("ALTER TABLE games DROP CONSTRAINT games_score_check")
    sql("ALTER TABLE games ADD CONSTRAINT games_score_check CHECK (score >= 0) NOT VALID")
    report = run(database_url, schema_path)
    assert [(f.severity, f.object) for f in report.findings] == [("warning", "games.games_score_check")]
    assert by(report, "constraint", "not_valid")
    assert report.exit_code == 1


@pytest.mark.parametrize("fraction, severity", [(0.85, "warning"), (0.96, "critical")])
def test_serial_sequence_near_the_end_of_its_range(database_url, schema_path, sql, fraction, severity):
    sql("SELECT setval('users_id_seq', %s)", int(INT4_MAX * fraction))
    report = run(database_url, schema_path)
    [finding] = by(report, "sequence", "exhausting")
    assert finding.severity == severity and finding.object == "users.id"
    assert f"{fraction:.0%}"[:2] in finding.message and "users_id_seq" in finding.message
    assert report.status == severity


def test_sequence_below_the_threshold_is_fine(database_url, schema_path, sql):
    sql("SELECT setval('users_id_seq', %s)", int(INT4_MAX * 0.79))
    assert run(database_url, schema_path).findings == []


def test_identity_column_is_measured_against_its_column_type(database_url, tmp_path, sql):
    path = write_schema(tmp_path, "tables:\n  events:\n    columns:\n"
                                  "      id: {type: smallint, identity: always}\n    primary_key: id\n")
    applied(database_url, path)
    sql("SELECT setval(pg_get_serial_sequence('events', 'id'), 30000)")
    [finding] = by(run(database_url, path), "sequence", "exhausting")
    assert finding.severity == "warning" and "30000 of 32767" in finding.message


def test_a_shared_sequence_is_measured_against_each_column_it_feeds(database_url, tmp_path, sql):
    """A standalone sequence is owned by no column; the nextval() defaults that use it are
    what ties it to the columns whose type bounds it."""
    path = write_schema(tmp_path, "sequences:\n  numbers_seq: {}\ntables:\n  invoices:\n    columns:\n"
                                  "      number: {type: integer, default: \"nextval('numbers_seq')\"}\n"
                                  "  notes:\n    columns:\n      number: {type: bigint, default: \"nextval('numbers_seq')\"}\n")
    applied(database_url, path)
    sql("SELECT setval('numbers_seq', %s)", int(INT4_MAX * 0.9))
    [finding] = by(run(database_url, path), "sequence", "exhausting")
    assert finding.object == "invoices.number" and finding.severity == "warning"
    assert "numbers_seq" in finding.message


def test_foreign_key_without_a_leading_index_is_a_warning(database_url, schema_path, sql):
    sql("DROP INDEX idx_games_user_id")
    report = run(database_url, schema_path)
    [finding] = by(report, "foreign_key", "unindexed")
    assert finding.severity == "warning" and finding.object == "games.games_user_id_fkey"
    assert "(user_id)" in finding.message
    assert by(report, "index", "missing")  # and the diff still says the file wants it


def test_an_index_leading_with_the_foreign_key_columns_covers_it(database_url, schema_path, sql):
    sql("CREATE INDEX games_user_score ON games (user_id, score)")
    sql("DROP INDEX idx_games_user_id")
    assert not by(run(database_url, schema_path), "foreign_key", "unindexed")
    sql("DROP INDEX games_user_score")
    sql("CREATE INDEX games_score_user ON games (score, user_id)")  # not leading: no help
    assert by(run(database_url, schema_path), "foreign_key", "unindexed")


def test_extra_checks_cost_one_query_whatever_they_find(database_url, schema_path, sql, monkeypatch):
    """`check` stays a constant number of statements: the extra checks are one query, and
    finding problems sends no more."""
    from schemadiff import db

    monkeypatch.setenv("SCHEMADIFF_COUNT_QUERIES", "1")

    def sent() -> int:
        before = db.queries_sent
        run(database_url, schema_path)
        return db.queries_sent - before

    clean = sent()
    sql("SELECT setval('users_id_seq', %s)", int(INT4_MAX * 0.9))
    sql("CREATE TABLE audit (id serial PRIMARY KEY, user_id int REFERENCES users (id))")
    sql("SELECT setval('audit_id_seq', %s)", int(INT4_MAX * 0.97))
    assert len(run(database_url, schema_path).findings) >= 3
    assert sent() == clean
