"""Plans survive interruption: the SQL of a plan can run twice without error, and ``apply``
converges from any point of a half-run plan."""

from __future__ import annotations

import psycopg
import pytest

from core_helpers import SCHEMA_YAML, apply_yaml, plan_yaml, statements

BEFORE = """
enums:
  level: [low, mid, high]
tables:
  users:
    columns:
      id: serial
      email: text
      nick: varchar(20)
      level: level
      old: text
    primary_key: id
  posts:
    columns: {id: serial, user_id: integer, body: text}
    primary_key: id
"""

# Every kind of change at once on existing tables: online index builds, NOT VALID + VALIDATE,
# the SET NOT NULL helper check, type changes, an enum rebuilt without a label.
AFTER = """
enums:
  level: [low, high, top]
tables:
  users:
    comment: people
    columns:
      id: bigserial
      email: {type: text, nullable: false, comment: login}
      nick: {type: varchar(40), default: "'anon'"}
      level: level
      joined: {type: timestamptz, nullable: false, default: now()}
    primary_key: id
    unique: [email]
    checks: [length(nick) > 1]
    indexes:
      - lower(email)
      - columns: [joined DESC]
        where: nick <> 'anon'
  posts:
    columns: {id: serial, user_id: bigint, body: text, tags: "text[]"}
    primary_key: id
    foreign_keys: [{columns: user_id, references: users, on_delete: cascade}]
    indexes: [{columns: tags, using: gin}, user_id]
  app.jobs:
    columns: {id: {type: bigint, identity: always}, state: text}
    primary_key: id
"""


def run_by_hand(url: str, sqls: list[str]) -> None:
    """Run statements one by one, each committed on its own (as psql would)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in sqls:
            conn.execute(sql)


def test_schema_yaml_plan_sql_runs_twice(database_url):
    sqls = statements(plan_yaml(database_url, SCHEMA_YAML.read_text()))
    run_by_hand(database_url, sqls)
    run_by_hand(database_url, sqls)
    assert plan_yaml(database_url, SCHEMA_YAML.read_text()).empty


def test_change_plan_sql_runs_twice(database_url):
    apply_yaml(database_url, BEFORE)
    sqls = statements(plan_yaml(database_url, AFTER))
    run_by_hand(database_url, sqls)
    run_by_hand(database_url, sqls)
    assert statements(plan_yaml(database_url, AFTER)) == []


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_apply_converges_from_a_half_run_plan_from_empty(database_url, fraction):
    sqls = statements(plan_yaml(database_url, SCHEMA_YAML.read_text()))
    run_by_hand(database_url, sqls[: int(len(sqls) * fraction)])
    apply_yaml(database_url, SCHEMA_YAML.read_text(), allow_destructive=False)
    assert plan_yaml(database_url, SCHEMA_YAML.read_text()).empty


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.8])
def test_apply_converges_from_a_half_run_change_plan(database_url, fraction):
    apply_yaml(database_url, BEFORE)
    sqls = statements(plan_yaml(database_url, AFTER))
    run_by_hand(database_url, sqls[: max(1, int(len(sqls) * fraction))])
    apply_yaml(database_url, AFTER)
    assert statements(plan_yaml(database_url, AFTER)) == []
