"""The two faces — the CLI (schemadiff/cli/) and the seed's Python API (schemadiff/api.py) —
go through schemadiff.engine for every job. They may import the engine, the configuration,
errors, db (to describe a URL), server (the dev-server command) and the renderers, which are
presentation: plan.report (plan as text, JSON, Markdown), monitor.report (check as text and
JSON), monitor.prometheus, and
from plan.lint only its text/markdown renderers and its rule table RULES (listed by
`lint --format json`). Never the pipeline itself: deploy/, plan/ (otherwise), catalog/, diff/,
desired/, model/ or monitor/ (otherwise)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "schemadiff"
FACES = sorted((PACKAGE / "cli").rglob("*.py")) + [PACKAGE / "api.py"]
PIPELINE = ("deploy", "plan", "catalog", "diff", "desired", "model", "monitor")
ALLOWED_MODULES = {"plan.report", "monitor.report", "monitor.prometheus"}
ALLOWED_NAMES = {"plan.lint": {"text", "markdown", "RULES"}}


def imports(text: str, package: tuple):
    """(module, name) for every import in ``text``, a module of ``package``; relative imports
    are resolved, and ``name`` is None for ``import module``."""
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, *node.module.split("."))) if node.module else ".".join(base)
            for alias in node.names:
                yield module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None


def violation(module: str, name) -> bool:
    """Whether importing ``name`` from ``module`` reaches past the engine."""
    if not module.startswith("schemadiff"):
        return False
    inner = module.partition(".")[2]
    # ``from schemadiff import engine`` and ``from ..plan import report`` import modules.
    as_module = f"{inner}.{name}".lstrip(".") if name else inner
    if as_module.split(".")[0] not in PIPELINE:
        return False
    if as_module in ALLOWED_MODULES or inner in ALLOWED_MODULES:
        return False
    return name not in ALLOWED_NAMES.get(inner, set())


def package_of(path: Path) -> tuple:
    return path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]


@pytest.mark.parametrize("path", FACES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_face_reaches_the_pipeline_only_through_the_engine(path):
    found = imports(path.read_text(encoding="utf-8"), package_of(path))
    wrong = sorted(f"{module}: {name}" for module, name in found if violation(module, name))
    assert not wrong, f"{path.relative_to(PACKAGE)} imports past the engine: {'; '.join(wrong)}"


def test_the_rule_catches_relative_imports_of_the_pipeline_and_allows_the_engine():
    command = package_of(PACKAGE / "cli" / "commands" / "deploy.py")
    probe = ("from ...plan import PlanOptions\nfrom ... import engine\nfrom ...plan import report\n"
             "from ...plan.lint import text, lint\nfrom ...deploy.saved import save_plan\n")
    judged = {(m, n): violation(m, n) for m, n in imports(probe, command)}
    assert judged == {("schemadiff.plan", "PlanOptions"): True, ("schemadiff", "engine"): False,
                      ("schemadiff.plan", "report"): False, ("schemadiff.plan.lint", "text"): False,
                      ("schemadiff.plan.lint", "lint"): True, ("schemadiff.deploy.saved", "save_plan"): True}


def test_the_schema_file_readers_never_shadow_each_others_methods():
    """The loader is one class built from a reader per part of the file (tables, types,
    sequences, partitions, …): two parts defining a method of the same name would silently
    call one where the other was meant (it happened: table and index storage parameters)."""
    from schemadiff.desired import _Loader

    owners: dict = {}
    for cls in _Loader.__mro__:
        for name, value in vars(cls).items():
            if callable(value) and not name.startswith("__"):
                owners.setdefault(name, []).append(cls.__name__)
    assert {n: o for n, o in owners.items() if len(o) > 1} == {}


def test_commands_that_do_not_use_models_never_import_sqlalchemy(tmp_path):
    """``import sqlalchemy`` costs about 0.2 s: only a ``sqlalchemy:`` source or
    ``schemadiff models`` may pay it."""
    import subprocess
    import sys

    root = PACKAGE.parent
    probe = (
        "import sys\n"
        "from schemadiff.cli import cli\n"
        "for args in (['--help'], ['--schema', sys.argv[1], 'validate'], ['diff', sys.argv[1], sys.argv[1]],\n"
        "             ['--schema', sys.argv[1], 'lint']):\n"
        "    try:\n"
        "        cli(args, prog_name='schemadiff')\n"
        "    except SystemExit:\n"
        "        pass\n"
        "import schemadiff.api\n"
        "print('IMPORTED' if 'sqlalchemy' in sys.modules else 'CLEAN')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(root / "schema.yaml")], capture_output=True, text=True,
                          cwd=tmp_path, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert done.stdout.strip().splitlines()[-1] == "CLEAN", done.stdout + done.stderr


def _imported_after(args: list, cwd, env: dict) -> set:
    """The schemadiff modules (and psycopg) a CLI run of ``args`` imported, in a fresh interpreter."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from schemadiff.cli import cli\n"
        "try:\n"
        "    cli(sys.argv[1:], prog_name='schemadiff')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', ' '.join(m for m in sys.modules if m.startswith(('schemadiff', 'psycopg'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": str(PACKAGE.parent), "PATH": "/usr/bin:/bin", **env})
    line = [x for x in done.stdout.splitlines() if x.startswith("MODULES")]
    assert line, done.stdout + done.stderr
    return set(line[-1].split()[1:])


# What start-up must not pay for: the planner, the plan and check renderers it does not print,
# deploying. `check` of a database that matches the file needs the catalog reader and (to
# compare) the differ, never the planner; `--help` needs click and nothing of the pipeline.
NOT_FOR_CHECK = ("schemadiff.plan", "schemadiff.deploy.apply", "schemadiff.deploy.datamigrations",
                 "schemadiff.engine.planning", "schemadiff.engine.applying", "schemadiff.engine.deploying",
                 "schemadiff.engine.adopting", "schemadiff.engine.reviewing", "schemadiff.catalog.canonicalize_functions")


def test_help_imports_nothing_of_the_pipeline(tmp_path):
    found = _imported_after(["--help"], tmp_path, {})
    heavy = sorted(m for m in found if m.split(".")[0] == "psycopg"
                   or m.split(".")[1:2] and m.split(".")[1] in (*PIPELINE, "engine"))
    assert heavy == [], f"--help imported {heavy}"


def test_validate_reads_the_file_without_the_differ_or_the_planner(tmp_path):
    found = _imported_after(["--schema", str(PACKAGE.parent / "schema.yaml"), "validate"], tmp_path, {})
    assert "schemadiff.desired" in found
    wrong = sorted(m for m in found if m.startswith(("schemadiff.diff", "schemadiff.plan", "psycopg")))
    assert wrong == [], f"validate imported {wrong}"


def test_check_of_a_matching_database_never_imports_the_planner(database_url, tmp_path):
    import shutil

    from tests.core_helpers import run_cli

    shutil.copy(PACKAGE.parent / "schema.yaml", tmp_path / "schema.yaml")
    assert run_cli("apply", cwd=tmp_path, url=database_url).returncode == 0
    found = _imported_after(["check"], tmp_path, {"DATABASE_URL": database_url})
    assert "schemadiff.catalog.inspect" in found  # the probe did run the check
    wrong = sorted(m for m in found if m.startswith(NOT_FOR_CHECK))
    assert wrong == [], f"check imported {wrong}"


# The differs of kinds the seven-table file and its database have none of: never imported.
KIND_DIFFERS = ("schemadiff.diff.user_types", "schemadiff.diff.text_search", "schemadiff.diff.views",
                "schemadiff.diff.functions", "schemadiff.diff.aggregates", "schemadiff.diff.triggers",
                "schemadiff.diff.security", "schemadiff.diff.dependents")


def test_check_imports_only_the_differs_of_kinds_either_side_holds(database_url, tmp_path):
    import shutil

    from tests.core_helpers import run_cli

    shutil.copy(PACKAGE.parent / "schema.yaml", tmp_path / "schema.yaml")
    assert run_cli("apply", cwd=tmp_path, url=database_url).returncode == 0
    found = _imported_after(["check"], tmp_path, {"DATABASE_URL": database_url})
    assert "schemadiff.diff.tables" in found  # the probe did diff
    wrong = sorted(m for m in found if m.startswith(KIND_DIFFERS))
    assert wrong == [], f"check imported {wrong}"
