"""Views and materialized views: the file declares them (``views:``, ``materialized_views:``),
they are made once their tables are, a changed query is CREATE OR REPLACE where PostgreSQL
allows it and drop + create otherwise, inspect writes them back, and every change converges."""

from __future__ import annotations

import pytest
import yaml

from conftest import fresh_database
from core_helpers import dedent, invoke, load, output, problems, sqls, steady_state_queries
from prodsafe_helpers import apply, converged, plan
from schemadiff import desired as desired_file
from schemadiff.catalog.inspect import inspect
from schemadiff.diff import diff
from schemadiff.diff import views as vw
from schemadiff.model import Catalog, View

ITEMS = """
tables:
  items:
    columns:
      id: bigint
      name: text
      price: numeric(6,2)
      active: {type: boolean, default: "true"}
    primary_key: id
"""

VIEWS = ITEMS + """
views:
  active_items:
    query: select id, name, price from items where active
    comment: what the shop sells
    columns: {price: {comment: in euros}}
  cheap_items:
    query: SELECT id, name FROM active_items WHERE price < 10
    check_option: local
    with: {security_barrier: true}
materialized_views:
  item_totals:
    query: SELECT active, count(*) AS n, sum(price) AS total FROM items GROUP BY active
    indexes: [{columns: active, unique: true}]
    comment: totals per state
"""


def _live(url: str) -> Catalog:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET search_path = public")
        return inspect(conn, ["public"])


# The file ------------------------------------------------------------------------------------

def test_views_are_read_with_their_options_comments_and_indexes():
    catalog = load(VIEWS)
    assert catalog.manages_views
    views = catalog.view_map()
    cheap = next(v for v in views.values() if v.name == "cheap_items")
    assert (cheap.check_option, cheap.options) == ("local", (("security_barrier", "true"),))
    totals = next(v for v in views.values() if v.name == "item_totals")
    assert totals.materialized and totals.with_data and [i.name for i in totals.indexes] == ["item_totals_active_idx"]
    active = next(v for v in views.values() if v.name == "active_items")
    assert active.column_comments == (("price", "in euros"),) and active.comment == "what the shop sells"


def test_a_query_file_is_read_relative_to_the_schema_file(tmp_path):
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "v.sql").write_text("SELECT 1 AS one;\n")
    (tmp_path / "schema.yaml").write_text("views:\n  v: {query_file: sql/v.sql}\n")
    assert desired_file.load(tmp_path / "schema.yaml").views[0].query == "SELECT 1 AS one"


@pytest.mark.parametrize(("text", "message"), [
    ("views: {v: {comment: x}}", "view 'v' needs a query"),
    ("views: {v: {query: SELECT 1, query_file: v.sql}}", "has both query and query_file"),
    ("views: {v: {query_file: missing.sql}}", "cannot read 'missing.sql'"),
    ("views: {v: {query: SELECT 1, check_option: sometimes}}", "check_option is local or cascaded"),
    ("views: {v: {query: SELECT 1, with: {fillfactor: 1}}}", "unknown view option 'fillfactor'"),
    ("views: {v: {query: SELECT 1, with_data: false}}", "unknown key 'with_data' in view 'v'"),
    ("materialized_views: {m: {query: SELECT 1, check_option: local}}", "unknown key 'check_option'"),
    ("views: {v: SELECT 1}\nmaterialized_views: {v: SELECT 2}", "is declared twice"),
    ("tables: {t: {columns: {a: int}}}\nviews: {t: SELECT 1}", "declared as a table and as a view"),
])
def test_bad_view_entries_are_located_errors(text, message):
    assert message in problems(text)


# Diff without a database ---------------------------------------------------------------------

def test_queries_spelled_differently_compare_equal_without_a_server():
    old = load(ITEMS + "views: {v: 'SELECT id, name FROM items WHERE active'}")
    new = load(ITEMS + "views:\n  v: |\n    select id,   name\n    from items -- the shop\n    where (active)\n")
    assert diff(old, new) == []


def test_diff_of_two_files_differing_only_in_query_spelling_is_empty(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "old.yaml").write_text(dedent(ITEMS) + "views: {v: 'SELECT id FROM items'}\n")
    (tmp_path / "new.yaml").write_text(dedent(ITEMS) + "views: {v: 'select   id from items;'}\n")
    result = invoke("diff", "old.yaml", "new.yaml", cwd=tmp_path)
    assert result.returncode == 0, output(result)
    assert "VIEW" not in output(result)


def test_new_views_are_made_after_tables_and_after_the_views_they_read():
    statements = sqls(Catalog(), load(VIEWS))
    table = next(i for i, s in enumerate(statements) if s.startswith("CREATE TABLE"))
    active = next(i for i, s in enumerate(statements) if "VIEW public.active_items" in s)
    cheap = next(i for i, s in enumerate(statements) if "VIEW public.cheap_items" in s)
    assert table < active < cheap
    assert "CREATE OR REPLACE VIEW public.cheap_items WITH (security_barrier = true) AS\n" \
           "SELECT id, name FROM active_items WHERE price < 10\nWITH LOCAL CHECK OPTION" in statements


def test_a_file_without_views_leaves_live_views_alone():
    live = Catalog(views=(View("public", "v", "SELECT 1"),))
    assert diff(live, load("tables: {}")) == []
    assert diff(live, load("views: {}")) == [vw.DropView(live.views[0])]


# Against PostgreSQL --------------------------------------------------------------------------

def test_views_and_a_materialized_view_are_made_and_converge(database_url, sql):
    apply(database_url, VIEWS)
    assert converged(database_url, VIEWS)
    sql("INSERT INTO items VALUES (1, 'pen', 2.5, true)")
    assert sql("SELECT name FROM cheap_items") == [("pen",)]
    assert sql("SELECT obj_description('item_totals'::regclass, 'pg_class')") == [("totals per state",)]
    assert sql("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'item_totals'::regclass") == [
        ("item_totals_active_idx",)]


def test_changes_to_views_converge(database_url, sql):
    apply(database_url, VIEWS)
    changed = VIEWS.replace("where active", "where active and price > 0") \
                   .replace("comment: what the shop sells", "comment: on sale") \
                   .replace("check_option: local", "check_option: cascaded") \
                   .replace("with: {security_barrier: true}", "with: {}") \
                   .replace("indexes: [{columns: active, unique: true}]", "with_data: false")
    the_plan = plan(database_url, changed)
    kinds = {s.kind for s in the_plan.statements}
    assert "ReplaceView" in kinds and "RefreshMaterializedView" in kinds and "DropViewIndex" in kinds
    apply(database_url, changed)
    assert converged(database_url, changed)
    assert sql("SELECT relispopulated FROM pg_class WHERE relname = 'item_totals'") == [(False,)]
    assert sql("SELECT reloptions FROM pg_class WHERE relname = 'cheap_items'") == [(["check_option=cascaded"],)]
    apply(database_url, VIEWS)
    assert converged(database_url, VIEWS)


def test_a_query_returning_other_columns_drops_and_makes_the_view_again(database_url, sql):
    apply(database_url, VIEWS)
    changed = VIEWS.replace("select id, name, price from items where active", "select id, price from items where active")
    the_plan = plan(database_url, changed)
    assert [s.kind for s in the_plan.statements if "active_items" in s.sql or "cheap_items" in s.sql][:2] == [
        "DropView", "DropView"]  # cheap_items reads it: dropped first, made again after
    assert any("re-created around the re-creation of view public.active_items" in s.description for s in the_plan.statements)
    with pytest.raises(Exception):  # cheap_items reads name, which is gone
        apply(database_url, changed)
    fixed = changed.replace("SELECT id, name FROM active_items", "SELECT id FROM active_items")
    apply(database_url, fixed)
    assert converged(database_url, fixed)


def test_an_appended_column_is_create_or_replace(database_url):
    apply(database_url, VIEWS)
    changed = VIEWS.replace("select id, name, price from items where active", "select id, name, price, active from items where active")
    the_plan = plan(database_url, changed)
    assert [s.kind for s in the_plan.statements] == ["ReplaceView"]
    apply(database_url, changed)
    assert converged(database_url, changed)


def test_a_materialized_view_query_change_is_drop_and_create_with_a_hazard(database_url):
    apply(database_url, VIEWS)
    changed = VIEWS.replace("GROUP BY active", "WHERE price > 0 GROUP BY active")
    the_plan = plan(database_url, changed)
    assert [s.kind for s in the_plan.statements][:2] == ["DropView", "CreateView"]
    create = next(s for s in the_plan.statements if s.kind == "CreateView")
    assert any(h.code == "MATERIALIZED_VIEW_RECOMPUTED" for h in create.hazards) or "recomput" in create.description
    apply(database_url, changed)
    assert converged(database_url, changed)


def test_storage_parameters_of_a_materialized_view_are_made_changed_in_place_and_read_back(database_url, sql):
    text = """
tables: {readings: {columns: {id: int, value: numeric}}}
materialized_views:
  totals:
    query: SELECT sum(value) AS total FROM readings
    with: {fillfactor: 70, autovacuum_enabled: true}
"""
    apply(database_url, text)
    assert converged(database_url, text)
    changed = text.replace("{fillfactor: 70, autovacuum_enabled: true}", "{autovacuum_enabled: false}")
    kinds = [s.kind for s in plan(database_url, changed).statements]
    assert set(kinds) == {"SetViewStorageParameters"}  # RESET and SET, no rebuild: the rows stay
    apply(database_url, changed)
    assert converged(database_url, changed)
    assert sql("SELECT reloptions FROM pg_class WHERE relname = 'totals'") == [(["autovacuum_enabled=false"],)]
    [view] = _live(database_url).views
    assert view.parameters == (("autovacuum_enabled", "false"),)


def test_user_spelling_the_server_rewrites_gives_an_empty_plan(database_url):
    apply(database_url, VIEWS)
    respelled = VIEWS.replace("select id, name, price from items where active",
                              "SELECT items.id AS id, items.name, items.price FROM public.items WHERE (items.active)")
    assert converged(database_url, respelled)


def test_dropping_views_converges(database_url, sql):
    apply(database_url, VIEWS)
    apply(database_url, ITEMS + "views: {}\n")
    assert sql("SELECT count(*) FROM pg_class WHERE relkind IN ('v', 'm') AND relnamespace = 'public'::regnamespace") == [(0,)]
    assert converged(database_url, ITEMS + "views: {}\n")


def test_a_file_without_views_leaves_them_alone_and_reports_them_unmanaged(database_url, sql):
    apply(database_url, VIEWS)
    assert converged(database_url, ITEMS)
    changed = ITEMS.replace("price: numeric(6,2)", "price: numeric(8,2)")
    alter = next(s for s in plan(database_url, changed).statements if s.kind == "AlterColumn")
    assert any(h.code == "UNMANAGED_DEPENDENT" and "view public.active_items" in h.message for h in alter.hazards)
    assert alter.level != "safe"


RAW = """
CREATE SCHEMA report;
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, region text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers, amount numeric(10,2), placed date);
CREATE TABLE tree (id int PRIMARY KEY, parent int);
CREATE VIEW customer_orders AS
  SELECT c.id, c.name, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id;
CREATE VIEW report.region_totals AS
  SELECT region, sum(amount) AS total, count(*) AS n FROM customers JOIN orders ON orders.customer_id = customers.id
  GROUP BY region HAVING count(*) > 0;
CREATE VIEW big_customers AS
  WITH totals AS (SELECT id, sum(amount) AS total FROM customer_orders GROUP BY id)
  SELECT * FROM totals WHERE total > 100;
CREATE VIEW tree_paths AS
  WITH RECURSIVE walk(id, path) AS (
    SELECT id, ARRAY[id] FROM tree WHERE parent IS NULL
    UNION ALL SELECT t.id, w.path || t.id FROM tree t JOIN walk w ON t.parent = w.id)
  SELECT * FROM walk;
CREATE VIEW over_over AS SELECT id FROM big_customers;
CREATE MATERIALIZED VIEW report.daily AS SELECT placed, sum(amount) AS amount FROM orders GROUP BY placed WITH NO DATA;
CREATE UNIQUE INDEX daily_placed ON report.daily (placed);
COMMENT ON VIEW customer_orders IS 'orders with names';
COMMENT ON COLUMN customer_orders.amount IS 'in euros';
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_inspect_writes_views_and_the_file_rebuilds_an_empty_database(pg_server, database_url, sql, project):
    sql(RAW)
    result = invoke("inspect", "--out", "schema.yaml", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    written = yaml.safe_load((project / "schema.yaml").read_text())
    assert set(written["views"]) == {"customer_orders", "report.region_totals", "big_customers", "tree_paths", "over_over"}
    assert written["materialized_views"]["report.daily"]["with_data"] is False
    assert "view" not in output(result)  # none left out
    assert invoke("plan", "--exit-code", cwd=project, url=database_url).returncode == 0
    with fresh_database(pg_server) as rebuilt:
        applied = invoke("apply", cwd=project, url=rebuilt)
        assert applied.returncode == 0, output(applied)
        again = invoke("plan", "--exit-code", cwd=project, url=rebuilt)
        assert again.returncode == 0, output(again)
        assert _live(rebuilt).views == _live(database_url).views


def test_settling_view_spellings_with_the_server_costs_no_query_per_view(database_url, monkeypatch):
    table = "tables:\n  items: {columns: {id: bigint, price: integer}, primary_key: id}\n"
    # spelled unlike pg_get_viewdef, so each view is settled by the server on every plan
    def views(n: int) -> str:
        return "views:\n" + "".join(f"  v{i}: select id from items where price > {i}\n" for i in range(n))

    assert steady_state_queries(database_url, monkeypatch, table + views(1)) == \
        steady_state_queries(database_url, monkeypatch, table + views(12))


def test_an_option_written_on_or_yes_reads_as_true_and_off_as_absent(database_url, sql):
    """The catalog keeps an option as it was written (security_invoker = 'on', Supabase's
    spelling): inspect read only "true", so it wrote security_invoker: false and the rebuilt
    view ran with its owner's rights."""
    sql("CREATE TABLE t (id int)")
    sql("CREATE VIEW v_on WITH (security_invoker = 'on') AS SELECT id FROM t")
    sql("CREATE VIEW v_yes WITH (security_barrier = yes, security_invoker = 1) AS SELECT id FROM t")
    sql("CREATE VIEW v_off WITH (security_invoker = off) AS SELECT id FROM t")
    from schemadiff.desired.dump import dump
    import psycopg
    with psycopg.connect(database_url) as conn:
        live = inspect(conn, ["public"])
    options = {v.name: v.options for v in live.views}
    assert options == {"v_on": (("security_invoker", "true"),),
                       "v_yes": (("security_barrier", "true"), ("security_invoker", "true")), "v_off": ()}
    written = yaml.safe_load(dump(live))["views"]
    assert written["v_on"]["with"] == {"security_invoker": True}
    assert not diff(live, desired_file.loads(dump(live)))


@pytest.mark.parametrize(("text", "value"), [("on", True), ("ON", True), ("1", True), ("t", True), ("ye", True),
                                             ("off", False), ("of", False), ("0", False), ("n", False),
                                             ("o", None), ("maybe", None)])
def test_boolean_option_values_read_as_postgresql_reads_them(text, value):
    from schemadiff.pg.normalize import boolean
    assert boolean(text) is value
