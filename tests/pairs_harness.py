"""The acceptance flow of a before/after pair of SQL schemas, run through the CLI as a user
would, judged by the catalog fingerprint (``catalog_fingerprint``, which shares no code with
schemadiff). It needs only the two SQL files, so any case written as ``before.sql`` and
``after.sql`` runs here, whatever schemadiff's own file format.

For a case directory holding ``before.sql`` and ``after.sql``, in one database emptied
between steps (``database_reset``, which checks that it gave back a pristine database):

1. ``build``: build after.sql, and take its fingerprint: the expected catalog;
2. ``inspect``: ``schemadiff inspect`` it into after.yaml (the description of the target);
3. ``closure_apply``, ``closure_catalog``, ``closure_fixpoint``: after.yaml applied to an empty
   database rebuilds the expected catalog exactly, with an empty plan afterwards;
4. ``build_before``: build before.sql in an empty database;
5. ``apply``: ``schemadiff apply --allow-destructive`` after.yaml to it (what it ran, or
   when it fails the plan it meant to run, is quoted by the report of any failure);
6. ``fixpoint``: a second ``plan --exit-code`` is empty;
7. ``same_catalog``: the fingerprint now equals the expected one (schemadiff's version table
   aside).

Nothing is excused: an object inspect leaves out is an object the result lacks.
"""

from __future__ import annotations

import contextlib
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import psycopg

from catalog_fingerprint import diff_fingerprints, fingerprint
from conftest import fresh_database
from core_helpers import invoke, output
from database_reset import pristine, reset

VERSION_TABLE = "public.schemadiff_version"  # apply's bookkeeping: only in databases it applied to
STAGES = ("build", "inspect", "closure_apply", "closure_catalog", "closure_fixpoint",
          "build_before", "apply", "fixpoint", "same_catalog")
REQUIRES = {
    "inspect": ("build",),
    "apply": ("inspect", "build_before"),
    "fixpoint": ("apply",),
    "same_catalog": ("apply",),
    "closure_apply": ("inspect",),
    "closure_catalog": ("closure_apply",),
    "closure_fixpoint": ("closure_apply",),
}


@dataclass
class PairRun:
    """What each stage of one case came to: None when it held, else why not."""
    case: str
    outcomes: dict = field(default_factory=dict)
    plan_text: str = ""  # the plan from before to after: as apply ran it, or as `plan` shows it

    def run(self, stage: str, step: Callable[[], Optional[str]]) -> None:
        failed = [s for s in REQUIRES.get(stage, ()) if self.outcomes.get(s) is not None]
        if failed:
            self.outcomes[stage] = f"not reached: stage {failed[0]} failed"
            return
        try:
            self.outcomes[stage] = step()
        except Exception:  # a crash of the CLI or of a build is a failure of the stage, in full
            self.outcomes[stage] = traceback.format_exc()

    @property
    def failures(self) -> list[str]:
        return [stage for stage in STAGES if self.outcomes.get(stage) is not None]

    def report(self) -> str:
        """Every stage that failed, with why, and the plan it ran: the assertion message."""
        if not self.failures:
            return f"{self.case}: every stage held"
        lines = [f"{self.case}: stage {self.failures[0]} failed"
                 f" (stages failed: {', '.join(self.failures)})"]
        for stage in self.failures:
            lines += ["", f"--- {stage}:", str(self.outcomes[stage]).rstrip()]
        lines += ["", "--- the plan from before.sql to after.sql:", self.plan_text.rstrip() or "(not reached)"]
        return "\n".join(lines)


def load_sql(url: str, text: str) -> None:
    """Run SQL as psql would (psql's backslash commands are left out)."""
    text = "\n".join(line for line in text.splitlines() if not line.startswith("\\"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(text)


def catalog_of(url: str) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        return fingerprint(conn, ignore_tables=[VERSION_TABLE])


def compare_catalogs(expected: dict, got: dict, what: str) -> Optional[str]:
    """None when the fingerprints are equal, else each difference on a line of its own."""
    differences = diff_fingerprints(expected, got)
    if not differences:
        return None
    return "\n".join([f"{len(differences)} difference(s), {what}:"] + differences)


def cli(*args: str, cwd: Path, url: Optional[str] = None) -> Optional[str]:
    result = invoke(*args, cwd=cwd, url=url)
    return None if result.returncode == 0 else f"`schemadiff {' '.join(args)}` exit {result.returncode}:\n{output(result)}"


def empty_plan(cwd: Path, url: str) -> Optional[str]:
    result = invoke("plan", "--exit-code", cwd=cwd, url=url)
    return None if result.returncode == 0 else f"the plan is not empty (exit {result.returncode}):\n{output(result)}"


class Scratch:
    """One database for every stage of a case, emptied between uses (``database_reset``); a
    fresh one instead whenever emptying it does not give back the pristine database."""

    def __init__(self, pg_server: str, stack: contextlib.ExitStack):
        self.pg_server, self.stack = pg_server, stack
        self.url = self.stack.enter_context(fresh_database(pg_server, prefix="pair_"))
        self.pristine = pristine(self.url)

    def empty(self) -> str:
        if not reset(self.url, self.pristine):
            self.url = self.stack.enter_context(fresh_database(self.pg_server, prefix="pair_"))
        return self.url


def run_pair(pg_server: str, workdir: Path, case_dir: Path, roles,
             edit_inspected: Callable[[str], str] = lambda text: text) -> PairRun:
    """Every stage of the case in ``case_dir``; ``roles`` creates the roles the SQL names
    (conftest's cluster_roles). ``edit_inspected`` may change after.yaml before it is used:
    only for proving that the judge fails when it should."""
    pair = PairRun(case_dir.name)
    before_sql = roles.substitute((case_dir / "before.sql").read_text())
    after_sql = roles.substitute((case_dir / "after.sql").read_text())
    (workdir / ".git").mkdir(exist_ok=True)  # a project root of its own: no stray configuration
    inspected = workdir / "schema.yaml"
    expected: dict = {}
    with contextlib.ExitStack() as stack:
        scratch = Scratch(pg_server, stack)

        def build_after() -> None:
            load_sql(scratch.url, after_sql)
            expected.update(catalog_of(scratch.url))

        def inspect() -> Optional[str]:
            failed = cli("inspect", "--out", inspected.name, cwd=workdir, url=scratch.url)
            if failed is None:
                inspected.write_text(edit_inspected(inspected.read_text()))
            return failed

        def apply() -> Optional[str]:
            result = invoke("apply", "--allow-destructive", cwd=workdir, url=scratch.url)
            if result.returncode == 0:
                pair.plan_text = output(result)  # what it ran, statement by statement
                return None
            # A failed apply changed nothing (or stopped part way, as its output says): the
            # plan it meant to run, for the report.
            pair.plan_text = output(invoke("plan", cwd=workdir, url=scratch.url))
            return f"`schemadiff apply --allow-destructive` exit {result.returncode}:\n{output(result)}"

        pair.run("build", build_after)
        pair.run("inspect", inspect)
        pair.run("closure_apply", lambda: cli("apply", cwd=workdir, url=scratch.empty()))
        pair.run("closure_catalog", lambda: compare_catalogs(expected, catalog_of(scratch.url),
                                                             "after.sql built directly vs after.yaml applied to an empty database"))
        pair.run("closure_fixpoint", lambda: empty_plan(workdir, scratch.url))
        pair.run("build_before", lambda: load_sql(scratch.empty(), before_sql))
        pair.run("apply", apply)
        pair.run("fixpoint", lambda: empty_plan(workdir, scratch.url))
        pair.run("same_catalog", lambda: compare_catalogs(expected, catalog_of(scratch.url),
                                                          "after.sql built directly vs before.sql with after.yaml applied"))
    return pair
