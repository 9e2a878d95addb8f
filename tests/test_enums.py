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


GUARDED = """
enums:
  status: [draft, published, spam]
tables:
  posts:
    columns:
      id: bigserial
      status: {type: status, nullable: false, default: "'draft'"}
    primary_key: id
    checks:
      - {name: posts_not_spam, expression: "status <> 'spam'"}
      - {name: posts_published_has_id, expression: "status <> 'published' OR id > 0"}
    indexes:
      - {name: posts_published_id_idx, columns: [id], where: "status = 'published'"}
      - {name: posts_status_idx, columns: [status], where: "status <> 'spam'"}
"""


def test_removing_a_label_rebuilds_partial_indexes_and_checks_that_compare_the_enum(database_url, sql):
    apply(database_url, GUARDED)
    sql("INSERT INTO posts (status) VALUES ('draft'), ('published')")
    without_spam = GUARDED.replace("[draft, published, spam]", "[draft, published, archived]") \
        .replace("'spam'", "'archived'")
    apply(database_url, without_spam, allow_destructive=True)
    assert _labels(sql) == "{draft,published,archived}"
    assert sql("SELECT status::text FROM posts ORDER BY id") == [("draft",), ("published",)]
    assert sql("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
               "WHERE c.relname IN ('posts_published_id_idx', 'posts_status_idx') AND i.indisvalid") == [(2,)]
    assert converged(database_url, without_spam)


def test_an_enum_rebuild_keeps_the_indexes_and_checks_whose_text_survives_unchanged(database_url, sql):
    apply(database_url, GUARDED)
    without_spam = GUARDED.replace("[draft, published, spam]", "[draft, published]") \
        .replace("      - {name: posts_not_spam, expression: \"status <> 'spam'\"}\n", "") \
        .replace("      - {name: posts_status_idx, columns: [status], where: \"status <> 'spam'\"}\n", "")
    apply(database_url, without_spam, allow_destructive=True)
    assert _labels(sql) == "{draft,published}"
    assert sql("SELECT indexdef FROM pg_indexes WHERE indexname = 'posts_published_id_idx'") == [
        ("CREATE INDEX posts_published_id_idx ON public.posts USING btree (id) WHERE (status = 'published'::status)",)]
    assert sql("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'posts_published_has_id'") == [
        ("CHECK (((status <> 'published'::status) OR (id > 0)))",)]
    assert converged(database_url, without_spam)


KEYED_BY_MOOD = """
enums:
  mood: [sad, ok]
tables:
  users:
    columns: {mood_col: {type: mood, nullable: false}, at: {type: timestamptz, nullable: false}}
    primary_key: [mood_col, at]
  events:
    columns: {id: bigint, ref_mood: mood, ref_at: timestamptz}
    foreign_keys:
      - {columns: [ref_mood, ref_at], references: "users(mood_col, at)", on_delete: cascade}
"""


def test_a_foreign_key_between_columns_of_a_rebuilt_enum_is_dropped_and_added_around_the_rebuild(database_url, sql):
    """Found by the convergence suite: the rebuild converted users.mood_col first, and the key
    from events (still of the old type) 'cannot be implemented'."""
    apply(database_url, KEYED_BY_MOOD)
    sql("INSERT INTO users VALUES ('ok', '2024-01-01'); INSERT INTO events VALUES (1, 'ok', '2024-01-01')")
    rebuilt = KEYED_BY_MOOD.replace("mood: [sad, ok]", "mood: [ok, happy]")
    apply(database_url, rebuilt, allow_destructive=True)
    assert converged(database_url, rebuilt)
    assert sql("SELECT ref_mood::text FROM events") == [("ok",)]
