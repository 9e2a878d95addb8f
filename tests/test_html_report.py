"""`schemadiff report --html`: one self-contained HTML file with the diagram, every table,
and with a database its sizes, health, version history and pending plan."""

from __future__ import annotations

import re
import shutil

import pytest

from html_report_support import Elements, contrast, file_report, thousand_tables
from prodsafe_helpers import apply, cli, write
from schemadiff import desired
from schemadiff.pictures import page
from schemadiff.pictures.report import DIAGRAM_TABLES, NEEDS_DATABASE, SECTIONS

from conftest import run_in_process

SEED_TABLES = ("audit_logs", "games", "notifications", "outbox", "settings", "transactions", "users")
needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed")


@pytest.fixture(scope="module")
def seed_report() -> str:
    return file_report()


# --- the document ------------------------------------------------------------------------

def test_every_section_has_an_anchor_the_table_of_contents_links_to(seed_report):
    found = Elements(seed_report)
    links = {a["href"] for a in found.all("a") if a.get("href", "").startswith("#")}
    assert {ident for ident, _ in SECTIONS} <= found.ids
    assert {f"#{ident}" for ident, _ in SECTIONS} <= links


def test_every_internal_link_leads_to_an_element_of_the_page(seed_report):
    found = Elements(seed_report)
    targets = {a["href"][1:] for a in found.all("a") if a.get("href", "").startswith("#")}
    assert targets and targets <= found.ids


def test_each_seed_table_has_its_own_anchored_heading(seed_report):
    headings = {text for level, text in Elements(seed_report).headings if level == 3}
    assert {f"public.{name}" for name in SEED_TABLES} <= headings
    for name in SEED_TABLES:
        assert f'id="{page.anchor("table", f"public.{name}")}"' in seed_report


def test_a_foreign_key_links_to_the_table_it_references(seed_report):
    games = seed_report.split(f'id="{page.anchor("table", "public.games")}"')[1].split("</article>")[0]
    assert f'<a href="#{page.anchor("table", "public.users")}">public.users</a> (id)' in games
    assert "cascade" in games


def test_a_table_lists_the_tables_that_reference_it(seed_report):
    users = seed_report.split(f'id="{page.anchor("table", "public.users")}"')[1].split("</article>")[0]
    referenced_by = users.split("<h4>Referenced by</h4>")[1]
    assert f'href="#{page.anchor("table", "public.games")}"' in referenced_by


def test_columns_show_type_nullability_default_and_comment(seed_report):
    users = seed_report.split(f'id="{page.anchor("table", "public.users")}"')[1].split("</article>")[0]
    row = next(r for r in users.split("<tr>") if "<code>is_bot</code>" in r)
    assert re.findall(r"<td>(.*?)</td>", row)[:4] == ["<code>is_bot</code>", "<code>boolean</code>", "no",
                                                      "<code>false</code>"]
    assert "Telegram users of the bot" in users


def test_indexes_and_checks_are_listed_under_their_table(seed_report):
    games = seed_report.split(f'id="{page.anchor("table", "public.games")}"')[1].split("</article>")[0]
    assert "<code>idx_games_session_id</code>" in games.split("<h4>Indexes</h4>")[1]
    assert "bet_amount &gt;= " in games.split("<h4>Checks</h4>")[1]


def test_the_report_references_nothing_outside_itself(seed_report):
    found = Elements(seed_report)
    references = [value for _, attrs in found.tags for key, value in attrs.items()
                  if key in ("src", "href", "xlink:href", "action", "data", "poster", "srcset")]
    assert all(value.startswith("#") for value in references), references
    assert not found.all("script") and not found.all("link") and not found.all("iframe")
    assert "url(" not in seed_report and "@import" not in seed_report


def test_the_page_has_one_h1_and_headings_that_never_skip_a_level(seed_report):
    levels = [level for level, _ in Elements(seed_report).headings]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:]))


def test_the_page_declares_its_language_viewport_and_a_skip_link_to_the_content(seed_report):
    found = Elements(seed_report)
    assert found.all("html")[0]["lang"] == "en"
    assert "width=device-width" in next(m["content"] for m in found.all("meta") if m.get("name") == "viewport")
    first_link = found.all("a")[0]
    assert first_link["href"] == "#main" and "main" in found.ids


@needs_graphviz
def test_the_diagram_is_inline_svg_announced_as_an_image_with_a_text_alternative(seed_report):
    svg = Elements(seed_report).all("svg")
    assert len(svg) == 1 and svg[0]["role"] == "img" and "7 tables" in svg[0]["aria-label"]
    assert "<?xml" not in seed_report and "<!DOCTYPE svg" not in seed_report
    assert re.search(r'<svg[^>]*role="img"[^>]*><title>Entity-relationship diagram', seed_report)


def test_without_graphviz_the_report_says_where_the_diagram_would_be_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    text = file_report()
    assert "<svg" not in text
    assert "The diagram would be here" in text and "apt-get install graphviz" in text


def test_without_a_database_health_history_and_plan_say_they_need_one(seed_report):
    for ident in ("health", "history", "plan"):
        body = seed_report.split(f'<section id="{ident}"')[1].split("</section>")[0]
        assert page.esc(NEEDS_DATABASE) in body
    assert "none: built from the schema file alone" in seed_report


# --- contrast ----------------------------------------------------------------------------

def test_contrast_is_computed_as_wcag_defines_it():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic near miss


def test_every_text_colour_pair_of_the_palette_meets_wcag_aa():
    ratios = {pair: contrast(page.PALETTE[pair[0]], page.PALETTE[pair[1]]) for pair in page.TEXT_PAIRS}
    assert {pair: round(r, 2) for pair, r in ratios.items() if r < 4.5} == {}


def test_the_stylesheet_uses_no_colour_outside_the_palette():
    literals = set(re.findall(r"#[0-9a-fA-F]{3,8}\b", page.css()))
    assert literals <= set(page.PALETTE.values())
    assert not re.search(r"\b(?:rgb|hsl)a?\(", page.css())


# --- a thousand tables -------------------------------------------------------------------

@needs_graphviz
def test_the_report_of_a_thousand_tables_stays_small_with_a_capped_diagram(tmp_path):
    path = thousand_tables(tmp_path)
    catalog = desired.load(str(path))
    text = file_report(path)
    assert len(text.encode("utf-8")) < 6_000_000
    svg = text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert len(svg) < 500_000
    shown = f"The {DIAGRAM_TABLES} tables with the most foreign-key neighbours, of {len(catalog.tables) + len(catalog.views)}"
    assert shown in text
    assert text.count('<article aria-labelledby="table-') == len(catalog.tables) >= 1000


# --- the command -------------------------------------------------------------------------

def test_report_without_a_database_url_writes_the_file_from_the_schema_file(cli_project):
    (cli_project / "schema.yaml").write_text((page_root() / "schema.yaml").read_text())
    result = run_in_process("report", "--html", "out.html")
    assert result.exit_code == 0, result.output
    assert "7 tables, from the schema file alone" in result.output
    assert "<h1>Schema report: schema.yaml</h1>" in (cli_project / "out.html").read_text()


def test_report_of_a_broken_schema_file_exits_1_and_writes_nothing(cli_project):
    (cli_project / "schema.yaml").write_text("tables:\n  t:\n    columns: {id: nosuchtype(}\n")
    result = run_in_process("report", "--html", "out.html")
    assert result.exit_code == 1
    assert "schema.yaml" in result.output and "Traceback" not in result.output
    assert not (cli_project / "out.html").exists()


def test_report_into_a_missing_directory_exits_1_naming_it(cli_project):
    (cli_project / "schema.yaml").write_text((page_root() / "schema.yaml").read_text())
    result = run_in_process("report", "--html", "nowhere/out.html")
    assert result.exit_code == 1
    assert "cannot write the report to nowhere/out.html: the directory nowhere does not exist" in result.output


def test_report_of_an_unreachable_database_exits_1_and_writes_nothing(tmp_path):
    schema = write(tmp_path, (page_root() / "schema.yaml").read_text())
    result = cli("postgresql://nobody@127.0.0.1:1/none", schema, "--connect-timeout", "2", "report",
                 "--html", str(tmp_path / "out.html"))
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("schemadiff: error:") and "Traceback" not in result.stderr
    assert not (tmp_path / "out.html").exists()


def test_report_with_no_database_reads_the_file_alone_even_with_a_url_configured(tmp_path):
    schema = write(tmp_path, (page_root() / "schema.yaml").read_text())
    result = cli("postgresql://nobody@127.0.0.1:1/none", schema, "report", "--html", str(tmp_path / "out.html"),
                 "--no-database")
    assert result.returncode == 0, result.stderr
    assert "7 tables, from the schema file alone" in result.stderr
    assert (tmp_path / "out.html").is_file()


def page_root():
    from html_report_support import ROOT

    return ROOT


# --- with a database ---------------------------------------------------------------------

NOTES = """
tables:
  authors:
    comment: Who writes.
    columns:
      id: bigserial
      name: {type: text, nullable: false}
    primary_key: id
  notes:
    columns:
      id: bigserial
      author_id: {type: bigint, nullable: false}
      body: text
    primary_key: id
    foreign_keys:
      - columns: [author_id]
        references: authors(id)
    indexes:
      - name: idx_notes_author_id
        columns: [author_id]
"""


def database_report(url: str, tmp_path, text: str = NOTES) -> str:
    schema = write(tmp_path, text)
    result = cli(url, schema, "report", "--html", str(tmp_path / "report.html"))
    assert result.returncode == 0, result.stderr
    return (tmp_path / "report.html").read_text()


def section_of(text: str, ident: str) -> str:
    return text.split(f'<section id="{ident}"')[1].split("</section>")[0]


def test_with_a_database_each_table_shows_its_rows_and_bytes(database_url, sql, tmp_path):
    apply(database_url, NOTES)
    sql("INSERT INTO authors (name) SELECT 'a' || g FROM generate_series(1, 2000) g")
    sql("ANALYZE authors")
    authors = database_report(database_url, tmp_path).split('id="table-public.authors"')[1].split("</article>")[0]
    assert re.search(r"<dt>Size</dt><dd>~2\.0k rows; table \d+\.\d kB, 1 index\(es\) \d+\.\d kB</dd>", authors)


def test_with_a_database_the_health_section_names_what_differs(database_url, sql, tmp_path):
    apply(database_url, NOTES)
    sql("DROP INDEX idx_notes_author_id")
    health = section_of(database_report(database_url, tmp_path), "health")
    assert '<span class="level level-critical">CRITICAL</span>' in health
    assert "index idx_notes_author_id on public.notes is missing" in health


def test_with_a_database_the_history_lists_each_applied_version(database_url, tmp_path):
    apply(database_url, NOTES)
    apply(database_url, NOTES + "  tags:\n    columns:\n      id: bigserial\n    primary_key: id\n")
    history = section_of(database_report(database_url, tmp_path), "history")
    assert "2 version(s) applied, newest first." in history
    assert [int(v) for v in re.findall(r'<td class="n">(\d+)</td><td>\d{4}-', history)] == [2, 1]


def test_with_a_database_the_pending_plan_names_its_hazards(database_url, tmp_path):
    apply(database_url, NOTES)
    plan = section_of(database_report(database_url, tmp_path, NOTES.replace("      body: text\n", "")), "plan")
    assert "drop column public.notes.body" in plan.lower()
    assert '<span class="level level-critical">DESTRUCTIVE</span>' in plan
    assert "ALTER TABLE" in plan


def test_with_a_database_in_step_the_report_says_healthy_and_nothing_pending(database_url, tmp_path):
    apply(database_url, NOTES)
    text = database_report(database_url, tmp_path)
    assert '<span class="level level-ok">OK</span>' in section_of(text, "health")
    assert "No changes: the database matches the schema file." in section_of(text, "plan")


HOSTILE = '''
schemas: ["we ird"]
tables:
  "we ird.<b>Quote\\"s & co</b>":
    comment: "</p><script>alert(1)</script>"
    columns:
      id: bigint
      "col <i>": {type: text, comment: "a \\"quoted\\" & <tagged> comment"}
    primary_key: id
  child:
    columns:
      id: bigint
      parent: bigint
    primary_key: id
    foreign_keys:
      - columns: [parent]
        references: {table: "we ird.<b>Quote\\"s & co</b>", columns: [id]}
'''


def test_names_and_comments_are_escaped_and_their_anchors_still_resolve(tmp_path):
    text = file_report(write(tmp_path, HOSTILE))
    found = Elements(text)
    assert not found.all("script") and not found.all("b") and not found.all("i")
    assert "&lt;b&gt;Quote&quot;s &amp; co&lt;/b&gt;" in text
    targets = {a["href"][1:] for a in found.all("a") if a.get("href", "").startswith("#")}
    assert page.anchor("table", 'we ird.<b>Quote"s & co</b>') in targets and targets <= found.ids


def test_from_the_database_alone_the_report_maps_its_tables_with_sizes_and_no_file(database_url, sql, tmp_path):
    """An operator opening a database for the first time: no schema file, the database is the schema."""
    sql("CREATE TABLE shelves (id int PRIMARY KEY)")
    sql("CREATE TABLE books (id int PRIMARY KEY, shelf_id int REFERENCES shelves)")
    sql("INSERT INTO shelves SELECT generate_series(1, 500)")
    sql("ANALYZE shelves")
    out = tmp_path / "map.html"
    result = cli(database_url, tmp_path / "absent.yaml", "report", "--html", str(out), "--from-database")
    assert result.returncode == 0, result.stderr
    assert "2 tables, from database" in result.stderr and "alone" in result.stderr
    text = out.read_text()
    assert 'id="table-public.books"' in text and 'href="#table-public.shelves"' in text
    shelves = text.split('id="table-public.shelves"')[1].split("</article>")[0]
    assert "<dt>Size</dt><dd>~500 rows" in shelves
    assert "compares the database with a schema file" in section_of(text, "health")
    assert "No version recorded" in section_of(text, "history")


def test_from_database_and_no_database_together_exit_1_and_write_nothing(database_url, tmp_path):
    out = tmp_path / "map.html"
    result = cli(database_url, tmp_path / "absent.yaml", "report", "--html", str(out), "--from-database", "--no-database")
    assert result.returncode == 1 and "exclude each other" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
