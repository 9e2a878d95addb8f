"""Applying a plan on a target under the deploy lock, recording the version it makes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from .. import __version__
from ..deploy import versions
from ..deploy.apply import ApplyOutcome, DeployLock, ExecutionSettings, Progress, execute
from ..errors import DestructiveChangeRefused, LockTimeRefused, PrivilegeMissing
from ..plan.unmanaged import CODE as UNMANAGED_DEPENDENT
from ..model import Catalog
from ..plan import Plan, PlanOptions
from .planning import plan_against
from .target import Target, connection


@dataclass
class ApplyResult:
    """The plan that was run and what running it did."""

    plan: Plan
    outcome: ApplyOutcome = field(default_factory=ApplyOutcome)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.outcome.executed)


def refuse_destructive(plan: Plan, outcome: str = "Nothing was changed.") -> None:
    """Refuse a plan that would lose data, or that reaches objects the file does not manage (a
    view the file leaves alone reading a column whose type changes), unless allowed."""
    refused = [s for s in plan.statements if s.destructive or _reaches_unmanaged(s)]
    if not refused:
        return
    listed = "; ".join(f"{s.description} ({', '.join(h.message for h in s.hazards if _refusing(h))})"
                       for s in refused)
    what = "would lose data" if plan.destructive else "reaches objects the schema file does not manage"
    raise DestructiveChangeRefused(f"the plan {what} and --allow-destructive was not given: {listed}. {outcome}")


def _refusing(hazard) -> bool:
    return hazard.kind == "destructive" or hazard.code == UNMANAGED_DEPENDENT


def _reaches_unmanaged(statement) -> bool:
    return any(h.code == UNMANAGED_DEPENDENT for h in statement.hazards)


def refuse_long_locks(plan: Plan, max_lock_s: float, outcome: str = "Nothing was changed.") -> None:
    """Refuse a plan expected to hold a write-blocking lock on a table longer than
    ``max_lock_s`` seconds (0: no limit), naming the statement and its online path."""
    from ..plan.cost import duration, online_path, over_limit

    if not max_lock_s or plan.throughput is None:
        return
    found = over_limit(plan, max_lock_s)
    if not found:
        return
    parts = []
    for hold in found:
        statement = plan.statements[hold.statement]
        parts.append(f"statement {hold.statement + 1} ({statement.description}) holds {hold.lock} on {hold.table} for "
                     f"up to {duration(hold.seconds)} by estimate ({plan.throughput.source()}); {online_path(statement)}")
    raise LockTimeRefused(f"the plan exceeds --max-lock-time {duration(max_lock_s)}: {'; '.join(parts)}. "
                          f"Raise --max-lock-time (or max_lock_time in schemadiff.toml) to accept it. {outcome}")


def refuse_unrunnable(plan: Plan) -> None:
    """Refuse, before anything runs, a plan the connected role cannot carry out, naming the
    first statement it cannot run (``plan`` lists them all)."""
    if not plan.blocked:
        return
    first = plan.blocked[0]
    number = plan.number_of(first.statement) if first.statement is not None else None
    where = f"statement {number} ({first.line})" if number else first.line
    more = f"; {len(plan.blocked) - 1} more listed by `schemadiff plan`" if len(plan.blocked) > 1 else ""
    raise PrivilegeMissing(f"the connected role cannot carry out this plan: {where}{more}. Nothing was changed.")


def apply(target: Target, desired: Catalog, snapshot: Optional[str] = None, *,
          allow_destructive: bool = False, dry_run: bool = False, lock_wait_s: float = 60.0,
          options: PlanOptions = PlanOptions(), settings: ExecutionSettings = ExecutionSettings(),
          progress: Optional[Progress] = None, fixed_plan: Optional[Plan] = None,
          on_plan=None, data_migrations=None, recorded_hash: Optional[str] = None,
          max_lock_s: float = 0.0) -> ApplyResult:
    """Bring the database to ``desired``. The plan is computed under the deploy lock, so two
    applies never plan against each other's half-done work. ``fixed_plan`` (a reviewed,
    saved plan) is checked against the fresh one by ``on_plan`` before anything runs.
    ``recorded_hash`` is the hash the version row records when it is not that of ``desired``
    (a rollback plans its snapshot with rename hints reversed, and records the snapshot's).
    ``max_lock_s`` refuses a plan expected to write-lock a table longer (0: no limit)."""
    with connection(target) as conn, DeployLock(conn, lock_wait_s):
        fresh = plan_against(conn, target, desired, options, data_migrations)
        if on_plan is not None:
            on_plan(fresh)
        chosen = _costed_like(fixed_plan, fresh) if fixed_plan is not None else fresh
        if not allow_destructive:
            refuse_destructive(chosen)
        refuse_unrunnable(fresh)
        refuse_long_locks(fresh, max_lock_s)
        if dry_run:
            return ApplyResult(chosen, dry_run=True)
        last = versions.latest(conn, target.version_table)
        schema_hash = recorded_hash or chosen.desired_hash
        record = None
        if not chosen.empty or last is None or last.schema_hash != schema_hash:
            record = dict(schema_hash=schema_hash, tool_version=__version__,
                          statements=[s.sql for s in chosen.statements], snapshot=snapshot)
        outcome = execute(conn, chosen, settings=settings, version_table=target.version_table,
                          record=record, progress=progress)
        if any(s.kind == "DataMigration" for s in chosen.statements):
            from ..deploy.datamigrations import stamp

            stamp(conn, outcome.version)
        return ApplyResult(chosen, outcome)


def _costed_like(saved: Plan, fresh: Plan) -> Plan:
    """The saved plan with the sizes and estimates of the fresh one, which ``on_plan`` found to
    be the same statements: a saved plan's file records neither, as they change with the data."""
    if len(saved.statements) != len(fresh.statements):
        return saved
    statements = tuple(replace(s, work=f.work, touches=f.touches, estimate=f.estimate)
                       for s, f in zip(saved.statements, fresh.statements))
    return replace(saved, statements=statements, throughput=fresh.throughput,
                   transactions_note=fresh.transactions_note)
