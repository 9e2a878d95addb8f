"""An empty schema file is an error, never "no tables": a failed checkout, a truncated write
or a wrong path would otherwise plan to drop every table. Every entry point refuses it,
names the file and says how to declare an intentionally empty schema (`tables: {}`)."""

from __future__ import annotations

import pytest

from schemadiff import api, desired
from schemadiff.errors import SchemaFileError

from core_helpers import apply_yaml, dedent, invoke, output

SCHEMA = """\
tables:
  users:
    columns:
      id: bigserial
    primary_key: id
"""

EMPTY_FILES = {
    "zero bytes": "",
    "whitespace": "\n   \n",
    "comments only": "# Desired state for schemadiff\n# (truncated)\n",
    "an empty document marker": "---\n",
}

NOT_A_MAPPING = {
    "null": "~\n",
    "a list": "- users\n- orders\n",
    "a scalar": "tables\n",
}


def assert_names_file_and_remedy(text: str, file: str) -> None:
    assert file in text, text
    assert "tables: {}" in text, text


@pytest.mark.parametrize("text", EMPTY_FILES.values(), ids=EMPTY_FILES.keys())
def test_an_empty_document_is_an_error_naming_the_file(text):
    with pytest.raises(SchemaFileError) as raised:
        desired.loads(text, "schema.yaml")
    assert_names_file_and_remedy(str(raised.value), "schema.yaml")
    assert "empty" in str(raised.value)


@pytest.mark.parametrize("text", NOT_A_MAPPING.values(), ids=NOT_A_MAPPING.keys())
def test_a_top_level_that_is_not_a_mapping_says_how_to_declare_an_empty_schema(text):
    with pytest.raises(SchemaFileError) as raised:
        desired.loads(text, "schema.yaml")
    assert_names_file_and_remedy(str(raised.value), "schema.yaml")


def test_an_explicitly_empty_schema_is_accepted():
    assert desired.loads("tables: {}\n").tables == ()


@pytest.fixture
def built(tmp_path, database_url, sql):
    """A database holding the users table, and a project whose schema file is empty."""
    apply_yaml(database_url, SCHEMA)
    (tmp_path / "schema.yaml").write_text("# nothing here\n")
    return tmp_path


def tables(sql) -> list:
    return sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = 'users'")


@pytest.mark.parametrize("command", [["validate"], ["plan"], ["apply", "--allow-destructive"], ["lint"]],
                         ids=["validate", "plan", "apply", "lint"])
def test_every_command_refuses_an_empty_file_and_drops_nothing(built, database_url, sql, command):
    result = invoke(*command, cwd=built, url=database_url)
    assert result.returncode == 1, output(result)
    assert "DROP TABLE" not in output(result)
    assert_names_file_and_remedy(output(result), "schema.yaml")
    assert tables(sql) == [("users",)]


def test_check_with_an_empty_file_is_unknown_not_extra_tables(built, database_url):
    result = invoke("check", cwd=built, url=database_url)
    assert result.returncode == 3, output(result)
    assert result.stdout.startswith("SCHEMADIFF UNKNOWN")
    assert "extra" not in result.stdout
    assert_names_file_and_remedy(result.stdout, "schema.yaml")


@pytest.mark.parametrize("empty_side", ["old", "new"])
def test_diff_refuses_an_empty_file_on_either_side(tmp_path, empty_side):
    (tmp_path / "full.yaml").write_text(dedent(SCHEMA))
    (tmp_path / "empty.yaml").write_text("")
    files = ["empty.yaml", "full.yaml"] if empty_side == "old" else ["full.yaml", "empty.yaml"]
    result = invoke("diff", *files, cwd=tmp_path)
    assert result.returncode == 1, output(result)
    assert "DROP TABLE" not in output(result) and "CREATE TABLE" not in output(result)
    assert_names_file_and_remedy(output(result), "empty.yaml")


def test_the_seed_api_refuses_an_empty_file(built, database_url, sql, caplog):
    path = str(built / "schema.yaml")
    assert api.initialize_database_sync(database_url, path, allow_destructive=True) is False
    assert tables(sql) == [("users",)]
    assert_names_file_and_remedy(caplog.text, "schema.yaml")

    health = api.check_database_health_sync(database_url, path)
    assert health["status"] == "unknown" and not health["overall_healthy"]
    assert_names_file_and_remedy(health["error"], "schema.yaml")

    status = api.check_database_status_sync(database_url, path)
    assert status["pending_migrations"] == [] and status["error"]
    assert_names_file_and_remedy(status["error"], "schema.yaml")
