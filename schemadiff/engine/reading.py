"""Reading the live catalog: only what the schema file manages, never schemadiff's own tables
or the ignored ones."""

from __future__ import annotations

from .. import db
from ..catalog.inspect import inspect
from ..model import Catalog
from .target import Target


def managed_schemas(desired: Catalog) -> list[str]:
    return sorted(set(desired.schemas) | {"public"})


def read_live(conn, target: Target, desired: Catalog, every_kind: bool = False) -> Catalog:
    """The live catalog of the schemas the file manages, without schemadiff's own table
    and ignored tables; with ``every_kind``, also the kinds the file leaves alone (a scratch
    copy of the database must hold the views a change would break)."""
    live = inspect(conn, managed_schemas(desired), exclude=own_tables(target))
    return managed(target, live if every_kind else of_managed_kinds(live, desired))


def of_managed_kinds(live: Catalog, desired: Catalog) -> Catalog:
    """``live`` without the kinds ``desired`` leaves alone (views, for a file without
    ``views:``; grants for one without ``privileges:``, …): they are neither diffed nor hashed
    (a GRANT made elsewhere does not change the fingerprint), and stay in the unmanaged report."""
    from dataclasses import replace

    kept = {
        "views": live.views if desired.manages_views else (),
        "functions": tuple(f for f in live.functions
                           if (desired.manages_procedures if f.procedure else desired.manages_functions)),
        "aggregates": live.aggregates if desired.manages_aggregates else (),
        "triggers": live.triggers if desired.manages_triggers else (),
        "policies": live.policies if desired.manages_policies else (),
        "row_security": live.row_security if desired.manages_row_security else (),
        "grants": live.grants if desired.manages_grants else (),
        "default_grants": live.default_grants if desired.manages_default_grants else (),
    }
    changed = {kind: objects for kind, objects in kept.items() if objects != getattr(live, kind)}
    return replace(live, **changed) if changed else live


def own_tables(target: Target) -> list:
    from ..deploy.tracking import SYSTEM_TABLES

    return [*schemadiff_tables(target), *SYSTEM_TABLES]


def schemadiff_tables(target: Target) -> list:
    """schemadiff's own bookkeeping tables, without the other migration tools' of own_tables."""
    from ..deploy.calibration import calibration_table, scratch_table
    from ..deploy.tracking import DATA_MIGRATIONS_TABLE as TABLE

    return [target.version_table, TABLE, calibration_table(target.version_table), scratch_table(target.version_table)]


def narrowed(live: Catalog, target: Target, desired: Catalog) -> Catalog:
    """A catalog read of every schema, cut down to what read_live would have read."""
    from dataclasses import replace

    schemas = set(managed_schemas(desired))
    live = replace(live, tables=tuple(t for t in live.tables if t.schema in schemas),
                   enums=tuple(e for e in live.enums if e.schema in schemas),
                   **{kind: tuple(o for o in getattr(live, kind) if o.schema in schemas)
                      for kind in ("domains", "composites", "ranges", "collations", "sequences", "functions", "aggregates", "views",
                                   "row_security")},
                   schemas=tuple(s for s in live.schemas if s in schemas),
                   grants=tuple(g for g in live.grants if g.target.schema in schemas),
                   default_grants=tuple(g for g in live.default_grants if not g.schema or g.schema in schemas),
                   triggers=tuple(t for t in live.triggers if t.schema in schemas),
                   policies=tuple(p for p in live.policies if p.schema in schemas))
    return managed(target, of_managed_kinds(live, desired))


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
            self._live = inspect(conn, None, exclude=own_tables(self.target))
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

    # A sequence owned by an ignored table is ignored with it; a view that reads one is too (a
    # database built from the file could not make it); so are its triggers, policies and
    # row-level security.
    return replace(catalog, tables=tuple(t for t in catalog.tables if not ignored(t.schema, t.name)),
                   sequences=tuple(s for s in catalog.sequences if not (s.owned_by and ignored(*s.owned_by[:2]))),
                   views=tuple(v for v in catalog.views if not ignored(v.schema, v.name)
                               and not any(ignored(r.schema, r.name) for r in v.depends_on if r.what in ("relation", "column"))),
                   grants=tuple(g for g in catalog.grants if g.target.kind not in ("table", "column")
                                or not ignored(g.target.schema, g.target.name)),
                   triggers=tuple(t for t in catalog.triggers if not ignored(t.schema, t.table)),
                   policies=tuple(p for p in catalog.policies if not ignored(p.schema, p.table)),
                   row_security=tuple(r for r in catalog.row_security if not ignored(r.schema, r.name)))


def read_unmanaged_of(conn, target: Target, desired: Catalog) -> tuple:
    """The unmanaged objects of the schemas ``desired`` manages (one query)."""
    from ..catalog.unmanaged import read_unmanaged, without_managed

    return without_managed(read_unmanaged(conn, managed_schemas(desired), exclude=own_tables(target),
                                          ignore=target.ignore), desired)
