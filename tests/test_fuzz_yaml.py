"""Hostile input: whatever text is given to the loader, the answer is a Catalog or a
SchemaFileError — never another exception, never a hang, never unbounded memory. And
database URLs that are wrong in every way give one clear error without echoing a password.

``SCHEMADIFF_LONG=1`` fuzzes with many more examples.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemadiff import desired
from schemadiff.db import mask_url
from schemadiff.errors import SchemaFileError
from schemadiff.model import Catalog
from fakes import password_refusing_server
from reliability import examples

PER_CALL_SECONDS = 5
FUZZ = settings(max_examples=examples(300, 5000), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


@contextmanager
def time_limit(seconds: float):
    """Fail (instead of hanging) when the block runs longer than ``seconds``."""

    def expired(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def load_or_refuse(text: str):
    """desired.loads(text) must return a Catalog or raise SchemaFileError, in bounded time."""
    with time_limit(PER_CALL_SECONDS):
        try:
            result = desired.loads(text)
        except SchemaFileError as exc:
            assert str(exc).strip(), "a SchemaFileError must say what is wrong"
            return exc
    assert isinstance(result, Catalog)
    return result


# -- arbitrary text --------------------------------------------------------------------------

YAML_ALPHABET = st.sampled_from(list("abct_ :-[]{},'\"&*!|>#?%@`\n\t .0123456789~") + ["\x00", "é", "\ud800", "\ufeff"])


@FUZZ
@given(st.text())
def test_arbitrary_text(text):
    load_or_refuse(text)


@FUZZ
@given(st.text(YAML_ALPHABET, max_size=200))
def test_yaml_punctuation_soup(text):
    load_or_refuse(text)


# -- structured but wrong documents ----------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
    st.sampled_from(["integer", "text", "serial", "users", "users(id)", "id", "always", "cascade",
                     "numeric(10,2)", "varchar(-1)", "int[]", "app.users", "", ".", "a.b.c", "\"x\"",
                     "lower(name)", "id DESC", "by default", "set null", "public"]),
)
KEYS = st.sampled_from(["tables", "enums", "schemas", "columns", "type", "nullable", "default", "identity",
                        "primary_key", "unique", "indexes", "foreign_keys", "checks", "comment", "name",
                        "references", "table", "on_delete", "on_update", "deferrable", "initially_deferred",
                        "where", "using", "include", "expression", "values", "renamed_from", "schema",
                        "lint", "users", "id", "app.users", "x", "values"])
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)), max_leaves=30)


@st.composite
def almost_schema(draw):
    """A document shaped like a schema file with random parts replaced by wrong values."""
    column = st.one_of(st.sampled_from(["integer", "text", "bigserial", "mood", "nonsense"]),
                       st.dictionaries(st.sampled_from(["type", "nullable", "default", "identity", "primary_key",
                                                        "unique", "comment", "using", "renamed_from"]),
                                       VALUES, max_size=4), VALUES)
    table = st.fixed_dictionaries({"columns": st.one_of(st.dictionaries(st.sampled_from(["id", "name", "users", "x"]),
                                                                        column, max_size=4), VALUES)},
                                  optional={k: VALUES for k in ("primary_key", "unique", "indexes", "foreign_keys",
                                                                "checks", "comment", "schema", "renamed_from")})
    doc = draw(st.fixed_dictionaries({}, optional={
        "tables": st.one_of(st.dictionaries(st.sampled_from(["users", "app.users", "orders", "x", "", "."]),
                                            table, max_size=3), VALUES),
        "enums": st.one_of(st.dictionaries(st.sampled_from(["mood", "app.mood"]), VALUES, max_size=2), VALUES),
        "schemas": VALUES,
    }))
    if draw(st.booleans()):
        doc[draw(KEYS)] = draw(VALUES)
    return doc


@FUZZ
@given(almost_schema())
def test_structured_but_wrong_documents(doc):
    text = yaml.safe_dump(doc, allow_unicode=True)
    load_or_refuse(text)


@FUZZ
@given(VALUES)
def test_any_yaml_value(value):
    load_or_refuse(yaml.safe_dump(value, allow_unicode=True))


# -- found by the fuzzers (kept as regressions) ------------------------------------------------

@pytest.mark.parametrize("text", [
    "a: &a [*a]\n",                                   # recursive alias: was RecursionError
    "tables: &t {x: *t}\n",                           # recursive mapping alias
    "[" * 5000 + "]" * 5000,                          # libyaml refuses; the Python fallback took ~45 s
    "a: " + "{b: " * 3000 + "1" + "}" * 3000,         # deep flow mappings: was RecursionError
    "".join(" " * i + "a:\n" for i in range(900)) + " " * 900 + "1\n",  # deep block nesting
    "tables: {\ud800: 1}",                            # lone surrogate: was UnicodeEncodeError
    "tables: {t: {columns: {a: {type: integer, identity: [1]}}}}",  # was TypeError: unhashable
    "tables: {'': {columns: {'': integer}}}",         # empty identifiers: accepted, failed at apply
    "tables: {'.': {columns: {a: integer}}}",
    "!!python/object/apply:os.system ['echo pwned']",
    "tables: !!binary aGVsbG8=",
])
def test_known_hostile_documents(text):
    result = load_or_refuse(text)
    assert isinstance(result, SchemaFileError), f"expected a refusal, got {result}"


def test_billion_laughs_is_refused_in_bounded_time_and_memory():
    levels = ["a: &a [" + ",".join(["lol"] * 10) + "]"]
    for i in range(1, 10):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    text = "\n".join(levels) + "\ntables: {}\n"
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = load_or_refuse(text)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(result, SchemaFileError) and "values" in str(result)
    assert elapsed < PER_CALL_SECONDS and peak < 256 * 1024 * 1024, (elapsed, peak)


def test_multi_megabyte_file_is_handled_in_bounded_time_and_memory():
    """A 3 MB file of comments and a 20 MB file: the first loads, the second is refused
    before parsing; neither takes unbounded time or memory."""
    big = "tables:\n  t:\n    columns:\n      id: integer\n" + ("# " + "x" * 98 + "\n") * 30_000
    tracemalloc.start()
    try:
        started = time.monotonic()
        catalog = load_or_refuse(big)
        assert isinstance(catalog, Catalog) and len(catalog.tables) == 1
        huge = "tables: {}\n" + ("# " + "x" * 98 + "\n") * 200_000
        refused = load_or_refuse(huge)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(refused, SchemaFileError) and "larger than" in str(refused)
    assert elapsed < 2 * PER_CALL_SECONDS and peak < 512 * 1024 * 1024, (elapsed, peak)


def test_many_tables_load_in_bounded_time():
    doc = {"tables": {f"t{i}": {"columns": {"id": "bigserial", "name": "text"}, "primary_key": "id",
                                "indexes": [{"columns": ["name"]}]} for i in range(3000)}}
    result = load_or_refuse(yaml.safe_dump(doc))
    assert isinstance(result, Catalog) and len(result.tables) == 3000


# -- hostile database URLs ---------------------------------------------------------------------

SECRET = "s3cr3t-Pa55word-never-shown"
CLI = [str(Path(sys.executable).with_name("schemadiff"))]


def _cli(schema: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGPASSWORD")}
    return subprocess.run([*CLI, "--schema", str(schema), "--database-url", url, "--connect-timeout", "2", *args],
                          capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture
def password_role(pg_server):
    """A role with a password, and whether the server actually checks passwords (a
    throwaway cluster trusts every local connection)."""
    from conftest import with_dbname

    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE fuzz_user LOGIN PASSWORD '{SECRET}'")
        hba = conn.execute("SELECT array_agg(DISTINCT auth_method) FROM pg_hba_file_rules").fetchone()[0] or []
    try:
        yield with_dbname(pg_server, "postgres"), not set(hba) <= {"trust"}
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute("DROP ROLE IF EXISTS fuzz_user")


def _url(base: str, *, user="fuzz_user", password=SECRET, host=None, port=None, scheme="postgresql", db="postgres"):
    from urllib.parse import quote, urlsplit

    parts = urlsplit(base)
    host = host or parts.hostname
    port = parts.port if port is None else port
    return f"{scheme}://{quote(user)}:{quote(password, safe='')}@{host}:{port}/{db}"


def test_bad_urls_give_clear_errors_without_the_password(tmp_path, password_role):
    base, checks_passwords = password_role
    schema = tmp_path / "schema.yaml"
    schema.write_text("tables:\n  t:\n    columns:\n      id: integer\n")
    cases = {
        "bad scheme": (_url(base, scheme="mysql"), "scheme"),
        "driver scheme is fine but db missing": (_url(base, scheme="postgresql+asyncpg", db="no_such_db"), "no_such_db"),
        "bad port": (_url(base).replace(f":{_port(base)}/", ":99999/"), "port"),
        "non-numeric port": (_url(base).replace(f":{_port(base)}/", ":abc/"), "port"),
        "closed port": (_url(base, port=1), "cannot connect"),
        "unreachable host": (_url(base, host="192.0.2.1"), "cannot connect"),  # TEST-NET-1: never routed
        "unknown host": (_url(base, host="no-such-host.invalid"), "cannot connect"),
        "unknown role": (_url(base, user="no_such_role"), "no_such_role"),
    }
    if checks_passwords:
        cases["wrong password"] = (_url(base, password=SECRET + "x"), "password")
    for what, (url, expected) in cases.items():
        for command in (["plan"], ["apply"], ["check"]):
            started = time.monotonic()
            result = _cli(schema, url, *command)
            output = result.stdout + result.stderr
            assert result.returncode != 0, f"{what} {command}: succeeded?\n{output}"
            assert SECRET not in output and SECRET.replace("-", "%2D") not in output, f"{what}: password shown:\n{output}"
            assert "Traceback" not in output, f"{what} {command}: traceback:\n{output}"
            assert expected.lower() in output.lower(), f"{what} {command}: unclear error:\n{output}"
            assert time.monotonic() - started < 30, f"{what} {command}: took too long"


def _port(url: str) -> int:
    from urllib.parse import urlsplit

    return urlsplit(url).port


def test_wrong_password_error_is_clear_and_masked(tmp_path):
    schema = tmp_path / "schema.yaml"
    schema.write_text("tables:\n  t:\n    columns:\n      id: integer\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGPASSWORD")}
    with password_refusing_server() as (port, received):
        url = f"postgresql://fuzz_user:{SECRET}@127.0.0.1:{port}/postgres?sslmode=disable"
        for pre, command in (([], "plan"), ([], "apply"), ([], "check"), (["--debug"], "plan")):
            result = subprocess.run([*CLI, *pre, "--schema", str(schema), "--database-url", url, command],
                                    capture_output=True, text=True, timeout=60, env=env)
            output = result.stdout + result.stderr
            assert result.returncode != 0
            assert SECRET not in output, f"{pre + [command]}: password shown:\n{output}"
            assert "password authentication failed" in output, output
    assert received == [SECRET] * 4, "the stand-in server must have been sent the password each time"


def test_right_password_connects_and_mask_url_hides_it(tmp_path, password_role):
    base, _ = password_role
    url = _url(base)
    assert SECRET not in mask_url(url) and "***" in mask_url(url)
    assert SECRET not in mask_url(url.replace("postgresql://", "postgresql+psycopg://"))
    # A password with URL metacharacters is still masked (and never half-shown).
    odd = f"postgresql://u:{SECRET}@x@h:5432/db"
    assert SECRET not in mask_url(odd)
    schema = tmp_path / "schema.yaml"
    schema.write_text("tables:\n  t:\n    columns:\n      id: integer\n")
    result = _cli(schema, url, "plan")
    assert SECRET not in result.stdout + result.stderr
