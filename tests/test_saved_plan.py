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


DROPS_NAME = V1.replace("      name: text\n", "")


def _reviewed_drop(database_url, tmp_path):
    apply(database_url, V1)
    schema = write(tmp_path, DROPS_NAME)
    made = cli(database_url, schema, "plan", "--out", "plan.json")
    assert made.returncode == 0, made.stderr
    return schema, tmp_path / "plan.json"


def _edit(saved, change, *, rehash=False):
    """Edit the saved plan's statements by hand, optionally recomputing the hash as a tamperer could."""
    data = json.loads(saved.read_text())
    for statement in data["statements"]:
        change(statement)
    if rehash:
        from schemadiff.deploy.saved import statements_from, statements_hash

        data["statements_hash"] = statements_hash(statements_from(data))
    saved.write_text(json.dumps(data))


def _name_column_exists(sql) -> bool:
    return sql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'name'") == [(1,)]


def test_refused_when_the_hazards_were_edited_out_of_a_destructive_plan(database_url, sql, tmp_path):
    schema, saved = _reviewed_drop(database_url, tmp_path)
    _edit(saved, lambda s: s.update(hazards=[], level="safe"))
    result = cli(database_url, schema, "apply", "--plan", str(saved))
    assert result.returncode == 6, result.stderr
    assert "its statements were edited" in result.stderr
    assert _name_column_exists(sql)
    assert version_count(sql) == 1


def test_refused_when_hazards_were_edited_out_and_the_hash_recomputed(database_url, sql, tmp_path):
    schema, saved = _reviewed_drop(database_url, tmp_path)
    _edit(saved, lambda s: s.update(hazards=[], level="safe"), rehash=True)
    result = cli(database_url, schema, "apply", "--plan", str(saved))
    assert result.returncode == 6, result.stderr
    assert "differs from the plan computed now" in result.stderr
    assert "hazards" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert _name_column_exists(sql)
    assert version_count(sql) == 1


def test_refused_when_the_hash_was_removed(database_url, sql, tmp_path):
    schema, saved = _reviewed(database_url, tmp_path)
    data = json.loads(saved.read_text())
    del data["statements_hash"]
    saved.write_text(json.dumps(data))
    result = cli(database_url, schema, "apply", "--plan", str(saved))
    assert result.returncode == 6, result.stderr
    assert "has no statements_hash" in result.stderr
    assert sql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email'") == [(0,)]
    assert version_count(sql) == 1


def test_refused_when_a_transactional_flag_was_flipped(database_url, sql, tmp_path):
    schema, saved = _reviewed(database_url, tmp_path)
    _edit(saved, lambda s: s.update(transactional=not s["transactional"]))
    result = cli(database_url, schema, "apply", "--plan", str(saved))
    assert result.returncode == 6, result.stderr
    assert sql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email'") == [(0,)]
    assert version_count(sql) == 1


def test_refused_when_a_flag_was_flipped_and_the_hash_recomputed(database_url, sql, tmp_path):
    schema, saved = _reviewed(database_url, tmp_path)
    _edit(saved, lambda s: s.update(transactional=False, isolated=True), rehash=True)
    result = cli(database_url, schema, "apply", "--plan", str(saved))
    assert result.returncode == 6, result.stderr
    assert "transactional" in result.stderr and "isolated" in result.stderr
    assert sql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email'") == [(0,)]
    assert version_count(sql) == 1


def test_an_unchanged_destructive_plan_applies_when_allowed(database_url, sql, tmp_path):
    schema, saved = _reviewed_drop(database_url, tmp_path)
    result = cli(database_url, schema, "apply", "--plan", str(saved), "--allow-destructive")
    assert result.returncode == 0, result.stderr
    assert not _name_column_exists(sql)
    assert converged(database_url, DROPS_NAME)


def test_an_unchanged_plan_with_a_concurrent_index_build_applies(database_url, sql, tmp_path):
    with_index = V1 + """    indexes:
      - name: users_name_idx
        columns: [name]
"""
    apply(database_url, V1)
    schema = write(tmp_path, with_index)
    assert cli(database_url, schema, "plan", "--out", "plan.json").returncode == 0
    result = cli(database_url, schema, "apply", "--plan", "plan.json")
    assert result.returncode == 0, result.stderr
    assert sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_name_idx'::regclass") == [(True,)]
    assert converged(database_url, with_index)
