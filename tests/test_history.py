"""`schemadiff history` and `schemadiff rollback --to VERSION`: rollback plans the recorded
snapshot against the live database and applies it under the same guards."""

from __future__ import annotations

import json

from prodsafe_helpers import apply, cli, converged, version_count, write

V1 = """
tables:
  notes:
    columns:
      id: bigserial
      body: text
    primary_key: id
"""
V2 = V1 + """  tags:
    columns:
      id: bigserial
      label: text
    primary_key: id
"""
V3 = V2.replace("      body: text\n", "      content: {type: text, renamed_from: body}\n")


def test_history_lists_versions_as_text_and_json(database_url, sql, tmp_path):
    apply(database_url, V1)
    apply(database_url, V2)
    apply(database_url, V2)  # changes nothing: no row
    schema = write(tmp_path, V2)
    text = cli(database_url, schema, "history")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["VERSION", "APPLIED", "AT", "(UTC)", "BY", "HASH", "STMTS", "TOOL"]
    assert [line.split()[0] for line in lines[1:]] == ["2", "1"]
    rows = json.loads(cli(database_url, schema, "history", "--format", "json").stdout)
    assert [r["version"] for r in rows] == [2, 1]
    assert set(rows[0]) == {"version", "schema_hash", "applied_at", "applied_by", "tool_version", "statement_count"}
    assert rows[0]["statement_count"] == 1 and rows[0]["applied_by"] == "postgres"


def test_rollback_goes_back_to_a_recorded_snapshot_under_the_guards(database_url, sql, tmp_path):
    apply(database_url, V1)
    sql("INSERT INTO notes (body) VALUES ('kept')")
    apply(database_url, V2)
    apply(database_url, V3)
    assert version_count(sql) == 3
    schema = write(tmp_path, V3)

    dry = cli(database_url, schema, "rollback", "--to", "1", "--dry-run")
    assert dry.returncode == 0 and "drop table public.tags" in dry.stdout and "Dry run" in dry.stdout
    refused = cli(database_url, schema, "rollback", "--to", "1")
    assert refused.returncode == 4 and "drop table public.tags" in refused.stderr
    assert version_count(sql) == 3

    done = cli(database_url, schema, "rollback", "--to", "1", "--allow-destructive")
    assert done.returncode == 0, done.stderr
    assert "recorded version 4" in done.stdout
    assert sql("SELECT body FROM notes") == [("kept",)], "the column rename is undone, not dropped"
    assert sql("SELECT to_regclass('tags')") == [(None,)]
    assert converged(database_url, V1)


def test_rollback_to_an_unknown_version_says_which_exist(database_url, tmp_path):
    apply(database_url, V1)
    result = cli(database_url, write(tmp_path, V1), "rollback", "--to", "9")
    assert result.returncode == 1
    assert "version 9 is not recorded" in result.stderr and "recorded: 1" in result.stderr


def test_check_against_the_file_rolled_back_to_is_healthy(database_url, sql, tmp_path):
    apply(database_url, V1)
    apply(database_url, V2)
    apply(database_url, V3)  # renames body to content: rolling back renames it back
    done = cli(database_url, write(tmp_path, V3), "rollback", "--to", "2")
    assert done.returncode == 0, done.stderr

    check = cli(database_url, write(tmp_path, V2), "check")
    assert check.returncode == 0, check.stdout
    assert "behind" not in check.stdout
