"""The closure contract of ``schemadiff inspect`` on databases that look like real ones.

For each fixture under ``fixtures/real/<name>/schema.sql``: load it into an empty database A,
``inspect`` A into a file, then

1. ``validate`` accepts the file;
2. ``apply`` builds it into an empty database B without hand edits;
3. B has the same catalog fingerprint as A (``catalog_fingerprint``: every table-level object),
   but for the inheritance links (INHERITS), which schemadiff does not model: the stage holds
   only if inspect's report names every inheritance child, and then leaves out just the link;
4. ``plan`` is empty against A and 5. against B.

Each stage is its own test, so a failure names the stage and the fixture. The stages run once
per fixture (cached for the module); a stage whose predecessor failed fails too, saying so.
Cases that cannot pass until schemadiff models more object kinds are marked xfail(strict):
the day one passes, it turns into a failure that asks for its mark to be removed.
"""

from __future__ import annotations

import contextlib
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import psycopg
import pytest

from catalog_fingerprint import diff_fingerprints, fingerprint
from conftest import fresh_database
from core_helpers import invoke, output

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"
VERSION_TABLE = "public.schemadiff_version"  # apply's bookkeeping, only in the rebuilt database
STAGES = ("inspect", "validate", "apply", "same_fingerprint", "plan_empty_on_original", "plan_empty_on_rebuilt")

# What schemadiff does not model yet, by fixture and stage (found by running the stages with
# the blocking kinds patched out of the inspected file by hand; see the fixtures' README), as
# ("fixture", "stage"): "what the rebuilt database loses". Inheritance is not listed: it is
# named by inspect's report and left out of the fingerprint (see same_fingerprint).
KNOWN_FAILURES: dict = {}  # (fixture, stage) -> why it fails today: run as strict xfail


def xfail(reason: str):
    return pytest.mark.xfail(strict=True, reason=reason)


def load_sql(url: str, path: Path, roles=None) -> None:
    """Run a fixture file as psql would; psql's own backslash commands (pg_dump's
    \\restrict lines) are the only lines psql reads that the server would not. The roles the
    file names in a ``-- roles:`` line are created by ``roles`` (conftest's cluster_roles)."""
    text = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("\\"))
    if roles is not None:
        text = roles.substitute(text)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(text)


def catalog_of(url: str) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        return fingerprint(conn, ignore_tables=[VERSION_TABLE])


@dataclass
class Closure:
    """The outcome of each stage for one fixture: None when it held, else why not."""
    outcomes: dict = field(default_factory=dict)

    def run(self, stage: str, step: Callable[[], Optional[str]]) -> None:
        failed = [s for s in self.outcomes if self.outcomes[s] is not None and s in REQUIRES.get(stage, ())]
        if failed:
            self.outcomes[stage] = f"not reached: stage {failed[0]} failed"
            return
        try:
            self.outcomes[stage] = step()
        except Exception:  # a crash of the CLI is a failure of the stage, reported in full
            self.outcomes[stage] = traceback.format_exc()


REQUIRES = {
    "validate": ("inspect",),
    "apply": ("inspect", "validate"),
    "same_fingerprint": ("inspect", "apply"),
    "plan_empty_on_original": ("inspect",),
    "plan_empty_on_rebuilt": ("inspect", "apply"),
}


def cli(*args: str, cwd: Path, url: Optional[str] = None) -> Optional[str]:
    result = invoke(*args, cwd=cwd, url=url)
    return None if result.returncode == 0 else f"exit {result.returncode}:\n{output(result)}"


def empty_plan(cwd: Path, url: str) -> Optional[str]:
    result = invoke("plan", "--exit-code", cwd=cwd, url=url)
    return None if result.returncode == 0 else f"exit {result.returncode}, the plan is:\n{output(result)}"


def same_fingerprint(original: str, rebuilt: str, inspected: Path) -> Optional[str]:
    """The two catalogs are equal, but for what the inspected file names as left out: views,
    functions, another migration tool's version table (the rebuilt database lacks them).
    Inheritance links are modelled (``inherits:``): they must come back exactly."""
    text = inspected.read_text()
    rebuilt_print = catalog_of(rebuilt)
    original_print = without_named(catalog_of(original), rebuilt_print, left_out_labels(text))
    differences = diff_fingerprints(original_print, rebuilt_print)
    return "\n".join([f"{len(differences)} difference(s), original vs rebuilt:"] + differences) if differences else None


def left_out_labels(text: str) -> set:
    """How the file's comment block names each object it leaves out ("view public.v", …)."""
    return {line[4:].split(": ", 1)[0] for line in text.splitlines() if line.startswith("#   ")}


def without_named(original: dict, rebuilt: dict, labels: set) -> dict:
    """``original`` without what ``rebuilt`` lacks and ``labels`` names as left out on purpose
    (and said so): whole objects (a table, a view, a function, a trigger, …), a table's
    row-level security flags, the privileges of a table or a schema or a type, and the
    privileges of every object left out. What the report does not name stays, and differs."""
    result = dict(original)
    for kind, label_of in OBJECT_LABELS.items():
        result[kind] = {name: value for name, value in original.get(kind, {}).items()
                        if name in rebuilt.get(kind, {}) or not label_of(name, value, labels)}
    left_out = {kind: set(original.get(kind, {})) - set(result[kind]) for kind in OBJECT_LABELS}
    result["tables"] = {name: _rls_as_in(table, rebuilt["tables"].get(name), labels, name)
                        for name, table in result["tables"].items()}
    result["privileges"] = _privileges_as_in(original["privileges"], rebuilt["privileges"], labels, left_out)
    uncovered = {}
    for kind, names in original["uncovered"].items():
        kept = [n for n in names if n in rebuilt["uncovered"].get(kind, ()) or uncovered_label(kind, n) not in labels]
        if kept:
            uncovered[kind] = kept
    return {**result, "uncovered": uncovered}


ROUTINE_KINDS = {"f": "function", "p": "procedure", "w": "window function"}
# How inspect's report labels an object of each fingerprint kind, as a test of "is it named".
OBJECT_LABELS = {
    "tables": lambda name, _, labels: f"table {name}" in labels,
    "views": lambda name, _, labels: f"view {name}" in labels,
    "materialized_views": lambda name, _, labels: f"materialized view {name}" in labels,
    "triggers": lambda name, _, labels: f"trigger {name}" in labels,
    "policies": lambda name, _, labels: f"policy {name}" in labels,
    # inspect prints argument types as its own search_path shows them: match up to the "(".
    "routines": lambda name, routine, labels: any(
        label.startswith(f"{ROUTINE_KINDS.get(routine['kind'], 'function')} {name.split('(', 1)[0]}(")
        for label in labels),
}


def _rls_as_in(table: dict, rebuilt: Optional[dict], labels: set, name: str) -> dict:
    """A table whose row-level security the report names as left out: its flags as rebuilt."""
    if rebuilt is None or f"row-level security on {name}" not in labels:
        return table
    return table | {"row_security": rebuilt["row_security"]}


def _privileges_as_in(original: dict, rebuilt: dict, labels: set, left_out: dict) -> dict:
    """Privileges as rebuilt where the report names them as left out ("privileges on
    public.t", which covers the table's columns too; "schema privileges app"; "type privileges
    app.t"), or where the object they are on was left out as a whole."""
    def named(entry: str) -> bool:
        what, name = next((w, entry[len(w) + 1:]) for w in PRIVILEGE_OBJECTS if entry.startswith(w + " "))
        relation = name.rsplit(".", 1)[0] if what == "column" else name
        routine = name.split("(", 1)[0]
        return (f"{PRIVILEGE_LABELS.get(what, 'privileges on')} {relation}" in labels
                or any(relation in left_out[kind] for kind in ("tables", "views", "materialized_views"))
                or (what in ROUTINE_KINDS.values() and routine in {r.split("(", 1)[0] for r in left_out["routines"]}))

    kept = {entry: rows for entry, rows in original.items() if not named(entry)}
    kept.update({entry: rows for entry, rows in rebuilt.items() if entry in original and named(entry)})
    return kept


# The fingerprint's privilege entries start with one of these (longest first), and the report
# names schema and type privileges apart from those of a relation.
PRIVILEGE_OBJECTS = ("materialized view", "foreign table", "window function", "table", "sequence", "view",
                     "column", "schema", "function", "procedure", "aggregate", "type")
PRIVILEGE_LABELS = {"schema": "schema privileges", "type": "type privileges"}


def uncovered_label(kind: str, name: str) -> str:
    """The fingerprint's name of an uncovered object ("public.users.archive" for a rule) as
    inspect labels it ("rule archive on public.users"); names holding dots are not split right."""
    if kind == "rule":
        schema, table, own = name.split(".", 2)
        return f"{kind} {own} on {schema}.{table}"
    return f"statistics object {name}" if kind == "statistics" else f"{kind} {name}"


def inheritance_children(print_: dict) -> list[str]:
    """Tables that INHERIT from another (partitions are not inheritance here)."""
    return sorted(name for name, table in print_["tables"].items() if table["inherits"])


def names_inheritance(inspected_text: str, child: str) -> bool:
    return any(line.startswith(f"#   table inheritance {child}: ") for line in inspected_text.splitlines())


def without_inheritance(print_: dict, children: list[str]) -> dict:
    """``print_`` without the inheritance link of each of ``children``: pg_inherits itself, and
    what it records on the child's columns and constraints (inherited from the parent, or local)."""
    tables = {}
    for name, table in print_["tables"].items():
        if name in children:
            table = table | {
                "inherits": [],
                "columns": {c: _unlinked(col) for c, col in table["columns"].items()},
                "constraints": {c: _unlinked(con) for c, con in table["constraints"].items()},
            }
        tables[name] = table
    return print_ | {"tables": tables}


def _unlinked(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in ("inherited", "local")}


def run_closure(pg_server: str, workdir: Path, fixture: str, roles) -> Closure:
    closure = Closure()
    with contextlib.ExitStack() as stack:
        original = stack.enter_context(fresh_database(pg_server, prefix="closure_a_"))
        rebuilt = stack.enter_context(fresh_database(pg_server, prefix="closure_b_"))
        load_sql(original, FIXTURES / fixture / "schema.sql", roles)
        (workdir / ".git").mkdir()  # a project root of its own: no stray configuration is read
        closure.run("inspect", lambda: cli("inspect", "--out", "schema.yaml", cwd=workdir, url=original))
        closure.run("validate", lambda: cli("validate", cwd=workdir))
        closure.run("apply", lambda: cli("apply", cwd=workdir, url=rebuilt))
        closure.run("same_fingerprint", lambda: same_fingerprint(original, rebuilt, workdir / "schema.yaml"))
        closure.run("plan_empty_on_original", lambda: empty_plan(workdir, original))
        closure.run("plan_empty_on_rebuilt", lambda: empty_plan(workdir, rebuilt))
    return closure


@pytest.fixture(scope="module")
def closures(pg_server, tmp_path_factory, cluster_roles):
    """``closures(fixture)``: the stages of that fixture, run once for the module."""
    done: dict = {}

    def get(fixture: str) -> Closure:
        if fixture not in done:
            done[fixture] = run_closure(pg_server, tmp_path_factory.mktemp(fixture), fixture, cluster_roles)
        return done[fixture]

    return get


def cases():
    for fixture in sorted(p.name for p in FIXTURES.iterdir() if (p / "schema.sql").exists()):
        for stage in STAGES:
            reason = KNOWN_FAILURES.get((fixture, stage))
            marks = [xfail(reason)] if reason else []
            yield pytest.param(fixture, stage, marks=marks, id=f"{fixture}-{stage}")


@pytest.mark.parametrize(("fixture", "stage"), list(cases()))
def test_closure_stage_holds(closures, fixture, stage):
    why = closures(fixture).outcomes[stage]
    assert why is None, f"{fixture}: stage {stage} failed: {why}"


# The fingerprint itself ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def saas_reference(pg_server):
    with fresh_database(pg_server, prefix="fp_ref_") as url:
        load_sql(url, FIXTURES / "saas_billing" / "schema.sql")
        yield catalog_of(url)


@pytest.fixture
def saas_copy(database_url):
    """A fresh database built from the saas_billing fixture, to be changed by the test."""
    load_sql(database_url, FIXTURES / "saas_billing" / "schema.sql")
    return database_url


def run(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


@pytest.mark.parametrize("fixture", ["plain_app", "saas_billing", "dump_style", "rails_app", "django_app",
                                     "analytics_tenants", "sample_store"])
def test_fingerprints_of_two_databases_built_from_the_same_sql_are_equal(pg_server, cluster_roles, fixture):
    prints = []
    for _ in range(2):
        with fresh_database(pg_server, prefix="fp_") as url:
            load_sql(url, FIXTURES / fixture / "schema.sql", cluster_roles)
            prints.append(catalog_of(url))
    assert diff_fingerprints(*prints) == []
    assert prints[0] == prints[1]


def test_fingerprint_detects_a_changed_reloption(saas_reference, saas_copy):
    run(saas_copy, "ALTER TABLE billing.invoices SET (fillfactor = 90)")
    assert diff_fingerprints(saas_reference, catalog_of(saas_copy)) == [
        "table billing.invoices: reloptions ['autovacuum_vacuum_scale_factor=0.02', 'fillfactor=70']"
        " vs ['autovacuum_vacuum_scale_factor=0.02', 'fillfactor=90']"
    ]


def test_fingerprint_detects_a_changed_partition_bound(saas_reference, saas_copy):
    run(saas_copy, "ALTER TABLE public.events DETACH PARTITION public.events_2024_12;"
                   " ALTER TABLE public.events ATTACH PARTITION public.events_2024_12"
                   " FOR VALUES FROM ('2024-12-01 00:00:00+00') TO ('2024-12-31 00:00:00+00')")
    differences = diff_fingerprints(saas_reference, catalog_of(saas_copy))
    assert [d for d in differences if "partition_bound" in d] == [
        "table public.events_2024_12: partition_bound"
        " \"FOR VALUES FROM ('2024-12-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')\""
        " vs \"FOR VALUES FROM ('2024-12-01 00:00:00+00') TO ('2024-12-31 00:00:00+00')\""
    ]


def test_fingerprint_detects_a_changed_domain_check(saas_reference, saas_copy):
    run(saas_copy, "ALTER DOMAIN billing.amount DROP CONSTRAINT amount_bounded;"
                   " ALTER DOMAIN billing.amount ADD CONSTRAINT amount_bounded CHECK (VALUE < 1000000)")
    assert diff_fingerprints(saas_reference, catalog_of(saas_copy)) == [
        "domain billing.amount: checks.amount_bounded.definition"
        " 'CHECK ((VALUE < (1000000000)::numeric))' vs 'CHECK ((VALUE < (1000000)::numeric))'"
    ]


def test_leaving_out_inheritance_leaves_out_only_the_link(saas_reference, saas_copy):
    children = inheritance_children(saas_reference)
    assert children == ["billing.audit_log_2023", "billing.audit_log_2024"]
    run(saas_copy, "ALTER TABLE billing.audit_log_2023 NO INHERIT billing.audit_log;"
                   " ALTER TABLE billing.audit_log_2024 ADD COLUMN note text")
    assert diff_fingerprints(without_inheritance(saas_reference, children), without_inheritance(catalog_of(saas_copy), children)) == [
        "table billing.audit_log_2024: column_order ['id', 'happened_at', 'actor', 'action', 'detail']"
        " vs ['id', 'happened_at', 'actor', 'action', 'detail', 'note']",
        "table billing.audit_log_2024: columns.note only in the second: {'type': 'text', 'not_null': False,"
        " 'default': None, 'comment': None}",
    ]


def test_fingerprint_reads_boolean_options_by_value_not_spelling(database_url):
    """PostgreSQL keeps an option as written (security_invoker = 'on'); a database rebuilt
    from the file says true: the same option. A changed value still differs."""
    prints = []
    for spelled in ("'on'", "true", "off"):
        run(database_url, "DROP VIEW IF EXISTS v; DROP TABLE IF EXISTS t; CREATE TABLE t (id int)"
                          f" WITH (autovacuum_enabled = {spelled}); CREATE VIEW v WITH (security_invoker = {spelled})"
                          " AS SELECT id FROM t")
        prints.append(catalog_of(database_url))
    assert diff_fingerprints(prints[0], prints[1]) == []
    assert diff_fingerprints(prints[1], prints[2]) == [
        "table public.t: reloptions ['autovacuum_enabled=true'] vs ['autovacuum_enabled=false']",
        "view public.v: reloptions ['security_invoker=true'] vs ['security_invoker=false']"]


def test_an_ignored_table_is_left_out_with_its_identity_sequence_and_the_grants_on_it(database_url):
    run(database_url, "CREATE TABLE kept (id int); CREATE TABLE tool_log (n bigint GENERATED ALWAYS AS IDENTITY);"
                      " GRANT USAGE ON SEQUENCE tool_log_n_seq TO PUBLIC")
    with psycopg.connect(database_url, autocommit=True) as conn:
        print_ = fingerprint(conn, ignore_tables=["public.tool_log"])
    assert list(print_["tables"]) == ["public.kept"]
    assert not [entry for entry in print_["privileges"] if "tool_log" in entry]


def test_fingerprint_ignores_sequence_positions(saas_reference, saas_copy):
    run(saas_copy, "SELECT nextval('billing.document_number_seq'), nextval('public.public_id_seq')")
    assert diff_fingerprints(saas_reference, catalog_of(saas_copy)) == []


# What inspect's report names as left out, and only that, is excused -----------------------

def _print(**kinds) -> dict:
    empty = {k: {} for k in ("tables", "views", "materialized_views", "routines", "triggers", "policies", "privileges")}
    return {**empty, "uncovered": {}, **kinds}


ORIGINAL = _print(
    tables={"public.t": {"row_security": [True, False]}},
    views={"public.v": {"definition": "SELECT 1"}},
    routines={"public.f(mood public.mood)": {"kind": "f", "definition": "…"}},
    triggers={"audit on public.t": {"definition": "…"}},
    privileges={"view public.v": [["app", "SELECT", "false"]], "table public.t": [["app", "SELECT", "false"]],
                "function public.f(mood public.mood)": []},
)
REBUILT = _print(tables={"public.t": {"row_security": [False, False]}})


def test_objects_the_report_names_are_excused_with_their_privileges():
    labels = {"view public.v", "function public.f(mood mood)", "trigger audit on public.t",
              "row-level security on public.t", "privileges on public.t"}
    assert diff_fingerprints(without_named(ORIGINAL, REBUILT, labels), REBUILT) == []


def test_objects_the_report_does_not_name_still_differ():
    assert diff_fingerprints(without_named(ORIGINAL, REBUILT, {"view public.v"}), REBUILT) == [
        "privileges of function public.f(mood public.mood): only in the first",
        "privileges of table public.t: only in the first",
        "routine public.f(mood public.mood): only in the first",
        "table public.t: row_security [True, False] vs [False, False]",
        "trigger audit on public.t: only in the first",
    ]
