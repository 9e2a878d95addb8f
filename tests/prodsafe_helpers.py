"""Helpers for the production-safety tests (online DDL, locking, saved plans, renames, enums,
history, faults): the CLI as a subprocess, the typed API on YAML text, and catalog probes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Callable, Optional

import psycopg

from schemadiff import desired, engine
from schemadiff.deploy.apply import ExecutionSettings
from schemadiff.plan import Plan


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def write(tmp_path: Path, text: str, name: str = "schema.yaml") -> Path:
    path = tmp_path / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def cli_env(url: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SCHEMADIFF_SCHEMA", "NO_COLOR")}
    environ["DATABASE_URL"] = url
    return environ


def cli(url: str, schema: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """``schemadiff --schema <schema> <args>`` as a user runs it."""
    return subprocess.run([sys.executable, "-m", "schemadiff", "--schema", str(schema), *args],
                          cwd=schema.parent, env=cli_env(url), capture_output=True, text=True, timeout=timeout)


def cli_background(url: str, schema: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "schemadiff", "--schema", str(schema), *args],
                            cwd=schema.parent, env=cli_env(url), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def plan(url: str, text: str, online: bool = True) -> Plan:
    from schemadiff.plan import PlanOptions

    return engine.plan(engine.Target(url=url), desired.loads(dedent(text)), PlanOptions(online=online))


def apply(url: str, text: str, **kwargs) -> engine.ApplyResult:
    text = dedent(text)
    kwargs.setdefault("settings", ExecutionSettings(lock_timeout_ms=5000, retries=3, backoff_s=0.2))
    return engine.apply(engine.Target(url=url), desired.loads(text), text, **kwargs)


def converged(url: str, text: str) -> bool:
    return plan(url, text).empty


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def relfilenode(sql, table: str) -> int:
    return sql("SELECT relfilenode FROM pg_class WHERE oid = %s::regclass", table)[0][0]


def column_type(sql, table: str, column: str) -> str:
    return sql("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass"
               " AND attname = %s", table, column)[0][0]


def index_valid(sql, name: str) -> Optional[bool]:
    rows = sql("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s", name)
    return rows[0][0] if rows else None


def version_count(sql) -> int:
    if sql("SELECT to_regclass('public.schemadiff_version')")[0][0] is None:
        return 0
    return sql("SELECT count(*) FROM public.schemadiff_version")[0][0]


def wait_for(condition: Callable[[], object], timeout: float = 10, what: str = "condition"):
    """The first true value ``condition()`` returns, polling until ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def schemadiff_backends(sql) -> list:
    """(pid, wait_event_type, query) of schemadiff's own sessions on this database."""
    return sql("SELECT pid, wait_event_type, query FROM pg_stat_activity"
               " WHERE datname = current_database() AND application_name = 'schemadiff' AND pid <> pg_backend_pid()")
