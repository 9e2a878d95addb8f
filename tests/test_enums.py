"""Enums: create, add labels in place, rename labels with `{name, renamed_from}`, and removing a
label is destructive (RecreateEnum) and refused without --allow-destructive."""

from __future__ import annotations

from prodsafe_helpers import apply, cli, converged, plan, write

V1 = """
enums:
  status: [draft, published]
tables:
  posts:
    columns:
      id: bigserial
      status: {type: status, nullable: false, default: "'draft'"}
    primary_key: id
"""


def _labels(sql):
    return sql("SELECT enum_range(NULL::status)::text")[0][0]


def test_labels_are_added_in_position_and_usable_in_the_same_apply(database_url, sql):
    apply(database_url, V1)
    sql("INSERT INTO posts (status) VALUES ('draft'), ('published')")
    v2 = V1.replace("[draft, published]", "[draft, review, published, archived]") \
        .replace("default: \"'draft'\"", "default: \"'review'\"")
    the_plan = plan(database_url, v2)
    assert [s.sql for s in the_plan.statements if s.kind == "AddEnumValue"] == [
        "ALTER TYPE public.status ADD VALUE IF NOT EXISTS 'review' BEFORE 'published'",
        "ALTER TYPE public.status ADD VALUE IF NOT EXISTS 'archived'"]
    apply(database_url, v2)  # the default uses the new label: labels commit first
    assert _labels(sql) == "{draft,review,published,archived}"
    assert converged(database_url, v2)


def test_a_label_renamed_in_place_keeps_the_rows(database_url, sql):
    apply(database_url, V1)
    sql("INSERT INTO posts (status) VALUES ('published')")
    v2 = V1.replace("[draft, published]", "[draft, {name: live, renamed_from: published}]")
    [statement] = plan(database_url, v2).statements
    assert "ALTER TYPE public.status RENAME VALUE 'published' TO 'live';" in statement.sql  # guarded: a rerun skips it
    apply(database_url, v2)
    assert sql("SELECT status::text FROM posts") == [("live",)]
    assert converged(database_url, v2), "the hint is a no-op once the label is renamed"


def test_removing_a_label_is_destructive_and_refused_without_the_flag(database_url, sql, tmp_path):
    apply(database_url, V1.replace("[draft, published]", "[draft, published, spam]"))
    sql("INSERT INTO posts (status) VALUES ('draft'), ('published')")
    schema = write(tmp_path, V1)
    refused = cli(database_url, schema, "apply")
    assert refused.returncode == 4, refused.stderr
    assert "removes label(s) spam" in refused.stderr
    assert _labels(sql) == "{draft,published,spam}"
    done = cli(database_url, schema, "apply", "--allow-destructive")
    assert done.returncode == 0, done.stderr
    assert _labels(sql) == "{draft,published}"
    assert sql("SELECT status::text FROM posts ORDER BY id") == [("draft",), ("published",)]
    assert converged(database_url, V1)
