"""Acceptance by before/after pairs of SQL schemas (``fixtures/pairs/<case>/{before,after}.sql``),
run through the CLI as a user would (see ``pairs_harness``): apply the description of
``after`` to a database built from ``before``; it must succeed, converge (a second plan is
empty) and give exactly the catalog of a direct build of ``after``; and the description alone
must rebuild ``after`` in an empty database.

A case's SQL may GRANT to roles it names in a ``-- roles: app_role`` line: each is created once
per session under a unique name (roles are cluster-wide) and substituted in both files.

Cases that need an object kind schemadiff does not model yet are strict xfails, by case: the
day one passes, it fails and asks for its mark to be removed. Every other case (the controls)
must hold for real.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pairs_harness import STAGES, compare_catalogs, run_pair

PAIRS = Path(__file__).resolve().parent / "fixtures" / "pairs"


def needs(*kinds: str) -> str:
    return f"needs {' and '.join(kinds)} (issue 13)"


# case -> why it cannot pass until the object kinds of issue 13 are merged.
KNOWN_FAILURES: dict = {}


def cases():
    for case in sorted(p.name for p in PAIRS.iterdir() if (p / "after.sql").exists()):
        reason = KNOWN_FAILURES.get(case)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(case, marks=marks, id=case)


def test_every_known_failure_names_a_case():
    assert set(KNOWN_FAILURES) <= {p.name for p in PAIRS.iterdir()}


@pytest.mark.parametrize("case", list(cases()))
def test_pair_converges_to_after(pg_server, cluster_roles, tmp_path, case):
    pair = run_pair(pg_server, tmp_path, PAIRS / case, cluster_roles)
    assert pair.failures == [], pair.report()


# The judge itself can fail ----------------------------------------------------------------

def test_a_wrong_expected_catalog_is_reported_difference_by_difference():
    expected = {"tables": {"public.t": {"columns": {"id": {"type": "integer"}}}}, "views": {}}
    got = {"tables": {"public.t": {"columns": {"id": {"type": "bigint"}}}}, "views": {"public.v": {}}}
    assert compare_catalogs(expected, got, "expected vs got") == "\n".join([
        "2 difference(s), expected vs got:",
        "table public.t: columns.id.type 'integer' vs 'bigint'",
        "view public.v: only in the second",
    ])
    assert compare_catalogs(expected, expected, "same") is None


def test_a_description_that_misses_a_column_fails_at_the_catalog_stages(pg_server, cluster_roles, tmp_path):
    """A control case with a column removed from after.yaml by hand: apply and the plans are
    content, but both catalog stages name the column the result lacks."""
    def without_note(text: str) -> str:
        edited = "\n".join(line for line in text.splitlines() if line.strip() != "note: text")
        assert edited != text, "the control case was expected to have a column `note: text`"
        return edited

    pair = run_pair(pg_server, tmp_path, PAIRS / "domain_changed", cluster_roles, edit_inspected=without_note)
    assert pair.failures == ["closure_catalog", "same_catalog"], pair.report()
    assert "table public.payments: columns.note only in the first" in pair.outcomes["same_catalog"]
    assert pair.report().startswith("domain_changed: stage closure_catalog failed")
    assert "--- same_catalog:" in pair.report() and "--- the plan from before.sql to after.sql:" in pair.report()
    assert set(pair.outcomes) == set(STAGES)


def test_emptying_the_scratch_database_gives_back_a_pristine_one_or_says_not(database_url):
    import psycopg

    from database_reset import pristine, reset

    empty = pristine(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(PAIRS.joinpath("sample_store_change", "after.sql").read_text().replace("store_app", "PUBLIC")
                     + "CREATE EXTENSION citext; CREATE TABLE public.t (id int GENERATED ALWAYS AS IDENTITY, c citext);")
    assert reset(database_url, empty)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC")
    assert not reset(database_url, empty)  # not undone by emptying: the harness takes a fresh database
