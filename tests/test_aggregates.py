"""Aggregates: the file declares them (``aggregates:``), they are made after the functions
they use and before the views calling them, inspect writes them back (Pagila's group_concat
and the view using it rebuild in an empty database), and every change converges."""

from __future__ import annotations

import pytest
import yaml

from conftest import fresh_database
from core_helpers import invoke, load, output, problems
from prodsafe_helpers import apply, converged, plan
from schemadiff.model import Aggregate, Argument

FUNCTION = """
  _group_concat(text, text):
    returns: text
    volatility: immutable
    body: SELECT CASE WHEN $2 IS NULL THEN $1 WHEN $1 IS NULL THEN $2 ELSE $1 || ', ' || $2 END
"""
GROUP_CONCAT = f"""
functions:{FUNCTION}
aggregates:
  group_concat(text):
    sfunc: _group_concat
    stype: text
    comment: joins texts with commas
"""
VIEW = """
tables:
  actor: {columns: {id: int, name: text}}
views:
  actor_names:
    query: SELECT group_concat(DISTINCT name) AS names FROM actor
"""

# The file ------------------------------------------------------------------------------------


def test_an_aggregate_is_keyed_by_name_and_argument_types_spelled_as_the_server_does():
    catalog = load("""
        aggregates:
          app.total(int ORDER BY float8):
            sfunc: pg_catalog.int4pl
            stype: int
            initcond: 0
            parallel: SAFE
    """)
    assert catalog.manages_aggregates
    assert catalog.aggregates == (Aggregate(
        "app", "total", (Argument(None, "integer"), Argument(None, "double precision")), "int4pl", "integer",
        direct=1, initcond="0", parallel="safe"),)
    assert not load("tables: {}").manages_aggregates


@pytest.mark.parametrize(("text", "message"), [
    ("aggregates: {a(text): {stype: text}}", "aggregate 'a(text)' needs sfunc: (its state transition function) and stype:"),
    ("aggregates: {a(text): {sfunc: f, stype: text, sfnuc: g}}", "unknown key 'sfnuc' in aggregate 'a(text)'; did you mean 'sfunc'?"),
    ("aggregates: {a(text: {sfunc: f, stype: text}}", "cannot read the arguments of aggregate 'a(text'"),
    ("aggregates: {a(text): {sfunc: f, stype: text, parallel: maybe}}", "parallel must be one of unsafe, restricted, safe"),
    ("aggregates: {a(text): {sfunc: f, stype: text, hypothetical: true}}", "only an ordered-set aggregate"),
    ("aggregates: {a(OUT text): {sfunc: f, stype: text}}", "no OUT/INOUT mode"),
    ("aggregates: {a(text): {sfunc: f, stype: text, sspace: -1}}", "sspace must be a number of bytes"),
])
def test_bad_aggregate_entries_are_located_errors(text, message):
    assert message in problems(text)


# The database --------------------------------------------------------------------------------


def test_an_aggregate_and_a_view_calling_it_are_created_in_order_and_converge(database_url, sql):
    text = GROUP_CONCAT + VIEW
    apply(database_url, text)
    sql("INSERT INTO actor VALUES (1, 'b'), (2, 'a'), (3, 'a')")
    assert sql("SELECT names FROM actor_names") == [("a, b",)]
    assert sql("SELECT obj_description('group_concat(text)'::regprocedure, 'pg_proc')") == [("joins texts with commas",)]
    assert converged(database_url, text)


def test_an_option_changes_in_place_and_the_state_type_by_re_creating_the_views_too(database_url, sql):
    apply(database_url, GROUP_CONCAT + VIEW)
    changed = GROUP_CONCAT.replace("stype: text\n", "stype: text\n    initcond: ''\n    parallel: safe\n")
    statements = [s.sql for s in plan(database_url, changed + VIEW).statements]
    assert any(s.startswith("CREATE OR REPLACE AGGREGATE public.group_concat(text)") for s in statements), statements
    assert not any("DROP" in s for s in statements)
    apply(database_url, changed + VIEW)
    assert converged(database_url, changed + VIEW)

    retyped = changed.replace("stype: text", "stype: varchar\n    finalfunc: _final").replace(
        "aggregates:", """  _final(varchar):
    returns: text
    body: SELECT $1::text
aggregates:""").replace("_group_concat(text, text):", "_group_concat(varchar, text):").replace(
        "returns: text\n    volatility", "returns: varchar\n    volatility")
    descriptions = [s.description for s in plan(database_url, retyped + VIEW).statements]
    assert any("drop and re-create aggregate group_concat(text) (its state type changes" in d for d in descriptions), descriptions
    assert any("re-created around the re-creation of aggregate public.group_concat(text)" in d for d in descriptions), descriptions
    apply(database_url, retyped + VIEW)
    assert converged(database_url, retyped + VIEW)


def test_an_aggregate_the_file_drops_goes_before_the_functions_it_uses(database_url, sql):
    apply(database_url, GROUP_CONCAT)
    without = "functions: {}\naggregates: {}\n"
    statements = [s.sql for s in plan(database_url, without).statements]
    assert statements.index("DROP AGGREGATE IF EXISTS public.group_concat(text)") < \
        statements.index("DROP FUNCTION IF EXISTS public._group_concat(text, text)")
    apply(database_url, without)
    assert sql("SELECT count(*) FROM pg_proc WHERE proname LIKE '%group_concat'") == [(0,)]
    assert converged(database_url, without)


def test_a_file_without_the_key_leaves_aggregates_alone(database_url, sql):
    apply(database_url, GROUP_CONCAT)
    text = f"functions:{FUNCTION}"
    assert converged(database_url, text)
    assert not any("AGGREGATE" in s.sql for s in plan(database_url, text).statements)


def test_an_ordered_set_aggregate_made_by_sql_is_what_the_file_says(database_url, sql):
    sql("""CREATE SCHEMA app;
           CREATE AGGREGATE app.my_percentile(double precision ORDER BY anyelement) (
               SFUNC = ordered_set_transition, STYPE = internal, FINALFUNC = percentile_disc_final,
               FINALFUNC_EXTRA)""")
    text = """
        schemas: [app]
        aggregates:
          app.my_percentile(float8 ORDER BY anyelement):
            sfunc: pg_catalog.ordered_set_transition
            stype: internal
            finalfunc: percentile_disc_final
            finalfunc_extra: true
    """
    assert converged(database_url, text)
    assert not converged(database_url, text.replace("float8 ORDER BY anyelement", "ORDER BY float8, anyelement"))


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    return tmp_path


PAGILA = """
    CREATE FUNCTION _group_concat(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN $2 IS NULL THEN $1 WHEN $1 IS NULL THEN $2 ELSE $1 || ', ' || $2 END $$;
    CREATE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text);
    COMMENT ON AGGREGATE group_concat(text) IS 'as MySQL''s';
    CREATE TABLE actor (actor_id int PRIMARY KEY, first_name text, last_name text);
    CREATE VIEW actor_info AS
        SELECT a.actor_id, group_concat(DISTINCT a.first_name || ' ' || a.last_name) AS names
        FROM actor a GROUP BY a.actor_id;
"""


def _aggregates(url: str) -> list:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT p.oid::regprocedure::text, a.aggtransfn::text, format_type(a.aggtranstype, NULL),"
            " obj_description(p.oid, 'pg_proc') FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid"
            " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1").fetchall()


def test_inspect_writes_pagilas_group_concat_so_that_its_view_rebuilds(pg_server, database_url, sql, project):
    sql(PAGILA)
    result = invoke("inspect", "--out", "schema.yaml", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    written = yaml.safe_load((project / "schema.yaml").read_text())
    assert written["aggregates"] == {"group_concat(text)": {"sfunc": "_group_concat", "stype": "text",
                                                            "comment": "as MySQL's"}}
    assert "actor_info" in written["views"]
    assert "aggregate public.group_concat" not in output(result)  # no longer left out
    assert invoke("plan", "--exit-code", cwd=project, url=database_url).returncode == 0
    with fresh_database(pg_server) as rebuilt:
        applied = invoke("apply", cwd=project, url=rebuilt)
        assert applied.returncode == 0, output(applied)
        assert invoke("plan", "--exit-code", cwd=project, url=rebuilt).returncode == 0
        assert _aggregates(rebuilt) == _aggregates(database_url)


def test_an_empty_database_is_written_with_an_empty_aggregates_key(database_url, project):
    result = invoke("inspect", "--out", "schema.yaml", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    assert yaml.safe_load((project / "schema.yaml").read_text())["aggregates"] == {}
