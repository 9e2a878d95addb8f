"""Lint rules SD001–SD009: each fires, each can be silenced in schema.yaml, severities are
configurable, and `schemadiff lint` exits 1 only on error-severity findings. No database.
SD010–SD017 and data loss of every kind: test_lint_rules.py; the JSON `lint` key: test_lint_json.py."""

from __future__ import annotations

import json

import pytest
from conftest import run_in_process

from schemadiff.desired import loads
from schemadiff.diff import diff
from schemadiff.errors import SchemaFileError
from schemadiff.plan.lint import RULES, ignores_from_source, lint

BASE = """\
tables:
  users:
    columns:
      id: bigserial
      email: varchar(255)
      nickname: text
      age: integer
    primary_key: id
  orders:
    columns:
      id: bigserial
      user_id: bigint
    primary_key: id
  legacy:
    columns:
      id: {type: integer, nullable: false}
    primary_key: id
"""

CHANGED = """\
tables:
  users:
    columns:
      id: bigserial
      email: varchar(100)
      age: bigint
      status: {type: text, nullable: false}
    primary_key: id
  orders:
    columns:
      id: bigserial
      user_id: bigint
    primary_key: id
    indexes:
      - columns: [user_id]
"""

SMELLS = """\
tables:
  users:
    columns:
      id: bigserial
    primary_key: id
  payments:
    columns:
      id: bigserial
      user_id: bigint
      amount: double precision
      fee_total: real
      ratio: double precision
    primary_key: id
    foreign_keys:
      - columns: [user_id]
        references: users(id)
  events:
    columns:
      payload: jsonb
"""


def rules_of(report, active_only=True):
    findings = report.active if active_only else report.findings
    return {(f.rule, f.where) for f in findings}


def change_report(old=BASE, new=CHANGED, online=True, **kwargs):
    desired = loads(new)
    return lint(desired, diff(loads(old), desired), online=online, **kwargs)


def test_change_rules_fire():
    found = rules_of(change_report(online=False))
    assert ("SD001", "public.users.status") in found
    assert ("SD002", "public.users.nickname") in found
    assert ("SD003", "public.legacy") in found
    assert ("SD004", "public.users.age") in found
    assert ("SD005", "public.orders.orders_user_id_idx") in found
    assert ("SD007", "public.users.email") in found


def test_online_plans_build_indexes_concurrently():
    assert not any(rule == "SD005" for rule, _ in rules_of(change_report(online=True)))


def test_widening_varchar_is_not_narrowing():
    found = rules_of(change_report(old=CHANGED, new=CHANGED.replace("varchar(100)", "varchar(300)")))
    assert not any(rule in ("SD007", "SD004") for rule, _ in found)


def test_file_rules_fire():
    found = rules_of(lint(loads(SMELLS)))
    assert ("SD006", "public.payments.payments_user_id_fkey") in found
    assert ("SD008", "public.payments.amount") in found
    assert ("SD008", "public.payments.fee_total") in found
    assert ("SD008", "public.payments.ratio") not in found
    assert ("SD009", "public.events") in found
    assert ("SD009", "public.users") not in found


def test_an_index_on_the_foreign_key_columns_satisfies_sd006():
    indexed = SMELLS.replace("        references: users(id)\n", "        references: users(id)\n    indexes:\n      - columns: [user_id, id]\n")
    assert not any(rule == "SD006" for rule, _ in rules_of(lint(loads(indexed))))
    trailing = SMELLS.replace("        references: users(id)\n", "        references: users(id)\n    indexes:\n      - columns: [id, user_id]\n")
    assert any(rule == "SD006" for rule, _ in rules_of(lint(loads(trailing))))


def test_every_rule_has_an_id_message_fix_and_severity():
    assert sorted(RULES) == [f"SD{i:03d}" for i in range(1, 18)]
    for rule in RULES.values():
        assert rule.title and rule.fix and rule.severity in ("error", "warning") and rule.scope in ("file", "change")


SILENCED_SMELLS = SMELLS.replace("""  events:
    columns:
      payload: jsonb
""", """  events:
    columns:
      payload: jsonb
    lint:
      ignore:
        - {rule: SD009, reason: "append-only log"}
""").replace("""    primary_key: id
    foreign_keys:""", """    primary_key: id
    lint:
      ignore:
        - {rule: SD006, reason: "payments are never deleted by user"}
        - {rule: SD008, object: amount, reason: "legacy column, migrating"}
    foreign_keys:""")


def test_file_rules_silenced_per_object_with_a_reason():
    report = lint(loads(SILENCED_SMELLS), ignores=ignores_from_source(SILENCED_SMELLS))
    active = rules_of(report)
    assert active == {("SD008", "public.payments.fee_total")}  # only `amount` was silenced for SD008
    silenced = {(f.rule, f.where): f.silenced for f in report.silenced}
    assert silenced[("SD009", "public.events")] == "append-only log"
    assert silenced[("SD008", "public.payments.amount")] == "legacy column, migrating"
    assert ("SD006", "public.payments.payments_user_id_fkey") in silenced


SILENCED_CHANGED = CHANGED.replace("""      status: {type: text, nullable: false}
    primary_key: id
""", """      status: {type: text, nullable: false}
    primary_key: id
    lint:
      ignore:
        - {rule: SD001, object: status, reason: "table is empty in every environment"}
        - {rule: SD002, reason: "nickname unused since v2"}
        - {rule: SD004, object: age, reason: "small table"}
        - {rule: SD007, object: email, reason: "checked max(length(email)) = 80"}
""").replace("""    indexes:
      - columns: [user_id]
""", """    indexes:
      - columns: [user_id]
    lint:
      ignore:
        - {rule: SD005, reason: "maintenance window"}
""")


def test_change_rules_silenced():
    report = change_report(new=SILENCED_CHANGED, online=False, ignores=ignores_from_source(SILENCED_CHANGED))
    # A dropped table is no longer in the file, so SD003 is silenced by severity, not per table.
    assert rules_of(report) == {("SD003", "public.legacy")}
    assert {f.rule for f in report.silenced} == {"SD001", "SD002", "SD004", "SD005", "SD007"}
    off = change_report(new=SILENCED_CHANGED, online=False, ignores=ignores_from_source(SILENCED_CHANGED),
                        severities={"SD003": "off"})
    assert not off.active


def test_silencing_needs_a_known_rule_and_a_reason():
    bad = SMELLS.replace("      payload: jsonb\n", "      payload: jsonb\n    lint:\n      ignore:\n        - {rule: SD009}\n        - {rule: SD999, reason: x}\n")
    with pytest.raises(SchemaFileError) as info:
        ignores_from_source(bad, "schema.yaml")
    text = str(info.value)
    assert "schema.yaml:22: silencing SD009 needs a reason" in text
    assert "unknown lint rule 'SD999'" in text


def test_severities_are_configurable():
    report = lint(loads(SMELLS), severities={"SD009": "error", "SD008": "off", "SD006": "warning"})
    assert {f.rule for f in report.errors} == {"SD009"}
    assert not any(f.rule == "SD008" for f in report.active)


# -- the command ---------------------------------------------------------------------------

@pytest.fixture
def project(cli_project):
    return cli_project


run = run_in_process


def test_lint_command_exit_codes(project):
    (project / "schema.yaml").write_text(SMELLS)
    result = run("lint")
    assert result.exit_code == 1  # SD008 is an error by default
    assert "error: SD008 public.payments.amount" in result.output
    assert "fix: use numeric(p, s)" in result.output
    (project / "schemadiff.toml").write_text('[lint]\nSD008 = "warning"\n')
    relaxed = run("lint")
    assert relaxed.exit_code == 0 and "warning: SD008" in relaxed.output
    (project / "schema.yaml").write_text(SILENCED_SMELLS)
    (project / "schemadiff.toml").write_text('[lint]\nSD008 = "error"\n')
    still = run("lint")
    assert still.exit_code == 1 and "error: SD008 public.payments.fee_total" in still.output
    assert "silenced: SD008 public.payments.amount: legacy column, migrating" in still.output


def test_lint_against_a_file_runs_change_rules(project):
    (project / "old.yaml").write_text(BASE)
    (project / "schema.yaml").write_text(CHANGED)
    assert run("lint").exit_code == 0  # file rules only: nothing wrong with CHANGED itself
    result = run("lint", "--against", "old.yaml", "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["changes_checked"] is True
    assert {f["rule"] for f in payload["findings"]} >= {"SD001", "SD002", "SD003", "SD004", "SD007"}
    assert "SD005" in {f["rule"] for f in json.loads(run("lint", "--against", "old.yaml", "--offline", "--format", "json").output)["findings"]}


def test_project_schema_is_lint_clean():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    text = (root / "schema.yaml").read_text()
    assert not lint(loads(text), ignores=ignores_from_source(text)).errors
