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


# The changes whose DDL has no IF [NOT] EXISTS of its own: renames of every kind, identities
# added to columns that were plain, serial or another identity, a type change whose USING
# only works on the old type, an enum rebuilt without a label.
UNGUARDED_BEFORE = """
enums:
  state: [draft, published]
  level: [low, mid, high]
tables:
  customers:
    columns:
      id: integer
      full_name: text
      email: text
      status: state
      ext: serial
      kind: {type: integer, identity: always}
      code: text
    unique:
      - name: customers_email_uniq
        columns: [email]
    checks:
      - name: customers_name_check
        expression: length(full_name) > 0
    indexes:
      - name: customers_name_idx
        columns: [full_name]
  tiers:
    columns:
      rank: {type: level, default: "'low'"}
"""
UNGUARDED_AFTER = """
enums:
  level: [low, high]
  status:
    renamed_from: state
    values: [draft, {name: live, renamed_from: published}]
tables:
  clients:
    renamed_from: customers
    columns:
      id: {type: integer, identity: by default}
      display_name: {type: text, renamed_from: full_name}
      email: text
      status: status
      ext: {type: integer, identity: always}
      kind: {type: integer, identity: by default}
      code: {type: integer, using: "nullif(trim(code), '')::integer"}
    unique:
      - name: clients_email_uniq
        columns: [email]
        renamed_from: customers_email_uniq
    checks:
      - name: clients_name_check
        expression: length(display_name) > 0
        renamed_from: customers_name_check
    indexes:
      - name: clients_name_idx
        columns: [display_name]
        renamed_from: customers_name_idx
  tiers:
    columns:
      rank: {type: level, default: "'low'"}
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


def test_unguarded_ddl_plan_sql_runs_twice(database_url):
    apply_yaml(database_url, UNGUARDED_BEFORE)
    sqls = statements(plan_yaml(database_url, UNGUARDED_AFTER))
    run_by_hand(database_url, sqls)
    run_by_hand(database_url, sqls)
    assert statements(plan_yaml(database_url, UNGUARDED_AFTER)) == []


def test_unguarded_ddl_plan_sql_reruns_after_stopping_anywhere(database_url, sql):
    """psql rerunning an exported file that stopped after any statement: the whole file must pass."""
    apply_yaml(database_url, UNGUARDED_BEFORE)
    sqls = statements(plan_yaml(database_url, UNGUARDED_AFTER))
    for stop in range(1, len(sqls)):
        sql("DROP SCHEMA public CASCADE")
        sql("CREATE SCHEMA public")
        apply_yaml(database_url, UNGUARDED_BEFORE)
        run_by_hand(database_url, sqls[:stop])
        run_by_hand(database_url, sqls)
        assert statements(plan_yaml(database_url, UNGUARDED_AFTER)) == [], f"stopped after statement {stop}"
