"""Build a benchmark database of N realistic tables and the schema.yaml that matches it.

Each table has 8–12 columns of mixed types, a bigserial primary key, a foreign key, a
check, a comment and 2–4 indexes (btree, partial, GIN). A changed twin of the YAML alters
5% of the tables (every 20th): a column added, an index dropped, a default changed and a
foreign key added.

    .venv/bin/python benchmarks/generate.py --tables 1000 --url postgresql://…/bench --out /tmp/b

writes ``schema.yaml``, ``changed.yaml`` and ``schema.sql`` into ``--out`` and, with
``--url``, builds the database in a few big transactions (simple-protocol scripts).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

WORDS = ("orders", "invoices", "payments", "customers", "shipments", "products", "reviews",
         "sessions", "events", "accounts", "tickets", "messages", "devices", "coupons", "refunds")
# (name, SQL type, YAML type, NOT NULL, default as written in YAML/SQL)
OPTIONAL_COLUMNS = (
    ("email", "varchar(255)", "varchar(255)", False, None),
    ("score", "integer", "integer", True, "0"),
    ("ref_id", "bigint", "bigint", False, None),
    ("tags", "text[]", "text[]", False, None),
    ("external_id", "uuid", "uuid", False, None),
    ("due_on", "date", "date", False, None),
    ("client_ip", "inet", "inet", False, None),
    ("priority", "smallint", "smallint", True, "1"),
)
ALTERED_EVERY = 20  # 5% of the tables


def table_name(i: int) -> str:
    return f"{WORDS[i % len(WORDS)]}_{i:05d}"


def columns_of(i: int) -> list[tuple]:
    """9–12 columns: eight fixed ones, ``ref_id``, then 0–3 of the other optional ones."""
    fixed = [
        ("id", "bigserial", "bigserial", True, None),
        ("parent_id", "bigint", "bigint", False, None),
        ("name", "varchar(200)", "varchar(200)", True, None),
        ("status", "varchar(20)", "varchar(20)", True, "'active'"),
        ("amount", "numeric(12,2)", "numeric(12,2)", True, "0"),
        ("payload", "jsonb", "jsonb", True, "'{}'::jsonb"),
        ("created_at", "timestamptz", "timestamptz", True, "CURRENT_TIMESTAMP"),
        ("deleted_at", "timestamptz", "timestamptz", False, None),
    ]
    optional = [c for c in OPTIONAL_COLUMNS if c[0] == "ref_id"]
    others = [c for c in OPTIONAL_COLUMNS if c[0] != "ref_id"]
    start = i % len(others)
    optional += [others[(start + k) % len(others)] for k in range(i % 4)]
    return fixed + optional


def indexes_of(i: int, name: str, columns: list[tuple]) -> list[dict]:
    """3–4 indexes: btree on created_at, partial on status, one on the foreign key column
    (descending on every other table), and on two tables in three a GIN on payload."""
    out = [
        {"name": f"{name}_created_at_idx", "columns": ["created_at"]},
        {"name": f"{name}_status_live_idx", "columns": ["status"], "where": "deleted_at IS NULL"},
        {"name": f"{name}_parent_id_idx", "columns": ["parent_id DESC" if i % 2 == 0 else "parent_id"]},
    ]
    if i % 3 != 2:
        out.append({"name": f"{name}_payload_gin", "columns": ["payload"], "using": "gin"})
    return out


def _column_sql(column: tuple, default: str | None) -> str:
    cname, sql_type, _, not_null, _ = column
    text = f"{cname} {sql_type}"
    if not_null and sql_type != "bigserial":
        text += " NOT NULL"
    if default is not None:
        text += f" DEFAULT {default}"
    return text


def build(n: int, rich: bool = True) -> tuple[str, dict, dict]:
    """The SQL script, the desired document and its changed twin (as plain data); with
    ``rich``, also the views, functions, triggers and partitioned tables of ``richer``."""
    ddl, fks, idx = [], [], []
    base: dict = {"tables": {}}
    changed: dict = {"tables": {}}
    for i in range(n):
        name = table_name(i)
        parent = table_name(i - 1) if i > 0 else name
        columns = columns_of(i)
        indexes = indexes_of(i, name, columns)
        comment = f"Benchmark table {i}: {WORDS[i % len(WORDS)]} of tenant {i % 7}."
        body = [_column_sql(c, c[4]) for c in columns]
        body.append("PRIMARY KEY (id)")
        body.append("CHECK (amount >= 0)")
        ddl.append(f"CREATE TABLE {name} (\n  " + ",\n  ".join(body) + "\n);")
        ddl.append(f"COMMENT ON TABLE {name} IS '{comment}';")
        fks.append(f"ALTER TABLE {name} ADD FOREIGN KEY (parent_id) REFERENCES {parent} (id) ON DELETE CASCADE;")
        for index in indexes:
            method = f" USING {index['using']}" if "using" in index else ""
            where = f" WHERE {index['where']}" if "where" in index else ""
            idx.append(f"CREATE INDEX {index['name']} ON {name}{method} ({', '.join(index['columns'])}){where};")

        table = {
            "comment": comment,
            "columns": {c[0]: _column_yaml(c, c[4]) for c in columns},
            "primary_key": "id",
            "foreign_keys": [{"columns": ["parent_id"], "references": f"{parent}(id)", "on_delete": "cascade"}],
            "checks": ["amount >= 0"],
            "indexes": indexes,
        }
        base["tables"][name] = table
        changed["tables"][name] = _altered(table, i) if i % ALTERED_EVERY == 0 else table
    extra_sql, extra = richer(n) if rich else ([], {})
    base.update(extra)
    changed.update(extra)
    script = "\n".join(ddl + fks + idx + extra_sql) + "\n"
    return script, base, changed


# Per 1,000 tables, in the proportions of a real application database: views, materialized
# views, functions (SQL ones, and the plpgsql one the triggers run), triggers and partitioned
# tables (each with four range partitions). At least one of each whatever the size.
PER_1000 = {"views": 30, "materialized_views": 3, "functions": 40, "triggers": 60, "partitioned": 3}
PARTITIONS = 4


def _share(n: int, kind: str) -> int:
    return max(1, n * PER_1000[kind] // 1000)


def _picks(n: int, count: int) -> list[int]:
    """``count`` table numbers spread evenly over ``n``."""
    return sorted({(k * n) // count for k in range(count)})


def richer(n: int) -> tuple[list, dict]:
    """The SQL and the schema-file sections of the views, materialized views, functions,
    triggers and partitioned tables of an ``n``-table database. Queries and bodies are written
    as PostgreSQL prints them back (as `schemadiff inspect` would write the file), so that an
    unchanged database plans nothing."""
    sql: list = []
    views, matviews, functions, triggers = {}, {}, {}, {}
    for i in _picks(n, _share(n, "views")):
        name = table_name(i)
        sql.append(f"CREATE VIEW {name}_live AS SELECT id, name, amount FROM {name} WHERE deleted_at IS NULL;")
        views[f"{name}_live"] = {"query": f"SELECT id,\n    name,\n    amount\n   FROM {name}\n  WHERE (deleted_at IS NULL)"}
    for i in _picks(n, _share(n, "materialized_views")):
        name = table_name(i)
        sql.append(f"CREATE MATERIALIZED VIEW {name}_summary AS SELECT status, count(*) AS n, sum(amount) AS total"
                   f" FROM {name} GROUP BY status;")
        matviews[f"{name}_summary"] = {"query": f"SELECT status,\n    count(*) AS n,\n    sum(amount) AS total\n"
                                                f"   FROM {name}\n  GROUP BY status"}
    touch = "BEGIN NEW.created_at := coalesce(NEW.created_at, now()); RETURN NEW; END"
    sql.append(f"CREATE FUNCTION bench_touch() RETURNS trigger LANGUAGE plpgsql AS $$ {touch} $$;")
    functions["bench_touch"] = {"returns": "trigger", "language": "plpgsql", "body": f" {touch} "}
    for i in _picks(n, _share(n, "functions") - 1):
        name = table_name(i)
        body = f"SELECT coalesce(sum(amount), 0) FROM public.{name} WHERE status = p_status"
        sql.append(f"CREATE FUNCTION {name}_total(p_status character varying) RETURNS numeric LANGUAGE sql STABLE"
                   f" AS $$ {body} $$;")
        functions[f"{name}_total(p_status character varying)"] = {
            "returns": "numeric", "language": "sql", "body": f" {body} ", "volatility": "stable"}
    for i in _picks(n, _share(n, "triggers")):
        name = table_name(i)
        sql.append(f"CREATE TRIGGER {name}_touch BEFORE INSERT OR UPDATE ON {name} FOR EACH ROW EXECUTE FUNCTION bench_touch();")
        triggers[f"{name}.{name}_touch"] = {"timing": "before", "events": ["insert", "update"], "function": "bench_touch"}
    tables = {}
    for k in range(_share(n, "partitioned")):
        name = f"{WORDS[k % len(WORDS)]}_log_{k:03d}"
        sql.append(f"CREATE TABLE {name} (id bigint NOT NULL, happened_on date NOT NULL, amount numeric(12,2) NOT NULL DEFAULT 0,"
                   f" payload jsonb, PRIMARY KEY (id, happened_on)) PARTITION BY RANGE (happened_on);")
        sql.append(f"CREATE INDEX {name}_payload_gin ON {name} USING gin (payload);")
        partitions = {}
        for year in range(2022, 2022 + PARTITIONS):
            bound = f"FOR VALUES FROM ('{year}-01-01') TO ('{year + 1}-01-01')"
            sql.append(f"CREATE TABLE {name}_{year} PARTITION OF {name} {bound};")
            partitions[f"{name}_{year}"] = bound
        tables[name] = {
            "columns": {"id": "bigint", "happened_on": "date",
                        "amount": {"type": "numeric(12,2)", "nullable": False, "default": "0"}, "payload": "jsonb"},
            "primary_key": ["id", "happened_on"],
            "indexes": [{"name": f"{name}_payload_gin", "columns": ["payload"], "using": "gin"}],
            "partition_by": "RANGE (happened_on)",
            "partitions": partitions,
        }
    return sql, {"partitioned": tables, "views": views, "materialized_views": matviews,
                 "functions": functions, "triggers": triggers}


def _column_yaml(column: tuple, default: str | None):
    _, _, yaml_type, not_null, _ = column
    if not not_null and default is None:
        return yaml_type
    out: dict = {"type": yaml_type}
    if not_null and yaml_type != "bigserial":
        out["nullable"] = False
    if default is not None:
        out["default"] = default
    return out


def _altered(table: dict, i: int) -> dict:
    """Column added, index dropped, default changed, foreign key added."""
    columns = dict(table["columns"])
    columns["archived_note"] = "text"
    status = dict(columns["status"])
    status["default"] = "'pending'"
    columns["status"] = status
    return {
        **table,
        "columns": columns,
        "indexes": [ix for ix in table["indexes"] if not ix["name"].endswith("_created_at_idx")],
        "foreign_keys": table["foreign_keys"] + [{"columns": ["ref_id"], "references": f"{table_name(0)}(id)"}],
    }


def to_yaml(doc: dict) -> str:
    # JSON is YAML; flow style keeps the writer fast and independent of PyYAML's dumper.
    lines = ["# Generated by benchmarks/generate.py", "tables:"]
    for name, table in {**doc["tables"], **doc.get("partitioned", {})}.items():
        lines.append(f"  {name}: " + json.dumps(table))
    for section in ("views", "materialized_views", "functions", "triggers"):
        if doc.get(section):
            lines.append(f"{section}:")
            lines += [f"  {json.dumps(name)}: " + json.dumps(value) for name, value in doc[section].items()]
    return "\n".join(lines) + "\n"


def create_database(admin_url: str, dbname: str, script: str) -> float:
    """(Re)create ``dbname`` and run ``script`` in it; seconds taken."""
    import psycopg
    from psycopg import sql

    started = time.perf_counter()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(dbname)))
    # Batches of statements, each its own transaction: one transaction creating thousands of
    # tables runs out of lock slots (max_locks_per_transaction).
    statements = script.split(";\n")
    with psycopg.connect(with_dbname(admin_url, dbname)) as conn:
        for start in range(0, len(statements), 2000):
            batch = ";\n".join(statements[start:start + 2000]).strip()
            if batch:
                conn.execute(batch.encode())  # no parameters: one simple-protocol round trip
                conn.commit()
    return time.perf_counter() - started


def with_dbname(url: str, dbname: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, ""))


def write(n: int, out: Path) -> tuple[str, Path, Path]:
    """Write schema.sql, schema.yaml and changed.yaml for ``n`` tables into ``out``."""
    script, base, changed = build(n)
    out.mkdir(parents=True, exist_ok=True)
    (out / "schema.sql").write_text(script)
    (out / "schema.yaml").write_text(to_yaml(base))
    (out / "changed.yaml").write_text(to_yaml(changed))
    return script, out / "schema.yaml", out / "changed.yaml"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="directory for schema.sql, schema.yaml, changed.yaml")
    parser.add_argument("--url", help="admin URL of a server; the database is (re)created on it")
    parser.add_argument("--dbname", default=None, help="database name (default bench_<N>)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    script, _, _ = write(args.tables, args.out)
    print(f"wrote {args.out}/schema.sql, schema.yaml, changed.yaml in {time.perf_counter() - started:.2f}s", file=sys.stderr)
    if args.url:
        dbname = args.dbname or f"bench_{args.tables}"
        took = create_database(args.url, dbname, script)
        print(f"built database {dbname} ({args.tables} tables) in {took:.2f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
