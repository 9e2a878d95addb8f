"""`plan --format json` and `diff --format json` carry the lint findings under `lint`,
as plan.schema.json describes them."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
from conftest import run_in_process as run

OLD = """\
tables:
  users:
    columns:
      id: bigserial
      email: text
      nickname: text
    primary_key: id
"""

NEW = """\
tables:
  users:
    columns:
      id: bigserial
      email: text
    primary_key: id
  events:
    columns:
      payload: jsonb
"""


def plan_schema() -> dict:
    return json.loads(resources.files("schemadiff").joinpath("plan.schema.json").read_text())


@pytest.fixture
def project(cli_project):
    (cli_project / "old.yaml").write_text(OLD)
    (cli_project / "schema.yaml").write_text(NEW)
    return cli_project


def test_diff_json_carries_the_lint_findings(project):
    result = run("diff", "old.yaml", "schema.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    jsonschema.validate(payload, plan_schema())
    lint = payload["lint"]
    assert lint["errors"] == 1 and lint["warnings"] == 1 and lint["silenced"] == 0
    by_rule = {f["rule"]: f for f in lint["findings"]}
    assert by_rule["SD002"]["severity"] == "error" and by_rule["SD002"]["object"] == "nickname"
    assert by_rule["SD002"]["fix"]
    assert by_rule["SD009"]["table"] == "public.events"


def test_diff_json_lint_honours_silencing_and_severities(project):
    acknowledged = "    lint:\n      ignore:\n        - {rule: SD002, object: nickname, reason: unused since v2}\n  events:"
    (project / "schema.yaml").write_text(NEW.replace("  events:", acknowledged))
    (project / "schemadiff.toml").write_text('[lint]\nSD009 = "off"\n')
    lint = json.loads(run("diff", "old.yaml", "schema.yaml", "--format", "json").output)["lint"]
    assert (lint["errors"], lint["warnings"], lint["silenced"]) == (0, 0, 1)
    assert [f["silenced"] for f in lint["findings"] if f["rule"] == "SD002"] == ["unused since v2"]


def test_plan_json_carries_the_lint_findings(project, database_url, sql):
    sql("CREATE TABLE users (id bigserial PRIMARY KEY, email text, nickname text)")
    result = run("--database-url", database_url, "plan", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    jsonschema.validate(payload, plan_schema())
    assert {(f["rule"], f["severity"]) for f in payload["lint"]["findings"]} == {("SD002", "error"), ("SD009", "warning")}


def test_a_saved_plan_needs_no_lint_key():
    schema = plan_schema()
    assert "lint" in schema["properties"] and "lint" not in schema["required"]
    finding = schema["$defs"]["finding"]
    assert set(finding["required"]) == {"rule", "severity", "table", "object", "message", "fix", "silenced"}
