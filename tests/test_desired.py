"""schema.yaml → Catalog: short and long forms mean the same, unnamed objects get
PostgreSQL's names, and every problem is reported with its file, line and YAML path."""

from __future__ import annotations

import pytest

from core_helpers import SCHEMA_YAML, dedent
from schemadiff import desired
from schemadiff.errors import SchemaFileError
from schemadiff.model import ForeignKey, Index, QualifiedName


def table(text: str, name: str = "t", schema: str = "public"):
    return desired.loads(dedent(text)).table(QualifiedName(schema, name))


def problems(text: str) -> str:
    with pytest.raises(SchemaFileError) as raised:
        desired.loads(dedent(text))
    return str(raised.value)


def test_the_repo_schema_has_seven_tables_and_twenty_indexes():
    catalog = desired.load(SCHEMA_YAML)
    assert {t.name for t in catalog.tables} == {
        "users", "games", "transactions", "notifications", "audit_logs", "outbox", "settings"}
    assert catalog.index_count == 20


def test_column_short_form_equals_long_form():
    short = table("tables: {t: {columns: {a: varchar(10)}}}")
    long = table("tables: {t: {columns: {a: {type: varchar(10), nullable: true}}}}")
    assert short == long
    assert short.columns[0].type == "character varying(10)"


def test_serial_and_identity_columns_are_not_null():
    t = table("tables: {t: {columns: {a: serial, b: {type: bigint, identity: always}}}}")
    assert [(c.nullable, c.serial, c.identity) for c in t.columns] == [(False, True, None), (False, False, "always")]


def test_primary_key_forms_are_equal():
    forms = ["primary_key: id", "primary_key: [id]", "primary_key: {columns: [id]}"]
    keys = {table(f"tables: {{t: {{columns: {{id: int}}, {f}}}}}").primary_key for f in forms}
    keys.add(table("tables: {t: {columns: {id: {type: int, primary_key: true}}}}").primary_key)
    assert len(keys) == 1
    assert keys.pop().name == "t_pkey"


def test_primary_key_columns_become_not_null():
    assert table("tables: {t: {columns: {id: int}, primary_key: id}}").columns[0].nullable is False


def test_unnamed_objects_get_postgresql_names():
    t = table("""
        tables:
          t:
            columns: {id: int, a: int, b: text, p: int}
            unique: [a, [a, b]]
            checks: [a > 0, a < p]
            foreign_keys: [{columns: p, references: t(id)}]
            primary_key: id
            indexes: [b, lower(b), [a, b], b]
    """)
    assert t.primary_key.name == "t_pkey"
    assert [u.name for u in t.uniques] == ["t_a_key", "t_a_b_key"]
    assert [c.name for c in t.checks] == ["t_a_check", "t_check"]
    assert t.foreign_keys[0].name == "t_p_fkey"
    assert [i.name for i in t.indexes] == ["t_b_idx", "t_lower_idx", "t_a_b_idx", "t_b_idx1"]


def test_reference_forms_resolve_to_the_primary_key():
    base = "tables: {u: {columns: {id: int}, primary_key: id}, t: {columns: {uid: int}, foreign_keys: [%s]}}"
    forms = ["{columns: uid, references: u}", "{columns: uid, references: u(id)}",
             "{columns: uid, references: public.u(id)}", "{columns: [uid], references: {table: u, columns: [id]}}"]
    fks = {table(base % f).foreign_keys[0] for f in forms}
    assert fks == {ForeignKey("t_uid_fkey", ("uid",), QualifiedName("public", "u"), ("id",))}


@pytest.mark.parametrize("written, stored", [("cascade", "cascade"), ("SET NULL", "set null"), ("set_default", "set default"),
                                             ("restrict", "restrict"), (None, "no action")])
def test_on_delete_spellings(written, stored):
    action = f", on_delete: {written}" if written else ""
    fk = table("tables: {t: {columns: {id: int, p: int}, primary_key: id, "
               f"foreign_keys: [{{columns: p, references: t{action}}}]}}}}").foreign_keys[0]
    assert fk.on_delete == stored


def test_index_long_form():
    t = table("""
        tables:
          t:
            columns: {a: int, b: text, data: jsonb}
            indexes:
              - {name: i, columns: [a DESC, b], unique: true, where: a > 0, include: [data]}
              - {columns: data, using: GIN}
    """)
    assert t.indexes[0] == Index("i", ("a desc", "b"), unique=True, where="a > 0", include=("data",))
    assert t.indexes[1].method == "gin"


def test_table_in_another_schema():
    catalog = desired.loads("tables: {app.jobs: {columns: {id: int}}, other: {schema: app, columns: {id: int}}}")
    assert {str(t.qualified) for t in catalog.tables} == {"app.jobs", "app.other"}
    assert "app" in catalog.schemas


def test_enums_and_enum_columns():
    catalog = desired.loads("enums: {mood: [sad, ok]}\ntables: {t: {columns: {m: mood, ms: 'mood[]'}}}")
    assert catalog.enums[0].values == ("sad", "ok")
    assert [c.type for c in catalog.tables[0].columns] == ["mood", "mood[]"]


def test_an_intentionally_empty_schema_says_so():
    assert desired.loads("tables: {}").tables == ()


# -- problems: each names file, line and what is wrong ---------------------------------------

def test_malformed_yaml_names_the_line():
    assert problems("tables:\n  t:\n    columns: {a: int\n  u: {}\n").startswith("<schema>:4: invalid YAML")


def test_unknown_key_suggests_the_right_one():
    message = problems("tables:\n  t:\n    colums: {a: int}\n")
    assert "<schema>:3: unknown key 'colums'" in message and "did you mean 'columns'?" in message


def test_unknown_type_suggests_the_right_one():
    message = problems("tables: {t: {columns: {a: biginteger}}}")
    assert "unknown type 'biginteger' for column 'a'; did you mean" in message and "'bigint'" in message


def test_foreign_key_to_a_missing_table():
    message = problems("tables: {t: {columns: {p: int}, foreign_keys: [{columns: p, references: usres(id)}]}, users: {columns: {id: int}}}")
    assert "references table public.usres, which the file does not declare; did you mean 'users'?" in message


def test_foreign_key_to_columns_that_are_not_unique():
    message = problems("tables: {t: {columns: {p: int, q: int}, foreign_keys: [{columns: p, references: t(q)}]}}")
    assert "not its primary key or a unique constraint" in message


def test_foreign_key_to_the_columns_of_a_unique_index_named_as_postgresql_prints_them():
    """PostgreSQL accepts a unique index (not partial, no expression) as a foreign key's target;
    inspect writes its keys quoted where needed ("tenantId")."""
    catalog = desired.loads(dedent("""
        tables:
          dashboards:
            columns: {id: uuid, tenantId: int}
            indexes: [{columns: [id, '"tenantId" DESC'], unique: true}]
          audit:
            columns: {dashboard: uuid, tenant: int}
            foreign_keys: [{columns: [dashboard, tenant], references: 'dashboards(id, tenantId)'}]
    """))
    assert catalog.table_map()[QualifiedName("public", "audit")].foreign_keys[0].ref_columns == ("id", "tenantId")


def test_foreign_key_to_an_expression_index_is_refused():
    message = problems("tables: {t: {columns: {p: text, q: text}, indexes: [{columns: ['lower(q)'], unique: true}],"
                       " foreign_keys: [{columns: p, references: t(lower)}]}}")
    assert "not its primary key or a unique constraint" in message


def test_index_naming_a_missing_column():
    assert "index names column 'emali', which the table does not have; did you mean 'email'?" in problems(
        "tables: {t: {columns: {email: text}, indexes: [emali]}}")


def test_duplicate_yaml_key():
    assert "<schema>:4: duplicate key 'a'" in problems("tables:\n  t:\n    columns: {a: int,\n      a: text}\n")


def test_two_indexes_with_one_name():
    assert "index name 'i' is used twice" in problems(
        "tables: {t: {columns: {a: int, b: int}, indexes: [{name: i, columns: a}, {name: i, columns: b}]}}")


def test_index_and_table_with_one_name():
    assert "is used twice" in problems("tables: {t: {columns: {a: int}, indexes: [{name: u, columns: a}]}, u: {columns: {a: int}}}")


def test_identity_on_text_is_refused():
    assert "identity needs smallint, integer or bigint" in problems("tables: {t: {columns: {a: {type: text, identity: always}}}}")


def test_every_problem_is_reported_at_once():
    message = problems("tables: {t: {columns: {a: nope, b: {type: int, nulable: true}}, colour: red}}")
    assert "unknown type 'nope'" in message and "'nulable'" in message and "'colour'" in message


def test_missing_file(tmp_path):
    with pytest.raises(SchemaFileError, match="file not found"):
        desired.load(tmp_path / "nowhere.yaml")


def test_unquoted_text_default_is_refused_with_the_quoted_spelling():
    message = problems("tables: {t: {columns: {status: {type: text, default: pending}}}}")
    assert "would be read as a column name" in message and "\"'pending'\"" in message


@pytest.mark.parametrize("default", ["CURRENT_TIMESTAMP", "true", "NULL", "'pending'", "now()", "0"])
def test_sql_value_defaults_are_accepted(default):
    column = table(f"tables: {{t: {{columns: {{a: {{type: text, default: \"{default}\"}}}}}}}}").columns[0]
    assert column.default == default
