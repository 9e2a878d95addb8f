"""Diff, plan and render without a database: ordering, hazards, idempotent SQL, determinism."""

from __future__ import annotations

from core_helpers import SCHEMA_YAML
from schemadiff import desired
from schemadiff.plan import report
from schemadiff.diff import diff
from schemadiff.model import Catalog
from schemadiff.plan import PlanOptions, build_plan

USERS = "users: {columns: {id: bigserial, email: text, note: text}, primary_key: id}"
POSTS = "posts: {columns: {id: serial, user_id: bigint}, primary_key: id, foreign_keys: [{columns: user_id, references: users}]}"


def catalog(*tables: str) -> Catalog:
    return desired.loads("tables: {" + ", ".join(tables) + "}")


def plan(current: Catalog, wanted: Catalog, online: bool = True):
    return build_plan(diff(current, wanted), PlanOptions(online=online))


def sqls(p) -> list[str]:
    return [s.sql for s in p.statements]


def test_equal_catalogs_give_an_empty_plan():
    assert plan(catalog(USERS, POSTS), catalog(USERS, POSTS)).empty


def test_plan_from_empty_creates_tables_before_foreign_keys():
    kinds = [s.kind for s in plan(Catalog(), catalog(POSTS, USERS)).statements]
    assert kinds.index("AddConstraint") > max(i for i, k in enumerate(kinds) if k == "CreateTable")


def test_dropping_tables_drops_foreign_keys_first():
    statements = sqls(plan(catalog(USERS, POSTS), Catalog()))
    assert "DROP CONSTRAINT IF EXISTS posts_user_id_fkey" in statements[0]
    assert any("DROP TABLE IF EXISTS public.users" in s for s in statements[1:])


def test_same_input_gives_byte_identical_plans():
    wanted = desired.load(SCHEMA_YAML)
    assert sqls(plan(Catalog(), wanted)) == sqls(plan(Catalog(), desired.load(SCHEMA_YAML)))


def test_every_statement_is_guarded_for_a_rerun():
    for sql in sqls(plan(Catalog(), desired.load(SCHEMA_YAML))):
        assert "IF NOT EXISTS" in sql or sql.startswith("COMMENT ON"), sql


def test_dropping_a_column_is_destructive():
    p = plan(catalog(USERS), catalog(USERS.replace(", note: text", "")))
    assert [(s.kind, [h.code for h in s.hazards]) for s in p.statements] == [("DropColumn", ["DELETES_DATA"])]
    assert p.destructive


def test_dropping_a_table_is_destructive():
    assert [h.code for s in plan(catalog(USERS), Catalog()).statements for h in s.hazards] == ["DELETES_DATA"]


def test_narrowing_a_type_is_destructive_widening_is_not():
    wide = catalog(USERS.replace("note: text", "note: varchar(10)"))
    narrow = catalog(USERS.replace("note: text", "note: varchar(5)"))
    assert plan(wide, narrow).destructive
    assert not plan(narrow, wide).destructive


def test_index_on_an_existing_table_is_built_concurrently_online():
    indexed = catalog(USERS[:-1] + ", indexes: [email]}")
    online = plan(catalog(USERS), indexed).statements[0]
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx" in online.sql
    assert not online.transactional and online.hazards[0].code == "INDEX_BUILD"
    offline = plan(catalog(USERS), indexed, online=False).statements[0]
    assert "CONCURRENTLY" not in offline.sql and offline.transactional


def test_index_on_a_new_table_is_built_plainly():
    created = sqls(plan(Catalog(), catalog(USERS[:-1] + ", indexes: [email]}")))
    assert any(s.startswith("CREATE INDEX IF NOT EXISTS users_email_idx") for s in created)


def test_foreign_key_on_an_existing_table_is_added_not_valid_then_validated():
    before = catalog(USERS, POSTS.replace(", foreign_keys: [{columns: user_id, references: users}]", ""))
    statements = plan(before, catalog(USERS, POSTS)).statements
    assert "NOT VALID" in statements[0].sql
    assert statements[1].sql == "ALTER TABLE public.posts VALIDATE CONSTRAINT posts_user_id_fkey"


def test_set_not_null_online_uses_a_helper_check():
    before = catalog(USERS)
    after = catalog(USERS.replace("email: text", "email: {type: text, nullable: false}"))
    statements = sqls(plan(before, after))
    assert "users_email_not_null" in statements[0] and "NOT VALID" in statements[0]
    assert statements[2].endswith("SET NOT NULL")
    assert "DROP CONSTRAINT IF EXISTS users_email_not_null" in statements[3]


def test_reserved_and_mixed_case_names_are_quoted():
    created = sqls(plan(Catalog(), catalog('"Order": {columns: {user: int, "Key": text}}')))
    assert created[0].startswith('CREATE TABLE IF NOT EXISTS public."Order" (\n    "user" integer,\n    "Key" text')


def test_comments_are_quoted_literals():
    created = sqls(plan(Catalog(), catalog("t: {comment: \"it's\", columns: {a: int}}")))
    assert "COMMENT ON TABLE public.t IS 'it''s'" in created


def test_reports_agree_on_the_verdict():
    p = plan(catalog(USERS), Catalog())
    assert report.verdict(p) == "1 statement(s), 1 destructive."
    assert report.verdict(p) in report.plan_text(p) and report.verdict(p) in report.plan_markdown(p)
    assert report.plan_sql(p).strip().endswith("DROP TABLE IF EXISTS public.users;")
