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


def build(n: int) -> tuple[str, dict, dict]:
    """The SQL script, the desired document and its changed twin (as plain data)."""
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
    script = "\n".join(ddl + fks + idx) + "\n"
    return script, base, changed


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
    for name, table in doc["tables"].items():
        lines.append(f"  {name}: " + json.dumps(table))
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
