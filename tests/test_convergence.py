"""Convergence under random schemas: for random schema files A, B (and C), build A for real,
apply B, and require that the database then matches B exactly — no diff, an empty second
plan, and the same catalog as a database built from B directly. Also B→A and A→B→C. The
migrated tables hold rows wherever the schemas allow them, and take new ones after each step.

Failures hypothesis found are kept as fixtures in ``tests/fixtures/convergence/<case>/``
(``before.yaml``, ``after.yaml``) and replayed by ``test_fixture_converges``.

Default runs use few examples; ``SCHEMADIFF_LONG=1`` runs many more.
"""

from __future__ import annotations

from pathlib import Path

import re

import psycopg
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemadiff import desired
from reliability import apply, assert_converged, examples, fill, live, reset_database, scratch_database

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
# Options of the shared sequence and of identities, chosen so that any one can follow any other
# on a sequence never used (no sign change, no maximum below another preset's start).
SEQUENCE_OPTIONS = [{}, {"start": 1000, "increment": 10}, {"start": 100, "min": 100, "cache": 20},
                    {"as": "integer", "max": 100000, "cycle": True}]
IDENTITY_OPTIONS = [{}, {"start": 1000, "increment": 5}, {"start": 10, "min": 10, "cache": 5}]
ENUM_COLUMN = {"mood": "mood_col", "app.status": "status_col"}
# Domains keep their type family between versions (a changed base type is a rebuild that
# converts the columns), and checks, defaults and NOT NULL change; the composite type's
# attributes come and go and change order, each with a fixed type (PostgreSQL refuses to
# change an attribute's type while a column uses it).
DOMAINS = {
    "posint": {"types": ["integer", "bigint"], "checks": ["VALUE >= 0", "VALUE > 0", "VALUE < 1000"],
               "defaults": ["0", "1"]},
    "app.code": {"types": ["varchar(10)", "text"], "checks": ["length(VALUE) > 0", "VALUE ~ '^[a-z]+$'"],
                 "defaults": ["'a'"]},
}
DOMAIN_COLUMN = {"posint": "count_col", "app.code": "code_col"}
COMPOSITE = "app.pair"
COMPOSITE_ATTRIBUTES = {"x": "integer", "y": "text", "z": "numeric(10,2)"}


def _keyable(type_name: str) -> bool:
    # varchar(n)[] keys: PostgreSQL 15's check of a new foreign key on them fails with
    # 'cannot determine element type of "anyarray" argument' (a server bug; text[] works).
    return type_name not in ("jsonb", "varchar(10)[]", COMPOSITE)


@st.composite
def columns(draw, enums: dict, sequence: str = None) -> dict:
    names = draw(st.lists(st.sampled_from(sorted(COLUMN_FAMILY)), min_size=1, max_size=5, unique=True))
    out = {}
    for name in names:
        family = COLUMN_FAMILY[name]
        body: dict = {"type": draw(st.sampled_from(FAMILIES[family]))}
        if family == "int" and body["type"] in INTEGER_TYPES:
            special = draw(st.sampled_from(["plain", "plain", "identity", "serial"] + (["nextval"] if sequence else [])))
            if special == "identity":
                body["identity"] = draw(st.sampled_from(["always", "by default"]))
                options = draw(st.sampled_from(IDENTITY_OPTIONS))
                if options:
                    body["identity"] = {"kind": body["identity"], **options}
            elif special == "nextval":
                body["default"] = f"nextval('{sequence}')"
            elif special == "serial":
                body["type"] = {"smallint": "smallserial", "integer": "serial", "bigint": "bigserial"}[body["type"]]
        if "identity" not in body and "serial" not in body["type"]:
            if draw(st.booleans()):
                body["nullable"] = False
            if "default" not in body and draw(st.integers(0, 2)) == 0:
                body["default"] = draw(st.sampled_from(DEFAULTS[family]))
        if draw(st.integers(0, 3)) == 0:
            body["comment"] = draw(st.sampled_from(["a comment", "it's \"quoted\"", "two\nlines"]))
        if family == "text" and draw(st.integers(0, 4)) == 0:
            body["collation"] = "C"
        out[name] = body
    plain_numbers = [n for n, b in out.items() if COLUMN_FAMILY[n] == "int" and "identity" not in b and "serial" not in b["type"]]
    if plain_numbers and draw(st.integers(0, 2)) == 0:  # a generated column reading a column that may change or go
        out["total"] = {"type": "numeric", "generated": f"{_q(draw(st.sampled_from(plain_numbers)))} * 2"}
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
    doc: dict = {"schemas": [{"name": "app", **draw(maybe_comment())}]}
    enum_values = {e: draw(st.lists(st.sampled_from(ENUMS[e]), min_size=1, unique=True)) for e in enums}
    if enums:
        doc["enums"] = {}
        for e, values in enum_values.items():
            # Values added, removed and reordered between versions; comments come and go.
            comment = draw(maybe_comment())
            doc["enums"][e] = {"values": values, **comment} if comment else values
    user_types = draw(user_type_docs())
    doc.update(user_types)
    sequence = None
    if draw(st.booleans()):  # a sequence shared by integer columns of any table
        sequence = draw(st.sampled_from(["shared_seq", "app.shared_seq"]))
        doc["sequences"] = {sequence: draw(st.sampled_from(SEQUENCE_OPTIONS))}
    table_names = draw(st.lists(st.sampled_from(TABLE_NAMES), min_size=1, max_size=4, unique=True))
    tables: dict = {}
    for tname in table_names:
        # An enum column's default must be one of the enum's values in this version.
        cols = draw(columns(enum_values, sequence))
        usable = sorted([*user_types.get("domains", {}), *user_types.get("composite_types", {})])
        for name in draw(st.lists(st.sampled_from(usable), max_size=2, unique=True)) if usable else ():
            cols[DOMAIN_COLUMN.get(name, "pair_col")] = {"type": name}
        body: dict = {"columns": cols}
        keyable = [c for c, b in cols.items() if _keyable(_base_type(b)) and "generated" not in b]
        if keyable and draw(st.integers(0, 3)) > 0:
            pk = draw(st.lists(st.sampled_from(keyable), min_size=1, max_size=min(2, len(keyable)), unique=True))
            body["primary_key"] = pk if len(pk) > 1 or draw(st.booleans()) else pk[0]
        if keyable and draw(st.booleans()):
            unique = draw(st.lists(st.sampled_from(keyable), min_size=1, max_size=2, unique=True))
            pk = body.get("primary_key")
            if unique != ([pk] if isinstance(pk, str) else pk):  # a repeated key: test_index_constraint_details
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
        if draw(st.integers(0, 3)) == 0:
            body["with"] = draw(st.sampled_from([{"fillfactor": 70}, {"fillfactor": 90, "autovacuum_enabled": False}]))
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
        tables[tname]["foreign_keys"] = [fk | draw(maybe_comment())]
    if draw(st.integers(0, 2)) == 0:
        tables[PARTITIONED] = draw(partitioned_table())
    _extensions(draw, doc, tables[table_names[0]]["columns"])
    # UNLOGGED only where no foreign key points (a logged table cannot reference an unlogged one).
    referenced = {fk["references"]["table"] for t in tables.values() for fk in t.get("foreign_keys", [])}
    for tname in table_names:
        if tname not in referenced and draw(st.integers(0, 4)) == 0:
            tables[tname]["unlogged"] = True
    for tname in table_names:  # the mapping form, once foreign keys have read the key's columns
        comment = draw(maybe_comment()) if tables[tname].get("primary_key") else {}
        if comment:
            pk = tables[tname]["primary_key"]
            tables[tname]["primary_key"] = {"columns": [pk] if isinstance(pk, str) else pk, **comment}
    doc["tables"] = tables
    doc.update(draw(view_docs(tables)))  # always the key: a version without views drops them
    return doc


def _relation(name: str) -> str:
    return ".".join(_q(part) for part in name.split("."))


@st.composite
def view_docs(draw, tables: dict) -> dict:
    """Views over the random tables, and a second layer over the first, so that a column's
    type changing, or a column or table going, between two versions takes them through the
    drop-and-re-create path; sometimes a materialized view with an index on top."""
    plain = sorted(t for t in tables if t != PARTITIONED)
    if not plain or draw(st.integers(0, 2)) == 0:
        return {"views": {}}
    base = draw(st.sampled_from(plain))
    picked = draw(st.lists(st.sampled_from(sorted(tables[base]["columns"])), min_size=1, max_size=3, unique=True))
    select = ", ".join(_q(c) for c in picked)
    views = {"v_first": {"query": f"SELECT {select} FROM {_relation(base)}"}}
    kept = draw(st.lists(st.sampled_from(picked), min_size=1, max_size=len(picked), unique=True))
    upper = ", ".join(_q(c) for c in kept)
    if draw(st.booleans()):
        views["app.v_second"] = {"query": f"SELECT {upper} FROM v_first", **draw(maybe_comment())}
    out: dict = {"views": views}
    if draw(st.integers(0, 2)) == 0:
        out["materialized_views"] = {"m_counts": {
            "query": f"SELECT count(*) AS n, {_q(kept[0])} FROM v_first GROUP BY {_q(kept[0])}",
            "with_data": draw(st.booleans())}}
    return out


PARTITIONED = "app.readings"  # never referenced: its key stays put, its partitions come and go
MONTHS = [f"2024_{m:02d}" for m in range(1, 7)]


@st.composite
def partitioned_table(draw) -> dict:
    """A range-partitioned table with a few monthly partitions (and perhaps a DEFAULT)."""
    body: dict = {"columns": {"id": "bigint", "day": {"type": "date", "nullable": False}, "qty": "integer"},
                  "partition_by": "range (day)"}
    if draw(st.booleans()):
        body["primary_key"] = ["id", "day"]
    if draw(st.booleans()):
        body["indexes"] = ["qty"]
    months = draw(st.lists(st.sampled_from(MONTHS), max_size=3, unique=True))
    partitions: dict = {}
    for month in sorted(months):
        year, m = month.split("_")
        upper = f"{year}-{int(m) + 1:02d}-01"
        partitions[f"readings_{month}"] = {"from": f"'{year}-{m}-01'", "to": f"'{upper}'"}
        if draw(st.integers(0, 3)) == 0:
            partitions[f"readings_{month}"]["comment"] = "one month"
        if draw(st.integers(0, 3)) == 0:  # a partition's own storage parameters
            partitions[f"readings_{month}"]["with"] = draw(st.sampled_from([{"fillfactor": 80}, {"autovacuum_enabled": False}]))
    if draw(st.booleans()):
        partitions["readings_other"] = "default"
    body["partitions"] = partitions
    return body


@st.composite
def user_type_docs(draw) -> dict:
    """Domains (over built-in types) and a composite type, for columns to use."""
    out: dict = {}
    for name in draw(st.lists(st.sampled_from(sorted(DOMAINS)), max_size=2, unique=True)):
        spec = DOMAINS[name]
        body: dict = {"type": draw(st.sampled_from(spec["types"]))}
        checks = draw(st.lists(st.sampled_from(spec["checks"]), max_size=2, unique=True))
        if checks:
            body["checks"] = checks
        if draw(st.booleans()):
            body["default"] = draw(st.sampled_from(spec["defaults"]))
        if draw(st.integers(0, 3)) == 0:
            body["nullable"] = False
        out.setdefault("domains", {})[name] = body
    if draw(st.booleans()):
        attributes = draw(st.lists(st.sampled_from(sorted(COMPOSITE_ATTRIBUTES)), min_size=1, unique=True))
        out["composite_types"] = {COMPOSITE: {"attributes": {a: COMPOSITE_ATTRIBUTES[a] for a in attributes}}}
    return out


def _extensions(draw, doc: dict, columns: dict) -> None:
    """Contrib extensions added, dropped and moved between versions (cube between public and
    app), with a column of an extension's type that follows it. The key is always written, so
    that extensions the next version leaves out are dropped."""
    names = draw(st.lists(st.sampled_from(["citext", "cube", "hstore"]), max_size=2, unique=True))
    cube_schema = draw(st.sampled_from(["public", "app"]))
    doc["extensions"] = [{"name": n, "schema": cube_schema} if n == "cube" else n for n in names]
    for name in names:
        if draw(st.booleans()):
            columns[f"{name}_col"] = {"type": "app.cube" if name == "cube" and cube_schema == "app" else name}


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
    return spec | draw(maybe_comment())


@st.composite
def unique_spec(draw, columns: list):
    """A unique constraint, sometimes NULLS NOT DISTINCT and/or DEFERRABLE."""
    details = {}
    if draw(st.integers(0, 3)) == 0:
        details["nulls_not_distinct"] = True
    if draw(st.integers(0, 3)) == 0:
        details["deferrable"] = True
        details["initially_deferred"] = draw(st.booleans())
    details |= draw(maybe_comment())
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
        out[0] = {"name": "named_check", "expression": out[0], **draw(maybe_comment())}
    return out


@st.composite
def maybe_comment(draw) -> dict:
    """``{"comment": …}`` one time in four (a comment that appears, changes or goes)."""
    if draw(st.integers(0, 3)) != 0:
        return {}
    return {"comment": draw(st.sampled_from(["a comment", "it's \"quoted\"", "two\nlines"]))}


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


ROWS = 2  # rows added to each table after every step, where the steps' schemas allow rows


def _run(databases, texts: list[str]) -> None:
    """Apply each text in turn to one database, with rows in its tables; after each step the
    database must equal one built directly from that text, and new rows must fit beside the
    old ones (a sequence given to a column with rows numbers on past them)."""
    migrated, direct = databases
    catalogs = [desired.loads(t) for t in texts]
    tables, labels = _tables_that_take_rows(catalogs), _labels_kept(catalogs)
    reset_database(migrated)
    number = 1
    for step, (text, catalog) in enumerate(zip(texts, catalogs)):
        if step:
            _empty_tables_rows_would_break(migrated, catalogs[step - 1], catalog)
        apply(migrated, catalog, text)
        reset_database(direct)
        apply(direct, catalog, text)
        assert_converged(direct, catalog, context=f"fresh build of step {step}")
        assert_converged(migrated, catalog, direct, context=f"step {step}:\n{text}")
        number = fill(migrated, catalog, tables, number, ROWS, labels, _left_null)


def _left_null(table, column: str) -> bool:
    """Foreign-key columns (``ref_*``) stay NULL: no value of theirs need exist elsewhere."""
    return column.startswith("ref_") or any(column in fk.columns for fk in table.foreign_keys)


def _enum_names(catalog) -> set:
    return {e.name if e.schema == "public" else f"{e.schema}.{e.name}" for e in catalog.enums}


def _labels_kept(catalogs) -> dict:
    """For each enum, a label that every version of it has (None when there is none): rows
    holding a label a later version removes make the rebuild fail, as the plan warns."""
    versions: dict = {}
    for catalog in catalogs:
        for e in catalog.enums:
            name = e.name if e.schema == "public" else f"{e.schema}.{e.name}"
            versions.setdefault(name, []).append(e.values)
    return {name: next((v for v in vs[0] if all(v in other for other in vs)), None) for name, vs in versions.items()}


def _tables_that_take_rows(catalogs) -> set:
    """Tables none of whose unique keys, in any step, is made only of columns with few values
    (boolean, enum, an expression such as ``(x IS NULL)``), which more rows would repeat, and
    that need no enum label none lasts through every step."""
    every = {t.qualified for c in catalogs for t in c.tables}
    labels = _labels_kept(catalogs)
    return every - {t.qualified for c in catalogs for t in c.tables
                    if _few_valued_key(t, _enum_names(c)) or _needs_a_label(t, labels)}


def _needs_a_label(table, labels: dict) -> bool:
    """A NOT NULL column of an enum no label of which lasts through every step."""
    return any(not c.nullable and c.type in labels and labels[c.type] is None for c in table.columns)


def _few_valued_key(table, enums: set) -> bool:
    few = {c.name for c in table.columns if c.type == "boolean" or c.type in enums}
    keys = [table.primary_key.columns] if table.primary_key else []
    keys += [u.columns for u in table.uniques]
    keys += [tuple(_key_column(k) for k in i.keys) for i in table.indexes if i.unique]
    return any(all(k is None or k in few for k in key) for key in keys)


def _key_column(key: str):
    """The column an index key is, or None for an expression of few values; lower(text) has
    as many values as its text."""
    key = re.sub(r" (asc|desc)$", "", key, flags=re.IGNORECASE)
    if key.startswith("lower("):
        return key
    match = re.fullmatch(r'"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)', key)
    return (match[1].replace('""', '"') if match[1] else match[2]) if match else None


def _empty_tables_rows_would_break(url: str, before, after) -> None:
    """Empty the tables whose next step adds a column that existing rows cannot satisfy: NOT
    NULL without a default, or under a check or unique key (the default it fills in repeats
    or breaks it). On a table with rows that change fails by design (FAILS_ON_ROWS …)."""
    from schemadiff.pg.naming import qualify

    old = {t.qualified: {c.name for c in t.columns} for t in before.tables}
    # A domain's NOT NULL, default and checks apply to the rows a new column of it fills in, and a
    # domain made NOT NULL fails on the NULLs its columns hold (the rows leave them NULL).
    def name(d) -> str:
        return d.name if d.schema == "public" else f"{d.schema}.{d.name}"

    domains = {name(d) for d in after.domains}
    was_nullable = {name(d) for d in before.domains if d.nullable}
    tightened = {name(d) for d in after.domains if not d.nullable and name(d) in was_nullable}
    with psycopg.connect(url, autocommit=True, connect_timeout=15) as conn:
        for table in after.tables:
            new = [c for c in table.columns if table.qualified in old and c.name not in old[table.qualified]
                   and not c.identity and not c.serial]
            if any(_rows_break(table, c) or c.type.removesuffix("[]") in domains for c in new):
                conn.execute(f"DELETE FROM {qualify(table.schema, table.name)}")
        for table in before.tables:  # the domain changes before columns are dropped or retyped
            if any(c.type.removesuffix("[]") in tightened for c in table.columns):
                conn.execute(f"DELETE FROM {qualify(table.schema, table.name)}")


def _rows_break(table, column) -> bool:
    if not column.nullable and column.default is None:
        return True
    mentioned = re.compile(rf'(?<![\w"]){re.escape(column.name)}(?![\w"])|"{re.escape(column.name)}"')
    expressions = [c.expression for c in table.checks] + [k for i in table.indexes if i.unique for k in i.keys]
    keys = [u.columns for u in table.uniques] + ([table.primary_key.columns] if table.primary_key else [])
    return any(mentioned.search(e) for e in expressions) or any(column.name in k for k in keys)


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
