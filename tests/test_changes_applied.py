"""Every kind of change, planned and applied against a real database, in both directions.

Each case is data, sqldef-style: a ``before`` and an ``after`` schema file. The test applies
``before`` to an empty database (plan empty afterwards), plans ``after`` (it must contain the
expected SQL), applies it (plan empty afterwards), then goes back to ``before`` the same way.
"""

from __future__ import annotations

import pytest
import yaml

from core_helpers import apply_yaml, plan_yaml, statements


def doc(tables: dict, enums: dict | None = None) -> str:
    body = {"tables": tables}
    if enums:
        body["enums"] = enums
    return yaml.safe_dump(body, sort_keys=False)


def users(columns: dict | None = None, **rest) -> dict:
    base = {"id": "bigserial", "email": "text", "name": "varchar(50)", "age": "integer",
            "tags": "text[]", "data": {"type": "jsonb", "nullable": False, "default": "'{}'::jsonb"}}
    return {"columns": {**base, **(columns or {})}, "primary_key": "id", **rest}


def posts(**rest) -> dict:
    return {"columns": {"id": "bigserial", "user_id": "bigint", "title": "text"}, "primary_key": "id", **rest}


def fk(on_delete: str) -> dict:
    return {"foreign_keys": [{"columns": ["user_id"], "references": "users(id)", "on_delete": on_delete}]}


def index(**spec) -> dict:
    return {"indexes": [spec]}


NOTHING = None  # the direction plans no statement at all

CASES = [
    # (id, before, after, SQL expected going forward, SQL expected going back)
    ("table", doc({"users": users()}), doc({"users": users(), "posts": posts()}), "CREATE TABLE", "DROP TABLE"),
    ("column", doc({"users": users()}), doc({"users": users({"bio": "text"})}), "ADD COLUMN", "DROP COLUMN"),
    ("column-not-null-with-default", doc({"users": users()}),
     doc({"users": users({"score": {"type": "integer", "nullable": False, "default": 0}})}), "ADD COLUMN", "DROP COLUMN"),
    ("column-type-widen", doc({"users": users()}), doc({"users": users({"name": "text"})}), "TYPE text", "TYPE character varying(50)"),
    ("column-type-int-bigint", doc({"users": users()}), doc({"users": users({"age": "bigint"})}), "TYPE bigint", "TYPE integer"),
    ("column-type-numeric", doc({"users": users({"amount": "numeric(10,2)"})}),
     doc({"users": users({"amount": "numeric(20,8)"})}), "TYPE numeric(20,8)", "TYPE numeric(10,2)"),
    ("nullability", doc({"users": users()}), doc({"users": users({"email": {"type": "text", "nullable": False}})}),
     "SET NOT NULL", "DROP NOT NULL"),
    ("default", doc({"users": users()}), doc({"users": users({"age": {"type": "integer", "default": 18}})}),
     "SET DEFAULT 18", "DROP DEFAULT"),
    ("default-change", doc({"users": users({"state": {"type": "varchar(20)", "default": "'new'"}})}),
     doc({"users": users({"state": {"type": "varchar(20)", "default": "'active'"}})}), "SET DEFAULT 'active'", "SET DEFAULT 'new'"),
    ("default-now", doc({"users": users()}), doc({"users": users({"seen": {"type": "timestamptz", "default": "now()"}})}),
     "ADD COLUMN", "DROP COLUMN"),
    ("column-comment", doc({"users": users()}), doc({"users": users({"email": {"type": "text", "comment": "login"}})}),
     "COMMENT ON COLUMN", "COMMENT ON COLUMN"),
    ("table-comment", doc({"users": users()}), doc({"users": users(comment="people")}), "COMMENT ON TABLE", "IS NULL"),
    ("identity", doc({"users": users()}),
     doc({"users": users({"no": {"type": "bigint", "identity": "always"}})}), "GENERATED ALWAYS AS IDENTITY", "DROP COLUMN"),
    ("index", doc({"users": users()}), doc({"users": users(**index(columns="email"))}), "CREATE INDEX", "DROP INDEX"),
    ("index-named", doc({"users": users()}), doc({"users": users(**index(name="by_mail", columns=["email"]))}),
     "by_mail", "DROP INDEX"),
    ("index-unique", doc({"users": users(**index(name="i", columns=["email"]))}),
     doc({"users": users(**index(name="i", columns=["email"], unique=True))}), "CREATE UNIQUE INDEX", "CREATE INDEX"),
    ("index-partial", doc({"users": users(**index(name="i", columns=["email"]))}),
     doc({"users": users(**index(name="i", columns=["email"], where="age > 18"))}), "WHERE", "CREATE INDEX"),
    ("index-partial-in", doc({"users": users()}),
     doc({"users": users(**index(columns=["email"], where="name IN ('a', 'b')"))}), "WHERE", "DROP INDEX"),
    ("index-gin", doc({"users": users()}), doc({"users": users(**index(columns=["data"], using="gin"))}), "USING gin", "DROP INDEX"),
    ("index-gin-array", doc({"users": users()}), doc({"users": users(**index(columns=["tags"], using="gin"))}), "USING gin", "DROP INDEX"),
    ("index-expression", doc({"users": users()}), doc({"users": users(**index(columns=["lower(email)"], unique=True))}),
     "lower(email)", "DROP INDEX"),
    ("index-multi-column", doc({"users": users()}), doc({"users": users(**index(columns=["name", "age"]))}),
     "(name, age)", "DROP INDEX"),
    ("index-desc", doc({"users": users(**index(name="i", columns=["age"]))}),
     doc({"users": users(**index(name="i", columns=["age DESC"]))}), "DESC", "CREATE INDEX"),
    ("index-columns-change", doc({"users": users(**index(name="i", columns=["name"]))}),
     doc({"users": users(**index(name="i", columns=["name", "email"]))}), "(name, email)", "(name)"),
    ("index-include", doc({"users": users()}), doc({"users": users(**index(columns=["email"], include=["name"]))}),
     "INCLUDE", "DROP INDEX"),
    ("unique", doc({"users": users()}), doc({"users": users(unique=["email"])}), "UNIQUE (email)", "DROP CONSTRAINT"),
    ("unique-change", doc({"users": users(unique=[{"name": "u", "columns": ["email"]}])}),
     doc({"users": users(unique=[{"name": "u", "columns": ["email", "name"]}])}), "UNIQUE (email, name)", "UNIQUE (email)"),
    ("primary-key", doc({"t": {"columns": {"a": "integer", "b": "integer"}}}),
     doc({"t": {"columns": {"a": "integer", "b": "integer"}, "primary_key": ["a", "b"]}}), "PRIMARY KEY (a, b)", "DROP CONSTRAINT"),
    ("primary-key-change", doc({"t": {"columns": {"a": "integer", "b": "integer"}, "primary_key": ["a"]}}),
     doc({"t": {"columns": {"a": "integer", "b": "integer"}, "primary_key": ["a", "b"]}}), "PRIMARY KEY (a, b)", "PRIMARY KEY (a)"),
    ("check", doc({"users": users()}), doc({"users": users(checks=["age >= 0"])}), "CHECK", "DROP CONSTRAINT"),
    ("check-in-list", doc({"users": users()}), doc({"users": users(checks=["name IN ('a', 'b')"])}), "CHECK", "DROP CONSTRAINT"),
    ("check-change", doc({"users": users(checks=[{"name": "c", "expression": "age >= 0"}])}),
     doc({"users": users(checks=[{"name": "c", "expression": "age >= 18"}])}), "age >= 18", "age >= 0"),
    ("foreign-key", doc({"users": users(), "posts": posts()}), doc({"users": users(), "posts": posts(**fk("cascade"))}),
     "FOREIGN KEY", "DROP CONSTRAINT"),
    *[(f"on-delete-{a}-to-{b}".replace(" ", "-"), doc({"users": users(), "posts": posts(**fk(a))}),
       doc({"users": users(), "posts": posts(**fk(b))}), f"ON DELETE {b.upper()}" if b != "no action" else "FOREIGN KEY",
       f"ON DELETE {a.upper()}" if a != "no action" else "FOREIGN KEY")
      for a, b in [("no action", "cascade"), ("restrict", "set null"), ("cascade", "set default")]],
    ("non-public-schema", doc({"users": users()}),
     doc({"users": users(), "billing.invoices": {"columns": {"id": "serial", "user_id": "bigint"}, "primary_key": "id",
                                                 "indexes": [{"columns": ["user_id"]}],
                                                 "foreign_keys": [{"columns": ["user_id"], "references": "public.users"}]}}),
     "CREATE SCHEMA", NOTHING),  # a schema the file no longer names is not managed
    ("non-public-schema-column", doc({"app.jobs": {"columns": {"id": "serial"}, "primary_key": "id"}}),
     doc({"app.jobs": {"columns": {"id": "serial", "state": {"type": "text", "default": "'new'"}}, "primary_key": "id",
                       "indexes": [{"columns": ["state"], "where": "state <> 'done'"}], "comment": "queue"}}),
     "app.jobs", "DROP COLUMN"),
    ("enum-create", doc({"users": users()}),
     doc({"users": users({"mood": "mood"})}, enums={"mood": ["sad", "ok"]}), "CREATE TYPE", "DROP COLUMN"),
    ("enum-add-value", doc({"users": users({"mood": "mood"})}, enums={"mood": ["sad", "happy"]}),
     doc({"users": users({"mood": "mood"})}, enums={"mood": ["sad", "ok", "happy"]}), "ADD VALUE IF NOT EXISTS 'ok' BEFORE 'happy'", "mood"),
]


@pytest.mark.parametrize("before, after, forward, backward", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_change_is_planned_applied_and_reaches_a_fixpoint(database_url, before, after, forward, backward):
    apply_yaml(database_url, before)
    assert plan_yaml(database_url, before).empty
    for going_to, expected in ((after, forward), (before, backward)):
        planned = statements(plan_yaml(database_url, going_to))
        if expected is NOTHING:
            assert planned == []
        else:
            assert expected.lower() in "\n".join(planned).lower()
        apply_yaml(database_url, going_to)
        assert statements(plan_yaml(database_url, going_to)) == []


def test_serial_to_bigserial_widens_the_sequence(database_url, sql):
    apply_yaml(database_url, doc({"t": {"columns": {"id": "serial"}, "primary_key": "id"}}))
    apply_yaml(database_url, doc({"t": {"columns": {"id": "bigserial"}, "primary_key": "id"}}))
    assert sql("SELECT data_type::text, max_value FROM pg_sequences WHERE sequencename = 't_id_seq'") == [
        ("bigint", 2**63 - 1)]
