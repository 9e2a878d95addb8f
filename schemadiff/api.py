"""The seed's helpers (``initialize_database``, ``check_database_status`` …) over the engine.

Each is a coroutine that runs the synchronous engine in a worker thread
(``asyncio.to_thread``), so an asyncio application (FastAPI, aiogram) can await it without
blocking its loop; ``<name>_sync`` is the same function for synchronous callers.

Configuration as the CLI reads it (``schemadiff.toml`` or ``[tool.schemadiff]`` found from
the working directory: version table, ignored tables, timeouts, lock wait), the arguments
overriding it: the database URL from the argument, else ``DATABASE_URL`` (or the variable
``database_url_env`` names; ``postgresql://`` or SQLAlchemy's ``postgresql+asyncpg://`` /
``postgresql+psycopg://``); the schema file from the argument, else ``SCHEMADIFF_SCHEMA``,
else the configured ``schema`` (default ``schema.yaml``). "Pending migrations" are the statements
the current plan would run: schemadiff is declarative, so there are no migration files.

The read-only helpers never raise for an unreachable database or a bad schema file: they
report it (``error``), which is what a health endpoint needs. The applying helpers log the
error through :mod:`logging` and return a failure value.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Optional, Union

from . import db
from .errors import SchemadiffError

log = logging.getLogger("schemadiff")

Database = Union[str, Any, None]  # a URL, or a SQLAlchemy Engine / AsyncEngine (see database_url_of)

def database_url_of(database) -> Optional[str]:
    """A URL string for ``database``: a URL as given, or the URL (with its credentials) of
    an application's SQLAlchemy ``Engine`` or ``AsyncEngine``, read without importing
    SQLAlchemy; any ``postgresql+driver://`` becomes ``postgresql://`` (schemadiff's own
    driver connects)."""
    if database is None or isinstance(database, str):
        return database
    url = getattr(database, "url", None)
    render = getattr(url, "render_as_string", None)
    if render is None:
        raise TypeError(f"database_url must be a URL string or a SQLAlchemy Engine/AsyncEngine, not {type(database).__name__}")
    if not str(getattr(url, "drivername", "")).startswith("postgresql"):
        raise SchemadiffError(f"the engine's database is {url.drivername}, not PostgreSQL")
    return render(hide_password=False).replace(f"{url.drivername}://", "postgresql://", 1)


def configuration(database_url=None, schema_path: Optional[str] = None):
    """The project's :class:`~schemadiff.config.Settings` with the arguments on top
    (``database_url``: a URL, or a SQLAlchemy ``Engine`` / ``AsyncEngine``)."""
    from .config import resolve

    return resolve({"database_url": database_url_of(database_url),
                    "schema": str(schema_path) if schema_path else os.environ.get("SCHEMADIFF_SCHEMA")})


def project(database_url: Database = None, schema_path: Optional[str] = None, **target_overrides):
    """The engine's :class:`~schemadiff.engine.Project` for the configuration and the
    arguments, as the CLI builds it; without a URL, the embedded development server next to
    the schema file."""
    from .engine import Project

    return Project(configuration(database_url, schema_path),
                   announce=lambda message: log.info("schemadiff: %s", message), **target_overrides)


def _resolved(database_url: Optional[str], schema_path: Optional[str]):
    """The project with its target resolved now, so that a configuration or development
    server that cannot be used fails here, before any job starts."""
    found = project(database_url, schema_path)
    found.target  # noqa: B018 (resolving it is the point)
    return found


def _error_text(exc: BaseException) -> str:
    from .engine import error_text

    return error_text(exc)


# --- applying -------------------------------------------------------------------------------

def apply_with(project, *, allow_destructive: bool = False) -> tuple[bool, list[str]]:
    """Apply the plan; (success, descriptions of the statements that ran)."""
    from . import engine
    from .errors import ApplyFailed

    started: list[str] = []
    path = project.schema
    try:
        result = engine.apply_schema(project, allow_destructive=allow_destructive,
                                     progress=lambda n, total, statement: started.append(statement.description))
    except ApplyFailed as exc:
        log.error("schemadiff: applying %s to %s failed: %s", path, db.describe(project.target.url), exc)
        return False, started[:exc.executed]
    except Exception as exc:  # the caller asked for a bool, not an exception
        log.error("schemadiff: applying %s to %s failed: %s", path, db.describe(project.target.url), _error_text(exc),
                  exc_info=not isinstance(exc, SchemadiffError))
        return False, []
    applied = [s.description for s in result.plan.statements[:len(result.outcome.executed)]]
    if applied:
        log.info("schemadiff: applied %d statement(s) to %s; version %s", len(applied),
                 db.describe(project.target.url), result.outcome.version)
    return True, applied


def initialize_database_sync(database_url: Database = None, schema_path: Optional[str] = None, *,
                             allow_destructive: bool = False) -> bool:
    """Bring the database to the schema file (creating what is missing; never dropping
    unless ``allow_destructive``). False on any failure, with the error logged."""
    try:
        found = _resolved(database_url, schema_path)
    except Exception as exc:
        log.error("schemadiff: database initialization failed: %s", _error_text(exc))
        return False
    return apply_with(found, allow_destructive=allow_destructive)[0]


def apply_pending_migrations_sync(database_url: Database = None, schema_path: Optional[str] = None, *,
                                  allow_destructive: bool = False) -> tuple[bool, list[str]]:
    """Run the pending plan: (success, descriptions of the statements applied)."""
    try:
        found = _resolved(database_url, schema_path)
    except Exception as exc:
        log.error("schemadiff: applying pending changes failed: %s", _error_text(exc))
        return False, []
    return apply_with(found, allow_destructive=allow_destructive)


# --- reading --------------------------------------------------------------------------------

def _named_schema(schema_path: Optional[str]) -> str:
    """The schema file the arguments name, for a report when the configuration is unusable."""
    from .config import DEFAULTS

    return str(schema_path or os.environ.get("SCHEMADIFF_SCHEMA") or DEFAULTS["schema"])


def check_database_status_sync(database_url: Database = None, schema_path: Optional[str] = None) -> dict:
    """``initialized``, ``current_version`` (str or None), ``pending_migrations`` (what the
    plan would run), ``applied_migrations`` (versions recorded), ``schema_valid``,
    ``schema_issues`` (finding messages), plus ``status``, ``error``, ``pending`` (statements
    with SQL and hazards) and more."""
    from . import engine

    try:
        found = engine.status(project(database_url, schema_path))
    except Exception as exc:
        try:
            named_url = database_url_of(database_url)
        except Exception:
            named_url = None
        return engine.failed_status(_named_schema(schema_path), named_url or os.environ.get("DATABASE_URL"),
                                    _error_text(exc), "unknown")
    return found.as_dict()


def check_database_health_sync(database_url: Database = None, schema_path: Optional[str] = None, *,
                               statement_timeout: float = 10.0) -> dict:
    """``connectivity``, ``tables``, ``indexes`` and ``overall_healthy`` as the seed's health
    check, plus ``status``, ``columns``, ``constraints``, ``version`` and every finding
    (:meth:`schemadiff.monitor.check.HealthReport.as_dict`)."""
    from . import engine

    try:
        found = project(database_url, schema_path, statement_timeout_ms=int(statement_timeout * 1000))
    except Exception as exc:
        report = engine.health_unknown(_error_text(exc))
    else:
        report = engine.check(project=found)
    out = report.as_dict()
    out["error"] = out["connectivity"]["error"]
    return out


def get_migration_status_sync(database_url: Database = None, schema_path: Optional[str] = None) -> dict:
    """``history`` (recorded versions, newest first, as dicts), ``current_version``,
    ``applied_migrations``, ``pending_migrations``, ``pending_estimate`` (the estimated
    duration of the pending changes) and ``up_to_date``."""
    from . import engine
    from .plan.report import estimate_dict, statement_dict

    try:
        found = engine.status(project(database_url, schema_path), health=False)
        message = found.error
    except Exception as exc:
        message = _error_text(exc)
    if message is not None:
        return {"current_version": None, "history": [], "applied_migrations": 0, "pending_migrations": [],
                "pending": [], "pending_estimate": None, "up_to_date": False, "error": message}
    latest, pending = found.latest, found.pending
    return {
        "current_version": str(latest.version) if latest else None,
        "history": [v.as_dict() for v in found.history],
        "applied_migrations": len(found.history),
        "pending_migrations": [s.description for s in pending.statements],
        "pending": [statement_dict(s) for s in pending.statements],
        # How long the pending statements are expected to take, and the longest write-blocking
        # lock (README → "Estimates"); None when nothing is pending.
        "pending_estimate": estimate_dict(pending),
        "up_to_date": found.up_to_date,
        "error": None,
    }


# --- awaitable forms ------------------------------------------------------------------------

async def initialize_database(database_url: Database = None, schema_path: Optional[str] = None, *,
                              allow_destructive: bool = False) -> bool:
    """Awaitable :func:`initialize_database_sync`."""
    return await asyncio.to_thread(initialize_database_sync, database_url, schema_path,
                                   allow_destructive=allow_destructive)


async def check_database_status(database_url: Database = None, schema_path: Optional[str] = None) -> dict:
    """Awaitable :func:`check_database_status_sync`."""
    return await asyncio.to_thread(check_database_status_sync, database_url, schema_path)


async def check_database_health(database_url: Database = None, schema_path: Optional[str] = None, *,
                                statement_timeout: float = 10.0) -> dict:
    """Awaitable :func:`check_database_health_sync`."""
    return await asyncio.to_thread(check_database_health_sync, database_url, schema_path,
                                   statement_timeout=statement_timeout)


async def apply_pending_migrations(database_url: Database = None, schema_path: Optional[str] = None, *,
                                   allow_destructive: bool = False) -> tuple[bool, list[str]]:
    """Awaitable :func:`apply_pending_migrations_sync`."""
    return await asyncio.to_thread(apply_pending_migrations_sync, database_url, schema_path,
                                   allow_destructive=allow_destructive)


async def get_migration_status(database_url: Database = None, schema_path: Optional[str] = None) -> dict:
    """Awaitable :func:`get_migration_status_sync`."""
    return await asyncio.to_thread(get_migration_status_sync, database_url, schema_path)
