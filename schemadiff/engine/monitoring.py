"""The monitoring jobs: check (the diff read as health) and status (versions, pending plan,
health), both of which report a failure rather than raise it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .. import db
from ..errors import SchemadiffError
from .project import Project
from .reading import read_live
from .target import connection


def error_text(exc: BaseException) -> str:
    """One line for a failure: a domain error's own message, else its type and first line."""
    if isinstance(exc, SchemadiffError):
        return str(exc)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}".rstrip(": ")


def health_unknown(error: str):
    """The health report of a check that could not start (e.g. an unusable configuration)."""
    from ..monitor.check import unknown

    return unknown(error)


def check(project: Project, *, raise_unexpected: bool = False):
    """The health report (monitor.check.HealthReport) of the database against the schema
    file; a schema file or target that cannot be used is an unknown report. Never raises,
    except a defect in schemadiff when ``raise_unexpected`` (``--debug``)."""
    from ..monitor.check import check as run_check
    from ..monitor.check import unexpected

    try:
        desired, _ = project.load()
        target = project.target
    except Exception as exc:
        if raise_unexpected:
            raise
        return health_unknown(str(exc) if isinstance(exc, SchemadiffError) else unexpected(exc))
    return run_check(target, desired, raise_unexpected=raise_unexpected)


@dataclass
class Status:
    """Where the database stands: recorded versions (newest first), the pending plan and
    health; or, when the schema file or the database could not be read, ``error``."""

    schema_file: str
    url: Optional[str]
    history: list = field(default_factory=list)
    pending: Optional[object] = None  # plan.Plan
    health: Optional[object] = None  # monitor.check.HealthReport
    error: Optional[str] = None
    state: str = "unknown"  # the status reported with an error: unknown, or critical when unreachable

    @property
    def latest(self):
        return self.history[0] if self.history else None

    @property
    def up_to_date(self) -> bool:
        return (self.latest is not None and self.pending is not None
                and self.latest.schema_hash == self.pending.desired_hash and self.pending.empty)

    def as_dict(self) -> dict:
        """The status as the seed's ``check_database_status`` and ``status --format json`` give it."""
        if self.error is not None:
            return failed_status(self.schema_file, self.url, self.error, self.state)
        from ..plan.report import estimate_dict, statement_dict

        latest, pending, health = self.latest, self.pending, self.health
        return {
            "initialized": bool(self.history),
            "current_version": str(latest.version) if latest else None,
            "pending_migrations": [s.description for s in pending.statements],
            "applied_migrations": len(self.history),
            "schema_valid": health.healthy,
            "schema_issues": [f.message for f in health.findings],
            "status": health.status,
            "connected": True,
            "error": None,
            "database": db.describe(self.url),
            "schema_file": self.schema_file,
            "up_to_date": self.up_to_date,
            "last_applied_at": latest.applied_at.isoformat() if latest else None,
            "schema_hash": pending.desired_hash,
            "recorded_hash": latest.schema_hash if latest else None,
            "pending": [statement_dict(s) for s in pending.statements],
            "destructive_pending": len(pending.destructive),
            # The pending plan's estimated duration and longest write-blocking lock (None: nothing pending).
            "pending_estimate": estimate_dict(pending),
        }


def failed_status(path: str, url: Optional[str], message: str, state: str) -> dict:
    """The status dict of a status that could not be read."""
    return {
        "initialized": False, "current_version": None, "pending_migrations": [],
        "applied_migrations": 0, "schema_valid": False, "schema_issues": [message],
        "status": state, "connected": False, "error": message,
        "database": db.describe(url) if url else None, "schema_file": path,
        "up_to_date": False, "last_applied_at": None, "schema_hash": None, "recorded_hash": None,
        "pending": [], "destructive_pending": 0, "pending_estimate": None,
    }


def status(project: Project, *, health: bool = True) -> Status:
    """Versions, pending plan and (unless ``health=False``) health. Raises only when the
    target cannot be resolved; a bad schema file or an unreachable database is reported."""
    from ..deploy import versions
    from ..desired import load
    from ..monitor.check import check_on
    from .planning import plan_against

    target, path = project.target, project.schema
    try:
        desired = load(path)
    except SchemadiffError as exc:
        return Status(path, target.url, error=str(exc), state="unknown")
    try:
        with connection(target) as conn:
            found = Status(path, target.url, history=versions.history(conn, target.version_table))
            if health:
                found.health = check_on(conn, target, read_live(conn, target, desired), desired)
            found.pending = plan_against(conn, target, desired)
            return found
    except Exception as exc:
        return Status(path, target.url, error=error_text(exc), state="critical")
