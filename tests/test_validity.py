"""Constraint validity: a check or foreign key the file wants valid is validated when the live
one is NOT VALID; ``not_valid: true`` in the file accepts a NOT VALID constraint (a valid one
satisfies it too: PostgreSQL cannot un-validate), and a new one is added NOT VALID and left so.
``inspect`` writes ``not_valid: true``, so a NOT VALID constraint round-trips."""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest
import yaml

from core_helpers import dedent, output, run_cli
from schemadiff.diff import changes as ch
from schemadiff import desired
from schemadiff.monitor.check import check
from schemadiff.diff import diff
from schemadiff.desired.dump import dump
from schemadiff.engine import Target
from schemadiff.model import Catalog
from schemadiff.plan import PlanOptions, build_plan
from test_inspect_roundtrip import second_database  # noqa: F401  (a fixture)

FILE = """
tables:
  teams:
    columns: {id: bigint}
    primary_key: id
  players:
    columns: {id: bigint, team_id: bigint, score: integer}
    primary_key: id
    foreign_keys:
      - {columns: [team_id], references: teams}
    checks:
      - score >= 0
"""
DECLARED_NOT_VALID = FILE.replace(
    "- {columns: [team_id], references: teams}", "- {columns: [team_id], references: teams, not_valid: true}"
).replace("- score >= 0", "- {expression: score >= 0, not_valid: true}")
CHECK, FK = "players_score_check", "players_team_id_fkey"


def load(text: str) -> Catalog:
    return desired.loads(dedent(text))


def not_valid(catalog: Catalog, *names: str) -> Catalog:
    """``catalog`` with the named checks and foreign keys NOT VALID."""
    def mark(constraints):
        return tuple(replace(c, validated=False) if c.name in names else c for c in constraints)

    return replace(catalog, tables=tuple(replace(t, checks=mark(t.checks), foreign_keys=mark(t.foreign_keys))
                                         for t in catalog.tables))


def without(catalog: Catalog, *names: str) -> Catalog:
    return replace(catalog, tables=tuple(
        replace(t, checks=tuple(c for c in t.checks if c.name not in names),
                foreign_keys=tuple(f for f in t.foreign_keys if f.name not in names)) for t in catalog.tables))


def players(catalog: Catalog):
    return next(t for t in catalog.tables if t.name == "players")


# -- the file --------------------------------------------------------------------------------

def test_not_valid_true_in_the_file_marks_the_check_and_the_foreign_key():
    table = players(load(DECLARED_NOT_VALID))
    assert [c.validated for c in table.checks + table.foreign_keys] == [False, False]
    assert [c.validated for c in players(load(FILE)).checks] == [True]


def test_not_valid_must_be_true_or_false():
    with pytest.raises(desired.SchemaFileError, match="not_valid must be true or false"):
        load(FILE.replace("- score >= 0", "- {expression: score >= 0, not_valid: yes please}"))


# -- the diff (no database) ------------------------------------------------------------------

@pytest.mark.parametrize("name", [CHECK, FK])
def test_a_not_valid_constraint_the_file_wants_valid_is_validated(name):
    changes = diff(not_valid(load(FILE), name), load(FILE))
    assert [(type(c), c.constraint.name) for c in changes] == [(ch.ValidateConstraint, name)]


def test_a_valid_constraint_satisfies_a_not_valid_declaration():
    assert diff(load(FILE), load(DECLARED_NOT_VALID)) == []


def test_a_not_valid_constraint_declared_not_valid_is_left_alone():
    assert diff(not_valid(load(FILE), CHECK, FK), load(DECLARED_NOT_VALID)) == []


def test_a_not_valid_constraint_that_also_differs_is_rebuilt_not_validated():
    changed = load(FILE.replace("score >= 0", "score >= 1"))
    kinds = [type(c) for c in diff(not_valid(load(FILE), CHECK), changed)]
    assert kinds == [ch.DropConstraint, ch.AddConstraint]


def test_a_renamed_not_valid_constraint_is_validated_under_its_new_name():
    renamed = load(FILE.replace("- score >= 0", "- {name: score_ok, expression: score >= 0, renamed_from: players_score_check}"))
    rename, validate = build_plan(diff(not_valid(load(FILE), CHECK), renamed)).statements
    assert rename.kind == "RenameConstraint" and validate.sql.endswith("VALIDATE CONSTRAINT score_ok")


def test_validating_runs_in_a_transaction_of_its_own():
    [statement] = build_plan(diff(not_valid(load(FILE), CHECK), load(FILE))).statements
    assert statement.sql == f'ALTER TABLE public.players VALIDATE CONSTRAINT {CHECK}'
    assert statement.isolated and [h.code for h in statement.hazards] == ["VALIDATE_SCAN"]


@pytest.mark.parametrize("online", [True, False])
def test_a_new_constraint_declared_not_valid_is_added_not_valid_and_never_validated(online):
    the_plan = build_plan(diff(without(load(FILE), CHECK, FK), load(DECLARED_NOT_VALID)), PlanOptions(online=online))
    assert [s.kind for s in the_plan.statements] == ["AddConstraint", "AddConstraint"]
    assert all(s.sql.rstrip().endswith("END $schemadiff$") and " NOT VALID;" in s.sql for s in the_plan.statements)
    assert all(s.hazards == () for s in the_plan.statements)


def test_a_not_valid_check_on_a_new_table_is_added_after_create_table():
    # CREATE TABLE would mark an inline NOT VALID check valid, as the table is empty.
    the_plan = build_plan(diff(Catalog(), load(DECLARED_NOT_VALID)))
    creates = [s.sql for s in the_plan.statements if s.kind == "CreateTable"]
    adds = [s.sql for s in the_plan.statements if s.kind == "AddConstraint"]
    assert not any("CHECK" in sql for sql in creates)
    assert len(adds) == 2 and all(" NOT VALID;" in sql for sql in adds)


# -- inspect's file (no database) ------------------------------------------------------------

def test_dump_writes_not_valid_true_and_loads_back_not_valid():
    live = not_valid(load(FILE), CHECK, FK)
    written = dump(live)
    table = yaml.safe_load(written)["tables"]["players"]
    assert table["checks"][0]["not_valid"] is True and table["foreign_keys"][0]["not_valid"] is True
    back = desired.loads(written)
    assert diff(live, back) == [] and diff(back, live) == []
    assert [c.validated for c in players(back).checks + players(back).foreign_keys] == [False, False]


# -- a real database -------------------------------------------------------------------------

LIVE_NOT_VALID = """
CREATE TABLE teams (id bigint PRIMARY KEY);
CREATE TABLE players (id bigint PRIMARY KEY, team_id bigint, score integer);
INSERT INTO players VALUES (1, 99, -1);  -- rows that neither constraint would accept
ALTER TABLE players ADD CONSTRAINT players_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams NOT VALID;
ALTER TABLE players ADD CONSTRAINT players_score_check CHECK (score >= 0) NOT VALID;
"""


def validity(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT conname, convalidated FROM pg_constraint"
                                 " WHERE conrelid = 'players'::regclass AND contype IN ('c', 'f')").fetchall())


def test_not_valid_constraints_round_trip_through_inspect(database_url, second_database, sql, tmp_path):  # noqa: F811
    sql(LIVE_NOT_VALID)
    inspected = run_cli("inspect", "--out", "schema.yaml", cwd=tmp_path, url=database_url)
    assert inspected.returncode == 0, output(inspected)
    applied = run_cli("apply", cwd=tmp_path, url=second_database)
    assert applied.returncode == 0, output(applied)
    for url in (database_url, second_database):
        planned = run_cli("plan", "--exit-code", cwd=tmp_path, url=url)
        assert planned.returncode == 0, output(planned)
        assert validity(url) == {CHECK: False, FK: False}


def test_check_reports_a_not_valid_constraint_the_file_wants_valid_once(database_url, sql):
    sql(LIVE_NOT_VALID)
    sql("DELETE FROM players")
    report = check(Target(database_url), load(FILE))
    mine = [(f.severity, f.problem, f.object) for f in report.findings if f.kind == "constraint"]
    assert sorted(mine) == [("warning", "not_valid", f"players.{name}") for name in sorted((CHECK, FK))]


def test_check_accepts_not_valid_constraints_the_file_declares_not_valid(database_url, sql):
    sql(LIVE_NOT_VALID)
    report = check(Target(database_url), load(DECLARED_NOT_VALID))
    assert [f for f in report.findings if f.kind == "constraint"] == []
