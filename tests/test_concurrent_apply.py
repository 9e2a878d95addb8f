"""Eight `schemadiff apply` processes at once against one database: applies never interleave,
the only error is the clean deploy-lock message (with a short --lock-wait), the final schema
is exactly one of the files, and there is one version row per apply that changed something."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import yaml

from schemadiff.deploy.versions import DEFAULT_TABLE
from schemadiff import desired, engine
from schemadiff.deploy.apply import advisory_key
from schemadiff.model import catalog_hash

PROCESSES = 8
CLI = str(Path(sys.executable).with_name("schemadiff"))
LOCK_MESSAGE = "another schemadiff apply holds the deploy lock"


def schema_text(variant: int) -> str:
    """Files that differ in every table, so each apply of one after another changes things."""
    tables = {}
    for t in range(12):
        columns = {"id": "bigserial", "name": "text", f"v{variant}": {"type": "integer", "default": str(variant)}}
        tables[f"t{t}"] = {"columns": columns, "primary_key": "id",
                           "indexes": [{"columns": [f"v{variant}"]}],
                           "checks": [f"v{variant} >= {variant}"]}
        if t:
            tables[f"t{t}"]["columns"]["parent"] = "bigint"
            tables[f"t{t}"]["foreign_keys"] = [{"columns": ["parent"], "references": f"t{t - 1}",
                                                "on_delete": ["cascade", "set null", "restrict"][variant % 3]}]
    return yaml.safe_dump({"tables": tables}, sort_keys=False)


def start_apply(url: str, schema: Path, lock_wait: float) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.Popen(
        [CLI, "--database-url", url, "--schema", str(schema), "apply", "--allow-destructive",
         "--lock-wait", str(lock_wait)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def run_all(url: str, files: list[Path], lock_wait: float) -> list[tuple[int, str]]:
    procs = [start_apply(url, f, lock_wait) for f in files]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        out.append((p.returncode, stdout + stderr))
    return out


def versions(url: str) -> list[tuple[int, str, int]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT version, schema_hash, statement_count FROM public.schemadiff_version"
                            " ORDER BY version").fetchall()


def recorded_statements(url: str) -> list[list[str]]:
    with psycopg.connect(url) as conn:
        return [s for (s,) in conn.execute("SELECT statements FROM public.schemadiff_version ORDER BY version")]


def log_ddl(url: str) -> None:
    """Record every DDL command with the backend that ran it, in the order they ran (a
    sequence), in a schema the files do not name (so schemadiff leaves it alone)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""
            CREATE SCHEMA ddl_audit;
            CREATE TABLE ddl_audit.log (id bigserial PRIMARY KEY, pid integer NOT NULL, query text NOT NULL);
            CREATE FUNCTION ddl_audit.note() RETURNS event_trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO ddl_audit.log (pid, query) VALUES (pg_backend_pid(), current_query());
            END $$;
            CREATE EVENT TRIGGER ddl_audit ON ddl_command_end EXECUTE FUNCTION ddl_audit.note();""")


def ddl_runs(url: str) -> list[tuple[int, list[str]]]:
    """(backend pid, its statements) for each unbroken run of one backend's DDL, leaving out
    the version table's own CREATE TABLE IF NOT EXISTS."""
    with psycopg.connect(url) as conn:
        logged = conn.execute("SELECT pid, query FROM ddl_audit.log WHERE query NOT LIKE %s ORDER BY id",
                              (f"%{DEFAULT_TABLE.name}%",)).fetchall()
    runs: list[tuple[int, list[str]]] = []
    for pid, query in logged:
        if not runs or runs[-1][0] != pid:
            runs.append((pid, []))
        runs[-1][1].append(query)
    return runs


def plan_is_empty(url: str, text: str) -> bool:
    return engine.plan(engine.Target(url), desired.loads(text)).empty


def test_same_file_eight_times(database_url, tmp_path):
    text = schema_text(1)
    schema = tmp_path / "schema.yaml"
    schema.write_text(text)
    results = run_all(database_url, [schema] * PROCESSES, lock_wait=120)
    assert all(code == 0 for code, _ in results), results
    assert all("Traceback" not in output for _, output in results)
    assert plan_is_empty(database_url, text)
    rows = versions(database_url)
    # Exactly one apply changed something; the seven others found nothing to do.
    assert len(rows) == 1, rows
    assert rows[0][1] == catalog_hash(desired.loads(text))


def test_eight_different_files(database_url, tmp_path):
    texts = [schema_text(v) for v in range(PROCESSES)]
    files = []
    for v, text in enumerate(texts):
        files.append(tmp_path / f"schema{v}.yaml")
        files[-1].write_text(text)
    log_ddl(database_url)
    results = run_all(database_url, files, lock_wait=120)
    # No interleaving: each apply's DDL is one unbroken run, one run per apply.
    runs = ddl_runs(database_url)
    assert len({pid for pid, _ in runs}) == len(runs) == PROCESSES, [pid for pid, _ in runs]
    assert all(code == 0 for code, _ in results), results
    hashes = {catalog_hash(desired.loads(t)): t for t in texts}
    rows = versions(database_url)
    # Each apply found the previous one's schema, so each changed something: one row each.
    assert len(rows) == PROCESSES, rows
    assert {r[1] for r in rows} == set(hashes)
    # The schema is exactly the last recorded file's; no other file matches it.
    final = hashes[rows[-1][1]]
    assert plan_is_empty(database_url, final)
    assert [t for t in texts if plan_is_empty(database_url, t)] == [final]
    # Each run is the whole plan its version row records, in the order of the versions.
    assert [statements for _, statements in runs] == recorded_statements(database_url)


def test_short_lock_wait_fails_cleanly_while_locked(database_url, tmp_path):
    """While another apply holds the deploy lock, every process gives up with the lock
    message and exit code 5, and changes nothing."""
    schema = tmp_path / "schema.yaml"
    schema.write_text(schema_text(3))
    with psycopg.connect(database_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (advisory_key(),))
        results = run_all(database_url, [schema] * PROCESSES, lock_wait=0.5)
    for code, output in results:
        assert code == 5, output
        assert LOCK_MESSAGE in output and "Traceback" not in output, output
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relname = 't0'").fetchone() == (0,)


def test_short_lock_wait_under_real_contention(database_url, tmp_path):
    """Eight different files, a short --lock-wait: each process either applies its file or
    fails with the clean lock message; the database ends as exactly the last file applied."""
    texts = [schema_text(v) for v in range(PROCESSES)]
    files = []
    for v, text in enumerate(texts):
        files.append(tmp_path / f"schema{v}.yaml")
        files[-1].write_text(text)
    results = run_all(database_url, files, lock_wait=0.2)
    succeeded = [v for v, (code, _) in enumerate(results) if code == 0]
    for code, output in results:
        assert code in (0, 5), output
        if code == 5:
            assert LOCK_MESSAGE in output and "Traceback" not in output, output
    assert succeeded, results
    rows = versions(database_url)
    hashes = {catalog_hash(desired.loads(texts[v])): v for v in succeeded}
    assert len(rows) == len(succeeded) and {r[1] for r in rows} == set(hashes)
    assert plan_is_empty(database_url, texts[hashes[rows[-1][1]]])
