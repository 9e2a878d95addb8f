"""Every bad input gives one paragraph on stderr, no traceback, the documented exit code,
never the password, and touches no database."""

from __future__ import annotations

import socket
import urllib.parse

import pytest

from core_helpers import dedent, output, run_cli
from fakes import password_refusing_server

PASSWORD = "S3cret-Passw0rd-x9"

GOOD_FILE = """
tables:
  users:
    columns:
      id: bigserial
      email: text
    primary_key: id
"""

BAD_FILES = {
    "malformed YAML": ("tables:\n  users:\n    columns: {id: int\n  posts: []\n", ["schema.yaml:4:", "invalid YAML"]),
    "unknown key": (GOOD_FILE + "    indexs: []\n", ["schema.yaml:7", "unknown key 'indexs'", "did you mean 'indexes'"]),
    "unknown type": (GOOD_FILE.replace("email: text", "email: txet"), ["schema.yaml:5", "unknown type 'txet'", "did you mean"]),
    "foreign key to a missing table": (GOOD_FILE + "    foreign_keys: [{columns: [id], references: groups(id)}]\n",
                                       ["schema.yaml:7", "groups", "does not declare"]),
    "index naming a missing column": (GOOD_FILE + "    indexes: [{columns: [emial]}]\n",
                                      ["schema.yaml:7", "'emial'", "did you mean 'email'"]),
    "duplicate YAML key": (GOOD_FILE + "  users: {columns: {id: int}}\n", ["schema.yaml:7", "duplicate key 'users'"]),
    "two indexes with one name": (GOOD_FILE + "    indexes: [{name: i, columns: [id]}, {name: i, columns: [email]}]\n",
                                  ["schema.yaml:", "'i' is used twice"]),
}


def with_password(url: str, password: str = PASSWORD) -> str:
    parts = urllib.parse.urlsplit(url)
    user = parts.username or "postgres"
    host = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_one_clean_paragraph(result, code: int) -> None:
    text = output(result)
    assert result.returncode == code, text
    assert "Traceback" not in text
    assert PASSWORD not in text
    assert result.stderr.strip() and "\n\n" not in result.stderr.strip()


def assert_untouched(sql) -> None:
    assert sql("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')") == []


@pytest.mark.parametrize("text, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_one_paragraph_naming_the_line(tmp_path, database_url, sql, text, expected):
    (tmp_path / "schema.yaml").write_text(dedent(text))
    result = run_cli("apply", cwd=tmp_path, url=with_password(database_url))
    assert_one_clean_paragraph(result, 1)
    assert result.stderr.startswith("schemadiff: error: ")
    for fragment in expected:
        assert fragment in result.stderr
    assert_untouched(sql)


def test_bad_file_makes_check_unknown(tmp_path, database_url, sql):
    (tmp_path / "schema.yaml").write_text(dedent(BAD_FILES["unknown type"][0]))
    result = run_cli("check", cwd=tmp_path, url=with_password(database_url))
    assert result.returncode == 3, output(result)
    assert result.stdout.startswith("SCHEMADIFF UNKNOWN") and "txet" in result.stdout
    assert PASSWORD not in output(result)
    assert_untouched(sql)


def test_missing_file(tmp_path, database_url, sql):
    result = run_cli("--schema", "nowhere.yaml", "apply", cwd=tmp_path, url=with_password(database_url))
    assert_one_clean_paragraph(result, 1)
    assert "nowhere.yaml: file not found" in result.stderr
    assert_untouched(sql)


def test_unreachable_host(tmp_path):
    (tmp_path / "schema.yaml").write_text(dedent(GOOD_FILE))
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{closed_port()}/db"
    result = run_cli("--connect-timeout", "1", "apply", cwd=tmp_path, url=url)
    assert_one_clean_paragraph(result, 1)
    assert "cannot connect to 127.0.0.1:" in result.stderr


def test_unreachable_host_makes_check_critical(tmp_path):
    (tmp_path / "schema.yaml").write_text(dedent(GOOD_FILE))
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{closed_port()}/db"
    result = run_cli("--connect-timeout", "1", "check", cwd=tmp_path, url=url)
    assert result.returncode == 2, output(result)
    assert "unreachable" in result.stdout and PASSWORD not in output(result)


def test_bad_url_scheme(tmp_path, database_url, sql):
    (tmp_path / "schema.yaml").write_text(dedent(GOOD_FILE))
    url = with_password(database_url).replace("postgresql://", "mysql://")
    result = run_cli("plan", cwd=tmp_path, url=url)
    assert_one_clean_paragraph(result, 1)
    assert "scheme 'mysql'" in result.stderr
    assert "***" in result.stderr
    assert_untouched(sql)


# -- wrong password --------------------------------------------------------------------------
# The test servers trust local connections, so a password is never checked there.

def test_wrong_password(tmp_path):
    (tmp_path / "schema.yaml").write_text(dedent(GOOD_FILE))
    with password_refusing_server() as (port, received):
        for command in ("plan", "apply"):
            url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/db"
            result = run_cli("--connect-timeout", "2", command, cwd=tmp_path, url=url)
            assert_one_clean_paragraph(result, 1)
            assert "password authentication failed" in result.stderr
    assert received == [PASSWORD, PASSWORD], "the refusal must come after the password was sent"
