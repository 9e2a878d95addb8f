"""From ordered migration scripts to a desired state: replay a ``NNN_*.sql`` folder on a scratch
database and write what it built as schema.yaml (`adopt`); mark a database that an older
migration tool kept as managed by schemadiff from now on (`baseline`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit, urlunsplit

from .. import __version__, db, engine
from . import versions
from .datamigrations import SYSTEM_TABLES
from .tracking import TOOLS, Tracking, find_tracking
from ..desired.dump import dump
from ..errors import SchemadiffError
from ..catalog.inspect import inspect
from ..model import Catalog
from .scratch import scratch_database

_FILE = re.compile(r"^(\d+)_.+\.sql$")
class AdoptFailed(SchemadiffError):
    """A migration file failed while being replayed, or the folder has none."""


class BaselineRefused(SchemadiffError):
    """The database cannot be baselined as it is."""


def migration_files(directory) -> list[Path]:
    """The ``NNN_*.sql`` files of ``directory`` in number order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise AdoptFailed(f"{directory} is not a directory of NNN_*.sql migration files")
    files = [(int(m.group(1)), p.name, p) for p in directory.iterdir() if (m := _FILE.match(p.name))]
    if not files:
        raise AdoptFailed(f"{directory} has no NNN_*.sql migration files")
    return [p for _, _, p in sorted(files)]


def replay(url: str, files: list[Path]) -> None:
    """Run each file, in order, on the database at ``url``; the first failure names the file.
    A file with psql meta-commands (``\\set``, ``\\ir``, ``\\gset``, pg_dump's ``\\restrict``) runs
    through ``psql`` when it is installed; without it, the error names the first such line."""
    conn = db.connect(url)
    try:
        for path in files:
            text = path.read_text(encoding="utf-8")
            meta = meta_commands(text)
            _refuse_reconnect(path, meta)
            psql = shutil.which("psql") if meta else None
            try:
                if psql:
                    _run_psql(psql, url, path)
                else:
                    # One simple-protocol call per file: the file's own BEGIN/COMMIT are honoured.
                    conn.execute(text, prepare=False)
            except AdoptFailed:
                raise
            except Exception as exc:
                message = str(exc).strip() or type(exc).__name__
                if meta:
                    line, command = meta[0]
                    raise AdoptFailed(
                        f"{path.name}:{line}: cannot run `{command}`: it is a psql meta-command, which only psql "
                        "runs, and psql is not installed (not on PATH); install it (the postgresql-client package) "
                        f"or rewrite the line as SQL (PostgreSQL said: {message.splitlines()[0]})") from None
                raise AdoptFailed(f"migration {path.name} failed: {message}") from None
    finally:
        conn.close()


_META = re.compile(r"^[ \t]*(\\\S.*)$", re.MULTILINE)
_RECONNECT = re.compile(r"^\\(c|connect)(\s|$)")


def meta_commands(text: str) -> list[tuple[int, str]]:
    """(line number, text) of each line that starts with a psql meta-command."""
    return [(text.count("\n", 0, m.start()) + 1, m.group(1).strip()) for m in _META.finditer(text)]


def _refuse_reconnect(path: Path, meta: list[tuple[int, str]]) -> None:
    """The files are replayed on a scratch database: one that connects elsewhere would run there."""
    for line, command in meta:
        if _RECONNECT.match(command):
            raise AdoptFailed(f"{path.name}:{line}: `{command}` connects to another database, but adopt replays "
                              "the files on a scratch database it then drops; remove the line to adopt the folder")


def _run_psql(psql: str, url: str, path: Path) -> None:
    """``psql -v ON_ERROR_STOP=1 -f`` from the file's folder (so ``\\i`` finds its neighbours); the
    password goes through the environment, never the command line."""
    parts = urlsplit(db.libpq_url(url))
    env = dict(os.environ, PGAPPNAME="schemadiff adopt")
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", "@", 1))
    done = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", urlunsplit(parts), "-f", path.name],
                          cwd=path.parent, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise AdoptFailed(f"migration {path.name} failed (run by psql): {_psql_error(done)}")


def _psql_error(done: subprocess.CompletedProcess) -> str:
    """The error psql stopped at (with its DETAIL, HINT, LINE), not the notices before it."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if re.search(r"\b(ERROR|FATAL|error):|invalid command", line)),
                 max(len(lines) - 1, 0))
    return "\n".join(lines[start:start + 4]) or f"psql exited with {done.returncode}"


def adopt(directory, url: str) -> tuple[Catalog, str]:
    """Replay the migrations of ``directory`` on a scratch database on the server of ``url``
    (dropped afterwards) and return the catalog they build and its schema.yaml text."""
    files = migration_files(directory)
    with scratch_database(url) as scratch:
        replay(scratch, files)
        conn = db.connect(scratch)
        try:
            catalog = inspect(conn, None, exclude=[versions.DEFAULT_TABLE, *SYSTEM_TABLES])
        finally:
            conn.close()
    return catalog, dump(catalog, whole_database=True)


@dataclass(frozen=True)
class BaselineResult:
    """The version row written (None when the database was already managed)."""

    version: Optional[int]
    tracking: Optional[Tracking]
    already: Optional[int] = None


def baseline(target: engine.Target, desired: Catalog, snapshot: Optional[str] = None, *,
             force: bool = False, lock_wait_s: float = 60.0) -> BaselineResult:
    """Record a version row for ``desired`` on a database an older tool migrated, without
    changing its schema. Refused when the live schema differs from ``desired`` (unless
    ``force``), since the row would claim a state the database is not in."""
    from .apply import DeployLock

    with engine.connection(target) as conn, DeployLock(conn, lock_wait_s):
        tracking = find_tracking(conn)
        last = versions.latest(conn, target.version_table)
        if last is not None:
            return BaselineResult(None, tracking, already=last.version)
        if tracking is None and not force:
            raise BaselineRefused(
                f"no migration tool's history table ({', '.join(t.table for t in TOOLS)}) was found in public; "
                "a database without one needs no baseline: run `schemadiff apply` (or pass --force).")
        # The tool's own table is not part of the schema file; leave it out of the comparison.
        checked = replace(target, ignore=tuple(target.ignore) + ((f"public.{tracking.table}",) if tracking else ()))
        pending = engine.plan_against(conn, checked, desired)
        if not pending.empty and not force:
            listed = "; ".join(s.description for s in pending.statements[:10])
            more = f" (and {len(pending.statements) - 10} more)" if len(pending.statements) > 10 else ""
            raise BaselineRefused(
                f"the database differs from the schema file in {len(pending.statements)} way(s): {listed}{more}. "
                "A baseline records that they match: fix schema.yaml (`schemadiff inspect`) or run apply first, "
                "or pass --force. Nothing was recorded.")
        extra = {"baseline_from": tracking.table if tracking else None,
                 "version": tracking.version if tracking else None,
                 "migrations_applied": tracking.count if tracking else 0}
        with conn.transaction():
            number = versions.record(conn, target.version_table, schema_hash=pending.desired_hash,
                                     tool_version=__version__, statements=[], snapshot=snapshot, extra=extra)
        return BaselineResult(number, tracking)
