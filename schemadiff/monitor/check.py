"""The diff read as a health report: what is missing, extra or different, how bad that is,
and whether the recorded version matches the file."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

from ..deploy import versions
from ..catalog.canonicalize import canonicalize
from ..errors import ConnectionFailed, PrivilegeMissing, SchemadiffError
from ..model import Catalog, catalog_hash
from .findings import CRITICAL, EXIT_CODES, INCOMPLETE, OK, UNEXPECTED, UNKNOWN, SEVERITY_RANK, WARNING, Finding, display
from . import health

@dataclass
class HealthReport:
    """Everything `schemadiff check` reports, JSON-ready via as_dict()."""

    connected: bool
    error: Optional[str] = None
    findings: list[Finding] = field(default_factory=list)
    table_count: int = 0
    index_count: int = 0
    version: Optional[versions.Version] = None
    # Why the version table could not be read (a least-privilege role), with the GRANT that
    # would fix it; the version part of the report is then unknown.
    version_error: Optional[str] = None
    desired_hash: str = ""
    duration_s: float = 0.0
    expected_tables: tuple = ()
    expected_indexes: tuple = ()
    # What the managed schemas hold that schemadiff does not manage (catalog.unmanaged), each
    # with the pending changes that would break or drop it. Information, not a health problem:
    # it never changes the status (a view is not a fault), so it is listed, not counted.
    unmanaged: tuple = ()
    # What the role could not read besides the version table (sequences it has no privilege
    # on), each naming the GRANT that would let it: information, like ``unmanaged``.
    unread: tuple = ()
    # The status when there is no report: critical when the database could not be reached or
    # read, unknown when schemadiff could not tell (bad configuration, a defect in schemadiff).
    failure: str = CRITICAL

    @property
    def status(self) -> str:
        if not self.connected:
            return self.failure
        worst = max((SEVERITY_RANK[f.severity] for f in self.findings), default=0)
        return next(k for k, v in SEVERITY_RANK.items() if v == worst)

    @property
    def healthy(self) -> bool:
        return self.status == OK

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def named(self, kind: str, problem: str) -> list[str]:
        return [f.object for f in self.findings if f.kind == kind and f.problem == problem]

    def as_dict(self) -> dict:
        missing_tables = self.named("table", "missing")
        missing_indexes = self.named("index", "missing")
        invalid_indexes = self.named("index", "invalid")
        return {
            "status": self.status,
            "overall_healthy": self.healthy,
            "connectivity": {"ok": self.connected, "error": self.error},
            "tables": {"ok": self.connected and not missing_tables, "missing": missing_tables,
                       "extra": self.named("table", "extra"), "expected": len(self.expected_tables)},
            "indexes": {"ok": self.connected and not missing_indexes and not invalid_indexes,
                        "missing": missing_indexes, "invalid": invalid_indexes,
                        "extra": self.named("index", "extra"), "differs": self.named("index", "differs"),
                        "expected": len(self.expected_indexes)},
            "columns": _group(self, "column"),
            "constraints": _group(self, "constraint") | {"not_valid": self.named("constraint", "not_valid")},
            "enums": _group(self, "enum"),
            "version": {
                "ok": None if self.version_error else
                      not self.named("version", "behind") and not self.named("version", "unrecorded"),
                "readable": self.version_error is None,
                "error": self.version_error,
                "current": self.version.version if self.version else None,
                "current_hash": self.version.schema_hash if self.version else None,
                "applied_at": self.version.applied_at.isoformat() if self.version else None,
                "expected_hash": self.desired_hash,
            },
            "findings": [f.as_dict() for f in self.findings],
            "unread": list(self.unread),
            "unmanaged": {"count": len(self.unmanaged),
                          "objects": [obj.as_dict() | {"affected_by": list(affected)} for obj, affected in self.unmanaged]},
            "duration_seconds": round(self.duration_s, 4),
        }


def _group(report: HealthReport, kind: str) -> dict:
    missing, extra, differs = (report.named(kind, p) for p in ("missing", "extra", "differs"))
    return {"ok": report.connected and not missing and not differs, "missing": missing, "extra": extra, "differs": differs}


def findings_from_changes(changes) -> list[Finding]:
    """Translate the changes a plan would make into what is wrong now."""
    out: list[Finding] = []
    if not changes:
        return out
    from ..diff import changes as ch

    dropped_indexes = {(c.table, c.index.name): c for c in changes if isinstance(c, ch.DropIndex)}
    dropped_constraints = {(c.table, c.constraint.name) for c in changes if isinstance(c, ch.DropConstraint)}
    added_indexes = {(c.table, c.index.name) for c in changes if isinstance(c, ch.AddIndex)}
    added_constraints = {(c.table, c.constraint.name) for c in changes if isinstance(c, ch.AddConstraint)}
    for c in changes:
        out += _finding(c, dropped_indexes, dropped_constraints, added_indexes, added_constraints)
    return out


def _finding(c, dropped_indexes, dropped_constraints, added_indexes, added_constraints) -> list[Finding]:
    from ..diff import changes as ch

    reason = getattr(c, "reason", "")
    if reason.startswith("re-created around"):  # the change it is made again around is the finding
        return []
    if reason and type(c).__name__ in ("DropView", "CreateView"):  # made again: one finding, from the create
        view = c.view
        return [] if type(c).__name__ == "DropView" else [
            Finding(WARNING, "view", "differs", display(view.qualified), f"{view.kind} {view.qualified} differs ({reason})")]
    if isinstance(c, ch.CreateTable):
        return [Finding(CRITICAL, "table", "missing", display(c.table.qualified), f"table {c.table.qualified} is missing")] + [
            Finding(CRITICAL, "index", "missing", i.name, f"index {i.name} on {c.table.qualified} is missing") for i in c.table.indexes]
    if isinstance(c, ch.DropTable):
        return [Finding(WARNING, "table", "extra", display(c.table.qualified), f"table {c.table.qualified} is not in the schema file")]
    if isinstance(c, ch.AddColumn):
        return [Finding(CRITICAL, "column", "missing", f"{display(c.table)}.{c.column.name}", f"column {c.table}.{c.column.name} is missing")]
    if isinstance(c, ch.DropColumn):
        return [Finding(WARNING, "column", "extra", f"{display(c.table)}.{c.column.name}", f"column {c.table}.{c.column.name} is not in the schema file")]
    if isinstance(c, ch.AlterColumn):
        severity = CRITICAL if {"type", "nullable"} & set(c.changed) else WARNING
        return [Finding(severity, "column", "differs", f"{display(c.table)}.{c.to.name}",
                        f"column {c.table}.{c.to.name} differs in {', '.join(c.changed)}")]
    if isinstance(c, ch.AddIndex):
        if (c.table, c.index.name) in dropped_indexes:
            old = dropped_indexes[(c.table, c.index.name)].index
            if not old.valid:
                return [Finding(CRITICAL, "index", "invalid", c.index.name, f"index {c.index.name} on {c.table} is INVALID (an interrupted concurrent build); apply rebuilds it")]
            return [Finding(WARNING, "index", "differs", c.index.name, f"index {c.index.name} on {c.table} differs from the file")]
        if c.new_table:
            return []
        return [Finding(CRITICAL, "index", "missing", c.index.name, f"index {c.index.name} on {c.table} is missing")]
    if isinstance(c, ch.DropIndex):
        if (c.table, c.index.name) in added_indexes:
            return []
        return [Finding(WARNING, "index", "extra", c.index.name, f"index {c.index.name} on {c.table} is not in the schema file")]
    if isinstance(c, ch.AddConstraint):
        name = f"{display(c.table)}.{c.constraint.name}"
        if (c.table, c.constraint.name) in dropped_constraints:
            return [Finding(WARNING, "constraint", "differs", name, f"constraint {c.constraint.name} on {c.table} differs from the file")]
        if c.new_table:
            return []
        return [Finding(CRITICAL, "constraint", "missing", name, f"constraint {c.constraint.name} on {c.table} is missing")]
    if isinstance(c, ch.ValidateConstraint):  # NOT VALID while the file wants it valid
        return [Finding(WARNING, "constraint", "not_valid", f"{display(c.table)}.{c.constraint.name}",
                        f"constraint {c.constraint.name} on {c.table} is NOT VALID: existing rows were never checked")]
    if isinstance(c, ch.DropConstraint):
        if (c.table, c.constraint.name) in added_constraints:
            return []
        return [Finding(WARNING, "constraint", "extra", f"{display(c.table)}.{c.constraint.name}", f"constraint {c.constraint.name} on {c.table} is not in the schema file")]
    if isinstance(c, ch.CreateEnum):
        return [Finding(CRITICAL, "enum", "missing", display(c.enum.qualified), f"enum {c.enum.qualified} is missing")]
    if isinstance(c, ch.DropEnum):
        return [Finding(WARNING, "enum", "extra", display(c.enum.qualified), f"enum {c.enum.qualified} is not in the schema file")]
    if isinstance(c, (ch.AddEnumValue, ch.RecreateEnum, ch.RenameEnumValue, ch.RenameEnum)):
        target = getattr(c, "enum", None) or (c.to.qualified if hasattr(c, "to") else getattr(c, "new", None))
        return [Finding(CRITICAL, "enum", "differs", str(target), f"enum {target} differs from the file")]
    if isinstance(c, ch.CreateSchema):
        return [Finding(CRITICAL, "schema", "missing", c.name, f"schema {c.name} is missing")]
    if isinstance(c, ch.SetTableComment):
        return [Finding(WARNING, "comment", "differs", display(c.table), f"comment on table {c.table} differs")]
    if isinstance(c, (ch.RenameTable, ch.RenameColumn, ch.RenameIndex, ch.RenameConstraint)):
        old = getattr(c, "old", "")
        where = f" on {c.table}" if hasattr(c, "table") else ""
        return [Finding(WARNING, "rename", "pending", str(c.new), f"pending rename of {old}{where} to {c.new}")]
    return _kind_finding(c)


def _kind_finding(c) -> list[Finding]:
    """A change of an object kind that registered its rules with the planner."""
    from ..plan import kinds

    rules = kinds.rules_for(c)
    return [Finding(rules.severity, rules.kind, rules.problem, rules.object(c), rules.describe(c))]


def version_findings(last: Optional[versions.Version], desired_hash: str) -> list[Finding]:
    if last is None:
        return [Finding(WARNING, "version", "unrecorded", "schemadiff_version",
                        "no version recorded: schemadiff has never applied this schema here (run apply to record a baseline)")]
    if last.schema_hash != desired_hash:
        return [Finding(WARNING, "version", "behind", f"version {last.version}",
                        f"the last applied version ({last.version}, {last.applied_at:%Y-%m-%d %H:%M}) was made from a different schema file")]
    return []


def check_on(conn, target, live: Catalog, desired: Catalog) -> HealthReport:
    """Build the report from an open connection and the live catalog already read
    (``engine.read_live``: without the ignored tables, which the file loses here too)."""
    from ..engine import managed

    from ..engine import read_unmanaged_of

    desired = managed(target, desired)
    settled = canonicalize(conn, live, desired)
    changes = _diff(live, settled)  # never skipped on equality: the differ also sees what equality ignores (an INVALID index)
    findings = findings_from_changes(changes)
    unmanaged = affected_unmanaged(read_unmanaged_of(conn, target, desired), changes)

    beyond_diff, unread = health.health_findings(conn, live, desired)
    findings += beyond_diff
    desired_hash = catalog_hash(desired)
    try:
        last, version_error = versions.latest(conn, target.version_table), None
        findings += version_findings(last, desired_hash)
    except PrivilegeMissing as exc:
        last, version_error = None, str(exc)
        findings.append(unreadable_version(version_error))
    return HealthReport(
        connected=True, findings=findings, table_count=len(live.tables), index_count=live.index_count,
        version=last, version_error=version_error, desired_hash=desired_hash, unmanaged=unmanaged,
        unread=tuple(unread), **expected(desired),
    )


def _diff(live: Catalog, settled: Catalog) -> list:
    """The changes; the differ is imported here, when a check has read the catalog."""
    from ..diff import diff

    return diff(live, settled)


def unreadable_version(error: str) -> Finding:
    """The version part of a check whose role may not read the version table: unknown. A
    warning rather than unknown, because the schema itself was read in full and the worst the
    version part can find (never applied, applied from another file) is a warning: so the
    status is never better than with the table readable, and a critical schema stays critical."""
    return Finding(WARNING, "version", "unreadable", "schemadiff_version",
                   f"the recorded version is unknown: {error}")


def affected_unmanaged(objects, changes) -> tuple:
    """(object, descriptions of the pending changes that would break or drop it) for each
    unmanaged object, as plan's UNMANAGED_DEPENDENT hazards would name them."""
    if not changes:  # nothing pending: nothing to name, and no planner to import
        return tuple((obj, ()) for obj in objects)
    from ..plan.describe import describe
    from ..plan.unmanaged import dependent_hazards

    out = []
    for obj in objects:
        affected = [describe(c) for c in changes if obj.depends and dependent_hazards(c, (obj,))]
        out.append((obj, tuple(affected)))
    return tuple(out)


def expected(desired: Catalog) -> dict:
    """What the file expects, for the report's counts (also when the database is unreachable)."""
    return {"expected_tables": tuple(display(t.qualified) for t in desired.tables),
            "expected_indexes": tuple(i.name for t in desired.tables for i in t.indexes)}


def unknown(error: str) -> HealthReport:
    """The report of a check that could not start: the state of the database is unknown."""
    return HealthReport(connected=False, error=error, failure=UNKNOWN)


def check(target, desired: Catalog, *, raise_unexpected: bool = False) -> HealthReport:
    """Connect and report. An unreachable database, or one that fails a query, is a critical
    report; a bad database URL or a defect in schemadiff is unknown (``raise_unexpected``
    re-raises the defect instead, for ``--debug``). Never raises otherwise."""
    import psycopg

    from ..engine import connection, managed, read_live

    started = time.perf_counter()
    counts = expected(managed(target, desired))
    try:
        with connection(target) as conn:
            live = read_live(conn, target, desired)
            report = check_on(conn, target, live, desired)
    except ConnectionFailed as exc:
        report = HealthReport(connected=False, error=str(exc), **counts)
    except SchemadiffError as exc:  # the configuration, e.g. a malformed URL
        report = HealthReport(connected=False, error=str(exc), failure=UNKNOWN, **counts)
    except psycopg.Error as exc:  # the server answered but failed mid-way (statement timeout, …)
        first = _first_line(exc)
        # Catalog functions (pg_get_expr, pg_get_indexdef) wait for a lock another
        # transaction holds ACCESS EXCLUSIVE, e.g. a stuck migration: say so.
        hint = " (a transaction may hold a lock on a managed table)" if "statement timeout" in first else ""
        report = HealthReport(connected=False, error=f"{INCOMPLETE}: {first}{hint}", **counts)
    except Exception as exc:
        if raise_unexpected:
            raise
        report = HealthReport(connected=False, error=unexpected(exc), failure=UNKNOWN, **counts)
    report.duration_s = time.perf_counter() - started
    return report


def unexpected(exc: Exception) -> str:
    """The one-line error for a failure inside schemadiff itself."""
    return f"{UNEXPECTED}: {type(exc).__name__}: {_first_line(exc)} (run again with --debug for the traceback)"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
