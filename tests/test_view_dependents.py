"""The dependents pass: a change PostgreSQL refuses while views read what it touches (a column's
type, a dropped column or table, an enum rebuild) drops the managed views first, views over
views before the views they read, and makes them again from the file afterwards."""

from __future__ import annotations

import psycopg
import pytest

from conftest import fresh_database
from prodsafe_helpers import apply, converged, plan
from schemadiff.catalog.inspect import inspect
from schemadiff.diff import diff
from schemadiff.errors import DestructiveChangeRefused
from schemadiff.diff import views as vw
from schemadiff.model import Catalog, Column, QualifiedName, Table, View
from schemadiff.model.dependencies import Reference
from schemadiff.plan import build_plan

LAYERED = """
tables:
  items:
    columns:
      id: bigint
      code: varchar(20)
      price: numeric(4,2)
    primary_key: id
views:
  priced:
    query: SELECT id, code, price FROM items
  expensive:
    query: SELECT code, price FROM priced WHERE price > 10
materialized_views:
  price_stats:
    query: SELECT max(price) AS top FROM expensive
"""
WIDER = LAYERED.replace("numeric(4,2)", "numeric(6,2)").replace("varchar(20)", "text")


def _catalog(url: str) -> Catalog:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET search_path = public")
        return inspect(conn, ["public"])


def test_a_type_change_under_two_layers_of_views_drops_and_remakes_them(pg_server, database_url, sql):
    apply(database_url, LAYERED)
    sql("INSERT INTO items VALUES (1, 'a', 12.5)")
    the_plan = plan(database_url, WIDER)
    kinds = [(s.kind, s.object) for s in the_plan.statements]
    drops = [o for k, o in kinds if k == "DropView"]
    creates = [o for k, o in kinds if k == "CreateView"]
    assert drops == ["public.price_stats", "public.expensive", "public.priced"]  # readers first
    assert creates == ["public.priced", "public.expensive", "public.price_stats"]
    alters = [i for i, (k, _) in enumerate(kinds) if k == "AlterColumn"]
    assert max(i for i, (k, _) in enumerate(kinds) if k == "DropView") < min(alters)
    assert min(i for i, (k, _) in enumerate(kinds) if k == "CreateView") > max(alters)
    descriptions = " | ".join(s.description for s in the_plan.statements)
    assert "re-created around the type change of public.items.price" in descriptions \
        or "re-created around the type change of public.items.code" in descriptions
    remade = next(s for s in the_plan.statements if s.kind == "CreateView" and s.object == "public.price_stats")
    assert any(h.code == "MATERIALIZED_VIEW_RECOMPUTED" for h in remade.hazards)
    assert all(s.transactional and not s.isolated for s in the_plan.statements)  # one transaction
    apply(database_url, WIDER)
    assert converged(database_url, WIDER)
    assert sql("SELECT top FROM price_stats") == [(12.5,)] or sql("SELECT top::text FROM price_stats") == [("12.50",)]
    with fresh_database(pg_server) as direct:
        apply(direct, WIDER)
        assert _catalog(direct) == _catalog(database_url)


def test_a_column_rename_the_file_follows_in_the_view_converges(database_url):
    apply(database_url, LAYERED)
    renamed = LAYERED.replace("      code: varchar(20)", "      sku: {type: varchar(20), renamed_from: code}") \
                     .replace("SELECT id, code, price FROM items", "SELECT id, sku AS code, price FROM items")
    apply(database_url, renamed)
    assert converged(database_url, renamed.replace(", renamed_from: code", ""))


def test_a_column_rename_with_the_view_output_renamed_too_converges(database_url):
    apply(database_url, LAYERED)
    renamed = LAYERED.replace("      code: varchar(20)", "      sku: {type: varchar(20), renamed_from: code}") \
                     .replace("SELECT id, code, price FROM items", "SELECT id, sku, price FROM items") \
                     .replace("SELECT code, price FROM priced", "SELECT sku, price FROM priced")
    apply(database_url, renamed)
    assert converged(database_url, renamed)


def test_dropping_a_table_a_view_reads_while_the_file_drops_the_view(database_url, sql):
    apply(database_url, LAYERED)
    apply(database_url, "tables: {}\nviews: {}\n", allow_destructive=True)
    assert sql("SELECT to_regclass('items'), count(*) FROM pg_class WHERE relkind IN ('v', 'm')"
               " AND relnamespace = 'public'::regnamespace GROUP BY 1") in ([], [(None, 0)])
    assert sql("SELECT to_regclass('items')") == [(None,)]


def test_dropping_a_column_a_kept_view_no_longer_reads(database_url, sql):
    apply(database_url, LAYERED)
    fewer = LAYERED.replace("      code: varchar(20)\n", "").replace("SELECT id, code, price FROM items", "SELECT id, price FROM items") \
                   .replace("SELECT code, price FROM priced", "SELECT id, price FROM priced")
    apply(database_url, fewer, allow_destructive=True)
    assert converged(database_url, fewer)


def test_an_enum_rebuild_under_a_view_remakes_the_view(database_url, sql):
    before = """
enums: {state: [new, old, gone]}
tables:
  jobs: {columns: {id: bigint, state: state}, primary_key: id}
views:
  open_jobs: {query: "SELECT id, state FROM jobs WHERE state = 'new'::state"}
"""
    apply(database_url, before)
    after = before.replace("[new, old, gone]", "[new, old]")
    the_plan = plan(database_url, after)
    assert "DropView" in [s.kind for s in the_plan.statements]
    apply(database_url, after, allow_destructive=True)
    assert converged(database_url, after)


def test_a_replace_of_a_view_the_change_touches_becomes_drop_and_create():
    live_view = View("public", "v", "SELECT t.a FROM t", columns=(("a", "integer"),),
                     depends_on=(Reference("column", "public", "t", "a"),))
    table = Table("public", "t", (Column("a", "integer"),))
    current = Catalog(tables=(table,), views=(live_view,), manages_views=True)
    wider = Table("public", "t", (Column("a", "bigint"),))
    wanted_view = View("public", "v", "SELECT t.a, 1 AS b FROM t", columns=(("a", "integer"), ("b", "integer")))
    wanted = Catalog(tables=(wider,), views=(wanted_view,), manages_views=True)
    changes = diff(current, wanted)
    assert not any(isinstance(c, vw.ReplaceView) for c in changes)
    assert vw.DropView(live_view, 0, "re-created around the type change of public.t.a") in changes
    statements = [s.sql for s in build_plan(changes).statements]
    assert statements[0] == "DROP VIEW IF EXISTS public.v" and statements[-1].startswith("CREATE OR REPLACE VIEW public.v")


def test_a_view_the_file_does_not_manage_is_left_to_the_unmanaged_hazard():
    live_view = View("public", "v", "SELECT a FROM t", depends_on=(Reference("column", "public", "t", "a"),))
    current = Catalog(tables=(Table("public", "t", (Column("a", "integer"),)),), views=(live_view,))
    wanted = Catalog(tables=(Table("public", "t", (Column("a", "bigint"),)),))
    assert [type(c).__name__ for c in diff(current, wanted)] == ["AlterColumn"]
    assert QualifiedName("public", "t") == diff(current, wanted)[0].table


def test_check_names_the_change_not_the_views_made_again_around_it():
    from schemadiff.monitor.check import findings_from_changes

    live_view = View("public", "v", "SELECT a FROM t", depends_on=(Reference("column", "public", "t", "a"),))
    current = Catalog(tables=(Table("public", "t", (Column("a", "integer"),)),), views=(live_view,), manages_views=True)
    wanted = Catalog(tables=(Table("public", "t", (Column("a", "bigint"),)),), views=(View("public", "v", "SELECT a FROM t"),),
                     manages_views=True)
    assert [(f.kind, f.problem) for f in findings_from_changes(diff(current, wanted))] == [("column", "differs")]


def _over_t(*columns: Column) -> tuple:
    live = View("public", "v", "SELECT a FROM t", depends_on=(Reference("column", "public", "t", "a"),))
    over = View("public", "w", "SELECT a FROM v", depends_on=(Reference("column", "public", "v", "a"),))
    current = Catalog(tables=(Table("public", "t", (Column("a", "text"), Column("b", "text"))),), views=(live, over),
                      manages_views=True)
    wanted = Catalog(tables=(Table("public", "t", columns),), views=(View("public", "v", "SELECT a FROM t"),
                                                                     View("public", "w", "SELECT a FROM v")), manages_views=True)
    return current, wanted


def test_a_collation_change_remakes_the_views_over_the_column_and_the_views_over_those():
    current, wanted = _over_t(Column("a", "text", collation="C"), Column("b", "text"))
    changes = diff(current, wanted)
    assert {c.reason for c in changes if isinstance(c, vw.DropView)} == {
        "re-created around the collation change of public.t.a"}
    statements = [s.sql for s in build_plan(changes).statements]
    assert statements[:2] == ["DROP VIEW IF EXISTS public.w", "DROP VIEW IF EXISTS public.v"]
    assert [s.split(" AS")[0] for s in statements[-2:]] == ["CREATE OR REPLACE VIEW public.v", "CREATE OR REPLACE VIEW public.w"]


def test_dropping_a_column_no_view_reads_leaves_the_views_alone():
    current, wanted = _over_t(Column("a", "text"))
    assert [type(c).__name__ for c in diff(current, wanted)] == ["DropColumn"]


PRICED_BY_FUNCTION = """
tables:
  items:
    columns:
      id: bigint
      price: numeric(6,2)
    primary_key: id
functions:
  public.taxed(p numeric):
    returns: numeric
    language: sql
    body: SELECT p * 1.2
views:
  taxed_items:
    query: SELECT id, taxed(price) AS gross FROM items
"""


def test_a_function_dropped_and_remade_takes_the_views_that_call_it_along(database_url):
    apply(database_url, PRICED_BY_FUNCTION)
    changed = PRICED_BY_FUNCTION.replace("returns: numeric", "returns: double precision") \
                                .replace("SELECT p * 1.2", "SELECT (p * 1.2)::double precision")
    kinds = [(s.kind, s.object) for s in plan(database_url, changed).statements]
    assert [k for i, (k, _) in enumerate(kinds) if i == 0 or kinds[i - 1][0] != k] == \
        ["DropView", "ReplaceFunction", "CreateView"]
    apply(database_url, changed)
    assert converged(database_url, changed)


def test_apply_refuses_a_type_change_an_unmanaged_view_reads_and_changes_nothing(database_url, sql):
    without_views = LAYERED.split("views:")[0]
    apply(database_url, without_views)
    sql("CREATE VIEW by_hand AS SELECT id, price FROM items")
    wider = without_views.replace("numeric(4,2)", "numeric(6,2)")
    statement = next(s for s in plan(database_url, wider).statements if s.kind == "AlterColumn")
    assert statement.level != "safe" and any(h.code == "UNMANAGED_DEPENDENT" for h in statement.hazards)
    with pytest.raises(DestructiveChangeRefused, match="by_hand"):
        apply(database_url, wider)
    assert sql("SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
               " WHERE attrelid = 'items'::regclass AND attname = 'price'") == [("numeric(4,2)",)]


GUARDED = """
tables:
  accounts:
    columns:
      id: bigint
      tenant: integer
      status: varchar(10)
    primary_key: id
    row_level_security: enabled
functions:
  refuse_closed():
    returns: trigger
    language: plpgsql
    body: BEGIN RAISE EXCEPTION 'closed'; END
triggers:
  accounts.no_closed:
    timing: before
    events: [update]
    for_each: row
    when: "old.status = 'closed'"
    function: refuse_closed
policies:
  accounts.tenant_rows:
    using: "tenant = current_setting('app.tenant')::integer"
"""


def test_a_type_change_re_creates_the_triggers_and_policies_that_read_the_column(database_url):
    apply(database_url, GUARDED)
    wider = GUARDED.replace("status: varchar(10)", "status: text").replace("tenant: integer", "tenant: bigint")
    statements = plan(database_url, wider).statements
    kinds = [s.kind for s in statements]
    assert kinds.index("DropTrigger") < kinds.index("AlterColumn") < kinds.index("CreateTrigger")
    assert kinds.index("DropPolicy") < kinds.index("AlterColumn") < kinds.index("CreatePolicy")
    assert any("re-created around" in s.description for s in statements if s.kind == "CreatePolicy")
    apply(database_url, wider)
    assert converged(database_url, wider)


VIEW_FUNCTION_VIEW = """
tables:
  items: {columns: {id: bigint, active: boolean}, primary_key: id}
views:
  active_items: SELECT id FROM items WHERE active
  summary: SELECT count_active() AS n
functions:
  count_active():
    returns: bigint
    language: sql
    sql_body: RETURN (SELECT count(*) FROM active_items)
"""


def test_a_view_over_a_function_over_a_view_is_made_in_that_order(database_url):
    objects = [s.object for s in plan(database_url, VIEW_FUNCTION_VIEW).statements]
    made = [o for o in objects if o in ("public.active_items", "public.count_active()", "public.summary")]
    assert list(dict.fromkeys(made)) == ["public.active_items", "public.count_active()", "public.summary"]
    apply(database_url, VIEW_FUNCTION_VIEW)
    assert converged(database_url, VIEW_FUNCTION_VIEW)


def test_a_function_over_a_views_row_type_comes_after_the_view_and_around_its_re_creation(database_url, sql):
    """``RETURNS SETOF a view`` needs the view to exist (so a new such function is made after
    the views), and holds the view's row type (so it is dropped before the view is re-created
    around a type change, and made again after it)."""
    text = """
tables:
  parcels: {columns: {id: int, label: varchar(10)}, primary_key: id}
views:
  labelled: SELECT id, label FROM parcels WHERE label IS NOT NULL
functions:
  all_labelled():
    returns: SETOF labelled
    language: sql
    volatility: stable
    body: SELECT * FROM labelled
"""
    apply(database_url, text)
    assert converged(database_url, text)
    wider = text.replace("varchar(10)", "varchar(30)")
    apply(database_url, wider)
    assert converged(database_url, wider)
    sql("INSERT INTO parcels VALUES (1, repeat('x', 25))")
    assert sql("SELECT length(label) FROM all_labelled()") == [(25,)]
