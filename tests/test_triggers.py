"""Triggers: the file declares them under ``triggers:`` (keyed table.name), they are created
after their tables (and views), dropped first, re-created when their definition changes,
enabled or disabled in place; inspect writes them back; a file without the key leaves them
alone. Trigger functions are made by raw SQL here (functions are another kind)."""

from __future__ import annotations

import pytest
import yaml

from conftest import fresh_database
from core_helpers import invoke, load, output, problems, sqls
from prodsafe_helpers import apply, converged
from schemadiff.diff import diff
from schemadiff.diff import triggers as tg
from schemadiff.model import Catalog, Trigger
from schemadiff.plan import build_plan

FUNCTIONS = """
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE FUNCTION audit_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_log (table_name, operation, row_count)
  SELECT TG_TABLE_NAME, TG_OP, count(*) FROM new_rows;
  RETURN NULL;
END $$;
CREATE FUNCTION check_total() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.total < 0 THEN RAISE EXCEPTION 'negative total'; END IF; RETURN NULL; END $$;
CREATE FUNCTION count_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE counters SET n = n + 1 WHERE name = TG_ARGV[0]; RETURN NULL; END $$;
"""

SCHEMA = """
tables:
  orders:
    columns:
      id: bigint
      status: text
      total: numeric
      updated_at: timestamptz
    primary_key: id
  audit_log:
    columns:
      table_name: text
      operation: text
      row_count: bigint
  counters:
    columns:
      name: text
      n: {type: int, default: "0"}
triggers:
  orders.set_updated_at:
    timing: before
    events: [update]
    when: "old.* IS DISTINCT FROM new.*"
    function: set_updated_at
    comment: keeps updated_at current
  orders.audit_inserts:
    timing: after
    events: [insert]
    for_each: statement
    function: audit_changes
    referencing: {new_table: new_rows}
  orders.status_changes:
    timing: after
    events: [{update of: [status, total]}]
    for_each: statement
    function: count_statement
    arguments: [status]
  orders.total_check:
    timing: after
    events: [insert, update]
    function: check_total
    constraint: {deferrable: true, initially_deferred: true}
"""


# The file ------------------------------------------------------------------------------------

def test_a_trigger_is_keyed_table_dot_name_and_reads_every_clause():
    catalog = load(SCHEMA)
    by_name = {t.name: t for t in catalog.triggers}
    assert by_name["set_updated_at"] == Trigger(
        "public", "orders", "set_updated_at", "before", ("update",), "set_updated_at", when="old.* IS DISTINCT FROM new.*",
        comment="keeps updated_at current")
    assert by_name["status_changes"].update_columns == ("status", "total")
    assert by_name["status_changes"].arguments == ("status",)
    assert (by_name["total_check"].constraint, by_name["total_check"].initially_deferred) == (True, True)
    assert by_name["audit_inserts"].new_table == "new_rows"
    assert catalog.manages_triggers


def test_events_may_be_written_as_text_and_a_schema_qualified_table_has_three_parts():
    catalog = load("""
        triggers:
          app.orders.t: {timing: after, events: "update of a, b", function: public.f(), for_each: statement}
        """)
    [t] = catalog.triggers
    assert (t.schema, t.table, t.name, t.events, t.update_columns, t.function) == (
        "app", "orders", "t", ("update",), ("a", "b"), "f")


@pytest.mark.parametrize(("text", "message"), [
    ("triggers: {t: {timing: before, events: [insert], function: f}}", "'t' names no table"),
    ("triggers: {o.t: {events: [insert], function: f}}", "needs a timing (before, after or instead of) and a function"),
    ("triggers: {o.t: {timing: during, events: [insert], function: f}}", "timing must be one of: before, after, instead of"),
    ("triggers: {o.t: {timing: before, events: [upsert], function: f}}", "an event must be insert, update"),
    ("triggers: {o.t: {timing: before, events: [truncate], function: f}}", "a truncate trigger is for each statement"),
    ("triggers: {o.t: {timing: before, events: [insert], function: f, constraint: true}}",
     "a constraint trigger is after and for each row"),
    ("triggers: {o.t: {timing: before, events: [insert], function: f, referencing: {new_table: n}}}",
     "transition tables (referencing) need an after trigger"),
    ("triggers: {o.t: {timing: after, events: [insert], function: f, enabled: sometimes}}", "enabled must be one of"),
    ("triggers: {o.t: {timing: after, events: [insert], function: f, fires: always}}", "unknown key 'fires'"),
])
def test_bad_triggers_are_located_errors(text, message):
    assert message in problems(text)


# Diff and plan -------------------------------------------------------------------------------

def test_triggers_come_after_their_tables_and_render_every_clause():
    statements = sqls(Catalog(), load(SCHEMA))
    assert statements.index(next(s for s in statements if "CREATE TABLE IF NOT EXISTS public.orders" in s)) < \
        statements.index(next(s for s in statements if s.startswith("CREATE TRIGGER set_updated_at")))
    assert "CREATE TRIGGER status_changes AFTER UPDATE OF status, total ON public.orders\n    FOR EACH STATEMENT\n" \
           "    EXECUTE FUNCTION count_statement('status')" in statements
    assert any(s.startswith("CREATE CONSTRAINT TRIGGER total_check AFTER INSERT OR UPDATE ON public.orders\n"
                            "    DEFERRABLE INITIALLY DEFERRED\n    FOR EACH ROW") for s in statements)
    assert any("REFERENCING NEW TABLE AS new_rows" in s for s in statements)
    assert "COMMENT ON TRIGGER set_updated_at ON public.orders IS 'keeps updated_at current'" in statements


def test_a_when_spelled_otherwise_is_the_same_trigger_without_a_database():
    one = load(SCHEMA)
    other = load(SCHEMA.replace('"old.* IS DISTINCT FROM new.*"', '"(OLD.*   is distinct from NEW.*)"'))
    assert diff(one, other) == []


def test_a_changed_trigger_is_replaced_in_place_on_postgresql_14_and_dropped_and_created_before():
    old = Trigger("public", "t", "tr", "before", ("insert",), "f")
    new = Trigger("public", "t", "tr", "before", ("insert", "update"), "f")
    changes = diff(Catalog(triggers=(old,)), Catalog(triggers=(new,)))
    assert changes == [tg.ReplaceTrigger(old, new)]
    from schemadiff.plan import PlanOptions
    [in_place] = build_plan(changes, PlanOptions(server_version=150000)).statements
    assert in_place.sql.startswith("CREATE OR REPLACE TRIGGER tr BEFORE INSERT OR UPDATE ON public.t")
    drop, create = build_plan(changes, PlanOptions(server_version=130000)).statements
    assert drop.sql == "DROP TRIGGER IF EXISTS tr ON public.t" and create.sql.startswith("CREATE TRIGGER tr")


def test_enabled_state_and_comment_change_in_place():
    old = Trigger("public", "t", "tr", "before", ("insert",), "f")
    new = Trigger("public", "t", "tr", "before", ("insert",), "f", enabled="replica", comment="c")
    assert sqls(Catalog(triggers=(old,)), Catalog(triggers=(new,))) == [
        "ALTER TABLE public.t ENABLE REPLICA TRIGGER tr", "COMMENT ON TRIGGER tr ON public.t IS 'c'"]


def test_a_file_without_a_triggers_key_leaves_those_in_the_database_alone():
    live = Catalog(triggers=(Trigger("public", "t", "tr", "before", ("insert",), "f"),))
    assert diff(live, load("tables: {}")) == []
    assert diff(live, load("triggers: {}")) == [tg.DropTrigger(live.triggers[0])]


def test_trigger_drops_come_first_and_carry_a_reason_for_the_dependents_pass():
    t = Trigger("public", "t", "tr", "before", ("insert",), "f")
    plan_ = build_plan([tg.CreateTrigger(t, reason="re-created around a column type change"), tg.DropTrigger(t)])
    assert [s.sql.split()[0] for s in plan_.statements] == ["DROP", "CREATE"]
    assert "re-created around a column type change" in plan_.statements[1].description


# Against PostgreSQL --------------------------------------------------------------------------

def _with_functions(sql):
    sql("CREATE TABLE audit_log (table_name text, operation text, row_count bigint)")
    sql(FUNCTIONS)
    sql("DROP TABLE audit_log")


def test_the_triggers_are_created_fire_and_converge(database_url, sql):
    _with_functions(sql)
    apply(database_url, SCHEMA)
    assert converged(database_url, SCHEMA)
    sql("INSERT INTO counters VALUES ('status', 0)")
    sql("INSERT INTO orders (id, status, total) VALUES (1, 'new', 10), (2, 'new', 5)")
    assert sql("SELECT operation, row_count FROM audit_log") == [("INSERT", 2)]
    sql("UPDATE orders SET status = 'paid' WHERE id = 1")
    assert sql("SELECT updated_at IS NOT NULL FROM orders WHERE id = 1") == [(True,)]
    assert sql("SELECT n FROM counters") == [(1,)]
    with pytest.raises(Exception, match="negative total"):
        sql("UPDATE orders SET total = -1 WHERE id = 2")


def test_changes_to_a_trigger_converge_and_going_back_too(database_url, sql):
    _with_functions(sql)
    apply(database_url, SCHEMA)
    changed = SCHEMA.replace("events: [update]\n    when:", "events: [insert, update]\n    when:") \
                    .replace("    arguments: [status]\n", "    arguments: [status, total]\n    enabled: disabled\n") \
                    .replace("initially_deferred: true}", "initially_deferred: false}") \
                    .replace("comment: keeps updated_at current", "comment: changed")
    changed = changed.replace("when: \"old.* IS DISTINCT FROM new.*\"", "when: \"new.status IS NOT NULL\"")
    apply(database_url, changed)
    assert converged(database_url, changed)
    assert sql("SELECT tgenabled FROM pg_trigger WHERE tgname = 'status_changes'") == [("D",)]
    apply(database_url, SCHEMA)
    assert converged(database_url, SCHEMA)
    dropped = SCHEMA.split("  orders.total_check:")[0]
    apply(database_url, dropped)
    assert converged(database_url, dropped)
    assert sql("SELECT count(*) FROM pg_trigger WHERE tgname = 'total_check'") == [(0,)]


def test_a_when_the_server_reads_otherwise_gives_an_empty_plan(database_url, sql):
    _with_functions(sql)
    apply(database_url, SCHEMA)
    spelled = SCHEMA.replace('"old.* IS DISTINCT FROM new.*"', '"old.status <> new.status and new.total > 0"')
    apply(database_url, spelled)
    stored = sql("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'set_updated_at'")[0][0]
    assert "(old.status <> new.status) AND (new.total > (0)::numeric)" in stored
    assert converged(database_url, spelled)
    assert converged(database_url, spelled.replace("new.total > 0", "NEW.total > 0::numeric"))


def test_an_instead_of_trigger_on_a_view_made_by_raw_sql(database_url, sql):
    _with_functions(sql)
    apply(database_url, SCHEMA)
    sql("CREATE VIEW open_orders AS SELECT id, status FROM orders WHERE status = 'new'")
    sql("""CREATE FUNCTION open_orders_insert() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN INSERT INTO orders (id, status, total) VALUES (NEW.id, 'new', 0); RETURN NEW; END $$""")
    with_view = SCHEMA + """
  open_orders.insert_order:
    timing: instead of
    events: [insert]
    function: open_orders_insert
"""
    apply(database_url, with_view)
    assert converged(database_url, with_view)
    sql("INSERT INTO open_orders (id) VALUES (7)")
    assert sql("SELECT status FROM orders WHERE id = 7") == [("new",)]
    assert sql("SELECT count(*) FROM pg_views WHERE viewname = 'open_orders'") == [(1,)]  # views: left alone


def test_a_file_without_triggers_leaves_them_and_reports_them_as_left_out(database_url, sql):
    _with_functions(sql)
    apply(database_url, SCHEMA)
    tables_only = SCHEMA.split("triggers:")[0]
    assert converged(database_url, tables_only)
    assert sql("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal") == [(4,)]


def test_a_trigger_on_a_partitioned_table_is_read_once_not_per_partition(database_url, sql):
    _with_functions(sql)
    text = """
        tables:
          events:
            columns: {id: bigint, at: date, updated_at: timestamptz}
            partition_by: range (at)
            partitions:
              events_2024: {values: "FROM ('2024-01-01') TO ('2025-01-01')"}
        triggers:
          events.touch: {timing: before, events: [update], function: set_updated_at}
        """
    apply(database_url, text)
    assert converged(database_url, text)
    assert sql("SELECT count(*) FROM pg_trigger WHERE tgname = 'touch'") == [(2,)]


RAW = """
CREATE SCHEMA app;
CREATE TABLE app.docs (id bigint PRIMARY KEY, title text, body text, search tsvector, touched timestamptz);
CREATE TRIGGER docs_search BEFORE INSERT OR UPDATE OF title, body ON app.docs
    FOR EACH ROW EXECUTE FUNCTION tsvector_update_trigger(search, 'pg_catalog.english', title, body);
CREATE TRIGGER docs_same BEFORE UPDATE ON app.docs
    FOR EACH ROW WHEN (old.title IS NOT DISTINCT FROM new.title AND old.body = new.body)
    EXECUTE FUNCTION suppress_redundant_updates_trigger();
CREATE TRIGGER docs_statement AFTER DELETE OR TRUNCATE ON app.docs
    FOR EACH STATEMENT EXECUTE FUNCTION suppress_redundant_updates_trigger();
CREATE TRIGGER docs_audit AFTER UPDATE ON app.docs REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION suppress_redundant_updates_trigger();
CREATE CONSTRAINT TRIGGER docs_deferred AFTER INSERT ON app.docs DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger('x', 'it''s');
ALTER TABLE app.docs DISABLE TRIGGER docs_statement;
ALTER TABLE app.docs ENABLE ALWAYS TRIGGER docs_audit;
COMMENT ON TRIGGER docs_search ON app.docs IS 'full text';
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_inspect_writes_triggers_and_the_file_rebuilds_an_empty_database(pg_server, database_url, sql, project):
    sql(RAW)
    result = invoke("inspect", "--out", "schema.yaml", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    written = yaml.safe_load((project / "schema.yaml").read_text())
    assert written["triggers"]["app.docs.docs_search"] == {
        "timing": "before", "events": ["insert", {"update of": ["title", "body"]}],
        "function": "tsvector_update_trigger", "arguments": ["search", "pg_catalog.english", "title", "body"],
        "comment": "full text"}
    assert written["triggers"]["app.docs.docs_deferred"]["constraint"] == {"deferrable": True, "initially_deferred": True}
    assert "trigger" not in output(result)  # no longer named as left out
    assert invoke("plan", "--exit-code", cwd=project, url=database_url).returncode == 0
    with fresh_database(pg_server) as rebuilt:
        applied = invoke("apply", cwd=project, url=rebuilt)
        assert applied.returncode == 0, output(applied)
        assert invoke("plan", "--exit-code", cwd=project, url=rebuilt).returncode == 0
        invoke("inspect", "--out", "again.yaml", cwd=project, url=rebuilt)
        assert yaml.safe_load((project / "again.yaml").read_text()) == written


def test_inspect_writes_triggers_with_the_functions_they_call(database_url, sql, project):
    _with_functions(sql)
    apply(database_url, SCHEMA)
    result = invoke("inspect", "--out", "schema.yaml", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    written = yaml.safe_load((project / "schema.yaml").read_text())
    assert "orders.set_updated_at" in written["triggers"] and "set_updated_at" in written["functions"]
    assert "trigger set_updated_at on public.orders" not in output(result)


def test_a_trigger_name_with_a_dot_is_written_apart_and_converges(database_url, sql):
    import psycopg

    from schemadiff.catalog.inspect import inspect
    from schemadiff.desired.dump import dump

    sql("CREATE TABLE jobs (id int); CREATE FUNCTION tg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"
        ' CREATE TRIGGER "v2.touch" BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION tg()')
    with psycopg.connect(database_url) as conn:
        live = inspect(conn, ["public"])
    text = dump(live)
    assert yaml.safe_load(text)["triggers"]["jobs.v2.touch"]["name"] == "v2.touch"
    assert [(t.table, t.name) for t in load(text).triggers] == [("jobs", "v2.touch")]
    assert converged(database_url, text)
