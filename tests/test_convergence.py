"""Convergence under random schemas: for random schema files A, B (and C), build A for real,
apply B, and require that the database then matches B exactly — no diff, an empty second
plan, and the same catalog as a database built from B directly. Also B→A and A→B→C.

Failures hypothesis found are kept as fixtures in ``tests/fixtures/convergence/<case>/``
(``before.yaml``, ``after.yaml``) and replayed by ``test_fixture_converges``.

Default runs use few examples; ``SCHEMADIFF_LONG=1`` runs many more.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemadiff import desired
from reliability import apply, assert_converged, examples, live, reset_database, scratch_database

FIXTURES = Path(__file__).parent / "fixtures" / "convergence"

SETTINGS = settings(
    max_examples=examples(15, 300), deadline=None, derandomize=False, print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)

# Column names are bound to a type family so that a column kept between two versions changes
# type only within types PostgreSQL can cast between (an impossible cast is a user error, not
# a convergence failure).
FAMILIES = {
    "int": ["smallint", "integer", "bigint", "numeric(10,2)", "numeric(12,0)", "numeric"],
    "text": ["text", "varchar(20)", "varchar(200)", "character varying"],
    "bool": ["boolean"],
    "time": ["timestamptz", "timestamp", "date"],
    "json": ["jsonb"],
    "uuid": ["uuid"],
    "iarr": ["integer[]", "bigint[]"],
    "tarr": ["text[]", "varchar(10)[]"],
}
DEFAULTS = {
    "int": ["0", "42", "-1"],
    "text": ["'x'", "''", "'it''s'"],
    "bool": ["true", "false"],
    "time": ["now()", "CURRENT_TIMESTAMP", "'2020-01-01'"],
    "json": ["'{}'::jsonb", "'[]'"],
    "uuid": ["gen_random_uuid()"],
    "iarr": ["'{}'", "ARRAY[1, 2]"],
    "tarr": ["'{}'", "ARRAY['a']"],
}
COLUMN_NAMES = {
    "int": ["id", "amount", "qty", "Score"],
    "text": ["name", "email", "Title", "user"],
    "bool": ["active", "deleted"],
    "time": ["created_at", "updated_at"],
    "json": ["meta"],
    "uuid": ["uid"],
    "iarr": ["nums"],
    "tarr": ["tags"],
}
COLUMN_FAMILY = {name: family for family, names in COLUMN_NAMES.items() for name in names}
TABLE_NAMES = ["users", "orders", "app.items", "app.Events", "order"]
ENUMS = {"mood": ["sad", "ok", "happy", "ecstatic"], "app.status": ["new", "active", "done"]}
FK_ACTIONS = ["no action", "restrict", "cascade", "set null", "set default"]
INTEGER_TYPES = ("smallint", "integer", "bigint")
ENUM_COLUMN = {"mood": "mood_col", "app.status": "status_col"}


def _keyable(type_name: str) -> bool:
    # varchar(n)[] keys: PostgreSQL 15's check of a new foreign key on them fails with
    # 'cannot determine element type of "anyarray" argument' (a server bug; text[] works).
    return type_name not in ("jsonb", "varchar(10)[]")


@st.composite
def columns(draw, enums: dict) -> dict:
    names = draw(st.lists(st.sampled_from(sorted(COLUMN_FAMILY)), min_size=1, max_size=5, unique=True))
    out = {}
    for name in names:
        family = COLUMN_FAMILY[name]
        body: dict = {"type": draw(st.sampled_from(FAMILIES[family]))}
        if family == "int" and body["type"] in INTEGER_TYPES:
            special = draw(st.sampled_from(["plain", "plain", "identity", "serial"]))
            if special == "identity":
                body["identity"] = draw(st.sampled_from(["always", "by default"]))
            elif special == "serial":
                body["type"] = {"smallint": "smallserial", "integer": "serial", "bigint": "bigserial"}[body["type"]]
        if "identity" not in body and "serial" not in body["type"]:
            if draw(st.booleans()):
                body["nullable"] = False
            if draw(st.integers(0, 2)) == 0:
                body["default"] = draw(st.sampled_from(DEFAULTS[family]))
        if draw(st.integers(0, 3)) == 0:
            body["comment"] = draw(st.sampled_from(["a comment", "it's \"quoted\"", "two\nlines"]))
        out[name] = body
    if enums and draw(st.booleans()):
        enum = draw(st.sampled_from(sorted(enums)))
        body = {"type": enum}
        if draw(st.booleans()):
            body["default"] = f"'{draw(st.sampled_from(enums[enum]))}'"
        out[ENUM_COLUMN[enum]] = body
    return out


def _base_type(body: dict) -> str:
    t = body["type"]
    return {"smallserial": "smallint", "serial": "integer", "bigserial": "bigint"}.get(t, t)


@st.composite
def schema_doc(draw) -> dict:
    """A random but valid schema file (as a dict; dumped to YAML by the caller)."""
    enums = draw(st.lists(st.sampled_from(sorted(ENUMS)), max_size=2, unique=True))
    doc: dict = {"schemas": ["app"]}
    if enums:
        doc["enums"] = {}
        for e in enums:
            # Values added, removed and reordered between versions.
            doc["enums"][e] = draw(st.lists(st.sampled_from(ENUMS[e]), min_size=1, unique=True))
    table_names = draw(st.lists(st.sampled_from(TABLE_NAMES), min_size=1, max_size=4, unique=True))
    tables: dict = {}
    for tname in table_names:
        # An enum column's default must be one of the enum's values in this version.
        cols = draw(columns(doc.get("enums", {})))
        body: dict = {"columns": cols}
        keyable = [c for c, b in cols.items() if _keyable(_base_type(b))]
        if keyable and draw(st.integers(0, 3)) > 0:
            pk = draw(st.lists(st.sampled_from(keyable), min_size=1, max_size=min(2, len(keyable)), unique=True))
            body["primary_key"] = pk if len(pk) > 1 or draw(st.booleans()) else pk[0]
        if keyable and draw(st.booleans()):
            unique = draw(st.lists(st.sampled_from(keyable), min_size=1, max_size=2, unique=True))
            pk = body.get("primary_key")
            if unique != ([pk] if isinstance(pk, str) else pk):  # the loader refuses a repeated key
                body["unique"] = [draw(unique_spec(unique))]
        indexes = []
        for _ in range(draw(st.integers(0, 2))):
            indexes.append(draw(index_spec(cols, keyable)))
        if indexes:
            body["indexes"] = indexes
        checks = draw(check_specs(cols))
        if checks:
            body["checks"] = checks
        if draw(st.integers(0, 3)) == 0:
            body["comment"] = draw(st.sampled_from(["table comment", "with 'quotes'", "multi\nline"]))
        tables[tname] = body
    # Foreign keys: to an earlier table's primary key, through fresh columns of the same types.
    for i, tname in enumerate(table_names[1:], start=1):
        if not draw(st.booleans()):
            continue
        ref_name = draw(st.sampled_from(table_names[:i]))
        ref = tables[ref_name]
        pk = ref.get("primary_key")
        if not pk:
            continue
        pk = [pk] if isinstance(pk, str) else pk
        fk_cols = []
        for j, col in enumerate(pk):
            ref_col = ref["columns"][col]
            name = f"ref_{col}"  # named after the referenced column: same type family
            if name in tables[tname]["columns"]:
                continue
            tables[tname]["columns"][name] = {"type": _base_type(ref_col)}
            fk_cols.append(name)
        if len(fk_cols) != len(pk):
            continue
        fk = {"columns": fk_cols, "references": {"table": ref_name, "columns": pk},
              "on_delete": draw(st.sampled_from(FK_ACTIONS)), "on_update": draw(st.sampled_from(FK_ACTIONS))}
        if draw(st.integers(0, 3)) == 0:
            fk["deferrable"] = True
            fk["initially_deferred"] = draw(st.booleans())
        tables[tname]["foreign_keys"] = [fk]
    doc["tables"] = tables
    return doc


@st.composite
def index_spec(draw, cols: dict, keyable: list) -> dict:
    names = list(cols)
    text_cols = [c for c in names if COLUMN_FAMILY.get(c) == "text"]
    kind = draw(st.sampled_from(["plain", "multi", "expr", "desc", "partial", "gin"]))
    spec: dict
    if kind == "expr" and text_cols:
        spec = {"columns": [f"lower({_q(draw(st.sampled_from(text_cols)))})"]}
    elif kind == "gin" and any(COLUMN_FAMILY.get(c) in ("json", "iarr", "tarr") for c in names):
        col = draw(st.sampled_from([c for c in names if COLUMN_FAMILY.get(c) in ("json", "iarr", "tarr")]))
        spec = {"columns": [col], "using": "gin"}
    elif kind == "multi" and len(keyable) >= 2:
        spec = {"columns": draw(st.lists(st.sampled_from(keyable), min_size=2, max_size=2, unique=True))}
    elif kind == "desc" and keyable:
        ordering = draw(st.sampled_from([" DESC", " DESC NULLS FIRST", " DESC NULLS LAST", " NULLS FIRST"]))
        spec = {"columns": [draw(st.sampled_from(keyable)) + ordering]}
    elif keyable:
        spec = {"columns": [draw(st.sampled_from(keyable))]}
    else:
        spec = {"columns": [f"({_q(names[0])} IS NULL)"]}
    if kind == "partial" or draw(st.integers(0, 4)) == 0:
        spec["where"] = f"{_q(draw(st.sampled_from(names)))} IS NOT NULL"
    if draw(st.booleans()) and spec.get("using") != "gin":
        spec["unique"] = True
        if draw(st.integers(0, 3)) == 0:
            spec["nulls_not_distinct"] = True
    if draw(st.integers(0, 3)) == 0:  # storage parameters (WITH)
        spec["with"] = {"fastupdate": draw(st.booleans())} if spec.get("using") == "gin" \
            else {"fillfactor": draw(st.sampled_from([70, 90]))}
    if draw(st.booleans()):
        spec["name"] = draw(st.sampled_from(["ix_a", "ix_b", "Ix Mixed"]))
    return spec


@st.composite
def unique_spec(draw, columns: list):
    """A unique constraint, sometimes NULLS NOT DISTINCT and/or DEFERRABLE."""
    details = {}
    if draw(st.integers(0, 3)) == 0:
        details["nulls_not_distinct"] = True
    if draw(st.integers(0, 3)) == 0:
        details["deferrable"] = True
        details["initially_deferred"] = draw(st.booleans())
    return {"columns": columns, **details} if details else columns


def _q(name: str) -> str:
    from schemadiff.pg.naming import quote_ident

    return quote_ident(name)


@st.composite
def check_specs(draw, cols: dict) -> list:
    out = []
    for name, body in cols.items():
        family = COLUMN_FAMILY.get(name)
        if draw(st.integers(0, 3)) != 0:
            continue
        if family == "int":
            out.append(f"{_q(name)} >= 0")
        elif family == "text":
            out.append(draw(st.sampled_from([f"length({_q(name)}) > 0", f"{_q(name)} <> 'it''s'"])))
        elif family == "bool":
            out.append(f"{_q(name)} IS NOT NULL")
    if out and draw(st.booleans()):
        out[0] = {"name": "named_check", "expression": out[0]}
    return out


def _dedupe_names(doc: dict) -> dict:
    """Explicit index names must be unique per schema; drop clashing ones (keep derived)."""
    seen: dict = {}
    for tname, body in doc["tables"].items():
        schema = tname.split(".")[0] if "." in tname else "public"
        for spec in body.get("indexes", []):
            if "name" in spec:
                if (schema, spec["name"]) in seen:
                    del spec["name"]
                else:
                    seen[(schema, spec["name"])] = True
        for check in body.get("checks", []):
            if isinstance(check, dict):
                if (tname, check["name"]) in seen:
                    check.pop("name")
                seen[(tname, "named_check")] = True
    return doc


def to_yaml(doc: dict) -> str:
    return yaml.safe_dump(_dedupe_names(doc), sort_keys=False, allow_unicode=True)


@pytest.fixture(scope="module")
def databases(pg_server):
    """Two databases reused by every example: the one migrated step by step, and the one
    each step's schema is built in directly (emptied before each use)."""
    with scratch_database(pg_server) as migrated, scratch_database(pg_server) as direct:
        yield migrated, direct


def _run(databases, texts: list[str]) -> None:
    """Apply each text in turn to one database; after each step the database must equal one
    built directly from that text."""
    migrated, direct = databases
    catalogs = [desired.loads(t) for t in texts]
    reset_database(migrated)
    for step, (text, catalog) in enumerate(zip(texts, catalogs)):
        apply(migrated, catalog, text)
        reset_database(direct)
        apply(direct, catalog, text)
        assert_converged(direct, catalog, context=f"fresh build of step {step}")
        assert_converged(migrated, catalog, direct, context=f"step {step}:\n{text}")


SCHEMA = schema_doc().map(to_yaml)


@SETTINGS
@given(a=SCHEMA, b=SCHEMA)
def test_a_to_b_and_back(databases, a, b):
    _run(databases, [a, b, a])


@settings(SETTINGS, max_examples=examples(5, 100))
@given(a=SCHEMA, b=SCHEMA, c=SCHEMA)
def test_chain_a_b_c(databases, a, b, c):
    _run(databases, [a, b, c])


@pytest.mark.parametrize("case", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) if FIXTURES.exists() else [])
def test_fixture_converges(databases, case):
    folder = FIXTURES / case
    before = (folder / "before.yaml").read_text()
    after = (folder / "after.yaml").read_text()
    _run(databases, [before, after, before])


def test_serial_is_recognised_when_an_index_depends_on_the_column(database_url, sql):
    """An index depends on its columns with deptype 'a', as an owned sequence does; the
    index's dependency row written first must not hide the sequence."""
    sql("CREATE TABLE t (id bigint NOT NULL)")
    sql("CREATE INDEX t_id_idx ON t (id)")
    sql("CREATE SEQUENCE t_id_seq AS bigint OWNED BY t.id")
    sql("ALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('t_id_seq'::regclass)")
    text = "tables:\n  t:\n    columns:\n      id: bigserial\n    indexes:\n      - name: t_id_idx\n        columns: [id]\n"
    catalog = desired.loads(text)
    assert live(database_url, catalog).tables[0].columns[0].serial
    assert_converged(database_url, catalog, context="serial with an index")
