"""`schemadiff erd` and the pictures package: the graph of a catalog (focus, depth, schema,
pattern, columns, size), its Mermaid, DOT and SVG renderings, and the diagram of a change.

The Mermaid and DOT of the seven seed tables are compared with tests/fixtures/erd/; after an
intended change, regenerate with ``SCHEMADIFF_UPDATE_GOLDEN=1 .venv/bin/python -m pytest
tests/test_erd.py`` and review the files' diff. Mermaid's own parser checks the text in
tests/test_erd_browser.py.
"""

from __future__ import annotations

import os
import shutil
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from schemadiff import desired
from schemadiff.desired import load_with_source
from schemadiff.model import Column, ForeignKey, PrimaryKey, QualifiedName, Table, UniqueConstraint, sorted_catalog
from schemadiff.pictures.dot import dot
from schemadiff.pictures.erd import UnknownTable, erd_of, erd_of_change, short_type
from schemadiff.pictures.mermaid import mermaid
from schemadiff.pictures.svg import GraphvizMissing, svg
from tests.core_helpers import invoke

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "erd"
SEED = ROOT / "schema.yaml"


def seed():
    return load_with_source(str(SEED))[0]


def q(name: str, schema: str = "public") -> QualifiedName:
    return QualifiedName(schema, name)


def names(erd) -> list[str]:
    return [str(t.name) for t in erd.tables]


def chain(*links: tuple[str, str], schema: str = "public") -> list[Table]:
    """Tables with an id primary key; each (child, parent) pair a foreign key child.parent_id."""
    tables = {n for pair in links for n in pair}
    fks = {n: tuple(ForeignKey(f"{n}_{p}_fkey", (f"{p}_id",), q(p, schema), ("id",)) for c, p in links if c == n)
           for n in tables}
    return [Table(schema, n, columns=(Column("id", "bigint", False), *(Column(f.columns[0], "bigint") for f in fks[n])),
                  primary_key=PrimaryKey(f"{n}_pkey", ("id",)), foreign_keys=fks[n]) for n in sorted(tables)]


HOSTILE = Table(
    "my schema", 'we"ird %name\\x',
    columns=(Column("pk", "numeric(10,2)", False, comment='says "hi"\non two lines'),
             Column("my col", "timestamp(3) with time zone"), Column("1st", "character varying(255)[]"),
             Column("end", '"My Type"'), Column("one", "u"), Column("to", "many"), Column("style", "class"),
             Column("ünïcode", "double precision")),
    primary_key=PrimaryKey("p", ("pk",)))
KEYWORD_NAMED = Table("public", "end", columns=(Column("id", "integer", False), Column("ref", "numeric(10,2)")),
                      primary_key=PrimaryKey("end_pkey", ("id",)), comment="a comment %% with {braces}",
                      foreign_keys=(ForeignKey('fk "x"', ("ref",), HOSTILE.qualified, ("pk",)),))
ONE_TO_ONE = Table("one", "many", columns=(Column("id", "integer", False),), uniques=(UniqueConstraint("u", ("id",)),),
                   foreign_keys=(ForeignKey("f", ("id",), KEYWORD_NAMED.qualified, ("id",)),))




def hostile_catalog():
    """Names, types and comments Mermaid, DOT and HTML cannot take bare, and a view."""
    from schemadiff.model import View

    view = View("my schema", "a view", "SELECT 1", columns=(("?column?", "integer"),), comment='<b>"view"</b> & co')
    return sorted_catalog([HOSTILE, KEYWORD_NAMED, ONE_TO_ONE], views=[view])


def assert_golden(name: str, text: str) -> None:
    path = FIXTURES / name
    if os.environ.get("SCHEMADIFF_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs (SCHEMADIFF_UPDATE_GOLDEN=1 regenerates it)"


@pytest.fixture
def seed_project(cli_project):
    shutil.copy(SEED, cli_project / "schema.yaml")
    return cli_project


# The golden pictures of the seven seed tables.

def test_mermaid_of_the_seed_tables_matches_the_golden_file():
    assert_golden("seed.mmd", mermaid(erd_of(seed(), all_columns=True)))


def test_dot_of_the_seed_tables_matches_the_golden_file():
    assert_golden("seed.dot", dot(erd_of(seed(), all_columns=True)))


def test_the_erd_command_writes_the_golden_mermaid_by_default(seed_project):
    result = invoke("erd", "--columns", "all", cwd=seed_project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (FIXTURES / "seed.mmd").read_text(encoding="utf-8")


# The graph.

def test_every_table_is_drawn_with_its_foreign_keys_by_default():
    drawn = erd_of(seed())
    assert len(drawn.tables) == 7 and drawn.hidden == 0
    assert {(str(link.child), str(link.parent)) for link in drawn.links} == {
        (f"public.{t}", "public.users") for t in ("games", "transactions", "notifications", "audit_logs", "outbox")}


def test_key_columns_only_unless_all_columns_are_asked_for():
    users = next(t for t in erd_of(seed()).tables if t.name == q("users"))
    assert [(c.name, c.keys) for c in users.columns] == [("id", ("PK",)), ("telegram_id", ("UK",))]
    every = next(t for t in erd_of(seed(), all_columns=True).tables if t.name == q("users"))
    assert len(every.columns) == 11


def test_a_nullable_foreign_key_is_optional_and_a_unique_one_is_one_to_one():
    wallets = Table("public", "wallets", columns=(Column("id", "bigint", False), Column("user_id", "bigint", False)),
                    primary_key=PrimaryKey("wallets_pkey", ("id",)), uniques=(UniqueConstraint("u", ("user_id",)),),
                    foreign_keys=(ForeignKey("wallets_user_id_fkey", ("user_id",), q("users"), ("id",)),))
    drawn = erd_of(sorted_catalog([*seed().tables, wallets]))
    link = {link.name: link for link in drawn.links}
    assert (link["audit_logs_user_id_fkey"].optional, link["games_user_id_fkey"].optional) == (True, False)
    assert (link["wallets_user_id_fkey"].unique, link["games_user_id_fkey"].unique) == (True, False)


def test_focus_draws_the_table_and_its_neighbours_both_ways_to_the_depth():
    catalog = sorted_catalog(chain(("b", "a"), ("c", "b"), ("d", "c"), ("x", "c")))
    assert names(erd_of(catalog, tables=["c"], depth=1)) == ["public.b", "public.c", "public.d", "public.x"]
    assert names(erd_of(catalog, tables=["c"], depth=2)) == ["public.a", "public.b", "public.c", "public.d", "public.x"]
    assert names(erd_of(catalog, tables=["c"], depth=0)) == ["public.c"]


def test_several_focus_tables_draw_their_neighbourhoods_together():
    catalog = sorted_catalog(chain(("b", "a"), ("c", "b"), ("d", "c"), ("e", "d")))
    assert names(erd_of(catalog, tables=["a", "e"], depth=1)) == ["public.a", "public.b", "public.d", "public.e"]


def test_focus_counts_what_it_leaves_out():
    assert erd_of(seed(), tables=["settings"]).hidden == 6


def test_a_pattern_matches_table_names_as_a_glob():
    assert names(erd_of(seed(), pattern="*_*")) == ["public.audit_logs"]
    assert names(erd_of(seed(), pattern="public.[nu]*")) == ["public.notifications", "public.users"]


def test_a_schema_filter_keeps_that_schema_only():
    catalog = sorted_catalog([*chain(("b", "a")), *chain(("y", "x"), schema="billing")])
    drawn = erd_of(catalog, schemas=["billing"])
    assert names(drawn) == ["billing.x", "billing.y"] and drawn.hidden == 2


def test_a_schema_qualified_focus_name_picks_that_schema():
    catalog = sorted_catalog([*chain(("b", "a")), *chain(("b", "a"), schema="billing")])
    assert names(erd_of(catalog, tables=["billing.a"])) == ["billing.a", "billing.b"]


def test_an_unknown_focus_table_is_an_error_naming_it_with_a_suggestion():
    with pytest.raises(UnknownTable, match=r"'user'.*Did you mean users"):
        erd_of(seed(), tables=["user"])


def test_past_the_cap_the_most_connected_tables_are_kept_and_the_rest_counted():
    catalog = sorted_catalog(chain(("b", "hub"), ("c", "hub"), ("d", "hub"), ("e", "lonely")))
    drawn = erd_of(catalog, max_tables=2)
    assert names(drawn) == ["public.b", "public.hub"] and drawn.hidden == 4


def test_views_are_boxes_without_links():
    from schemadiff.model import View

    view = View("public", "rich_users", "SELECT id FROM users", columns=(("id", "bigint"),))
    drawn = erd_of(sorted_catalog(seed().tables, views=[view]), all_columns=True)
    box = next(t for t in drawn.tables if t.name == q("rich_users"))
    assert box.kind == "view" and [c.name for c in box.columns] == ["id"]
    assert all(q("rich_users") not in (link.child, link.parent) for link in drawn.links)


# The diagram of a change.

def changed_seed():
    base = seed()
    games = base.table(q("games"))
    games = games.replace(columns=(*games.columns, Column("note", "text")))
    wallets = Table("public", "wallets", columns=(Column("id", "bigint", False), Column("user_id", "bigint")),
                    primary_key=PrimaryKey("wallets_pkey", ("id",)),
                    foreign_keys=(ForeignKey("wallets_user_id_fkey", ("user_id",), q("users"), ("id",)),))
    kept = [t for t in base.tables if t.name not in ("games", "settings")]
    return base, sorted_catalog([*kept, games, wallets])


def test_a_change_marks_added_changed_and_removed_tables_with_their_neighbours():
    old, new = changed_seed()
    drawn = erd_of_change(old, new)
    assert {str(t.name): t.state for t in drawn.tables} == {
        "public.games": "changed", "public.settings": "removed", "public.users": "same", "public.wallets": "added"}
    assert {link.name: link.state for link in drawn.links} == {
        "games_user_id_fkey": "same", "wallets_user_id_fkey": "added"}


def test_a_changed_table_shows_its_keys_and_the_columns_that_changed():
    old, new = changed_seed()
    games = next(t for t in erd_of_change(old, new).tables if t.name == q("games"))
    assert [c.name for c in games.columns] == ["id", "user_id", "note"]


def test_an_unchanged_neighbour_shows_its_key_columns_only():
    users = next(t for t in erd_of_change(*changed_seed()).tables if t.name == q("users"))
    assert [c.name for c in users.columns] == ["id", "telegram_id"]


def test_a_removed_foreign_key_is_drawn_as_removed():
    old = seed()
    games = old.table(q("games")).replace(foreign_keys=())
    new = sorted_catalog([games if t.name == "games" else t for t in old.tables])
    assert [(link.name, link.state) for link in erd_of_change(old, new).links] == [("games_user_id_fkey", "removed")]


def test_past_the_size_a_change_collapses_to_the_changed_tables():
    old, new = changed_seed()
    drawn = erd_of_change(old, new, max_tables=3)
    assert names(drawn) == ["public.games", "public.settings", "public.wallets"] and drawn.hidden == 1


def test_no_change_of_any_table_draws_nothing():
    assert erd_of_change(seed(), seed()) is None


def test_a_plans_named_tables_decide_what_changed():
    old, new = changed_seed()
    drawn = erd_of_change(old, new, touched={q("wallets")})
    assert {str(t.name): t.state for t in drawn.tables} == {"public.users": "same", "public.wallets": "added"}


# Mermaid and DOT details (the parser itself runs in test_erd_browser.py).

def test_mermaid_aliases_qualified_names_and_keeps_types_with_commas():
    text = mermaid(erd_of(sorted_catalog(chain(("y", "x"), schema="billing")), all_columns=True))
    assert 'billing_x["billing.x"]' in text
    assert "numeric(20,8) bet_amount" in mermaid(erd_of(seed(), all_columns=True))


def test_mermaid_marks_states_in_names_and_labels():
    text = mermaid(erd_of_change(*changed_seed()))
    assert '"wallets (added)"' in text and '"settings (removed)"' in text and '"wallets_user_id_fkey (added)"' in text


def test_dot_colours_states_and_draws_crows_feet():
    text = dot(erd_of_change(*changed_seed()))
    assert 'color="#1a7f37"' in text and 'color="#cf222e"' in text
    assert "arrowtail=crowodot" in text


def test_dot_lays_out_in_the_direction_asked():
    assert "rankdir=TB" in dot(erd_of(seed()), rankdir="TB")


# SVG through Graphviz.

needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")


@needs_graphviz
def test_svg_of_the_seed_tables_is_well_formed_xml_with_every_table():
    root = ElementTree.fromstring(svg(erd_of(seed(), all_columns=True)))
    assert root.tag.endswith("svg")
    texts = {e.text for e in root.iter() if e.text}
    assert {"users", "games", "settings", "numeric(20,8)"} <= texts


@needs_graphviz
def test_svg_of_hostile_names_is_well_formed_xml_naming_them():
    root = ElementTree.fromstring(svg(erd_of(hostile_catalog(), all_columns=True)))
    texts = {e.text for e in root.iter() if e.text}
    assert {'my schema.we"ird %name\\x', "timestamp(3) with time zone", '"My Type"'} <= texts


def test_svg_without_graphviz_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizMissing, match="Install it"):
        svg(erd_of(seed()))


# The command.

@needs_graphviz
def test_the_erd_command_writes_svg_to_a_file(seed_project):
    result = invoke("erd", "--format", "svg", "--out", "erd.svg", cwd=seed_project)
    assert result.returncode == 0, result.stderr
    ElementTree.parse(seed_project / "erd.svg")
    assert "wrote erd.svg: 7 tables, 5 foreign keys" in result.stderr


def test_the_erd_command_focuses_and_says_what_it_left_out(seed_project):
    result = invoke("erd", "--table", "games", "--format", "dot", cwd=seed_project)
    assert result.returncode == 0, result.stderr
    assert "<b>games</b>" in result.stdout and "<b>users</b>" in result.stdout and "<b>outbox</b>" not in result.stdout
    assert "showing 2 of 7 tables and views" in result.stderr


def test_the_erd_command_refuses_an_unknown_table_with_exit_1_and_no_traceback(seed_project):
    result = invoke("erd", "--table", "nope", cwd=seed_project)
    assert result.returncode == 1
    assert "no table or view named 'nope'" in result.stderr and "Traceback" not in result.stderr


def test_the_erd_command_without_graphviz_fails_with_exit_1(seed_project, monkeypatch):
    monkeypatch.setenv("PATH", str(seed_project))
    result = invoke("erd", "--format", "svg", cwd=seed_project)
    assert result.returncode == 1 and "Graphviz" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def thousand_tables(tmp_path_factory):
    out = tmp_path_factory.mktemp("thousand")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    generate.write(1000, out)
    (out / ".git").mkdir()
    return out


@pytest.mark.parametrize("fmt", ["mermaid", "dot", "svg"])
def test_a_thousand_tables_draw_the_most_connected_hundred_and_say_how_to_focus(thousand_tables, fmt):
    if fmt == "svg" and shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    result = invoke("erd", "--format", fmt, cwd=thousand_tables)
    assert result.returncode == 0, result.stderr
    assert "showing 100 of 1036 tables and views" in result.stderr and "--table NAME" in result.stderr
    assert len(result.stdout) < 600_000


def test_a_thousand_tables_draw_whole_when_asked(thousand_tables):
    result = invoke("erd", "--format", "dot", "--max-tables", "0", cwd=thousand_tables)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("[label=<") == 1036 and "showing" not in result.stderr


def test_a_diff_that_changes_no_table_has_no_diagram(cli_project):
    (cli_project / "old.yaml").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (cli_project / "new.yaml").write_text(SEED.read_text(encoding="utf-8") + "\nenums:\n  mood: [happy, sad]\n",
                                          encoding="utf-8")
    result = invoke("diff", "old.yaml", "new.yaml", "--format", "markdown", cwd=cli_project)
    assert "create enum" in result.stdout.lower() and "```mermaid" not in result.stdout


# The live database.

def test_the_erd_of_a_live_database_equals_the_erd_of_its_file_after_apply(seed_project, database_url):
    assert invoke("apply", cwd=seed_project, url=database_url).returncode == 0
    from_file = invoke("erd", "--columns", "all", cwd=seed_project, url=database_url)
    live = invoke("erd", "--columns", "all", "--from-database", cwd=seed_project, url=database_url)
    assert live.returncode == 0, live.stderr
    assert live.stdout == from_file.stdout


def test_diagrams_spell_long_sql_type_names_short():
    assert [short_type(t) for t in ("character varying(255)", "timestamp with time zone[]", "character(3)", "text")] \
        == ["varchar(255)", "timestamptz[]", "char(3)", "text"]


def test_past_the_cap_the_tables_drawn_hang_together_with_their_links():
    """A chain of tables (each referencing the one before) has every table equally connected:
    the diagram must still be a piece of the chain with its links, not scattered boxes."""
    def name(i):  # the chain's order is not the names' order
        return f"t{i * 17 % 40:02d}"

    lines = ["tables:"]
    for i in range(40):
        lines.append(f"  {name(i)}:\n    columns: {{id: {{type: int, nullable: false}}, prev: int}}\n    primary_key: id")
        if i:
            lines.append(f"    foreign_keys: [{{columns: [prev], references: {name(i - 1)}(id)}}]")
    drawn = erd_of(desired.loads("\n".join(lines) + "\n"), max_tables=10)
    assert len(drawn.tables) == 10 and len(drawn.links) == 9


def test_past_the_cap_every_focus_table_is_kept():
    lines = ["tables:"]
    for i in range(30):
        lines.append(f"  t{i:02d}:\n    columns: {{id: {{type: int, nullable: false}}, prev: int}}\n    primary_key: id")
        if i:
            lines.append(f"    foreign_keys: [{{columns: [prev], references: t{i - 1:02d}(id)}}]")
    drawn = erd_of(desired.loads("\n".join(lines) + "\n"), tables=["t05", "t20"], depth=30, max_tables=6)
    assert {"t05", "t20"} <= {t.name.name for t in drawn.tables} and len(drawn.tables) == 6


def test_a_schema_with_no_table_is_an_error_naming_the_schemas_that_have_some():
    with pytest.raises(UnknownTable, match=r"no table or view in schema 'billing'; the schemas with some are: public"):
        erd_of(seed(), schemas=["billing"])
