"""What a partition carries of its own beyond its bound and comment: its storage parameters
(``with:``, as on a table) — read from the file and the catalog, set when it is created,
attached or detached, changed in place, and converging."""

from __future__ import annotations

import psycopg
import pytest
import yaml

from catalog_fingerprint import diff_fingerprints, fingerprint
from conftest import fresh_database
from core_helpers import apply_yaml, dedent, invoke, output, plan_yaml, statements
from schemadiff import desired
from schemadiff.diff import diff
from schemadiff.errors import SchemaFileError
from schemadiff.plan import PlanOptions, build_plan


def events(partitions: str, table_extra: str = "") -> str:
    return dedent("""
        tables:
          events:
            columns: {id: bigint, created_at: date}
            partition_by: range (created_at)
        %s    partitions:
        """) % table_extra + "".join(f"      {line}\n" for line in dedent(partitions).strip().splitlines())


VACUUMED_RARELY = events("""
    events_2024_01: {from: "'2024-01-01'", to: "'2024-02-01'", with: {autovacuum_enabled: false, fillfactor: 90}}
    events_2024_02: {from: "'2024-02-01'", to: "'2024-03-01'"}
""")


def load(text: str):
    return desired.loads(text)


def plan_between(before: str, after: str):
    return build_plan(diff(load(before), load(after)), PlanOptions(server_version=150000))


# The file --------------------------------------------------------------------------------------

def test_a_partition_reads_its_storage_parameters_as_a_table_does():
    first, second = load(VACUUMED_RARELY).tables[0].partitions
    assert first.parameters == (("autovacuum_enabled", "false"), ("fillfactor", "90"))
    assert second.parameters == ()


def test_a_partitioned_partition_cannot_have_storage_parameters():
    text = events("""
        events_2024: {from: "'2024-01-01'", to: "'2025-01-01'", partition_by: range (id), with: {fillfactor: 90}}
    """)
    with pytest.raises(SchemaFileError, match="a partition that is partitioned in turn holds no rows: it takes no storage parameters"):
        load(text)


# The plan, without a database ------------------------------------------------------------------

def test_a_new_partition_is_created_with_its_storage_parameters():
    creates = [s for s in statements(plan_between("tables: {}", VACUUMED_RARELY)) if "PARTITION OF" in s]
    assert creates[0] == ("CREATE TABLE IF NOT EXISTS public.events_2024_01 PARTITION OF public.events FOR VALUES FROM "
                          "('2024-01-01') TO ('2024-02-01') WITH (autovacuum_enabled = 'false', fillfactor = '90')")
    assert "WITH" not in creates[1]


def test_changed_storage_parameters_of_a_partition_are_set_in_place():
    after = VACUUMED_RARELY.replace("{autovacuum_enabled: false, fillfactor: 90}", "{fillfactor: 80}")
    plan = plan_between(VACUUMED_RARELY, after)
    assert statements(plan) == ["ALTER TABLE public.events_2024_01 RESET (autovacuum_enabled)",
                                "ALTER TABLE public.events_2024_01 SET (fillfactor = '80')"]
    assert all(not s.hazards for s in plan.statements)


# Against a real server ---------------------------------------------------------------------------

PARTITION_SQL = """
CREATE TABLE events (id bigint, created_at date NOT NULL, payload text) PARTITION BY RANGE (created_at);
CREATE TABLE events_2024_01 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')
    WITH (fillfactor = 90);
CREATE TABLE events_2024_02 PARTITION OF events FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
ALTER TABLE events_2024_01 SET (autovacuum_enabled = false, toast.autovacuum_enabled = false);
"""


def catalog_of(url: str) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        return fingerprint(conn, ignore_tables=["public.schemadiff_version"])


def test_inspect_writes_a_partitions_storage_parameters_that_rebuild_it(pg_server, tmp_path):
    with fresh_database(pg_server) as original, fresh_database(pg_server) as rebuilt:
        with psycopg.connect(original, autocommit=True) as conn:
            conn.execute(PARTITION_SQL)
        (tmp_path / ".git").mkdir()
        for args, url in ((("inspect", "--out", "schema.yaml"), original), (("validate",), None),
                          (("apply",), rebuilt), (("plan", "--exit-code"), original), (("plan", "--exit-code"), rebuilt)):
            result = invoke(*args, cwd=tmp_path, url=url)
            assert result.returncode == 0, f"{' '.join(args)}: {output(result)}"
        assert diff_fingerprints(catalog_of(original), catalog_of(rebuilt)) == []
        partitions = yaml.safe_load((tmp_path / "schema.yaml").read_text())["tables"]["events"]["partitions"]
        assert partitions["events_2024_01"]["with"] == {"autovacuum_enabled": False, "fillfactor": 90,
                                                        "toast.autovacuum_enabled": False}


STEPS = [
    VACUUMED_RARELY,
    VACUUMED_RARELY.replace("{autovacuum_enabled: false, fillfactor: 90}", "{fillfactor: 70, autovacuum_vacuum_scale_factor: 0.01}")
                   .replace("to: \"'2024-03-01'\"}", "to: \"'2024-03-01'\", with: {fillfactor: 50}}"),
    # events_2024_02 leaves the partitions (detached, keeps its parameters) …
    VACUUMED_RARELY.replace("      events_2024_02: {from: \"'2024-02-01'\", to: \"'2024-03-01'\"}\n", "")
    + "  events_2024_02:\n    columns: {id: bigint, created_at: date}\n    with: {fillfactor: 60}\n",
    # … and comes back (attached, with the partition's parameters)
    VACUUMED_RARELY,
]


def test_partition_storage_parameters_converge_step_by_step(database_url):
    for step, text in enumerate(STEPS):
        apply_yaml(database_url, text)
        again = plan_yaml(database_url, text)
        assert again.empty, f"step {step}: {statements(again)}"
