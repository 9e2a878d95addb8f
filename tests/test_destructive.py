"""``apply`` refuses a plan that loses data unless told ``--allow-destructive``."""

from __future__ import annotations

import pytest

from core_helpers import dedent, output, run_cli

WITH_NOTE = """
tables:
  users:
    columns: {id: serial, email: text, note: text}
    primary_key: id
"""
WITHOUT_NOTE = WITH_NOTE.replace(", note: text", "")


@pytest.fixture
def project(tmp_path, database_url, sql):
    """users(id, email, note) with a row, and a schema file that no longer has ``note``."""
    (tmp_path / "schema.yaml").write_text(dedent(WITH_NOTE))
    assert run_cli("apply", cwd=tmp_path, url=database_url).returncode == 0
    sql("INSERT INTO users (email, note) VALUES ('a@example.com', 'keep me')")
    (tmp_path / "schema.yaml").write_text(dedent(WITHOUT_NOTE))
    return tmp_path


def test_dropping_a_column_is_refused(project, database_url, sql):
    result = run_cli("apply", cwd=project, url=database_url)
    assert result.returncode == 4, output(result)
    assert "users.note" in result.stderr and "--allow-destructive" in result.stderr
    assert "Traceback" not in output(result)
    assert sql("SELECT note FROM users") == [("keep me",)]


def test_allow_destructive_drops_the_column(project, database_url, sql):
    result = run_cli("apply", "--allow-destructive", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    assert sql("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1") == [
        ("email",), ("id",)]
    assert sql("SELECT email FROM users") == [("a@example.com",)]
