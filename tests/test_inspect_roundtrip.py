"""``schemadiff inspect`` writes a file that rebuilds the same schema: applied to another
empty database it gives a schema that plans empty against the original and against itself."""

from __future__ import annotations

import uuid

import jsonschema
import psycopg
import pytest
import yaml
from psycopg import sql as pgsql

from conftest import with_dbname
from core_helpers import output, run_cli
from test_json_schema import validator

ORIGINAL = """
CREATE SCHEMA billing;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE people (
    id serial PRIMARY KEY,
    uid bigint GENERATED ALWAYS AS IDENTITY,
    email varchar(255) NOT NULL,
    nick varchar(40) DEFAULT 'anon'::character varying,
    state text NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'active', 'gone')),
    balance numeric(20,8) NOT NULL DEFAULT 0::numeric,
    ratio numeric DEFAULT '1.5',
    tags text[] DEFAULT '{}'::text[],
    scores integer[],
    data jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_ip inet,
    feeling mood DEFAULT 'ok',
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    born date,
    "Weird Name" text,
    UNIQUE (email)
);
COMMENT ON TABLE people IS 'Everyone we know';
COMMENT ON COLUMN people.email IS 'Login; it''s unique';
CREATE INDEX ON people (lower(email));
CREATE INDEX people_active ON people (created_at DESC) WHERE state = 'active';
CREATE INDEX ON people USING gin (data);
CREATE INDEX ON people USING gin (tags);
CREATE INDEX ON people (state, created_at);
CREATE TABLE billing.invoices (
    id bigserial PRIMARY KEY,
    person_id integer NOT NULL REFERENCES people ON DELETE CASCADE,
    amount numeric(12,2) NOT NULL CHECK (amount > 0),
    issued_on date NOT NULL DEFAULT CURRENT_DATE,
    paid_at timestamp
);
CREATE INDEX ON billing.invoices (person_id);
"""


@pytest.fixture
def second_database(pg_server):
    """Another fresh, empty database on the same server."""
    name = f"t_{uuid.uuid4().hex}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(pgsql.SQL("CREATE DATABASE {} TEMPLATE template0").format(pgsql.Identifier(name)))
    yield with_dbname(pg_server, name)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name)))


@pytest.fixture
def inspected(database_url, sql, tmp_path):
    """The file ``schemadiff inspect`` writes for ORIGINAL."""
    sql(ORIGINAL)
    result = run_cli("inspect", "--out", "schema.yaml", cwd=tmp_path, url=database_url)
    assert result.returncode == 0, output(result)
    return tmp_path / "schema.yaml"


def test_inspected_file_plans_empty_against_the_original(database_url, inspected):
    result = run_cli("plan", "--exit-code", cwd=inspected.parent, url=database_url)
    assert result.returncode == 0, output(result)
    assert "No changes" in result.stdout


def test_inspected_file_rebuilds_the_schema_elsewhere(database_url, second_database, inspected):
    applied = run_cli("apply", cwd=inspected.parent, url=second_database)
    assert applied.returncode == 0, output(applied)
    for url in (second_database, database_url):
        result = run_cli("plan", "--exit-code", cwd=inspected.parent, url=url)
        assert result.returncode == 0, output(result)


def test_inspected_file_matches_the_json_schema(inspected):
    jsonschema.validate(yaml.safe_load(inspected.read_text()), validator().schema)


def test_inspected_file_keeps_what_plain_sql_said(inspected):
    doc = yaml.safe_load(inspected.read_text())
    people = doc["tables"]["people"]
    assert people["comment"] == "Everyone we know"
    assert people["columns"]["email"]["comment"] == "Login; it's unique"
    assert "billing.invoices" in doc["tables"]
    assert doc["enums"]["mood"] == ["sad", "ok", "happy"]
