"""Table checks, exclusion constraints and indexes calling a function the plan drops and makes
again (its result type changes, its argument's enum is rebuilt): PostgreSQL refuses DROP
FUNCTION while they exist, so each is dropped before the function goes and made again from
the file once it exists, in the same transaction; they still hold afterwards. Those the file
does not declare, and generated columns, keep the FAILS_IF_USED hazard."""

from __future__ import annotations

import psycopg
import pytest

from prodsafe_helpers import apply, converged, plan

CHECKED = """
functions:
  order_cap():
    returns: integer
    volatility: immutable
    body: SELECT 10
tables:
  orders:
    columns:
      id: {type: integer, nullable: false}
      qty: {type: bigint}
    primary_key: id
    checks:
      - {name: qty_under_cap, expression: qty <= order_cap()}
"""
WIDER = CHECKED.replace("returns: integer", "returns: bigint")

MOODS = """
enums: {mood: [sad, ok, happy]}
functions:
  rank_of(m mood):
    returns: integer
    volatility: immutable
    body: SELECT array_position(enum_range(NULL::mood), m)
tables:
  people:
    columns:
      id: {type: integer, nullable: false}
      m: {type: mood}
    primary_key: id
    indexes:
      - {name: one_per_rank, columns: [rank_of(m)], unique: true}
"""
FEWER_MOODS = MOODS.replace("[sad, ok, happy]", "[ok, happy]")


def _steps(statements) -> list:
    return [s.description for s in statements]


def _first(statements, prefix: str) -> int:
    return next(i for i, s in enumerate(statements) if s.sql.startswith(prefix))


def _failures(statements) -> list:
    return [h.message for s in statements for h in s.hazards if h.code == "FAILS_IF_USED"]


def test_a_check_calling_a_function_whose_result_type_changes_is_dropped_before_and_added_after_it(database_url, sql):
    apply(database_url, CHECKED)
    statements = plan(database_url, WIDER).statements
    steps = _steps(statements)
    around = "(re-created around the re-creation of function public.order_cap())"
    drop_check = steps.index(f"drop check qty_under_cap on public.orders {around}")
    assert drop_check < _first(statements, "DROP FUNCTION") < _first(statements, "CREATE OR REPLACE FUNCTION")
    assert _first(statements, "CREATE OR REPLACE FUNCTION") \
        < steps.index(f"add check qty_under_cap on public.orders again {around} (NOT VALID: new rows checked, no scan yet)")
    assert not _failures(statements)


def test_a_check_added_back_online_is_validated_in_a_transaction_of_its_own(database_url):
    apply(database_url, CHECKED)
    statements = plan(database_url, WIDER).statements
    validate = next(s for s in statements if "VALIDATE CONSTRAINT qty_under_cap" in s.sql)
    assert validate.isolated and [h.code for h in validate.hazards] == ["VALIDATE_SCAN"]
    assert statements[-1] is validate


def test_a_check_added_back_offline_is_added_and_scanned_in_the_transaction(database_url):
    apply(database_url, CHECKED)
    statements = plan(database_url, WIDER, online=False).statements
    add = next(s for s in statements if "ADD CONSTRAINT qty_under_cap" in s.sql)
    assert "NOT VALID" not in add.sql and not add.isolated
    assert not any("VALIDATE" in s.sql for s in statements)


def test_a_check_added_back_still_holds_and_keeps_its_rows(database_url, sql):
    apply(database_url, CHECKED)
    sql("INSERT INTO orders VALUES (1, 10)")
    apply(database_url, WIDER)
    assert converged(database_url, WIDER)
    assert sql("SELECT format_type(prorettype, NULL) FROM pg_proc WHERE proname = 'order_cap'") == [("bigint",)]
    assert sql("SELECT id, qty FROM orders") == [(1, 10)]
    with pytest.raises(psycopg.errors.CheckViolation):
        sql("INSERT INTO orders VALUES (2, 11)")


def test_a_check_with_a_comment_keeps_it_when_added_back(database_url, sql):
    commented = CHECKED.replace("expression: qty <= order_cap()}", "expression: qty <= order_cap(), comment: Cap}")
    apply(database_url, commented)
    wider = commented.replace("returns: integer", "returns: bigint")
    apply(database_url, wider)
    assert converged(database_url, wider)
    assert sql("SELECT obj_description(oid, 'pg_constraint') FROM pg_constraint WHERE conname = 'qty_under_cap'") == [("Cap",)]


def test_an_expression_index_calling_a_function_over_a_rebuilt_enum_is_built_again_after_it(database_url):
    apply(database_url, MOODS)
    statements = plan(database_url, FEWER_MOODS).statements
    steps = _steps(statements)
    around = "(re-created around the rebuild of enum public.mood)"
    assert steps.index(f"drop index one_per_rank on public.people {around}") \
        < steps.index(f"drop function rank_of(mood) {around}")
    assert steps.index(f"create function rank_of(mood) {around}") \
        < steps.index(f"build index one_per_rank on public.people again {around}")
    assert not _failures(statements)


def test_an_index_built_again_says_it_blocks_the_table_inside_the_transaction(database_url):
    apply(database_url, MOODS)
    statements = plan(database_url, FEWER_MOODS).statements
    build = next(s for s in statements if s.description.startswith("build index one_per_rank"))
    assert "CONCURRENTLY" not in build.sql and build.transactional
    assert [h.code for h in build.hazards] == ["INDEX_BUILD"]
    assert build.lock.startswith("ACCESS EXCLUSIVE")


def test_a_unique_expression_index_built_again_still_holds(database_url, sql):
    apply(database_url, MOODS)
    sql("INSERT INTO people VALUES (1, 'ok')")
    apply(database_url, FEWER_MOODS, allow_destructive=True)
    assert converged(database_url, FEWER_MOODS)
    assert sql("SELECT id, m::text FROM people") == [(1, "ok")]
    with pytest.raises(psycopg.errors.UniqueViolation):
        sql("INSERT INTO people VALUES (2, 'ok')")


def test_a_partial_index_calling_a_function_whose_result_type_changes_is_built_again_after_it(database_url, sql):
    text = """
functions:
  threshold():
    returns: integer
    volatility: immutable
    body: SELECT 5
tables:
  readings:
    columns:
      id: {type: integer, nullable: false}
      v: {type: bigint}
    primary_key: id
    indexes:
      - {name: high_readings, columns: [id], unique: true, where: v > threshold()}
"""
    apply(database_url, text)
    wider = text.replace("returns: integer", "returns: bigint")
    statements = plan(database_url, wider).statements
    assert _steps(statements).index("drop index high_readings on public.readings (re-created around the re-creation "
                                    "of function public.threshold())") < _first(statements, "DROP FUNCTION")
    apply(database_url, wider)
    assert converged(database_url, wider)
    assert sql("SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 'high_readings'::regclass") \
        == [("(v > threshold())",)]


def test_an_exclusion_constraint_calling_a_function_whose_result_type_changes_is_added_back_after_it(database_url, sql):
    text = """
functions:
  bucket(v integer):
    returns: integer
    volatility: immutable
    body: SELECT v / 10
tables:
  slots:
    columns:
      id: {type: integer, nullable: false}
      v: {type: integer}
    primary_key: id
    exclusions:
      - {name: one_per_bucket, using: btree, elements: ["bucket(v) WITH ="]}
"""
    apply(database_url, text)
    sql("INSERT INTO slots VALUES (1, 11)")
    wider = text.replace("returns: integer", "returns: bigint")
    statements = plan(database_url, wider).statements
    assert not _failures(statements)
    apply(database_url, wider)
    assert converged(database_url, wider)
    with pytest.raises(psycopg.errors.ExclusionViolation):
        sql("INSERT INTO slots VALUES (2, 15)")


def test_a_check_the_file_does_not_manage_still_names_postgresqls_refusal(database_url, sql):
    apply(database_url, CHECKED)
    sql("CREATE SCHEMA other; CREATE TABLE other.t (x int CONSTRAINT handmade CHECK (x <> public.order_cap()))")
    statements = plan(database_url, WIDER).statements
    assert [m for m in _failures(statements) if "constraint handmade on table other.t" in m]
    assert not [m for m in _failures(statements) if "qty_under_cap" in m]


def test_an_index_the_file_does_not_manage_still_names_postgresqls_refusal(database_url, sql):
    apply(database_url, CHECKED)
    sql("CREATE SCHEMA other; CREATE TABLE other.t (x int); CREATE INDEX handmade ON other.t ((x + public.order_cap()))")
    statements = plan(database_url, WIDER).statements
    assert [m for m in _failures(statements) if "index handmade on table other.t" in m]


def test_a_generated_column_calling_the_function_still_names_postgresqls_refusal(database_url):
    text = CHECKED.replace("qty: {type: bigint}", "qty: {type: bigint}\n      cap: {type: bigint, generated: order_cap()}")
    apply(database_url, text)
    statements = plan(database_url, text.replace("returns: integer", "returns: bigint")).statements
    assert [m for m in _failures(statements) if "column cap of table orders" in m]


def test_a_check_calling_a_function_over_a_rebuilt_domain_is_added_back_after_it(database_url, sql):
    text = """
domains: {code: {type: varchar(8)}}
functions:
  valid_code(c code):
    returns: boolean
    volatility: immutable
    body: SELECT c ~ '^[A-Z]+$'
tables:
  items:
    columns:
      id: {type: integer, nullable: false}
      c: {type: code}
    primary_key: id
    checks:
      - {name: code_is_valid, expression: valid_code(c)}
"""
    apply(database_url, text)
    sql("INSERT INTO items VALUES (1, 'AB')")
    wider = text.replace("type: varchar(8)", "type: varchar(16)")
    statements = plan(database_url, wider).statements
    steps = _steps(statements)
    around = "(re-created around the rebuild of domain public.code)"
    assert steps.index(f"drop check code_is_valid on public.items {around}") \
        < steps.index(f"drop function valid_code(code) {around}")
    apply(database_url, wider, allow_destructive=True)
    assert converged(database_url, wider)
    assert sql("SELECT id, c::text FROM items") == [(1, "AB")]
    with pytest.raises(psycopg.errors.CheckViolation):
        sql("INSERT INTO items VALUES (2, 'ab')")


def test_a_domain_check_calling_a_function_whose_result_type_changes_is_added_back_after_it(database_url, sql):
    text = """
domains: {small: {type: bigint, checks: [{name: under_cap, expression: VALUE <= order_cap()}]}}
functions:
  order_cap():
    returns: integer
    volatility: immutable
    body: SELECT 10
tables:
  baskets:
    columns:
      id: {type: integer, nullable: false}
      n: {type: small}
    primary_key: id
"""
    apply(database_url, text)
    sql("INSERT INTO baskets VALUES (1, 10)")
    wider = text.replace("returns: integer", "returns: bigint")
    statements = plan(database_url, wider).statements
    steps = _steps(statements)
    around = "(re-created around the re-creation of function public.order_cap())"
    assert steps.index(f"drop check under_cap of domain public.small {around}") < _first(statements, "DROP FUNCTION")
    assert _first(statements, "CREATE OR REPLACE FUNCTION") \
        < steps.index(f"add check under_cap to domain public.small again {around} (NOT VALID: new values checked, no scan yet)")
    assert not _failures(statements)
    apply(database_url, wider)
    assert converged(database_url, wider)
    with pytest.raises(psycopg.errors.CheckViolation):
        sql("INSERT INTO baskets VALUES (2, 11)")


def test_a_check_the_file_drops_with_the_function_change_is_dropped_before_the_function(database_url, sql):
    apply(database_url, CHECKED)
    without = WIDER.replace("    checks:\n      - {name: qty_under_cap, expression: qty <= order_cap()}\n", "")
    statements = plan(database_url, without).statements
    drop = _steps(statements).index("drop check qty_under_cap on public.orders (before the re-creation of function "
                                    "public.order_cap())")
    assert drop < _first(statements, "DROP FUNCTION") and not _failures(statements)
    apply(database_url, without)
    assert converged(database_url, without)


def test_a_table_the_file_drops_with_the_function_change_loses_its_index_before_the_function(database_url, sql):
    text = MOODS.replace("  people:", "  kept: {columns: {id: {type: integer}}}\n  people:")
    apply(database_url, text)
    without = FEWER_MOODS.replace("""  people:
    columns:
      id: {type: integer, nullable: false}
      m: {type: mood}
    primary_key: id
    indexes:
      - {name: one_per_rank, columns: [rank_of(m)], unique: true}
""", "  kept: {columns: {id: {type: integer}}}\n")
    statements = plan(database_url, without).statements
    assert _steps(statements).index("drop index one_per_rank on public.people (before the drop of function "
                                    "public.rank_of(mood))") < _first(statements, "DROP FUNCTION")
    apply(database_url, without, allow_destructive=True)
    assert converged(database_url, without)
    assert sql("SELECT to_regclass('public.people')") == [(None,)]


def test_an_index_on_a_partitioned_table_is_built_again_with_its_partitions(database_url, sql):
    """The partitions' indexes are attached to the parent's: its drop and build carry them."""
    text = """
functions:
  bucket(v integer):
    returns: integer
    volatility: immutable
    body: SELECT v / 10
tables:
  events:
    columns:
      id: {type: integer, nullable: false}
      v: {type: integer}
    partition_by: list (id)
    partitions:
      events_a: {values: IN (1)}
      events_b: {values: IN (2)}
    indexes:
      - {name: events_bucket, columns: [bucket(v)]}
"""
    apply(database_url, text)
    wider = text.replace("returns: integer", "returns: bigint")
    assert not _failures(plan(database_url, wider).statements)
    apply(database_url, wider)
    assert converged(database_url, wider)
    assert sql("SELECT count(*) FROM pg_inherits WHERE inhparent = 'events_bucket'::regclass") == [(2,)]


def test_a_check_calling_a_function_the_file_drops_for_good_still_names_postgresqls_refusal(database_url):
    apply(database_url, CHECKED)
    without = CHECKED.replace("""functions:
  order_cap():
    returns: integer
    volatility: immutable
    body: SELECT 10
""", "functions: {}\n")
    statements = plan(database_url, without).statements
    assert [m for m in _failures(statements) if "constraint qty_under_cap on table orders" in m]
