"""Index and constraint details: NULLS NOT DISTINCT, exclusion constraints, DEFERRABLE keys,
NO INHERIT checks, per-key COLLATE and operator classes, index storage parameters (WITH).
Each is read from the file and from the catalog into the same model, written back by
``inspect``, rendered, and converges (after apply, plan is empty)."""

from __future__ import annotations

import pytest
import yaml

from core_helpers import apply_yaml, dedent, output, plan_yaml, run_cli, statements
from schemadiff import desired
from schemadiff.diff import diff
from schemadiff.diff.changes import AddConstraint, AddIndex, AlterConstraintTiming, DropConstraint, DropIndex
from schemadiff.errors import SchemaFileError
from schemadiff.model import ExclusionConstraint, QualifiedName
from schemadiff.pg import index_keys
from schemadiff.plan import PlanOptions, build_plan

BOOKINGS = """
tables:
  rooms:
    columns: {id: integer, name: text, slug: text, tags: "text[]"}
    primary_key: {columns: [id], deferrable: true}
    unique:
      - {columns: [slug], nulls_not_distinct: true, initially_deferred: true}
    indexes:
      - name: rooms_name_sorted
        columns: ['name COLLATE "C" text_pattern_ops DESC NULLS LAST', 'lower(name) desc nulls first']
        with: {fillfactor: 70}
      - {name: rooms_name_key2, columns: [name], unique: true, nulls_not_distinct: true}
      - {name: rooms_tags_gin, columns: [tags], using: gin, with: {fastupdate: false}}
  bookings:
    columns: {id: integer, room_id: integer, during: tstzrange, status: text}
    exclusions:
      - elements: ["room_id WITH =", "during WITH &&"]
        where: "status <> 'cancelled'"
        deferrable: true
    checks:
      - {expression: "id > 0", no_inherit: true}
"""


def table(text: str, name: str):
    return desired.loads(dedent(text)).table(QualifiedName("public", name))


def problems(text: str) -> str:
    with pytest.raises(SchemaFileError) as raised:
        desired.loads(dedent(text))
    return str(raised.value)


def plan_of(before: str, after: str):
    return build_plan(diff(desired.loads(dedent(before)), desired.loads(dedent(after))), PlanOptions(online=True))


# The file --------------------------------------------------------------------------------------

def test_index_keys_are_spelled_as_postgresql_prints_them():
    assert index_keys.canonical('name collate "C" text_pattern_ops desc nulls last') == \
        'name COLLATE "C" text_pattern_ops DESC NULLS LAST'
    assert index_keys.canonical("created_at DESC NULLS FIRST") == "created_at DESC"
    assert index_keys.canonical("created_at ASC NULLS LAST") == "created_at"
    assert index_keys.canonical("created_at NULLS FIRST") == "created_at NULLS FIRST"
    assert index_keys.canonical("lower(title) COLLATE pg_catalog.\"C\"") == 'lower(title) COLLATE "C"'


def test_index_keys_are_cut_out_of_the_whole_definition():
    definition = ('CREATE INDEX i ON public.t USING btree (name COLLATE "C" text_pattern_ops DESC NULLS LAST, '
                  "lower(name) COLLATE \"POSIX\", (a || ', '::text)) WHERE a > 'x'")
    assert index_keys.keys_of_definition(definition, "btree", ["name", "lower(name)", "(a || ', '::text)"]) == (
        'name COLLATE "C" text_pattern_ops DESC NULLS LAST', 'lower(name) COLLATE "POSIX"', "(a || ', '::text)")


def test_a_key_with_an_operator_class_names_its_column():
    t = table("tables: {t: {columns: {Title: text}, indexes: [{columns: ['Title gin_trgm_ops'], using: gin}]}}", "t")
    assert t.indexes[0].keys == ('"Title" gin_trgm_ops',)
    assert t.indexes[0].name == "t_Title_idx"


def test_a_key_with_an_operator_class_on_a_missing_column_is_refused():
    assert "index names column 'titel'" in problems("tables: {t: {columns: {title: text}, indexes: ['titel text_pattern_ops']}}")


def test_the_file_reads_every_detail():
    rooms, bookings = table(BOOKINGS, "rooms"), table(BOOKINGS, "bookings")
    assert (rooms.primary_key.deferrable, rooms.primary_key.initially_deferred) == (True, False)
    slug = rooms.uniques[0]
    assert (slug.nulls_not_distinct, slug.deferrable, slug.initially_deferred) == (True, True, True)
    sorted_, unique, gin = rooms.indexes
    assert sorted_.keys == ('name collate "C" text_pattern_ops desc nulls last', "lower(name) DESC")
    assert sorted_.parameters == (("fillfactor", "70"),)
    assert unique.nulls_not_distinct
    assert gin.parameters == (("fastupdate", "false"),)
    assert bookings.checks[0].no_inherit
    assert bookings.exclusions == (ExclusionConstraint(
        "bookings_room_id_during_excl", (("room_id", "="), ("during", "&&")), "gist",
        where="status <> 'cancelled'", deferrable=True),)


def test_unnamed_keys_and_exclusions_get_postgresqls_names_include_columns_and_all():
    t = table("""
        tables:
          nn:
            columns: {a: int, b: int, c: int}
            unique: [{columns: [a], include: [b], with: {fillfactor: 80}}]
            exclusions: [{elements: ["c WITH ="], include: [b]}, {elements: ["lower(b::text) WITH ="]}]
        """, "nn")
    assert [t.uniques[0].name] + [x.name for x in t.exclusions] == ["nn_a_b_key", "nn_c_b_excl", "nn_lower_excl"]
    assert (t.uniques[0].include, t.uniques[0].parameters) == (("b",), (("fillfactor", "80"),))


def test_an_exclusion_element_may_be_a_mapping():
    t = table("""
        tables:
          t:
            columns: {a: integer, r: tstzrange}
            exclusions:
              - {name: t_x, using: gist, elements: [{column: a, with: "="}, {expression: "tstzrange(lower(r), upper(r))", with: "&&"}]}
        """, "t")
    assert t.exclusions[0].elements == (("a", "="), ("tstzrange(lower(r), upper(r))", "&&"))


@pytest.mark.parametrize(("text", "message"), [
    ("tables: {t: {columns: {a: int}, indexes: [{columns: [a], nulls_not_distinct: true}]}}",
     "nulls_not_distinct applies to unique indexes only"),
    ("tables: {t: {columns: {a: int}, indexes: [{columns: [a], with: {pages_per_range: 4}}]}}",
     "unknown storage parameter 'pages_per_range' for a btree index"),
    ("tables: {t: {columns: {a: int}, exclusions: [{elements: [a]}]}}",
     "an exclusion element is \"column WITH operator\""),
    ("tables: {t: {columns: {a: int}, exclusions: [{elements: ['b WITH =']}]}}",
     "index names column 'b', which the table does not have"),
    ("tables: {t: {columns: {a: int}, exclusions: [{using: gin, elements: ['a WITH =']}]}}",
     "index method 'gin' cannot enforce an exclusion constraint"),
    ("tables: {t: {columns: {a: int}, unique: [{columns: [a], deferrable: false, initially_deferred: true}]}}",
     "initially_deferred: true needs a deferrable constraint"),
])
def test_bad_details_are_refused_with_their_path(text, message):
    assert message in problems(text)


def test_a_foreign_key_to_a_deferrable_key_is_refused():
    text = """
        tables:
          a: {columns: {id: int}, primary_key: {columns: [id], deferrable: true}}
          b: {columns: {a_id: int}, foreign_keys: [{columns: [a_id], references: a}]}
        """
    assert "PostgreSQL refuses a DEFERRABLE one as a target" in problems(text)


# Plans -----------------------------------------------------------------------------------------

def test_the_details_are_rendered():
    sql = "\n".join(s.sql for s in plan_of("tables: {}", BOOKINGS).statements)
    assert "CONSTRAINT rooms_pkey PRIMARY KEY (id) DEFERRABLE," in sql
    assert "UNIQUE NULLS NOT DISTINCT (slug) DEFERRABLE INITIALLY DEFERRED" in sql
    assert ("EXCLUDE USING gist (room_id WITH =, during WITH &&) WHERE (status <> 'cancelled') DEFERRABLE") in sql
    assert "CHECK (id > 0) NO INHERIT" in sql
    assert 'ON public.rooms (name collate "C" text_pattern_ops desc nulls last, lower(name) DESC) WITH (fillfactor = 70)' in sql
    assert "ON public.rooms (name) NULLS NOT DISTINCT" in sql
    assert "USING gin (tags) WITH (fastupdate = false)" in sql


def test_a_foreign_keys_timing_changes_in_place():
    before = "tables: {a: {columns: {id: int}, primary_key: id}, b: {columns: {a_id: int}, foreign_keys: [{columns: [a_id], references: a}]}}"
    after = before.replace("references: a}", "references: a, initially_deferred: true}")
    changes = diff(desired.loads(before), desired.loads(after))
    assert [type(c) for c in changes] == [AlterConstraintTiming]
    [statement] = plan_of(before, after).statements
    assert statement.sql == "ALTER TABLE public.b ALTER CONSTRAINT b_a_id_fkey DEFERRABLE INITIALLY DEFERRED"


def test_a_unique_constraints_timing_or_nulls_change_drops_and_adds_it():
    before = "tables: {t: {columns: {a: int}, unique: [a]}}"
    for after in ("tables: {t: {columns: {a: int}, unique: [{columns: [a], deferrable: true}]}}",
                  "tables: {t: {columns: {a: int}, unique: [{columns: [a], nulls_not_distinct: true}]}}"):
        assert [type(c) for c in diff(desired.loads(before), desired.loads(after))] == [DropConstraint, AddConstraint]


def test_changed_storage_parameters_rebuild_the_index():
    before = "tables: {t: {columns: {a: int}, indexes: [{columns: [a], with: {fillfactor: 70}}]}}"
    after = before.replace("70", "90")
    assert [type(c) for c in diff(desired.loads(before), desired.loads(after))] == [DropIndex, AddIndex]


def test_an_exclusion_added_to_an_existing_table_names_its_lock():
    before = "tables: {t: {columns: {a: int, r: tstzrange}}}"
    after = "tables: {t: {columns: {a: int, r: tstzrange}, exclusions: [{elements: ['r WITH &&']}]}}"
    [statement] = plan_of(before, after).statements
    assert statement.lock.startswith("ACCESS EXCLUSIVE")
    assert [h.code for h in statement.hazards] == ["INDEX_BUILD"]
    assert "cannot build one CONCURRENTLY" in statement.hazards[0].message


# A real database -------------------------------------------------------------------------------

LIVE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE rooms (
    id integer PRIMARY KEY,
    name text, slug text, "Title" text,
    CONSTRAINT rooms_slug_key UNIQUE NULLS NOT DISTINCT (slug),
    CONSTRAINT rooms_name_key UNIQUE (name) INCLUDE ("Title") WITH (fillfactor = 90) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX rooms_sorted ON rooms (name COLLATE "C" text_pattern_ops DESC NULLS LAST, "Title" COLLATE "POSIX" NULLS FIRST, lower(name) COLLATE "C");
CREATE UNIQUE INDEX rooms_title ON rooms ("Title") INCLUDE (slug) NULLS NOT DISTINCT WITH (fillfactor = 70) WHERE id > 0;
CREATE INDEX rooms_brin ON rooms USING brin (id) WITH (pages_per_range = 32, autosummarize = on);
CREATE TABLE bookings (
    id integer, room_id integer REFERENCES rooms DEFERRABLE, during tstzrange, status text,
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&) WHERE (status <> 'cancelled')
        DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT bookings_positive CHECK (id > 0) NO INHERIT
);
ALTER TABLE bookings ADD CONSTRAINT bookings_room_known CHECK (room_id > 0) NO INHERIT NOT VALID;
"""


@pytest.fixture
def inspected(database_url, sql, tmp_path):
    sql(LIVE)
    (tmp_path / ".git").mkdir()
    result = run_cli("inspect", "--out", "schema.yaml", cwd=tmp_path, url=database_url)
    assert result.returncode == 0, output(result)
    return tmp_path / "schema.yaml"


def test_inspect_writes_every_detail(inspected):
    doc = yaml.safe_load(inspected.read_text())
    rooms, bookings = doc["tables"]["rooms"], doc["tables"]["bookings"]
    assert rooms["unique"] == [{"name": "rooms_name_key", "columns": "name", "include": ["Title"], "with": {"fillfactor": 90},
                                "deferrable": True, "initially_deferred": True},
                               {"columns": "slug", "nulls_not_distinct": True}]
    indexes = {i["name"]: i for i in rooms["indexes"]}
    assert indexes["rooms_sorted"]["columns"] == [
        'name COLLATE "C" text_pattern_ops DESC NULLS LAST', '"Title" COLLATE "POSIX" NULLS FIRST', 'lower(name) COLLATE "C"']
    assert indexes["rooms_title"]["nulls_not_distinct"] is True
    assert indexes["rooms_title"]["with"] == {"fillfactor": 70}
    assert indexes["rooms_brin"]["with"] == {"autosummarize": "on", "pages_per_range": 32}
    assert bookings["exclusions"] == [{"name": "bookings_no_overlap", "elements": ["room_id WITH =", "during WITH &&"],
                                       "where": "status <> 'cancelled'::text", "deferrable": True,
                                       "initially_deferred": True}]
    assert {"name": "bookings_positive", "expression": "id > 0", "no_inherit": True} in bookings["checks"]
    assert {"name": "bookings_room_known", "expression": "room_id > 0", "not_valid": True, "no_inherit": True} \
        in bookings["checks"]
    assert bookings["foreign_keys"][0]["deferrable"] is True


def test_an_index_including_a_mixed_case_column_round_trips(database_url, sql, tmp_path):
    sql('CREATE TABLE t (a int, "Title" text); CREATE INDEX t_a_idx ON t (a) INCLUDE ("Title")')
    (tmp_path / ".git").mkdir()
    assert run_cli("inspect", "--out", "schema.yaml", cwd=tmp_path, url=database_url).returncode == 0
    assert yaml.safe_load((tmp_path / "schema.yaml").read_text())["tables"]["t"]["indexes"][0]["include"] == ["Title"]
    result = run_cli("plan", "--exit-code", cwd=tmp_path, url=database_url)
    assert result.returncode == 0, output(result)


def test_the_inspected_file_plans_empty_and_rebuilds_the_same_catalog(database_url, inspected, pg_server):
    from catalog_fingerprint import diff_fingerprints, fingerprint
    from conftest import fresh_database
    import psycopg

    assert run_cli("plan", "--exit-code", cwd=inspected.parent, url=database_url).returncode == 0
    with fresh_database(pg_server) as rebuilt:
        with psycopg.connect(rebuilt, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION btree_gist")  # the extensions kind creates it in the end
        applied = run_cli("apply", cwd=inspected.parent, url=rebuilt)
        assert applied.returncode == 0, output(applied)
        again = run_cli("plan", "--exit-code", cwd=inspected.parent, url=rebuilt)
        assert again.returncode == 0, output(again)
        prints = []
        for url in (database_url, rebuilt):
            with psycopg.connect(url, autocommit=True) as conn:
                prints.append(fingerprint(conn, ignore_tables=["public.schemadiff_version"]))
        assert diff_fingerprints(*prints) == []


def test_changing_the_details_converges(database_url, sql):
    sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
    apply_yaml(database_url, BOOKINGS)
    assert plan_yaml(database_url, BOOKINGS).empty
    changed = (BOOKINGS.replace("deferrable: true}", "}").replace("fillfactor: 70", "fillfactor: 90")
               .replace("nulls_not_distinct: true, initially_deferred: true", "initially_deferred: false")
               .replace('"room_id WITH =", ', "").replace("no_inherit: true", "no_inherit: false"))
    assert statements(plan_yaml(database_url, changed))
    apply_yaml(database_url, changed)
    assert plan_yaml(database_url, changed).empty
    apply_yaml(database_url, BOOKINGS)
    assert plan_yaml(database_url, BOOKINGS).empty


def test_a_foreign_keys_timing_is_altered_in_place_for_real(database_url, sql):
    before = """
        tables:
          a: {columns: {id: int}, primary_key: id}
          b: {columns: {a_id: int}, foreign_keys: [{columns: [a_id], references: a}]}
        """
    after = before.replace("references: a}", "references: a, deferrable: true, initially_deferred: true}")
    apply_yaml(database_url, dedent(before))
    sql("INSERT INTO a VALUES (1); INSERT INTO b VALUES (1)")
    apply_yaml(database_url, dedent(after))
    assert plan_yaml(database_url, dedent(after)).empty
    assert sql("SELECT condeferrable, condeferred FROM pg_constraint WHERE conname = 'b_a_id_fkey'") == [(True, True)]


def test_check_reports_a_missing_exclusion_as_critical(database_url, sql, tmp_path):
    sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
    text = "tables: {t: {columns: {id: int, r: tstzrange}, primary_key: id}}\n"
    apply_yaml(database_url, text)
    (tmp_path / ".git").mkdir()
    (tmp_path / "schema.yaml").write_text(
        "tables: {t: {columns: {id: int, r: tstzrange}, primary_key: id, exclusions: [{elements: ['r WITH &&']}]}}\n")
    result = run_cli("check", "--format", "json", cwd=tmp_path, url=database_url)
    import json

    report = json.loads(result.stdout)
    assert report["status"] == "critical", report
    assert report["constraints"]["missing"] == ["t.t_r_excl"]


def test_a_unique_key_on_the_primary_keys_columns_is_built_beside_it(database_url, sql):
    """PostgreSQL keeps a UNIQUE constraint on the primary key's columns when it is added by
    ALTER TABLE (or differs in timing), and inspect writes it; CREATE TABLE would fold it into
    the primary key, so the plan adds it after the table."""
    text = """
        tables:
          tickets:
            columns: {code: int, seat: int}
            primary_key: {columns: [code], deferrable: true, initially_deferred: true}
            unique: [code, seat, {name: tickets_seat_again, columns: [seat]}]
        """
    apply_yaml(database_url, dedent(text))
    assert plan_yaml(database_url, dedent(text)).empty
    assert sql("SELECT conname, contype FROM pg_constraint WHERE conrelid = 'tickets'::regclass ORDER BY 1") == [
        ("tickets_code_key", "u"), ("tickets_pkey", "p"), ("tickets_seat_again", "u"), ("tickets_seat_key", "u")]
