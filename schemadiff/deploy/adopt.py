"""From ordered migration scripts to a desired state: replay a ``NNN_*.sql`` folder on a scratch
database and write what it built as schema.yaml (`adopt`); mark a database that an older
migration tool kept as managed by schemadiff from now on (`baseline`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

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
    """Run each file, in order, on the database at ``url``; the first failure names the file."""
    conn = db.connect(url)
    try:
        for path in files:
            try:
                # One simple-protocol call per file: the file's own BEGIN/COMMIT are honoured.
                conn.execute(path.read_text(encoding="utf-8"), prepare=False)
            except Exception as exc:
                message = str(exc).strip() or type(exc).__name__
                raise AdoptFailed(f"migration {path.name} failed: {message}") from None
    finally:
        conn.close()


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
    return catalog, dump(catalog)


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
