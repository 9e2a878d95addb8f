"""Helpers shared by the reliability suites (convergence, hostile names, concurrency, faults):
scratch databases on the session server and the three convergence assertions."""

from __future__ import annotations

import os

import psycopg
from psycopg import sql as pgsql

from schemadiff import engine
from schemadiff.diff import diff
from schemadiff.model import Catalog

# SCHEMADIFF_LONG=1 runs the property tests with many more examples.
LONG = os.environ.get("SCHEMADIFF_LONG", "").strip() not in ("", "0")


def examples(default: int, long: int) -> int:
    return long if LONG else default


def with_dbname(url: str, dbname: str) -> str:
    from conftest import with_dbname as convert

    return convert(url, dbname)


def scratch_database(admin_url: str):
    """A fresh empty database for one hypothesis example (fixtures are per test, not per example)."""
    from conftest import fresh_database

    return fresh_database(admin_url, prefix="r_")


def reset_database(url: str) -> None:
    """Empty a database quickly (dropping and creating databases costs a checkpoint each):
    drop every user schema with what is in it and give back an empty ``public``."""
    with psycopg.connect(url, autocommit=True, connect_timeout=15) as conn:
        schemas = [r[0] for r in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'")]
        for schema in schemas:
            conn.execute(pgsql.SQL("DROP SCHEMA {} CASCADE").format(pgsql.Identifier(schema)))
        conn.execute("CREATE SCHEMA public")


def live(url: str, desired: Catalog) -> Catalog:
    """The live catalog of the schemas ``desired`` manages."""
    target = engine.Target(url)
    with engine.connection(target) as conn:
        return engine.read_live(conn, target, desired)


def apply(url: str, desired: Catalog, snapshot: str = None) -> engine.ApplyResult:
    return engine.apply(engine.Target(url), desired, snapshot, allow_destructive=True, lock_wait_s=30)


def describe_plan(plan) -> str:
    return "\n".join(s.sql for s in plan.statements) or "<empty>"


def assert_converged(url: str, desired: Catalog, reference_url: str = None, context: str = "") -> None:
    """(1) the live schema has no diff against ``desired``; (2) a second plan is empty;
    (3) it equals the schema of ``reference_url`` (built directly from ``desired``)."""
    target = engine.Target(url)
    with engine.connection(target) as conn:
        again = engine.plan_against(conn, target, desired)
        current = engine.read_live(conn, target, desired)
    assert again.empty, f"{context}: plan not empty after apply:\n{describe_plan(again)}"
    if reference_url is not None:
        reference = live(reference_url, desired)
        changes = diff(current, reference)
        assert not changes, (f"{context}: migrated database differs from one built directly:\n"
                             + "\n".join(map(repr, changes)))
