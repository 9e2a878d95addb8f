"""Reviewed plans: `plan --out` then `apply --plan` runs exactly the reviewed statements, and is
refused (StalePlan, exit 6) when the database, the schema file or the plan file changed."""

from __future__ import annotations

import json

from prodsafe_helpers import apply, cli, converged, version_count, write

V1 = """
tables:
  users:
    columns:
      id: bigserial
      name: text
    primary_key: id
"""
V2 = V1 + """    indexes:
      - columns: [name]
""".replace("    primary_key: id\n", "")
V2 = V1.replace("      name: text\n", "      name: text\n      email: varchar(255)\n")


def _reviewed(database_url, tmp_path):
    apply(database_url, V1)
    schema = write(tmp_path, V2)
    made = cli(database_url, schema, "plan", "--out", "plan.json")
    assert made.returncode == 0, made.stderr
    return schema, tmp_path / "plan.json"


def test_apply_runs_exactly_the_saved_statements(database_url, sql, tmp_path):
    schema, saved = _reviewed(database_url, tmp_path)
    reviewed = [s["sql"] for s in json.loads(saved.read_text())["statements"]]
    assert reviewed == ["ALTER TABLE public.users ADD COLUMN IF NOT EXISTS email character varying(255)"]
    result = cli(database_url, schema, "apply", "--plan", str(saved))
    assert result.returncode == 0, result.stderr
    recorded = sql("SELECT statements FROM schemadiff_version ORDER BY version DESC LIMIT 1")[0][0]
    assert recorded == reviewed
    assert converged(database_url, V2)


def test_refused_when_someone_changed_the_database_since(database_url, sql, tmp_path):
    schema, saved = _reviewed(database_url, tmp_path)
    sql("ALTER TABLE users ADD COLUMN nickname text")
    result = cli(database_url, schema, "apply", "--plan", str(saved))
    assert result.returncode == 6, result.stderr
    assert "the database changed since the plan was made" in result.stderr
    assert "column public.users.nickname" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert sql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email'") == [(0,)]
    assert version_count(sql) == 1


def test_refused_when_the_schema_file_changed_since(database_url, sql, tmp_path):
    schema, saved = _reviewed(database_url, tmp_path)
    write(tmp_path, V2.replace("varchar(255)", "text"))
    result = cli(database_url, schema, "apply", "--plan", str(saved))
    assert result.returncode == 6, result.stderr
    assert "the schema file is not the one the plan was made from" in result.stderr
    assert version_count(sql) == 1


def test_refused_when_the_plan_file_was_edited(database_url, sql, tmp_path):
    schema, saved = _reviewed(database_url, tmp_path)
    data = json.loads(saved.read_text())
    data["statements"][0]["sql"] = "DROP TABLE users"
    saved.write_text(json.dumps(data))
    result = cli(database_url, schema, "apply", "--plan", str(saved))
    assert result.returncode == 6, result.stderr
    assert "its statements were edited" in result.stderr
    assert sql("SELECT to_regclass('users') IS NOT NULL") == [(True,)]
    assert version_count(sql) == 1
