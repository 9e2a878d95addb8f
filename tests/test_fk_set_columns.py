"""``ON DELETE SET NULL (column, …)`` / ``SET DEFAULT (column, …)`` (PostgreSQL 15+): a foreign
key whose delete action sets only some of its columns, as a multi-tenant key sets the
referencing id but keeps the tenant. Read, written, compared and rendered; never lost."""

from __future__ import annotations

import pytest
import yaml

from core_helpers import apply_yaml, dedent, output, plan_yaml, run_cli
from schemadiff import desired
from schemadiff.diff import diff
from schemadiff.diff.changes import AddConstraint, DropConstraint
from schemadiff.errors import SchemaFileError
from schemadiff.model import QualifiedName
from schemadiff.plan import PlanOptions, build_plan

WIDGETS = """
    tables:
      dashboards: {columns: {id: int, tenant: int}, primary_key: [tenant, id]}
      widgets:
        columns: {id: int, tenant: {type: int, nullable: false}, "dashboardId": int}
        foreign_keys:
          - columns: [tenant, dashboardId]
            references: dashboards(tenant, id)
            on_delete: set null
            on_delete_columns: [dashboardId]
    """


def widgets_fk(text: str):
    return desired.loads(dedent(text)).table(QualifiedName("public", "widgets")).foreign_keys[0]


def problems(text: str) -> str:
    with pytest.raises(SchemaFileError) as raised:
        desired.loads(dedent(text))
    return str(raised.value)


def test_the_file_reads_the_columns_a_delete_action_sets():
    assert widgets_fk(WIDGETS).on_delete_columns == ("dashboardId",)


@pytest.mark.parametrize(("change", "message"), [
    (("on_delete: set null", "on_delete: cascade"), "on_delete_columns needs on_delete: set null or set default"),
    (("on_delete_columns: [dashboardId]", "on_delete_columns: [id]"),
     "on_delete_columns names 'id', which is not a column of the foreign key"),
])
def test_bad_delete_columns_are_refused_with_their_path(change, message):
    text = problems(WIDGETS.replace(*change))
    assert message in text and "tables.widgets.foreign_keys[0].on_delete_columns" in text


def test_the_delete_columns_are_rendered():
    sql = "\n".join(s.sql for s in build_plan(diff(desired.loads("tables: {}"), desired.loads(dedent(WIDGETS))),
                                              PlanOptions()).statements)
    assert 'REFERENCES public.dashboards (tenant, id) ON DELETE SET NULL ("dashboardId")' in sql


def test_changed_delete_columns_replace_the_foreign_key():
    everything = WIDGETS.replace("\n            on_delete_columns: [dashboardId]", "")
    changes = diff(desired.loads(dedent(WIDGETS)), desired.loads(dedent(everything)))
    assert sorted(type(c).__name__ for c in changes) == [AddConstraint.__name__, DropConstraint.__name__]


def test_inspect_writes_the_delete_columns_and_the_file_rebuilds_them(database_url, sql, tmp_path):
    sql('CREATE TABLE dashboards (tenant int, id int, PRIMARY KEY (tenant, id));'
        'CREATE TABLE widgets (id int, tenant int NOT NULL, "dashboardId" int,'
        ' FOREIGN KEY (tenant, "dashboardId") REFERENCES dashboards ON DELETE SET NULL ("dashboardId"))')
    (tmp_path / ".git").mkdir()
    assert run_cli("inspect", "--out", "schema.yaml", cwd=tmp_path, url=database_url).returncode == 0
    fk = yaml.safe_load((tmp_path / "schema.yaml").read_text())["tables"]["widgets"]["foreign_keys"][0]
    assert (fk["on_delete"], fk["on_delete_columns"]) == ("set null", ["dashboardId"])
    result = run_cli("plan", "--exit-code", cwd=tmp_path, url=database_url)
    assert result.returncode == 0, output(result)


def test_a_delete_sets_only_those_columns(database_url, sql):
    apply_yaml(database_url, dedent(WIDGETS))
    assert plan_yaml(database_url, dedent(WIDGETS)).empty
    sql('INSERT INTO dashboards (tenant, id) VALUES (1, 10); INSERT INTO widgets VALUES (100, 1, 10);'
        ' DELETE FROM dashboards')
    assert sql('SELECT tenant, "dashboardId" FROM widgets') == [(1, None)]
