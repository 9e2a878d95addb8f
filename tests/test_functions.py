"""Functions and procedures: the file declares them (overloads by their argument lists), they
are made after the types and before the tables whose defaults call them, changed in place
where PostgreSQL allows it and dropped and re-created where it does not, inspect writes them
back exactly, and every change converges."""

from __future__ import annotations

import psycopg
import pytest
import yaml

from conftest import fresh_database
from core_helpers import invoke, load, output, problems, sqls, steady_state_queries
from prodsafe_helpers import apply, converged, plan
from schemadiff.diff import diff
from schemadiff.diff import functions as fn
from schemadiff.model import Argument, Catalog

FUNCTIONS = """
schemas: [app]
functions:
  touch_updated_at:
    returns: trigger
    language: plpgsql
    body: |
      BEGIN NEW.updated_at := now(); RETURN NEW; END
  app.add(a integer, b integer DEFAULT 1):
    returns: integer
    language: sql
    volatility: immutable
    strict: true
    body: SELECT a + b
  app.add(a numeric, b numeric):
    returns: numeric
    sql_body: RETURN a + b
    parallel: safe
  app.pairs(n integer):
    returns: TABLE(i integer, label text)
    sql_body: |
      BEGIN ATOMIC
        SELECT g, 'n' || g FROM generate_series(1, n) g;
      END
    rows: 10
  app.split(s text, OUT head text, OUT tail text):
    language: sql
    body: SELECT split_part(s, ' ', 1), split_part(s, ' ', 2)
  app.names():
    returns: SETOF text
    language: sql
    volatility: stable
    body: SELECT 'a' UNION ALL SELECT 'b'
  app.secret():
    returns: text
    language: plpgsql
    security_definer: true
    set: {search_path: "app, pg_temp", work_mem: 64MB}
    cost: 5
    body: BEGIN RETURN current_user; END
    comment: runs as the owner
procedures:
  app.archive(days integer, INOUT moved bigint DEFAULT 0):
    language: plpgsql
    body: BEGIN moved := days; END
"""


# The file ------------------------------------------------------------------------------------

def test_the_key_carries_the_argument_list_and_overloads_are_two_functions():
    catalog = load(FUNCTIONS)
    keys = {f.label for f in catalog.functions}
    assert {"function app.add(integer, integer)", "function app.add(numeric, numeric)",
            "procedure app.archive(integer, bigint)", "function touch_updated_at()"} <= keys
    split = next(f for f in catalog.functions if f.name == "split")
    assert split.returns == "record" and split.identity == ("text",)
    add = next(f for f in catalog.functions if f.identity == ("integer", "integer"))
    assert add.arguments == (Argument("a", "integer"), Argument("b", "integer", "in", "1"))


def test_types_and_modes_are_spelled_as_the_server_prints_them():
    written = load("functions: {\"f(IN a int, b varchar(20), VARIADIC c int4[])\": {returns: timestamptz, body: select now()}}")
    [f] = written.functions
    assert [a.type for a in f.arguments] == ["integer", "character varying", "integer[]"]
    assert f.returns == "timestamp with time zone" and f.arguments[2].mode == "variadic"


@pytest.mark.parametrize(("text", "message"), [
    ("functions: {f: {body: select 1}}", "needs returns:"),
    ("functions: {f: {returns: int}}", "needs exactly one of body, body_file, sql_body"),
    ("functions: {f: {returns: int, body: x, sql_body: RETURN 1}}", "not body and sql_body"),
    ("functions: {'f(a int,': {returns: int, body: x}}", "must end with ')'"),
    ("functions: {'f(a int, )': {returns: int, body: x}}", "cannot read the arguments or result"),
    ("functions: {f: {returns: int, body: x, volatility: pure}}", "volatility must be one of"),
    ("functions: {f: {returns: int, body: x, cost: -1}}", "cost must be a positive number"),
    ("functions: {f: {returns: int, sql_body: RETURN 1, language: plpgsql}}", "a sql_body is SQL"),
    ("functions: {'f(a int)': {returns: int, body: x}, 'f(b integer)': {returns: int, body: x}}", "declared twice"),
    ("procedures: {p: {returns: int, body: x, language: sql}}", "unknown key 'returns' in procedure 'p'"),
    ("functions: {f: {returns: int, body_file: nowhere.sql}}", "cannot read body file"),
])
def test_bad_function_entries_are_located_errors(text, message):
    assert message in problems(text)


def test_a_body_file_is_read_relative_to_the_schema_file(tmp_path):
    from schemadiff import desired

    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "touch.sql").write_text("BEGIN RETURN NEW; END\n")
    (tmp_path / "schema.yaml").write_text("functions:\n  touch:\n    returns: trigger\n    language: plpgsql\n"
                                          "    body_file: sql/touch.sql\n")
    [f] = desired.load(tmp_path / "schema.yaml").functions
    assert f.body == "BEGIN RETURN NEW; END\n"


# Diff and plan -------------------------------------------------------------------------------

def test_functions_come_after_types_before_tables_and_each_create_turns_off_body_checks():
    wanted = load("""
enums: {mood: [ok, sad]}
functions:
  default_mood():
    returns: mood
    sql_body: RETURN 'ok'::mood
tables:
  people: {columns: {m: {type: mood, default: default_mood()}}}
""")
    statements = sqls(Catalog(), wanted)
    [create] = [i for i, s in enumerate(statements) if s.startswith("CREATE OR REPLACE FUNCTION")]
    assert statements[create - 1] == "SET LOCAL check_function_bodies = off"
    assert statements.index(next(s for s in statements if s.startswith("CREATE TYPE") or "CREATE TYPE" in s)) < create
    assert create < statements.index(next(s for s in statements if s.startswith("CREATE TABLE")))


def test_a_changed_body_is_replaced_in_place_and_a_changed_result_drops_and_recreates():
    before = load("functions: {'f(a int)': {returns: int, language: sql, body: select a}}")
    body = load("functions: {'f(a int)': {returns: int, language: sql, body: select a + 1}}")
    result = load("functions: {'f(a int)': {returns: bigint, language: sql, body: select a}}")
    renamed = load("functions: {'f(b int)': {returns: int, language: sql, body: select b}}")
    [change] = diff(before, body)
    assert isinstance(change, fn.ChangeFunction)
    [change] = diff(before, result)
    assert isinstance(change, fn.ReplaceFunction) and "result changes" in change.reason
    assert change.touches == ("function", "public", "f(integer)")
    [change] = diff(before, renamed)
    assert isinstance(change, fn.ReplaceFunction) and "renamed" in change.reason
    assert sqls(before, result)[0] == "DROP FUNCTION IF EXISTS public.f(a integer)"


def test_spelling_and_whitespace_of_the_same_function_give_no_change():
    a = load("functions: {'f(a int, b varchar)': {returns: int4, language: sql, body: '  select  a  '}}")
    b = load("functions: {'f(a integer, b character varying)': {returns: integer, language: sql, body: 'SELECT a'}}")
    assert diff(a, b) == []


def test_a_file_without_the_key_leaves_functions_alone_and_each_key_drops_only_its_kind():
    live = load(FUNCTIONS)
    assert diff(live, load("tables: {}")) == []
    drops = diff(live, load("functions: {}"))
    assert drops and all(isinstance(c, fn.DropFunction) and not c.function.procedure for c in drops)
    [drop] = diff(live, load("procedures: {}"))
    assert drop.function.procedure


# Against PostgreSQL --------------------------------------------------------------------------

def test_create_change_and_drop_converge(database_url, sql):
    apply(database_url, FUNCTIONS)
    assert converged(database_url, FUNCTIONS)
    assert sql("SELECT app.add(1), app.add(1.5, 2), (app.split('a b')).tail") == [(2, 3.5, "b")]
    assert sql("CALL app.archive(7)") == [(7,)]
    changed = FUNCTIONS.replace("body: SELECT a + b", "body: SELECT a + b + 0") \
        .replace("returns: SETOF text", "returns: SETOF varchar").replace("comment: runs as the owner", "comment: changed")
    apply(database_url, changed)
    assert converged(database_url, changed)
    smaller = changed.split("  app.secret():")[0] + "procedures: {}\n"
    apply(database_url, smaller)
    assert converged(database_url, smaller)
    assert sql("SELECT count(*) FROM pg_proc WHERE proname IN ('secret', 'archive')") == [(0,)]


def test_raw_sql_spelled_otherwise_gives_an_empty_plan(database_url, sql):
    sql("""
    CREATE FUNCTION f(a int4, b varchar = 'x', c int[] = '{}') RETURNS int LANGUAGE sql AS $$ select a $$;
    CREATE FUNCTION g(a users_id_type) RETURNS int LANGUAGE sql RETURN a + 1;
    """.replace("users_id_type", "int"))
    text = """
functions:
  f(a integer, b character varying DEFAULT 'x', c integer[] DEFAULT '{}'):
    returns: integer
    language: sql
    body: select a
  g(a int):
    returns: int4
    sql_body: RETURN a+1
"""
    assert converged(database_url, text)


def test_a_default_calling_a_function_made_in_the_same_plan_applies(database_url, sql):
    text = """
functions:
  next_code():
    returns: text
    language: sql
    body: SELECT 'c-' || nextval('codes')
  pad(s text, n int DEFAULT width()):
    returns: text
    sql_body: RETURN lpad(s, n, '0')
  width():
    returns: int
    sql_body: RETURN 6
sequences: {codes: {}}
tables:
  items: {columns: {code: {type: text, default: next_code()}, n: {type: text, default: "pad('1')"}}}
"""
    apply(database_url, text)
    sql("INSERT INTO items DEFAULT VALUES")
    assert sql("SELECT code, n FROM items") == [("c-1", "000001")]
    assert converged(database_url, text)


def test_re_creating_a_function_a_default_uses_takes_the_default_off_around_it(database_url):
    text = "functions: {one(): {returns: int, sql_body: RETURN 1}}\ntables: {t: {columns: {x: {type: int, default: one()}}}}\n"
    apply(database_url, text)
    statements = plan(database_url, text.replace("one(): {returns: int", "one(): {returns: bigint")).statements
    sqls_ = [s.sql for s in statements]
    drop = next(s for s in statements if s.sql.startswith("DROP FUNCTION"))
    assert not drop.hazards, "PostgreSQL no longer refuses: the default is off by then"
    assert sqls_.index("ALTER TABLE public.t ALTER COLUMN x DROP DEFAULT") < sqls_.index(drop.sql)
    assert sqls_[-1] == "ALTER TABLE public.t ALTER COLUMN x SET DEFAULT one()"


def test_a_function_an_unmanaged_object_uses_still_names_postgresqls_refusal(database_url, sql):
    text = "functions: {one(): {returns: int, sql_body: RETURN 1}}\n"
    apply(database_url, text)
    sql("CREATE SCHEMA other; CREATE TABLE other.t (x int CHECK (x <> public.one()))")
    statements = plan(database_url, text.replace("returns: int", "returns: bigint")).statements
    drop = next(s for s in statements if s.sql.startswith("DROP FUNCTION"))
    assert drop.hazards and "constraint t_x_check on table other.t" in drop.hazards[0].message


def test_functions_whose_sql_bodies_call_each_other_are_created_and_dropped_in_call_order(database_url, sql):
    """An SQL-standard body depends on the functions it calls (a quoted name too): the callee
    is made first and dropped last, whatever the names' alphabetical order."""
    text = """
functions:
  a_outer(n int):
    returns: int
    sql_body: RETURN "z inner"(n) + 1
  z inner(n int):
    returns: int
    sql_body: RETURN n * 2
  b_base():
    returns: int
    sql_body: RETURN 1
  c_caller():
    returns: int
    sql_body: RETURN b_base() + 1
"""
    apply(database_url, text)
    assert sql("SELECT a_outer(3)") == [(7,)]
    assert converged(database_url, text)
    apply(database_url, "functions: {}\n")
    assert sql("SELECT count(*) FROM pg_proc WHERE proname IN ('a_outer', 'z inner', 'b_base', 'c_caller')") == [(0,)]


def test_a_function_reading_a_view_or_returning_its_rows_is_made_after_that_view(database_url, sql):
    """An SQL-standard body is checked at creation, and a view's row type exists only with the
    view: such functions are made among the views, after the ones they need."""
    text = """
tables: {items: {columns: {id: int, active: boolean}}}
views: {active_items: SELECT id FROM items WHERE active}
functions:
  count_active():
    returns: bigint
    sql_body: BEGIN ATOMIC SELECT count(*) FROM active_items; END
  list_active():
    returns: SETOF active_items
    language: sql
    body: SELECT * FROM active_items
"""
    apply(database_url, text)
    sql("INSERT INTO items VALUES (1, true), (2, false)")
    assert sql("SELECT count_active(), (SELECT count(*) FROM list_active())") == [(1, 1)]
    assert converged(database_url, text)


RAW = """
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('ok', 'sad');
CREATE TABLE app.users (id bigint PRIMARY KEY, name text, mood app.mood);
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    NEW.name := lower(NEW.name);
    RETURN NEW;
  END $$;
CREATE FUNCTION app.add(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT a + b';
CREATE FUNCTION app.add(a numeric, b numeric) RETURNS numeric LANGUAGE sql RETURN a + b;
CREATE FUNCTION app.user_names(VARIADIC ids bigint[]) RETURNS SETOF text LANGUAGE sql STABLE ROWS 5
  BEGIN ATOMIC SELECT name FROM app.users WHERE id = ANY (ids); END;
CREATE FUNCTION app.moods(OUT m app.mood, OUT n bigint) RETURNS SETOF record LANGUAGE sql
  AS 'SELECT mood, count(*) FROM app.users GROUP BY mood';
CREATE FUNCTION app.t(x text) RETURNS TABLE("Key" text, value int) LANGUAGE sql AS $$SELECT x, 1$$;
CREATE FUNCTION "Weird Name"(a "char" DEFAULT 'x') RETURNS void LANGUAGE plpgsql SECURITY DEFINER LEAKPROOF
  COST 3 SET search_path = app, pg_temp SET statement_timeout = '5s' AS 'BEGIN NULL; END';
COMMENT ON FUNCTION app.add(int, int) IS 'adds';
CREATE PROCEDURE app.rename(IN uid bigint, INOUT result text DEFAULT NULL) LANGUAGE plpgsql AS $$BEGIN result := 'x'; END$$;
"""


def _definitions(url: str) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET search_path TO public")
        rows = conn.execute(
            "SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid), obj_description(p.oid, 'pg_proc')"
            " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname IN ('public', 'app')").fetchall()
    return {name: (definition, comment) for name, definition, comment in rows}


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_inspect_writes_functions_that_rebuild_each_one_exactly(pg_server, database_url, sql, project):
    sql(RAW)
    result = invoke("inspect", "--out", "schema.yaml", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    written = yaml.safe_load((project / "schema.yaml").read_text())
    assert "app.add(a integer, b integer DEFAULT 1)" in written["functions"]
    assert written["procedures"]["app.rename(uid bigint, INOUT result text DEFAULT NULL::text)"]["language"] == "plpgsql"
    assert "function app" not in output(result)  # no longer named as left out
    assert invoke("plan", "--exit-code", cwd=project, url=database_url).returncode == 0
    with fresh_database(pg_server) as rebuilt:
        applied = invoke("apply", cwd=project, url=rebuilt)
        assert applied.returncode == 0, output(applied)
        assert invoke("plan", "--exit-code", cwd=project, url=rebuilt).returncode == 0
        assert _definitions(rebuilt) == _definitions(database_url)


def test_a_c_function_is_reported_as_left_out_not_lost(database_url, sql, project):
    sql("CREATE FUNCTION my_abs(int) RETURNS int LANGUAGE internal IMMUTABLE AS 'int4abs'")
    result = invoke("inspect", "--out", "schema.yaml", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    assert "C-language function public.my_abs(integer)" in output(result)
    assert "functions" not in yaml.safe_load((project / "schema.yaml").read_text())


def test_a_steady_state_plan_sends_no_query_per_function(database_url, sql, monkeypatch):
    one = "functions:\n  f0(a int = 0):\n    returns: int\n    sql_body: RETURN a+1\n"
    many = "functions:\n" + "".join(f"  f{i}(a int = {i}):\n    returns: int\n    sql_body: RETURN a+{i}\n" for i in range(20))
    assert steady_state_queries(database_url, monkeypatch, one) == \
        steady_state_queries(database_url, monkeypatch, many)


def test_functions_of_schemas_the_file_does_not_manage_are_left_alone(database_url, sql, project):
    sql("CREATE SCHEMA other; CREATE FUNCTION other.f() RETURNS int LANGUAGE sql RETURN 1")
    text = "functions: {g(): {returns: int, sql_body: RETURN 2}}\n"
    assert [s.sql for s in plan(database_url, text).statements if "other" in s.sql] == []
    (project / "schema.yaml").write_text(text)
    result = invoke("plan", cwd=project, url=database_url)
    assert "create function g()" in output(result) and "other" not in output(result)


def test_a_function_over_an_enum_that_loses_a_label_is_made_again_around_the_rebuild(database_url, sql):
    """The rebuild renames the old enum and drops it once the columns are converted: a function
    taking or returning it (and a view calling that function) would block the drop, so they are
    dropped first and made again over the new type."""
    text = """
enums: {level: [low, mid, high, extreme]}
tables: {readings: {columns: {id: int, lvl: level}}}
functions:
  above_mid(l level):
    returns: boolean
    language: sql
    volatility: immutable
    body: SELECT l > 'mid'
  top():
    returns: level
    sql_body: RETURN 'high'::level
views:
  loud_readings: SELECT id FROM readings WHERE above_mid(lvl)
"""
    apply(database_url, text)
    sql("INSERT INTO readings VALUES (1, 'high'), (2, 'low')")
    fewer = text.replace(", extreme]", "]")
    steps = [s.description for s in plan(database_url, fewer).statements]
    assert "drop function above_mid(level) (re-created around the rebuild of enum public.level)" in steps
    apply(database_url, fewer, allow_destructive=True)
    assert converged(database_url, fewer)
    assert sql("SELECT id, above_mid(top()) FROM loud_readings") == [(1, True)]


def test_a_column_default_calling_a_function_over_a_rebuilt_enum_is_put_back_after_it(database_url, sql):
    """PostgreSQL refuses to drop a function a column default calls: the default is taken off
    before the function is dropped around the enum rebuild, and put back once it is made again."""
    text = """
enums: {mood: [sad, ok, happy]}
functions:
  default_mood():
    returns: mood
    volatility: stable
    body: SELECT 'ok'::mood
tables:
  people:
    columns:
      id: {type: integer, nullable: false}
      m: {type: mood, default: default_mood()}
    primary_key: id
"""
    apply(database_url, text)
    fewer = text.replace("[sad, ok, happy]", "[ok, happy]")
    statements = plan(database_url, fewer).statements
    steps = [s.description for s in statements]
    around = "(re-created around the rebuild of enum public.mood)"
    assert steps.index(f"drop default of column public.people.m {around}") \
        < steps.index(f"drop function default_mood() {around}")
    assert steps.index(f"create function default_mood() {around}") \
        < steps.index(f"set default of column public.people.m {around}")
    assert not any(h.code == "FAILS_IF_USED" for s in statements for h in s.hazards)
    apply(database_url, fewer, allow_destructive=True)
    assert converged(database_url, fewer)
    sql("INSERT INTO people (id) VALUES (1)")
    assert sql("SELECT m::text FROM people") == [("ok",)]


def test_a_column_default_calling_a_function_whose_result_type_changes_is_put_back_after_it(database_url, sql):
    text = """
functions:
  next_code():
    returns: integer
    body: SELECT 7
tables:
  tickets:
    columns:
      id: {type: integer, nullable: false}
      code: {type: bigint, default: next_code()}
    primary_key: id
"""
    apply(database_url, text)
    wider = text.replace("returns: integer", "returns: bigint")
    apply(database_url, wider)
    assert converged(database_url, wider)
    sql("INSERT INTO tickets (id) VALUES (1)")
    assert sql("SELECT code FROM tickets") == [(7,)]


def test_an_empty_search_path_rebuilds_and_reads_the_same_as_written(pg_server, database_url, sql, project):
    """SET search_path = '' (the safe setting for a SECURITY DEFINER function) is kept as ""
    in the catalog, which SET refuses as a zero-length identifier: the rebuild failed."""
    sql("CREATE FUNCTION guarded() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path TO '' AS 'SELECT 1';"
        "CREATE FUNCTION mixed() RETURNS int LANGUAGE sql SET search_path TO public, '' AS 'SELECT 2'")
    assert invoke("inspect", "--out", "schema.yaml", cwd=project, url=database_url).returncode == 0
    with fresh_database(pg_server) as rebuilt:
        applied = invoke("apply", cwd=project, url=rebuilt)
        assert applied.returncode == 0, output(applied)
        assert invoke("plan", "--exit-code", cwd=project, url=rebuilt).returncode == 0
        assert _definitions(rebuilt) == _definitions(database_url)
    # Written by hand as one would: the same function, no change.
    by_hand = "functions:\n  guarded():\n    returns: integer\n    language: sql\n    security_definer: true\n" \
              "    body: SELECT 1\n    set: {search_path: ''}\n"
    assert load(by_hand).functions[0].config == (("search_path", '""'),)
