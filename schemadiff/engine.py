"""The typed public API that the CLI and the seed's helpers stand on:
load a schema, inspect a database, plan, apply, check."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Iterator, Optional

from . import __version__, db
from .deploy import versions
from .deploy.apply import ApplyOutcome, DeployLock, ExecutionSettings, Progress, execute
from .catalog.canonicalize import canonicalize
from .diff import diff
from .errors import DestructiveChangeRefused
from .catalog.inspect import inspect
from .model import Catalog, QualifiedName
from .plan import Plan, PlanOptions, build_plan


@dataclass(frozen=True)
class Target:
    """Where and how to reach the database."""

    url: str
    version_table: QualifiedName = versions.DEFAULT_TABLE
    connect_timeout: float = db.DEFAULT_CONNECT_TIMEOUT
    statement_timeout_ms: int = 30_000  # for catalog reads, not for DDL
    ignore: tuple = ()  # fnmatch patterns of tables schemadiff must not manage


@contextmanager
def connection(target: Target) -> Iterator:
    conn = db.connect(target.url, connect_timeout=target.connect_timeout,
                      statement_timeout_ms=target.statement_timeout_ms)
    try:
        yield conn
    finally:
        conn.close()


def managed_schemas(desired: Catalog) -> list[str]:
    return sorted(set(desired.schemas) | {"public"})


def read_live(conn, target: Target, desired: Catalog) -> Catalog:
    """The live catalog of the schemas the file manages, without schemadiff's own table
    and ignored tables."""
    live = inspect(conn, managed_schemas(desired), exclude=_own_tables(target))
    return managed(target, live)


def inspect_for_file(target: Target, schemas: Optional[list] = None) -> tuple:
    """What `inspect` writes: (the managed part of the live catalog of ``schemas``, what it
    leaves out because schemadiff does not model it). Tables the ``ignore`` setting names are
    neither written nor listed, and neither is anything on them: the project said so."""
    from .catalog.unmanaged import migration_tool_tables, read_unmanaged
    from .deploy.datamigrations import MIGRATION_TOOL_TABLES

    with connection(target) as conn:
        found = managed(target, inspect(conn, schemas, exclude=_schemadiff_tables(target)))
        left_out = read_unmanaged(conn, schemas, exclude=_own_tables(target), ignore=target.ignore)
    tools = migration_tool_tables(found, MIGRATION_TOOL_TABLES)
    return without_ignored(found, [f"{t.schema}.{t.name}" for t in tools]), tools + left_out


def read_unmanaged_of(conn, target: Target, desired: Catalog) -> tuple:
    """The unmanaged objects of the schemas ``desired`` manages (one query)."""
    from .catalog.unmanaged import read_unmanaged

    return read_unmanaged(conn, managed_schemas(desired), exclude=_own_tables(target), ignore=target.ignore)


def _own_tables(target: Target) -> list:
    from .deploy.datamigrations import SYSTEM_TABLES

    return [target.version_table, *SYSTEM_TABLES]


def _schemadiff_tables(target: Target) -> list:
    """schemadiff's own bookkeeping, not the other migration tools' tables of _own_tables."""
    from .deploy.datamigrations import TABLE

    return [target.version_table, TABLE]


def narrowed(live: Catalog, target: Target, desired: Catalog) -> Catalog:
    """A catalog read of every schema, cut down to what read_live would have read."""
    from dataclasses import replace

    schemas = set(managed_schemas(desired))
    live = replace(live, tables=tuple(t for t in live.tables if t.schema in schemas),
                   enums=tuple(e for e in live.enums if e.schema in schemas),
                   **{kind: tuple(o for o in getattr(live, kind) if o.schema in schemas)
                      for kind in ("domains", "composites", "ranges", "collations")},
                   sequences=tuple(s for s in live.sequences if s.schema in schemas),
                   schemas=tuple(s for s in live.schemas if s in schemas))
    return managed(target, live)


class LiveRead:
    """Connect and read the whole live catalog in a background thread while the caller
    loads the schema file, so that the catalog round trips overlap with YAML parsing (which
    schema the file manages is known only once it is loaded). Reads only; touches nothing.

    ``prepare(conn)`` runs first on the connection (e.g. taking the deploy lock)."""

    def __init__(self, target: Target, prepare=None):
        import threading

        self.target, self.prepare = target, prepare
        self._conn = self._live = self._error = None
        self._abandoned = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="schemadiff-read", daemon=True)

    def __enter__(self) -> "LiveRead":
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            conn = db.connect(self.target.url, connect_timeout=self.target.connect_timeout,
                              statement_timeout_ms=self.target.statement_timeout_ms)
            with self._lock:
                self._conn = conn
            if self.prepare is not None:
                self.prepare(conn)
            self._live = inspect(conn, None, exclude=_own_tables(self.target))
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
        finally:
            with self._lock:
                if self._abandoned and self._conn is not None:
                    self._conn.close()

    def result(self, desired: Catalog) -> tuple:
        """(connection, live catalog of what ``desired`` manages); raises what reading raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._conn, narrowed(self._live, self.target, desired)

    def __exit__(self, *exc) -> bool:
        with self._lock:
            self._abandoned = True
            if self._conn is not None and not self._thread.is_alive():
                self._conn.close()
        return False


def managed(target: Target, catalog: Catalog) -> Catalog:
    """The part of ``catalog`` schemadiff manages on ``target``: every table but the ignored
    ones. Plan, apply, check and status cut both the file and the live catalog with it, so
    that an ignored table is neither created, dropped nor reported, and the hash recorded
    by apply is the one check expects."""
    return without_ignored(catalog, target.ignore)


def without_ignored(catalog: Catalog, patterns) -> Catalog:
    if not patterns:
        return catalog
    from dataclasses import replace
    from fnmatch import fnmatchcase

    def ignored(schema: str, name: str) -> bool:
        return any(fnmatchcase(f"{schema}.{name}", p) or fnmatchcase(name, p) for p in patterns)

    # A sequence owned by an ignored table is ignored with it.
    return replace(catalog, tables=tuple(t for t in catalog.tables if not ignored(t.schema, t.name)),
                   sequences=tuple(s for s in catalog.sequences if not (s.owned_by and ignored(*s.owned_by[:2]))))


def plan_against(conn, target: Target, desired: Catalog, options: PlanOptions = PlanOptions(),
                 data_migrations=None, live: Optional[Catalog] = None) -> Plan:
    """Plan on an open connection: inspect (unless ``live`` was read already), settle
    expressions with the server, diff; pending ``data_migrations`` (datamigrations.discover)
    are woven in between additive and contracting."""
    live = live if live is not None else read_live(conn, target, desired)
    desired = managed(target, desired)
    settled = canonicalize(conn, live, desired)
    options = replace(options, server_version=conn.info.server_version)
    changes = diff(live, settled)
    # Only a change can break what schemadiff does not manage: no query for an empty plan.
    unmanaged = read_unmanaged_of(conn, target, desired) if changes else ()
    the_plan = build_plan(changes, options, desired=desired, current=live, unmanaged=unmanaged)
    if data_migrations:
        from .deploy.datamigrations import weave

        the_plan = weave(conn, the_plan, data_migrations, options)
    return the_plan


def plan_while_loading(target: Target, load, options: PlanOptions = PlanOptions(), data_migrations=None):
    """``plan``, with the catalog read overlapping ``load()`` (which returns the desired
    catalog and its text); returns (plan, desired, text)."""
    with LiveRead(target) as reading:
        desired, text = load()
        conn, live = reading.result(desired)
        return plan_against(conn, target, desired, options, data_migrations, live=live), desired, text


def plan(target: Target, desired: Catalog, options: PlanOptions = PlanOptions(), data_migrations=None) -> Plan:
    """What would change to make the database match ``desired``."""
    with connection(target) as conn:
        return plan_against(conn, target, desired, options, data_migrations)


@dataclass
class ApplyResult:
    """The plan that was run and what running it did."""

    plan: Plan
    outcome: ApplyOutcome = field(default_factory=ApplyOutcome)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.outcome.executed)


def refuse_destructive(plan: Plan) -> None:
    if not plan.destructive:
        return
    listed = "; ".join(f"{s.description} ({', '.join(h.message for h in s.hazards if h.kind == 'destructive')})"
                       for s in plan.destructive)
    raise DestructiveChangeRefused(
        f"the plan would lose data and --allow-destructive was not given: {listed}. Nothing was changed."
    )


def apply(target: Target, desired: Catalog, snapshot: Optional[str] = None, *,
          allow_destructive: bool = False, dry_run: bool = False, lock_wait_s: float = 60.0,
          options: PlanOptions = PlanOptions(), settings: ExecutionSettings = ExecutionSettings(),
          progress: Optional[Progress] = None, fixed_plan: Optional[Plan] = None,
          on_plan=None, data_migrations=None) -> ApplyResult:
    """Bring the database to ``desired``. The plan is computed under the deploy lock, so two
    applies never plan against each other's half-done work. ``fixed_plan`` (a reviewed,
    saved plan) is checked against the fresh one by ``on_plan`` before anything runs."""
    with connection(target) as conn, DeployLock(conn, lock_wait_s):
        fresh = plan_against(conn, target, desired, options, data_migrations)
        if on_plan is not None:
            on_plan(fresh)
        chosen = fixed_plan or fresh
        if not allow_destructive:
            refuse_destructive(chosen)
        if dry_run:
            return ApplyResult(chosen, dry_run=True)
        last = versions.latest(conn, target.version_table)
        record = None
        if not chosen.empty or last is None or last.schema_hash != chosen.desired_hash:
            record = dict(schema_hash=chosen.desired_hash, tool_version=__version__,
                          statements=[s.sql for s in chosen.statements], snapshot=snapshot)
        outcome = execute(conn, chosen, settings=settings, version_table=target.version_table,
                          record=record, progress=progress)
        if any(s.kind == "DataMigration" for s in chosen.statements):
            from .deploy.datamigrations import stamp

            stamp(conn, outcome.version)
        return ApplyResult(chosen, outcome)
