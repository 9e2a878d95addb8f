"""Lint rules for review: data loss of every kind is an error until acknowledged in the file
(SD002, SD003, SD014, SD017), and the rules teams rely on in Squawk and Atlas (renames,
volatile defaults, offline SET NOT NULL, unique constraints, integer keys, child foreign keys
without ON DELETE). No database."""

from __future__ import annotations

import pytest

from schemadiff.desired import loads
from schemadiff.diff import diff
from schemadiff.errors import SchemaFileError
from schemadiff.plan import DESTRUCTIVE, hazards_of
from schemadiff.plan.lint import RULES, ignores_from_source, lint


def findings(old: str, new: str, online: bool = True, **kwargs):
    desired = loads(new)
    return lint(desired, diff(loads(old), desired), online=online, **kwargs)


def active(report) -> dict:
    """(rule, where) → severity of every active finding."""
    return {(f.rule, f.where): f.severity for f in report.active}


def fired(report, rule: str) -> list:
    return [f for f in report.active if f.rule == rule]


USERS = """\
tables:
  users:
    columns:
      id: bigserial
      email: text
      nickname: text
    primary_key: id
  legacy:
    columns:
      id: bigserial
    primary_key: id
"""

WITHOUT_NICKNAME_AND_LEGACY = """\
tables:
  users:
    columns:
      id: bigserial
      email: text
    primary_key: id
"""


# -- data loss fails review until acknowledged -----------------------------------------------

def test_dropping_a_column_or_a_table_is_an_error_by_default():
    found = active(findings(USERS, WITHOUT_NICKNAME_AND_LEGACY))
    assert found[("SD002", "public.users.nickname")] == "error"
    assert found[("SD003", "public.legacy")] == "error"


def test_destructive_severities_stay_configurable():
    report = findings(USERS, WITHOUT_NICKNAME_AND_LEGACY, severities={"SD002": "warning", "SD003": "off"})
    assert active(report) == {("SD002", "public.users.nickname"): "warning"}


ACKNOWLEDGED = WITHOUT_NICKNAME_AND_LEGACY + """\
lint:
  ignore:
    - {rule: SD003, object: legacy, reason: "replaced by users in v3; backed up to s3://backups/legacy"}
"""


def test_a_dropped_table_is_acknowledged_at_the_top_of_the_file_with_a_reason():
    report = findings(USERS, ACKNOWLEDGED, ignores=ignores_from_source(ACKNOWLEDGED))
    assert ("SD003", "public.legacy") not in active(report)
    assert {(f.rule, f.where): f.silenced for f in report.silenced} == {
        ("SD003", "public.legacy"): "replaced by users in v3; backed up to s3://backups/legacy"}
    assert ("SD002", "public.users.nickname") in active(report)  # one acknowledgement, one object


def test_the_schema_file_loads_with_a_top_level_lint_key():
    assert [t.name for t in loads(ACKNOWLEDGED).tables] == ["users"]


def test_the_editor_schema_accepts_the_top_level_lint_key_and_wants_its_object():
    import json
    from importlib import resources

    import jsonschema
    import yaml

    schema = json.loads(resources.files("schemadiff").joinpath("schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid(yaml.safe_load(ACKNOWLEDGED))
    assert not validator.is_valid(yaml.safe_load(ACKNOWLEDGED.replace("object: legacy, ", "")))


def test_a_top_level_ignore_must_name_its_object():
    with pytest.raises(SchemaFileError) as info:
        ignores_from_source(WITHOUT_NICKNAME_AND_LEGACY + "lint:\n  ignore:\n    - {rule: SD003, reason: gone}\n",
                            "schema.yaml")
    assert "schema.yaml:9: a top-level ignore entry names its object" in str(info.value)


DESTRUCTIVE_CHANGES = {
    "sequence dropped": ("sequences:\n  ids: {start: 10}\ntables: {}\n", "tables: {}\n", "public.ids"),
    "extension dropped": ("extensions: [pgcrypto]\ntables: {}\n", "extensions: []\ntables: {}\n", "pgcrypto"),
    "domain dropped": ("domains:\n  year: {type: integer}\ntables: {}\n", "tables: {}\n", "public.year"),
    "domain rebuilt on a new base type": ("domains:\n  year: {type: integer}\ntables: {}\n",
                                          "domains:\n  year: {type: bigint}\ntables: {}\n", "public.year"),
    "range type dropped": ("range_types:\n  span: {subtype: numeric}\ntables: {}\n", "tables: {}\n", "public.span"),
    "enum dropped": ("enums:\n  mood: [sad, ok]\ntables: {}\n", "tables: {}\n", "public.mood"),
    "composite attribute dropped": ("composite_types:\n  addr:\n    attributes: {line1: text, zip: text}\ntables: {}\n",
                                    "composite_types:\n  addr:\n    attributes: {line1: text}\ntables: {}\n", "public.addr"),
    "partition dropped": (
        "tables:\n  events:\n    columns: {id: bigint, at: date}\n    partition_by: range (at)\n    partitions:\n"
        "      events_1: {from: \"'2024-01-01'\", to: \"'2024-02-01'\"}\n      events_2: {from: \"'2024-02-01'\", to: \"'2024-03-01'\"}\n",
        "tables:\n  events:\n    columns: {id: bigint, at: date}\n    partition_by: range (at)\n    partitions:\n"
        "      events_1: {from: \"'2024-01-01'\", to: \"'2024-02-01'\"}\n", "public.events.events_2"),
    "integer narrowed": ("tables:\n  t:\n    columns: {n: bigint}\n", "tables:\n  t:\n    columns: {n: integer}\n", "public.t.n"),
    "column becomes generated": ("tables:\n  t:\n    columns: {a: int, b: int}\n",
                                 "tables:\n  t:\n    columns: {a: int, b: {type: int, generated: a * 2}}\n", "public.t.b"),
}


@pytest.mark.parametrize("case", sorted(DESTRUCTIVE_CHANGES))
def test_data_loss_of_every_kind_is_an_error(case):
    old, new, where = DESTRUCTIVE_CHANGES[case]
    report = findings(old, new)
    assert ("SD017", where) in active(report), active(report)
    assert active(report)[("SD017", where)] == "error"
    finding = next(f for f in fired(report, "SD017") if f.where == where)
    assert finding.fix and "drop" in finding.message.lower() or "narrow" in finding.message or "convert" in finding.message


@pytest.mark.parametrize("case", sorted(DESTRUCTIVE_CHANGES) + ["table and column", "enum label"])
def test_every_change_with_a_destructive_hazard_meets_an_error_rule(case):
    old, new, _ = DESTRUCTIVE_CHANGES.get(case) or {
        "table and column": (USERS, WITHOUT_NICKNAME_AND_LEGACY, ""),
        "enum label": ("enums:\n  mood: [sad, ok]\ntables: {}\n", "enums:\n  mood: [sad]\ntables: {}\n", ""),
    }[case]
    changes = diff(loads(old), loads(new))
    losing = [c for c in changes if any(h.kind == DESTRUCTIVE for h in hazards_of(c))]
    assert losing
    report = lint(loads(new), changes)
    assert len(report.errors) >= len(losing)


def test_a_drop_acknowledged_at_the_top_of_the_file_stays_silenced_for_other_kinds():
    old, new, _ = DESTRUCTIVE_CHANGES["sequence dropped"]
    text = new + "lint:\n  ignore:\n    - {rule: SD017, object: ids, reason: numbering moved to identity columns}\n"
    assert not findings(old, text, ignores=ignores_from_source(text)).errors


def test_a_drop_with_a_specific_rule_is_not_reported_twice():
    report = findings(USERS, WITHOUT_NICKNAME_AND_LEGACY)
    assert not fired(report, "SD017")


def test_removing_an_enum_label_is_an_error():
    report = findings("enums:\n  mood: [sad, ok, happy]\ntables: {}\n", "enums:\n  mood: [sad, happy]\ntables: {}\n")
    assert active(report) == {("SD014", "public.mood"): "error"}
    assert "ok" in fired(report, "SD014")[0].message


def test_adding_an_enum_label_is_fine():
    assert not findings("enums:\n  mood: [sad]\ntables: {}\n", "enums:\n  mood: [sad, happy]\ntables: {}\n").active


# -- backward-incompatible and locking changes -----------------------------------------------

def test_renaming_a_column_warns_with_the_expand_contract_advice():
    new = USERS.replace("      nickname: text\n", "      handle: {type: text, renamed_from: nickname}\n")
    report = findings(USERS, new)
    assert active(report) == {("SD010", "public.users.handle"): "warning"}
    finding = fired(report, "SD010")[0]
    assert "nickname" in finding.message and "running code" in finding.message
    assert "expand" in finding.fix and "contract" in finding.fix


def test_renaming_a_table_warns():
    new = USERS.replace("  legacy:\n", "  archive:\n    renamed_from: legacy\n")
    assert active(findings(USERS, new)) == {("SD010", "public.archive"): "warning"}


def test_a_column_with_a_volatile_default_rewrites_the_table():
    new = USERS.replace("      nickname: text\n", "      nickname: text\n      token: {type: uuid, default: gen_random_uuid()}\n")
    assert active(findings(USERS, new)) == {("SD011", "public.users.token"): "warning"}


def test_a_column_filled_from_a_sequence_rewrites_the_table():
    new = USERS.replace("  legacy:\n    columns:\n      id: bigserial\n", "  legacy:\n    columns:\n      id: bigserial\n      seq_no: bigserial\n")
    assert active(findings(USERS, new)) == {("SD011", "public.legacy.seq_no"): "warning"}


def test_a_stable_default_does_not_rewrite():
    new = USERS.replace("      nickname: text\n", "      nickname: text\n      seen_at: {type: timestamptz, default: now()}\n")
    assert not fired(findings(USERS, new), "SD011")


SET_NOT_NULL = USERS.replace("      email: text\n", "      email: {type: text, nullable: false}\n")


def test_set_not_null_offline_scans_under_an_exclusive_lock():
    assert active(findings(USERS, SET_NOT_NULL, online=False)) == {("SD012", "public.users.email"): "warning"}


def test_set_not_null_online_takes_the_check_constraint_path():
    assert not fired(findings(USERS, SET_NOT_NULL, online=True), "SD012")


def test_a_unique_constraint_on_an_existing_table_builds_its_index_under_the_lock():
    new = USERS.replace("    primary_key: id\n  legacy:", "    primary_key: id\n    unique: [[email]]\n  legacy:")
    found = active(findings(USERS, new))
    assert found == {("SD013", "public.users.users_email_key"): "warning"}


def test_a_unique_index_is_built_concurrently_instead():
    new = USERS.replace("    primary_key: id\n  legacy:", "    primary_key: id\n    indexes:\n      - {columns: [email], unique: true}\n  legacy:")
    assert not findings(USERS, new).active


def test_a_unique_constraint_on_a_new_table_is_fine():
    new = USERS + "  tags:\n    columns: {id: bigserial, name: text}\n    primary_key: id\n    unique: [[name]]\n"
    assert not fired(findings(USERS, new), "SD013")


# -- new tables and keys ------------------------------------------------------------------

@pytest.mark.parametrize("column", ["serial", "{type: integer, identity: always}", "{type: smallint, identity: by default}"])
def test_a_new_table_with_a_sequence_fed_integer_key_will_run_out(column):
    new = USERS + f"  tags:\n    columns:\n      id: {column}\n    primary_key: id\n"
    assert active(findings(USERS, new)) == {("SD015", "public.tags.id"): "warning"}
    assert "bigint" in RULES["SD015"].fix


def test_bigint_keys_and_natural_integer_keys_are_fine():
    new = USERS + ("  tags:\n    columns: {id: bigserial}\n    primary_key: id\n"
                   "  years:\n    columns: {year: integer}\n    primary_key: year\n")
    assert not fired(findings(USERS, new), "SD015")


CHILD = """\
  orders:
    columns: {id: bigserial}
    primary_key: id
  order_items:
    columns: {id: bigserial, order_id: bigint}
    primary_key: id
    indexes:
      - columns: [order_id]
    foreign_keys:
      - {columns: [order_id], references: orders(id)ON_DELETE}
"""


def test_a_child_table_foreign_key_without_on_delete_warns():
    new = USERS + CHILD.replace("ON_DELETE", "")
    found = active(findings(USERS, new))
    assert found == {("SD016", "public.order_items.order_items_order_id_fkey"): "warning"}
    assert "cascade" in fired(findings(USERS, new), "SD016")[0].fix


@pytest.mark.parametrize("action", ["cascade", "restrict", "set null"])
def test_a_child_table_foreign_key_that_says_what_on_delete_does_is_fine(action):
    assert not fired(findings(USERS, USERS + CHILD.replace("ON_DELETE", f", on_delete: {action}")), "SD016")


def test_a_foreign_key_of_a_table_not_named_after_its_parent_is_fine():
    new = USERS + ("  payments:\n    columns: {id: bigserial, user_id: bigint}\n    primary_key: id\n"
                   "    indexes:\n      - columns: [user_id]\n    foreign_keys:\n      - {columns: [user_id], references: users(id)}\n")
    assert not fired(findings(USERS, new), "SD016")


def test_the_rule_set():
    assert sorted(RULES) == [f"SD{i:03d}" for i in range(1, 18)]
    destructive = {"SD002", "SD003", "SD007", "SD014", "SD017"}
    assert all(RULES[r].severity == "error" for r in destructive)


def test_a_drop_that_looks_like_a_rename_says_how_to_keep_the_data():
    new = USERS.replace("      nickname: text\n", "      handle: text\n")
    finding = fired(findings(USERS, new), "SD002")[0]
    assert "renamed_from: nickname" in finding.message
