"""Helpers shared by the declarative-core tests: run the CLI as a user would, and plan or
apply YAML text through the typed API."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Optional

from schemadiff import desired, engine
from schemadiff.plan import Plan

REPO = Path(__file__).resolve().parent.parent
SCHEMA_YAML = REPO / "schema.yaml"


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def run_cli(*args: str, cwd: Path, url: Optional[str] = None, env: Optional[dict] = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
    """``schemadiff <args>`` in a subprocess, from ``cwd``, with DATABASE_URL set to ``url``."""
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SCHEMADIFF_SCHEMA", "NO_COLOR")}
    if url is not None:
        environ["DATABASE_URL"] = url
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "schemadiff", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=timeout)


def invoke(*args: str, cwd: Path, url: Optional[str] = None) -> subprocess.CompletedProcess:
    """Like :func:`run_cli`, but in this process through click's CliRunner (no interpreter
    start-up, so much faster); for tests that do not need a real process."""
    from click.testing import CliRunner

    from schemadiff.cli import cli

    env = {"DATABASE_URL": url, "SCHEMADIFF_SCHEMA": None, "NO_COLOR": "1"}
    before = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), env=env, prog_name="schemadiff")
    finally:
        os.chdir(before)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def target(url: str) -> engine.Target:
    return engine.Target(url=url)


def plan_yaml(url: str, text: str) -> Plan:
    """The plan that would bring the database at ``url`` to the schema in ``text``."""
    return engine.plan(target(url), desired.loads(dedent(text)))


def apply_yaml(url: str, text: str, allow_destructive: bool = True) -> engine.ApplyResult:
    """Apply the schema in ``text`` to the database at ``url``."""
    text = dedent(text)
    return engine.apply(target(url), desired.loads(text), text, allow_destructive=allow_destructive)


def steady_state_queries(url: str, monkeypatch, text: str) -> int:
    """Apply ``text``, then count the queries a plan of it sends (it must be empty): a kind
    settled in a constant number of queries gives the same count for 1 object and for many."""
    from schemadiff import db

    apply_yaml(url, text)
    monkeypatch.setenv("SCHEMADIFF_COUNT_QUERIES", "1")
    conn = db.connect(url)
    try:
        before = db.queries_sent
        assert engine.plan_against(conn, engine.Target(url), desired.loads(text)).empty
        return db.queries_sent - before
    finally:
        conn.close()


def statements(plan: Plan) -> list[str]:
    return [s.sql for s in plan.statements]


# The smallest schema the CLI tests apply: one table with a key.
USERS_SCHEMA = """\
tables:
  users:
    columns:
      id: bigserial
      email: text
    primary_key: id
"""


def load(text: str):
    """A schema text (indented as in a test) as a catalog."""
    return desired.loads(dedent(text))


def problems(text: str) -> str:
    """The one-paragraph error a schema text is refused with."""
    import pytest

    from schemadiff.errors import SchemaFileError

    with pytest.raises(SchemaFileError) as raised:
        load(text)
    return str(raised.value)


def sqls(current, wanted) -> list[str]:
    """The SQL of the plan from ``current`` to ``wanted``, without a database."""
    from schemadiff.diff import diff
    from schemadiff.plan import build_plan

    return [s.sql for s in build_plan(diff(current, wanted)).statements]
