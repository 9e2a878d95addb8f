"""Partitioned tables: ``partition_by`` and ``partitions`` in the file, read from the catalog,
diffed and planned (partitions created, dropped, attached, detached; a changed key refused;
indexes built partition by partition), against a real PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from catalog_fingerprint import diff_fingerprints, fingerprint
from core_helpers import apply_yaml, dedent, plan_yaml, statements
from schemadiff import desired
from schemadiff.desired.dump import dump
from schemadiff.catalog.inspect import inspect
from schemadiff.diff import diff
from schemadiff.errors import DestructiveChangeRefused, SchemaFileError
from schemadiff.model import Partition
from schemadiff.plan import build_plan

EVENTS = """
tables:
  events:
    columns:
      id: bigint
      kind: text
      created_at: date
    primary_key: [id, created_at]
    partition_by: range (created_at)
    partitions:
      events_2024_01: {from: "'2024-01-01'", to: "'2024-02-01'"}
      events_2024_02: FROM ('2024-02-01') TO ('2024-03-01')
      events_default: default
"""


def events(partitions: str, extra: str = "") -> str:
    return dedent(f"""
        tables:
          events:
            columns: {{id: bigint, kind: text, created_at: date}}
            primary_key: [id, created_at]
            partition_by: range (created_at)
        {extra}    partitions:
        """) + "".join(f"      {line}\n" for line in dedent(partitions).strip().splitlines())


def one_table(text: str):
    return desired.loads(dedent(text)).tables[0]


def problems(text: str) -> str:
    with pytest.raises(SchemaFileError) as caught:
        desired.loads(dedent(text))
    return str(caught.value)


# The file ------------------------------------------------------------------------------------

def test_bounds_in_every_form_read_as_postgresql_prints_them():
    table = one_table(EVENTS)
    assert table.partition_by == "RANGE (created_at)"
    assert [(p.name, p.bound) for p in table.partitions] == [
        ("events_2024_01", "FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')"),
        ("events_2024_02", "FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')"),
        ("events_default", "DEFAULT"),
    ]


def test_list_hash_and_sub_partitions_read_nested():
    table = one_table("""
        tables:
          usage:
            columns: {region: text, day: date, n: int}
            partition_by: LIST (region)
            partitions:
              usage_us: {in: ["'us-east'", "'us-west'"]}
              usage_eu:
                values: IN ('eu')
                comment: Europe, by half-year
                partition_by: range (day)
                partitions:
                  usage_eu_h1: {from: "'2024-01-01'", to: "'2024-07-01'"}
              usage_other: {values: default}
    """)
    eu = table.partitions[1]
    assert table.partitions[0].bound == "FOR VALUES IN ('us-east', 'us-west')"
    assert (eu.bound, eu.comment, eu.partition_by) == ("FOR VALUES IN ('eu')", "Europe, by half-year", "RANGE (day)")
    assert eu.partitions == (Partition("public", "usage_eu_h1", "FOR VALUES FROM ('2024-01-01') TO ('2024-07-01')"),)
    hashed = one_table("""
        tables:
          h: {columns: {a: int}, partition_by: "hash (a)", partitions: {h0: {modulus: 2, remainder: 0}}}
    """)
    assert hashed.partitions[0].bound == "FOR VALUES WITH (modulus 2, remainder 0)"


def test_partitions_external_leaves_the_partitions_to_someone_else():
    table = one_table("""
        tables:
          h: {columns: {a: int}, partition_by: "hash (a)", partitions: external}
    """)
    assert (table.partitions, table.partitions_external) == ((), True)


@pytest.mark.parametrize(("body", "message"), [
    ("partitions: {e1: \"IN ('x')\"}", "a range-partitioned table takes bounds FOR VALUES FROM (…), not \"IN ('x')\""),
    ("partitions: {e1: default, e2: default}", "at most one DEFAULT partition, not e1, e2"),
    ("partitions: {e1: {from: \"'2024-01-01'\"}}", "a range partition with 'from' needs 'to'"),
    ("partitions: {e1: sometime}", "cannot read partition bound 'sometime'"),
])
def test_a_bad_partition_is_refused_with_its_path(body, message):
    text = events("", extra="").replace("    partitions:\n", "") + f"    {body}\n"
    assert message in problems(text)


def test_partition_by_needs_known_columns_and_keys_covering_them():
    assert "partition_by names column 'created'" in problems("""
        tables:
          t: {columns: {id: int, created_at: date}, partition_by: range (created)}
    """)
    assert "must include the partition key columns; (id) lacks created_at" in problems("""
        tables:
          t: {columns: {id: {type: int, primary_key: true}, created_at: date}, partition_by: range (created_at)}
    """)
    assert "partitions need the table's partition_by" in problems("""
        tables:
          t: {columns: {id: int}, partitions: {t1: default}}
    """)


def test_inspect_writes_partitions_that_load_back_equal():
    catalog = desired.loads(dedent(EVENTS))
    text = dump(catalog)
    assert "partition_by: RANGE (created_at)" in text
    assert "events_2024_01: FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')" in text
    assert diff(catalog, desired.loads(text)) == []


# The plan, without a database ----------------------------------------------------------------

def plan_between(before: str, after: str):
    return build_plan(diff(desired.loads(dedent(before)), desired.loads(dedent(after))))


def test_dropping_a_partition_deletes_data():
    plan = plan_between(EVENTS, events("""
        events_2024_02: FROM ('2024-02-01') TO ('2024-03-01')
        events_default: default
    """))
    [statement] = plan.statements
    assert statement.sql == "DROP TABLE IF EXISTS public.events_2024_01"
    assert [h.code for h in statement.hazards] == ["DELETES_DATA"]


def test_a_changed_partition_key_is_refused_not_rebuilt():
    after = EVENTS.replace("range (created_at)", "range (id)").replace("'2024-01-01'", "0").replace(
        "'2024-02-01'", "10").replace("FROM ('2024-02-01') TO ('2024-03-01')", "FROM (10) TO (20)")
    plan = plan_between(EVENTS, after)
    [statement] = plan.statements
    assert [(h.kind, h.code) for h in statement.hazards] == [("destructive", "REPARTITION")]
    assert "RAISE EXCEPTION" in statement.sql and "cannot do in place" in statement.sql


def test_an_index_on_an_existing_partitioned_table_is_built_partition_by_partition():
    plan = plan_between(EVENTS, EVENTS.replace("    partition_by:", "    indexes: [kind]\n    partition_by:"))
    sqls = statements(plan)
    assert sqls[0] == "CREATE INDEX IF NOT EXISTS events_kind_idx ON ONLY public.events (kind)"
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_2024_01_events_kind_idx ON public.events_2024_01 (kind)" in sqls
    assert "ALTER INDEX public.events_kind_idx ATTACH PARTITION public.events_2024_01_events_kind_idx" in sqls
    assert not any("CONCURRENTLY" in s and " public.events " in s + " " for s in sqls)
    assert [s.transactional for s in plan.statements if "CONCURRENTLY" in s.sql] == [False, False, False]


# Against a live database ---------------------------------------------------------------------

SAAS_PARTITIONS = """
CREATE SCHEMA billing;
CREATE TABLE public.events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    account_id bigint NOT NULL,
    kind text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX events_account_created_idx ON public.events (account_id, created_at);
CREATE INDEX events_kind_idx ON public.events (kind) WHERE kind <> 'page_view';
CREATE TABLE public.events_2024_01 PARTITION OF public.events FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');
CREATE TABLE public.events_2024_02 PARTITION OF public.events FOR VALUES FROM ('2024-02-01 00:00:00+00') TO ('2024-03-01 00:00:00+00');
CREATE TABLE public.events_default PARTITION OF public.events DEFAULT;
COMMENT ON TABLE public.events_default IS 'Catches events outside the prepared months';
CREATE TABLE billing.usage_records (
    account_id bigint NOT NULL,
    region text NOT NULL,
    recorded_on date NOT NULL,
    quantity numeric(18,6) NOT NULL CHECK (quantity >= 0)
) PARTITION BY LIST (region);
CREATE INDEX usage_records_account_idx ON billing.usage_records (account_id, recorded_on);
CREATE TABLE billing.usage_records_us PARTITION OF billing.usage_records FOR VALUES IN ('us-east', 'us-west');
CREATE TABLE billing.usage_records_eu PARTITION OF billing.usage_records FOR VALUES IN ('eu-central', 'eu-west')
    PARTITION BY RANGE (recorded_on);
CREATE TABLE billing.usage_records_eu_2024h1 PARTITION OF billing.usage_records_eu FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
CREATE TABLE billing.usage_records_other PARTITION OF billing.usage_records DEFAULT;
-- Legacy inheritance: not modelled, but its children must inspect and apply
CREATE TABLE billing.audit_log (id bigserial PRIMARY KEY, actor text NOT NULL);
CREATE TABLE billing.audit_log_2024 (CONSTRAINT audit_year CHECK (id > 0)) INHERITS (billing.audit_log);
"""


def inspect_text(url: str) -> str:
    with psycopg.connect(url) as conn:
        return dump(inspect(conn))


def test_partitioned_tables_round_trip_through_inspect(database_url, sql, pg_server):
    from conftest import fresh_database

    sql(SAAS_PARTITIONS)
    text = inspect_text(database_url)
    assert "usage_records_eu_2024h1: FOR VALUES FROM ('2024-01-01') TO ('2024-07-01')" in text
    with fresh_database(pg_server) as rebuilt:
        apply_yaml(rebuilt, text)
        assert plan_yaml(rebuilt, text).empty
        assert plan_yaml(database_url, text).empty
        with psycopg.connect(database_url) as a, psycopg.connect(rebuilt) as b:
            differences = diff_fingerprints(fingerprint(a), fingerprint(b, ignore_tables=["public.schemadiff_version"]))
    # What inheritance loses is the unmanaged-objects report's business; partitions lose nothing.
    assert [d for d in differences if "audit_log" not in d] == []


def test_bounds_written_plainly_match_what_postgresql_prints_in_its_time_zone(database_url):
    text = EVENTS.replace("created_at: date", "created_at: timestamptz")
    apply_yaml(database_url, text)
    assert plan_yaml(database_url, text).empty


def test_partitions_added_and_removed_between_versions_converge(database_url):
    apply_yaml(database_url, EVENTS)
    later = events("""
        events_2024_02: FROM ('2024-02-01') TO ('2024-03-01')
        events_2024_03: FROM ('2024-03-01') TO ('2024-04-01')
        events_default: default
    """)
    with pytest.raises(DestructiveChangeRefused):
        apply_yaml(database_url, later, allow_destructive=False)
    apply_yaml(database_url, later)
    assert plan_yaml(database_url, later).empty


def test_an_online_index_on_a_partitioned_table_ends_valid_on_every_partition(database_url, sql):
    apply_yaml(database_url, EVENTS)
    with_index = EVENTS.replace("    partition_by:", "    indexes: [kind]\n    partition_by:")
    apply_yaml(database_url, with_index)
    assert sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'events_kind_idx'::regclass") == [(True,)]
    assert sql("SELECT count(*) FROM pg_inherits WHERE inhparent = 'events_kind_idx'::regclass") == [(3,)]
    assert plan_yaml(database_url, with_index).empty


def test_external_partitions_are_neither_extra_nor_dropped(database_url, sql):
    apply_yaml(database_url, EVENTS)
    sql("CREATE TABLE events_2024_03 PARTITION OF events FOR VALUES FROM ('2024-03-01') TO ('2024-04-01')")
    external = EVENTS.split("    partitions:")[0] + "    partitions: external\n"
    assert plan_yaml(database_url, external).empty


def test_a_partition_the_file_declares_as_a_table_is_detached_and_keeps_its_rows(database_url, sql):
    apply_yaml(database_url, EVENTS)
    sql("INSERT INTO events VALUES (1, 'a', '2024-01-05')")
    later = events("""
        events_2024_02: FROM ('2024-02-01') TO ('2024-03-01')
        events_default: default
    """) + ("  events_2024_01:\n"
            "    columns: {id: bigint, kind: text, created_at: date}\n"
            "    primary_key: [id, created_at]\n")
    plan = plan_yaml(database_url, later)
    assert [s.kind for s in plan.statements] == ["DetachPartition"] and not plan.destructive
    apply_yaml(database_url, later, allow_destructive=False)
    assert sql("SELECT count(*) FROM events_2024_01") == [(1,)]
    assert plan_yaml(database_url, later).empty


def test_a_table_the_file_declares_as_a_partition_is_attached(database_url, sql):
    sql("CREATE TABLE events (id bigint, kind text, created_at date NOT NULL, PRIMARY KEY (id, created_at))"
        " PARTITION BY RANGE (created_at)")
    sql("CREATE TABLE events_2024_01 (id bigint, kind text, created_at date NOT NULL, PRIMARY KEY (id, created_at))")
    sql("INSERT INTO events_2024_01 VALUES (1, 'a', '2024-01-05')")
    plan = plan_yaml(database_url, EVENTS)
    assert "ATTACH PARTITION public.events_2024_01 FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')" in "\n".join(statements(plan))
    assert not plan.destructive
    apply_yaml(database_url, EVENTS, allow_destructive=False)
    assert sql("SELECT count(*) FROM events") == [(1,)]
    assert plan_yaml(database_url, EVENTS).empty


def test_a_changed_bound_detaches_and_attaches_keeping_the_rows(database_url, sql):
    apply_yaml(database_url, EVENTS)
    sql("INSERT INTO events VALUES (1, 'a', '2024-01-05')")
    wider = EVENTS.replace("to: \"'2024-02-01'\"", "to: \"'2024-01-15'\"")
    apply_yaml(database_url, wider, allow_destructive=False)
    assert sql("SELECT count(*) FROM events_2024_01") == [(1,)]
    assert plan_yaml(database_url, wider).empty


def test_without_a_default_partition_the_detach_runs_concurrently(database_url, sql):
    two_months = events("""
        events_2024_01: FROM ('2024-01-01') TO ('2024-02-01')
        events_2024_02: FROM ('2024-02-01') TO ('2024-03-01')
    """)
    apply_yaml(database_url, two_months)
    later = events("events_2024_02: FROM ('2024-02-01') TO ('2024-03-01')") + (
        "  events_2024_01:\n    columns: {id: bigint, kind: text, created_at: date}\n    primary_key: [id, created_at]\n")
    detach, drop_bound_check = plan_yaml(database_url, later).statements
    assert detach.sql == "ALTER TABLE public.events DETACH PARTITION public.events_2024_01 CONCURRENTLY"
    assert not detach.transactional
    # CONCURRENTLY leaves a CHECK of the old bound, which the file does not declare
    assert "DROP CONSTRAINT IF EXISTS events_2024_01_created_at_check" in drop_bound_check.sql
    apply_yaml(database_url, later)
    assert plan_yaml(database_url, later).empty


def test_the_json_schema_accepts_partitioned_tables_as_written_and_as_inspected():
    import yaml

    from test_json_schema import validator

    for text in (EVENTS, dump(desired.loads(dedent(EVENTS))), OWN, dump(desired.loads(dedent(OWN))), """
        tables:
          h: {columns: {a: int}, partition_by: hash (a), partitions: external}
          u:
            columns: {r: text, d: date}
            partition_by: list (r)
            partitions: {u1: {in: ["'a'"], partition_by: range (d), partitions: {u1a: {from: ["'2024-01-01'"], to: ["'2025-01-01'"]}}}}
    """):
        assert list(validator().iter_errors(yaml.safe_load(dedent(text)))) == []


# What a partition has of its own -------------------------------------------------------------

OWN = events("""
    events_2024_01:
      from: "'2024-01-01'"
      to: "'2024-02-01'"
      indexes: [{name: events_2024_01_kind_idx, columns: [kind]}]
      checks: [{name: events_2024_01_id_check, expression: id > 0}]
      columns: {kind: {default: "'click'::text", nullable: false}}
    events_default: default
""")


def test_a_partitions_own_index_check_and_columns_are_read():
    partition = one_table(OWN).partitions[0]
    assert [i.name for i in partition.indexes] == ["events_2024_01_kind_idx"]
    assert [(c.name, c.expression) for c in partition.checks] == [("events_2024_01_id_check", "id > 0")]
    assert [(c.name, c.default, c.not_null) for c in partition.columns] == [("kind", "'click'::text", True)]


@pytest.mark.parametrize("body, message", [
    ("{values: default, indexes: [kind]}", "a partition's own index needs a name"),
    ("{values: default, checks: [id > 0]}", "a partition's own check needs a name"),
    ("{values: default, columns: {knd: {default: '1'}}}", "has no column 'knd'"),
    ("{values: default, columns: {kind: {type: int}}}", "type"),
])
def test_a_bad_own_element_of_a_partition_is_refused_with_its_path(body, message):
    text = problems(events(f"events_default: {body}"))
    assert message in text and "partitions.events_default" in text


def test_a_new_partition_is_created_with_what_it_has_of_its_own(database_url, sql):
    apply_yaml(database_url, OWN)
    assert sql("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'events_2024_01'::regclass") == [("'click'::text",)]
    assert sql("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'events_default'::regclass AND attname = 'kind'") == [(False,)]
    assert plan_yaml(database_url, OWN).empty


def test_a_partitions_own_elements_round_trip_through_inspect(database_url, sql, pg_server):
    from conftest import fresh_database

    sql("CREATE TABLE events (id bigint, kind text DEFAULT 'view', props jsonb, created_at date)"
        " PARTITION BY LIST (id);"
        "CREATE TABLE events_p0 PARTITION OF events FOR VALUES IN (0);"
        "CREATE TABLE events_p1 PARTITION OF events FOR VALUES IN (1);"
        "CREATE INDEX events_p0_kind_idx ON events_p0 (kind) WHERE kind <> 'view';"
        "ALTER TABLE events_p0 ADD CONSTRAINT events_p0_recent CHECK (created_at > '2020-01-01');"
        "ALTER TABLE events_p1 ALTER COLUMN props SET DEFAULT '{}', ALTER COLUMN kind SET NOT NULL")
    text = inspect_text(database_url)
    assert "events_p0_kind_idx" in text and "events_p0_recent" in text
    with fresh_database(pg_server) as rebuilt:
        apply_yaml(rebuilt, text)
        assert plan_yaml(rebuilt, text).empty
        assert plan_yaml(database_url, text).empty
        with psycopg.connect(database_url) as a, psycopg.connect(rebuilt) as b:
            assert diff_fingerprints(fingerprint(a), fingerprint(b, ignore_tables=["public.schemadiff_version"])) == []


def test_a_partition_index_added_and_dropped_on_an_existing_partition_converges(database_url, sql):
    apply_yaml(database_url, EVENTS)
    with_index = EVENTS.replace(
        """events_2024_01: {from: "'2024-01-01'", to: "'2024-02-01'"}""",
        """events_2024_01: {from: "'2024-01-01'", to: "'2024-02-01'", indexes: [{name: e1_kind, columns: [kind]}]}""")
    sqls = statements(plan_yaml(database_url, with_index))
    assert sqls == ['CREATE INDEX CONCURRENTLY IF NOT EXISTS e1_kind ON public.events_2024_01 (kind)'], sqls
    apply_yaml(database_url, with_index)
    assert sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'e1_kind'::regclass") == [(True,)]
    assert plan_yaml(database_url, with_index).empty
    apply_yaml(database_url, EVENTS)
    assert sql("SELECT to_regclass('e1_kind')") == [(None,)]
    assert plan_yaml(database_url, EVENTS).empty


def test_own_checks_and_columns_on_an_existing_partition_are_set_and_cleared(database_url, sql):
    apply_yaml(database_url, EVENTS.replace("kind: text", "kind: {type: text, default: \"'view'::text\"}"))
    own = OWN.replace("kind: text", "kind: {type: text, default: \"'view'::text\"}")
    plan = plan_yaml(database_url, own)
    assert any(h.code == "VALIDATE_SCAN" for s in plan.statements for h in s.hazards)
    apply_yaml(database_url, own)
    assert plan_yaml(database_url, own).empty
    plain = events("""
        events_2024_01: {from: "'2024-01-01'", to: "'2024-02-01'"}
        events_default: default
    """).replace("kind: text", "kind: {type: text, default: \"'view'::text\"}")
    apply_yaml(database_url, plain)
    assert sql("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'events_2024_01'::regclass") == [("'view'::text",)]
    assert plan_yaml(database_url, plain).empty


def test_a_parent_default_changed_keeps_the_partitions_own(database_url, sql):
    before = OWN.replace("kind: text", "kind: {type: text, default: \"'view'::text\"}")
    apply_yaml(database_url, before)
    after = OWN.replace("kind: text", "kind: {type: text, default: \"'open'::text\"}")
    apply_yaml(database_url, after)
    assert sql("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'events_2024_01'::regclass") == [("'click'::text",)]
    assert plan_yaml(database_url, after).empty
