"""Text search dictionaries and configurations: the file declares them, they are made after
extensions and before the tables whose generated columns and indexes name them, inspect
writes them back (parser and full mappings), and every change converges."""

from __future__ import annotations

import psycopg
import pytest
import yaml

from catalog_fingerprint import fingerprint

from conftest import fresh_database
from core_helpers import invoke, load, output, problems, sqls
from prodsafe_helpers import apply, converged, plan
from schemadiff.diff import diff
from schemadiff.diff import text_search as ts
from schemadiff.model import Catalog, QualifiedName, TextSearchConfiguration, TextSearchDictionary
from schemadiff.monitor.check import findings_from_changes
from schemadiff.monitor.findings import CRITICAL
from schemadiff.plan import build_plan

SEARCH = """
extensions: [unaccent]
schemas: [app]
text_search:
  dictionaries:
    app.unaccent_dict: {template: unaccent, options: {rules: unaccent}, comment: strips accents}
  configurations:
    app.english_unaccent:
      mappings:
        "asciiword, word, hword, hword_part": [app.unaccent_dict, english_stem]
        "asciihword, hword_asciipart": english_stem
      comment: English without accents
"""


# The file ------------------------------------------------------------------------------------

def test_a_mapping_key_lists_token_types_and_names_are_bare_in_pg_catalog_and_public():
    catalog = load(SEARCH.replace("english_stem]", "pg_catalog.english_stem]"))
    assert catalog.ts_dictionaries == (
        TextSearchDictionary("app", "unaccent_dict", "unaccent", (("rules", "unaccent"),), "strips accents"),)
    [config] = catalog.ts_configurations
    assert (config.qualified, config.parser) == (QualifiedName("app", "english_unaccent"), "default")
    assert dict(config.mappings) == {
        "asciiword": ("app.unaccent_dict", "english_stem"), "word": ("app.unaccent_dict", "english_stem"),
        "hword": ("app.unaccent_dict", "english_stem"), "hword_part": ("app.unaccent_dict", "english_stem"),
        "asciihword": ("english_stem",), "hword_asciipart": ("english_stem",)}


@pytest.mark.parametrize(("text", "message"), [
    ("text_search: {dictionaries: {d: {options: {rules: x}}}}", "text search dictionary 'd' needs a template"),
    ("text_search: {configurations: {c: {mappings: {wrod: simple}}}}", "'wrod' is not a token type of the default parser"),
    ("text_search: {configurations: {c: {mappings: {word: []}}}}", "a mapping needs at least one dictionary"),
    ("text_search: {configurations: {c: {mappings: {'word, word': simple}}}}", "token type 'word' is mapped twice"),
    ("text_search: {configurations: {c: {copy: english}}}", "unknown key 'copy' in text search configuration 'c'"),
])
def test_bad_text_search_entries_are_located_errors(text, message):
    assert message in problems(text)


# Diff and plan -------------------------------------------------------------------------------

def test_text_search_is_made_after_extensions_and_before_tables():
    wanted = load(SEARCH + """
tables:
  app.docs:
    columns:
      body: text
      search: {type: tsvector, generated: "to_tsvector('app.english_unaccent'::regconfig, body)"}
""")
    statements = sqls(Catalog(), wanted)
    kinds = [next((w for w in ("EXTENSION", "DICTIONARY", "CONFIGURATION", "TABLE") if w in s), None) for s in statements]
    assert kinds.index("EXTENSION") < kinds.index("DICTIONARY") < kinds.index("CONFIGURATION") < kinds.index("TABLE")
    assert "ALTER TEXT SEARCH CONFIGURATION app.english_unaccent ALTER MAPPING FOR asciihword, hword_asciipart WITH english_stem" in statements


def test_a_changed_mapping_alters_and_drops_mappings_and_warns_of_stored_tsvectors():
    before = TextSearchConfiguration("public", "c", "default", (("email", ("simple",)), ("word", ("simple",))))
    after = TextSearchConfiguration("public", "c", "default", (("word", ("english_stem",)),))
    statements = build_plan(diff(Catalog(ts_configurations=(before,)), Catalog(ts_configurations=(after,)))).statements
    assert [s.sql for s in statements] == [
        "ALTER TEXT SEARCH CONFIGURATION public.c DROP MAPPING IF EXISTS FOR email",
        "ALTER TEXT SEARCH CONFIGURATION public.c ALTER MAPPING FOR word WITH english_stem"]
    assert any("keep the old reading" in h.message for h in statements[0].hazards)


def test_a_changed_template_recreates_the_dictionary_and_names_the_refusal_while_used():
    old = TextSearchDictionary("public", "d", "simple")
    new = TextSearchDictionary("public", "d", "snowball", (("language", "english"),))
    assert diff(Catalog(ts_dictionaries=(old,)), Catalog(ts_dictionaries=(new,))) == [ts.ReplaceTextSearchDictionary(old, new)]
    drop, create = build_plan(diff(Catalog(ts_dictionaries=(old,)), Catalog(ts_dictionaries=(new,)))).statements
    assert drop.sql == "DROP TEXT SEARCH DICTIONARY IF EXISTS public.d" and "TEMPLATE = snowball" in create.sql
    assert "PostgreSQL refuses while" in drop.hazards[0].message


def test_a_file_without_a_text_search_key_leaves_those_in_the_database_alone():
    live = Catalog(ts_dictionaries=(TextSearchDictionary("public", "d", "simple"),),
                   ts_configurations=(TextSearchConfiguration("public", "c"),))
    assert diff(live, load("tables: {}")) == []
    assert diff(live, load("text_search: {}")) == [ts.DropTextSearchDictionary(live.ts_dictionaries[0]),
                                                    ts.DropTextSearchConfiguration(live.ts_configurations[0])]


def test_check_reads_a_missing_configuration_as_critical():
    [finding] = findings_from_changes([ts.CreateTextSearchConfiguration(TextSearchConfiguration("app", "english_unaccent"))])
    assert (finding.severity, finding.kind, finding.problem, finding.object) == (
        CRITICAL, "text search configuration", "missing", "app.english_unaccent")


# Against PostgreSQL --------------------------------------------------------------------------

LIVE = """
CREATE EXTENSION unaccent;
CREATE SCHEMA app;
CREATE TEXT SEARCH DICTIONARY app.unaccent_dict (TEMPLATE = unaccent, RULES = 'unaccent');
CREATE TEXT SEARCH DICTIONARY english_sn (TEMPLATE = snowball, Language = english, StopWords = 'english');
CREATE TEXT SEARCH CONFIGURATION app.english_unaccent (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION app.english_unaccent ALTER MAPPING FOR asciiword, word WITH app.unaccent_dict, english_sn;
COMMENT ON TEXT SEARCH CONFIGURATION app.english_unaccent IS 'English without accents';
CREATE TABLE app.docs (
    id bigint PRIMARY KEY,
    body text NOT NULL,
    search tsvector GENERATED ALWAYS AS (to_tsvector('app.english_unaccent'::regconfig, body)) STORED
);
CREATE INDEX docs_body_search ON app.docs USING gin (to_tsvector('app.english_unaccent'::regconfig, body));
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_inspect_writes_text_search_and_the_file_rebuilds_an_empty_database(pg_server, database_url, sql, project):
    sql(LIVE)
    result = invoke("inspect", "--out", "schema.yaml", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    written = yaml.safe_load((project / "schema.yaml").read_text())
    config = written["text_search"]["configurations"]["app.english_unaccent"]
    assert config["mappings"]["asciiword, word"] == ["app.unaccent_dict", "english_sn"]
    assert written["text_search"]["dictionaries"]["english_sn"] == {
        "template": "snowball", "options": {"language": "english", "stopwords": "english"}}
    assert "unaccent" not in written["text_search"]["dictionaries"]  # the extension's own
    assert "text search" not in output(result)  # no longer named as left out
    assert invoke("validate", cwd=project).returncode == 0
    assert invoke("plan", "--exit-code", cwd=project, url=database_url).returncode == 0
    with fresh_database(pg_server) as rebuilt:
        applied = invoke("apply", cwd=project, url=rebuilt)
        assert applied.returncode == 0, output(applied)
        again = invoke("plan", "--exit-code", cwd=project, url=rebuilt)
        assert again.returncode == 0, output(again)
        back = invoke("inspect", "--out", "again.yaml", cwd=project, url=rebuilt)
        assert yaml.safe_load((project / "again.yaml").read_text()) == written, output(back)
        assert _text_search_fingerprint(rebuilt) == _text_search_fingerprint(database_url)


def _text_search_fingerprint(url: str) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        found = fingerprint(conn)["text_search"]
    assert "configuration app.english_unaccent" in found
    return found


def test_a_mapping_change_and_an_option_change_converge(database_url, sql):
    apply(database_url, SEARCH)
    assert converged(database_url, SEARCH)
    changed = SEARCH.replace("[app.unaccent_dict, english_stem]", "[app.unaccent_dict, simple]") \
                    .replace('"asciihword, hword_asciipart": english_stem\n', "email: simple\n") \
                    .replace("comment: English without accents", "comment: changed")
    apply(database_url, changed)
    assert sql("SELECT to_tsvector('app.english_unaccent', 'Crème running')::text") == [("'creme':1 'running':2",)]
    assert converged(database_url, changed)
    apply(database_url, SEARCH)
    assert converged(database_url, SEARCH)


def test_dropping_a_configuration_in_use_names_postgresqls_refusal(database_url, sql):
    with_table = SEARCH + """
tables:
  app.docs:
    columns:
      id: bigint
      body: text
    indexes: [{name: docs_search, columns: ["to_tsvector('app.english_unaccent'::regconfig, body)"], using: gin}]
"""
    apply(database_url, with_table)
    assert converged(database_url, with_table)
    statements = plan(database_url, with_table.replace("    app.english_unaccent:", "    app.other:")).statements
    drop = next(s for s in statements if s.sql.startswith("DROP TEXT SEARCH CONFIGURATION"))
    assert "PostgreSQL refuses while" in drop.hazards[0].message
