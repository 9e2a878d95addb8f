"""`schemadiff diff OLD NEW`: PR review without a database, in every output format.

The Markdown output is compared with tests/golden/diff.md; after an intended change to it,
regenerate with ``SCHEMADIFF_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_review_diff.py``
and review the golden file's diff.
"""

from __future__ import annotations

import json
import os
import subprocess
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from schemadiff.cli import cli

GOLDEN = Path(__file__).parent / "golden"

OLD = """\
tables:
  users:
    columns:
      id: bigserial
      email: varchar(255)
      nickname: text
    primary_key: id
  orders:
    columns:
      id: bigserial
      user_id: {type: bigint, nullable: false}
    primary_key: id
    foreign_keys:
      - columns: [user_id]
        references: users(id)
    indexes:
      - columns: [user_id]
  legacy:
    columns:
      id: {type: integer, nullable: false}
    primary_key: id
"""

NEW = """\
tables:
  users:
    columns:
      id: bigserial
      email: varchar(100)
      created_at: {type: timestamptz, nullable: false, default: now()}
    primary_key: id
    indexes:
      - columns: [email]
  orders:
    columns:
      id: bigserial
      user_id: {type: bigint, nullable: false}
      status: {type: text, nullable: false}
    primary_key: id
    foreign_keys:
      - columns: [user_id]
        references: users(id)
    indexes:
      - columns: [user_id]
"""


@pytest.fixture
def project(cli_project):
    """A project folder as the working directory, its own git root (no stray config found)."""
    tmp_path = cli_project
    (tmp_path / "old.yaml").write_text(OLD)
    (tmp_path / "new.yaml").write_text(NEW)
    return tmp_path


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SCHEMADIFF_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with SCHEMADIFF_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file (SCHEMADIFF_UPDATE_GOLDEN=1 regenerates it)"


def test_diff_two_files_text(project):
    result = run("diff", "old.yaml", "new.yaml")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "drop table public.legacy" in out
    assert "drop column public.users.nickname" in out
    assert "add column public.orders.status" in out
    assert "CREATE INDEX CONCURRENTLY" in out  # online: the tables are assumed to exist with rows
    assert "error: SD001 public.orders.status" in out  # lint warnings follow the plan
    assert "error: SD007 public.users.email" in out


def test_diff_exit_code(project):
    assert run("diff", "old.yaml", "new.yaml", "--exit-code").exit_code == 2
    assert run("diff", "new.yaml", "new.yaml", "--exit-code").exit_code == 0
    assert "No changes" in run("diff", "new.yaml", "new.yaml").output


def test_diff_markdown_matches_golden(project):
    result = run("diff", "old.yaml", "new.yaml", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert_golden("diff.md", result.output)
    first_lines = result.output.splitlines()[:3]
    assert first_lines[0] == "### schemadiff diff: old.yaml → new.yaml"
    assert first_lines[2].startswith("🛑 **")  # the verdict comes first
    assert result.output.index("**Hazards**") < result.output.index("| object |") < result.output.index("<details>")


def test_diff_markdown_no_changes(project):
    out = run("diff", "new.yaml", "new.yaml", "--format", "markdown").output
    assert "✅ **No schema changes.**" in out and "<details>" not in out


def test_diff_json_follows_the_published_schema(project):
    result = run("diff", "old.yaml", "new.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    schema = json.loads(resources.files("schemadiff").joinpath("plan.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(payload, schema)
    assert payload["format_version"] == 1 and not payload["empty"]
    assert payload["summary"]["destructive"] >= 2
    assert {"DropTable", "DropColumn", "AddColumn", "AddIndex"} <= set(payload["summary"]["by_kind"])
    empty = json.loads(run("diff", "new.yaml", "new.yaml", "--format", "json").output)
    jsonschema.validate(empty, schema)
    assert empty["empty"] is True


def test_diff_sql(project):
    out = run("diff", "old.yaml", "new.yaml", "--format", "sql").output
    assert "DROP TABLE IF EXISTS public.legacy;" in out
    assert "SD00" not in out  # SQL output stays pure SQL


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd,
                   check=True, capture_output=True)


def test_diff_against_a_git_revision(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    git(tmp_path, "init", "-q")
    (tmp_path / "schema.yaml").write_text(OLD)
    git(tmp_path, "add", "schema.yaml")
    git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "schema.yaml").write_text(NEW)
    from_git = run("diff", "git:HEAD:schema.yaml", "schema.yaml", "--format", "sql")
    assert from_git.exit_code == 0, from_git.output
    (tmp_path / "old.yaml").write_text(OLD)
    assert from_git.output == run("diff", "old.yaml", "schema.yaml", "--format", "sql").output
    missing = run("diff", "nowhere.yaml", "schema.yaml")
    assert missing.exit_code == 1 and "nowhere.yaml: file not found" in missing.output
    bad = run("diff", "git:no-such-ref:schema.yaml", "schema.yaml")
    assert bad.exit_code == 1 and "git show no-such-ref:schema.yaml failed" in bad.output
    assert "git:REF:PATH" in run("diff", "git:HEAD", "schema.yaml").output


def test_diff_honours_ignore_patterns(project):
    (project / "schemadiff.toml").write_text('ignore = ["legacy"]\n')
    out = run("diff", "old.yaml", "new.yaml").output
    assert "legacy" not in out and "drop column public.users.nickname" in out


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_ci_examples_review_and_deploy(name):
    import yaml

    path = Path(__file__).resolve().parents[1] / "examples" / "ci" / name
    text = path.read_text()
    yaml.safe_load(text)
    assert "schemadiff diff \"git:origin/" in text and "--format markdown" in text
    assert "schemadiff-review -->" in text  # one comment, found again by its marker
    assert "plan --out plan.json" in text and "schemadiff apply --plan plan.json" in text
    assert "STAGING_DATABASE_URL" in text
