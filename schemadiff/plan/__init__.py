"""Order changes, attach their SQL and hazards: the plan that `plan` shows and `apply` runs.

``order`` decides when each change runs, ``hazards`` what it risks, ``describe`` how it reads,
``render`` its SQL; ``kinds`` is where object kinds beyond tables and enums plug in. This
module turns each change into statements, choosing the online path where there is one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Sequence

from ..diff import changes as ch
from ..model import Catalog, CheckConstraint, ForeignKey, QualifiedName
from . import constraints as _constraints  # noqa: F401  (registers its change rules)
from . import kinds, render
from . import (aggregates, comments, extensions, function_callers, functions, grants, inheritance, partitions,  # noqa: F401
               security, sequences, table_details, text_search, triggers, user_types, views)  # each registers its change types with kinds
from .cost import with_sizes
from .describe import constraint_word, describe, object_name
from .hazards import ACCESS_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE, hazards_of, lock_of, probable_renames
from .order import order
from .privileges import Blocked, Privileges, needs
from .statements import DESTRUCTIVE, LOCKING, PERMISSION, Hazard, Plan, PlanHashes, PlanOptions, Statement
from .unmanaged import dependent_hazards

__all__ = [
    "DESTRUCTIVE", "LOCKING", "PERMISSION", "Hazard", "Plan", "PlanHashes", "PlanOptions", "Statement", "build_plan",
    "describe", "hazards_of", "lock_of", "order",
]


def build_plan(changes: Sequence, options: PlanOptions = PlanOptions(), *,
               desired: Optional[Catalog] = None, current: Optional[Catalog] = None,
               unmanaged: Sequence = (), privileges: Optional[Privileges] = None) -> Plan:
    """Order ``changes`` and turn each into statements with hazards; ``desired`` and
    ``current`` are the catalogs the plan's hashes are taken of, when asked for;
    ``unmanaged`` (catalog.unmanaged) the objects schemadiff does not manage, named in the
    hazards of the changes that would break or drop them; ``privileges`` what the connected
    role may do, from which the plan lists the statements it cannot run."""
    statements: list[Statement] = []
    blocked: list[Blocked] = []
    renames = probable_renames(changes)
    for change in order(changes):
        produced = [with_sizes(s, change, current) for s in _statements(change, options)]
        extra = ((renames[change],) if change in renames else ()) + dependent_hazards(change, unmanaged)
        if extra:
            first = produced[0]
            produced[0] = replace(first, hazards=first.hazards + extra)
        reasons = privileges.missing(needs(change)) if privileges is not None else ()
        if reasons:
            blocked.append(Blocked(produced[0], produced[0].description, reasons))
        statements += produced
    return Plan(tuple(statements), tuple(changes), PlanHashes(desired=desired, current=current), tuple(blocked))


def _statements(change, options: PlanOptions) -> list[Statement]:
    if type(change) in kinds.RULES:
        change = kinds.RULES[type(change)].adapt(change, options)
    rules = kinds.RULES.get(type(change))
    if rules is not None and rules.statements is not None:
        return rules.statements(change, options)
    kind = type(change).__name__
    obj = object_name(change)
    description = describe(change)
    if isinstance(change, ch.AddIndex) and options.online and not change.new_table:
        sql = render.render(change, concurrently=True)[0]
        hazards = (Hazard(LOCKING, "INDEX_BUILD", f"builds the index CONCURRENTLY under a {SHARE_UPDATE_EXCLUSIVE} lock: "
                          "reads and writes continue, but it waits for running transactions on the table and scans it twice"),)
        return [Statement(sql, description, hazards, transactional=False, kind=kind, object=obj,
                          lock=f"{SHARE_UPDATE_EXCLUSIVE} (whole build; writes continue)",
                          builds_index=QualifiedName(change.table.schema, change.index.name))]
    if isinstance(change, ch.DropIndex) and options.online:
        sql = render.render(change, concurrently=True)[0]
        return [Statement(sql, description, (), transactional=False, kind=kind, object=obj,
                          lock=f"{SHARE_UPDATE_EXCLUSIVE} (CONCURRENTLY; writes continue)")]
    if isinstance(change, ch.AddConstraint) and not getattr(change.constraint, "validated", True):
        lock = "" if change.new_table else f"{lock_of(change).split(' (')[0]} (brief; NOT VALID: no scan)"
        return [Statement(render.render(change, not_valid=True)[0], description + " (NOT VALID, as the file declares)",
                          (), kind=kind, object=obj, lock=lock)]
    if isinstance(change, ch.AddConstraint) and options.online and not change.new_table \
            and isinstance(change.constraint, (ForeignKey, CheckConstraint)):
        add = render.render(change, not_valid=True)[0]
        validate = ch.ValidateConstraint(change.table, change.constraint)
        return [
            Statement(add, description + " (NOT VALID: no scan yet)", (), kind=kind, object=obj, lock=lock_of(change)),
            Statement(render.render(validate)[0], f"validate {constraint_word(change.constraint)} {obj}",
                      hazards_of(validate), kind="ValidateConstraint", object=obj, isolated=True, lock=lock_of(validate)),
        ]
    if isinstance(change, ch.AlterColumn) and options.online and change.changed == ("nullable",) and not change.to.nullable:
        return _online_set_not_null(change, description, obj)
    sqls = render.render(change)
    hazards = hazards_of(change)
    lock = lock_of(change)
    isolated, transactional = isinstance(change, (ch.AddEnumValue, ch.ValidateConstraint)), True
    if type(change) in kinds.RULES:
        isolated, transactional = kinds.RULES[type(change)].isolated, kinds.RULES[type(change)].transactional
    first = Statement(sqls[0], description, hazards, kind=kind, object=obj, lock=lock, isolated=isolated,
                      transactional=transactional)
    return [first] + [Statement(sql, _follow_up(sql, description), (), kind=kind, object=obj, lock=lock,
                                transactional=transactional) for sql in sqls[1:]]


def _follow_up(sql: str, description: str) -> str:
    """Describe the extra statements of a change (comments after CREATE TABLE, …)."""
    if sql.startswith("COMMENT ON"):
        return f"{description}: set comment on {sql.split(' ')[2].lower()} {sql.split(' ')[3]}"
    if "PERFORM setval(" in sql:
        return f"{description}: move the new sequence past the values already in the column"
    return f"{description} (continued)"


def _online_set_not_null(change: ch.AlterColumn, description: str, obj: str) -> list[Statement]:
    """SET NOT NULL scans under an ACCESS EXCLUSIVE lock unless a validated CHECK (col IS NOT
    NULL) already proves it (PostgreSQL 12+); so add that check NOT VALID, validate it under a
    weaker lock, set NOT NULL without a scan, and drop the helper check."""
    from ..pg.naming import make_object_name, quote_ident

    col = quote_ident(change.to.name)
    helper = CheckConstraint(make_object_name(change.table.name, change.to.name, "not_null"), f"{col} IS NOT NULL")
    add = ch.AddConstraint(change.table, helper)
    brief = f"{ACCESS_EXCLUSIVE} (brief; no scan, no rewrite)"
    return [
        Statement(render.render(add, not_valid=True)[0], f"{description}: add helper check NOT VALID", kind="AlterColumn", object=obj, lock=brief),
        Statement(render.render(ch.ValidateConstraint(change.table, helper))[0], f"{description}: validate helper check",
                  (Hazard(LOCKING, "VALIDATE_SCAN", f"scans the table for NULLs in a transaction of its own under a {SHARE_UPDATE_EXCLUSIVE} "
                          "lock: reads and writes continue; no rewrite"),),
                  kind="AlterColumn", object=obj, isolated=True, lock=f"{SHARE_UPDATE_EXCLUSIVE} (whole scan; writes continue)"),
        Statement(render.render(change)[0], description + " (proved by the validated check: no scan)", (), kind="AlterColumn", object=obj, lock=brief),
        Statement(render.render(ch.DropConstraint(change.table, helper))[0], f"{description}: drop helper check", kind="AlterColumn", object=obj, lock=brief),
    ]


