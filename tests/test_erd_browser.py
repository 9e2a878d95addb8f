"""The Mermaid schemadiff writes is parsed by Mermaid itself (tests/browser_support.py), the
parser GitHub and GitLab render with: the seed tables, names and types Mermaid cannot take
bare, and the diagram in the Markdown of a plan. Skips, saying why, without a browser."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from schemadiff.model import View, sorted_catalog
from schemadiff.pictures.erd import erd_of, erd_of_change
from schemadiff.pictures.mermaid import mermaid
from browser_support import browser, mermaid_error, mermaid_page  # noqa: F401 (fixtures)
from tests.core_helpers import invoke
from tests.test_erd import SEED, changed_seed, hostile_catalog, seed


def mermaid_block(markdown: str) -> str:
    found = re.search(r"```mermaid\n(.*?)```", markdown, re.S)
    assert found, "no mermaid block"
    return found.group(1)


def test_the_seed_tables_parse(mermaid_page):
    assert mermaid_error(mermaid_page, mermaid(erd_of(seed(), all_columns=True))) is None


def test_names_types_and_comments_mermaid_cannot_take_bare_parse(mermaid_page):
    text = mermaid(erd_of(hostile_catalog(), all_columns=True))
    assert mermaid_error(mermaid_page, text) is None, text


def test_boxes_without_columns_parse(mermaid_page):
    view = View("public", "summary", "SELECT 1")
    text = mermaid(erd_of(sorted_catalog(seed().tables, views=[view])))
    assert 'public_summary["summary [view]"]\n' in text
    assert mermaid_error(mermaid_page, text) is None, text


def test_the_change_diagram_parses(mermaid_page):
    assert mermaid_error(mermaid_page, mermaid(erd_of_change(*changed_seed()))) is None


def test_the_checker_itself_rejects_broken_text(mermaid_page):
    assert mermaid_error(mermaid_page, 'erDiagram\n    a["x"] {\n        "numeric(1,2)" b\n    }\n') is not None


def test_diff_markdown_of_added_changed_and_removed_tables_holds_a_diagram_that_parses(cli_project, mermaid_page):
    import yaml

    doc = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    (cli_project / "old.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    tables = doc["tables"]
    del tables["settings"]
    tables["games"]["columns"]["note"] = "text"
    tables["wallets"] = {"columns": {"id": "bigserial", "user_id": "bigint", "balance": "numeric(20,8)"},
                         "primary_key": "id", "foreign_keys": [{"columns": ["user_id"], "references": "users(id)"}]}
    (cli_project / "new.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = invoke("diff", "old.yaml", "new.yaml", "--format", "markdown", cwd=cli_project)
    block = mermaid_block(result.stdout)
    assert '"wallets (added)"' in block and '"games (changed)"' in block and '"settings (removed)"' in block
    assert mermaid_error(mermaid_page, block) is None, block


def test_plan_markdown_against_a_database_holds_a_diagram_that_parses(cli_project, database_url, mermaid_page):
    shutil.copy(SEED, cli_project / "schema.yaml")
    assert invoke("apply", cwd=cli_project, url=database_url).returncode == 0
    text = (cli_project / "schema.yaml").read_text(encoding="utf-8")
    text = text.replace("  settings:\n", "  wallets:\n    columns:\n      id: bigserial\n      user_id: bigint\n"
                        "    primary_key: id\n    foreign_keys:\n      - columns: [user_id]\n"
                        "        references: users(id)\n\n  settings:\n")
    Path(cli_project / "schema.yaml").write_text(text, encoding="utf-8")
    result = invoke("plan", "--format", "markdown", cwd=cli_project, url=database_url)
    block = mermaid_block(result.stdout)
    assert '"wallets (added)"' in block and '"users"' in block and "(changed)" not in block
    assert mermaid_error(mermaid_page, block) is None, block
