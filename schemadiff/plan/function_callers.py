"""SQL, locks and hazards of the column defaults, table and domain checks, exclusion constraints and indexes
dropped and made again around a function's re-creation (``diff/function_callers``).

They run in the transaction that drops and re-creates the function. The index is built
again in it, not CONCURRENTLY: CONCURRENTLY cannot run in a transaction, and built after the
commit a unique index would not hold in between (a duplicate written then fails the build and
stays). A check is added back as any check is: in an online plan NOT VALID (new rows checked at
once) and validated in a transaction of its own, so the scan runs without the ACCESS EXCLUSIVE
lock the drop took; otherwise plainly, its scan inside the transaction, which all rolls back if
a row fails it under the new function. A domain's check likewise."""

from __future__ import annotations

from ..diff import changes as ch
from ..diff import user_types as ut
from ..diff.function_callers import AddCallingConstraint, AddCallingDomainCheck, AddCallingIndex, DropCallingConstraint, \
    DropCallingDomainCheck, DropCallingIndex, DropColumnDefault, SetColumnDefault
from ..model import CheckConstraint
from ..pg.naming import qualify, quote_ident, quote_literal
from . import kinds
from .describe import constraint_word
from .hazards import ACCESS_EXCLUSIVE, hazards_of, lock_of
from .render import _comment, _guarded_add_constraint, index_sql, q
from .statements import LOCKING, Hazard, Statement
from .table_details import BRIEF_LOCK
from .user_types import SHARE_SCAN

HELD_LOCK = f"{ACCESS_EXCLUSIVE} (held until the transaction commits)"


def _constraint_comment(c) -> list[str]:
    comment = c.constraint.comment
    return [] if comment is None else [_comment("CONSTRAINT", f"{quote_ident(c.constraint.name)} ON {q(c.table)}", comment)]


def _index_comment(c) -> list[str]:
    return [] if c.index.comment is None else [_comment("INDEX", qualify(c.table.schema, c.index.name), c.index.comment)]


def _describe_add_constraint(c: AddCallingConstraint) -> str:
    return f"add {constraint_word(c.constraint)} {c.constraint.name} on {c.table} again ({c.reason})"


def _add_constraint_statements(c: AddCallingConstraint, options) -> list[Statement]:
    description, obj, kind = _describe_add_constraint(c), f"{c.table}.{c.constraint.name}", type(c).__name__
    plain = ch.AddConstraint(c.table, c.constraint)
    comments = [Statement(sql, f"{description}: set its comment", kind=kind, object=obj) for sql in _constraint_comment(c)]
    if not getattr(c.constraint, "validated", True):
        return [Statement(_guarded_add_constraint(c.table, c.constraint, True), description + " (NOT VALID, as the file declares)",
                          kind=kind, object=obj, lock=HELD_LOCK)] + comments
    if options.online and isinstance(c.constraint, CheckConstraint):
        validate = ch.ValidateConstraint(c.table, c.constraint)
        return [Statement(_guarded_add_constraint(c.table, c.constraint, True), description + " (NOT VALID: new rows checked, no scan yet)",
                          kind=kind, object=obj, lock=HELD_LOCK)] + comments + [
            Statement(f"ALTER TABLE {q(c.table)} VALIDATE CONSTRAINT {quote_ident(c.constraint.name)}",
                      f"validate check {c.constraint.name} on {c.table} ({c.reason})", hazards_of(validate),
                      kind=kind, object=obj, isolated=True, lock=lock_of(validate))]
    return [Statement(_guarded_add_constraint(c.table, c.constraint, False), description, hazards_of(plain),
                      kind=kind, object=obj, lock=lock_of(plain))] + comments


def _index_build_hazard(c: AddCallingIndex) -> tuple:
    return (Hazard(LOCKING, "INDEX_BUILD", f"builds index {c.index.name} again inside the transaction that re-creates "
                   f"the function it calls, not CONCURRENTLY: the drop of the index took an {ACCESS_EXCLUSIVE} lock on "
                   f"{c.table}, so its reads and writes wait until the transaction commits"),)


kinds.register(
    DropCallingConstraint,
    describe=lambda c: f"drop {constraint_word(c.constraint)} {c.constraint.name} on {c.table} ({c.reason})",
    render=lambda c: [f"ALTER TABLE IF EXISTS {q(c.table)} DROP CONSTRAINT IF EXISTS {quote_ident(c.constraint.name)}"],
    lock=lambda c: HELD_LOCK, object=lambda c: f"{c.table}.{c.constraint.name}", kind="constraint", problem="differs",
)
kinds.register(
    AddCallingConstraint,
    describe=_describe_add_constraint,
    render=lambda c: [_guarded_add_constraint(c.table, c.constraint, False)] + _constraint_comment(c),
    hazards=lambda c: hazards_of(ch.AddConstraint(c.table, c.constraint)),
    lock=lambda c: lock_of(ch.AddConstraint(c.table, c.constraint)),
    object=lambda c: f"{c.table}.{c.constraint.name}", kind="constraint", problem="differs",
    statements=_add_constraint_statements,
)
kinds.register(
    DropCallingIndex,
    describe=lambda c: f"drop index {c.index.name} on {c.table} ({c.reason})",
    render=lambda c: [f"DROP INDEX IF EXISTS {qualify(c.table.schema, c.index.name)}"],
    lock=lambda c: HELD_LOCK, object=lambda c: f"{c.table}.{c.index.name}", kind="index", problem="differs",
)
kinds.register(
    AddCallingIndex,
    describe=lambda c: f"build index {c.index.name} on {c.table} again ({c.reason})",
    render=lambda c: [index_sql(c.table, c.index)] + _index_comment(c),
    hazards=_index_build_hazard,
    lock=lambda c: f"{ACCESS_EXCLUSIVE} (held from the drop of the index; whole build)",
    object=lambda c: f"{c.table}.{c.index.name}", kind="index", problem="differs",
)


def _add_domain_check_sql(c: AddCallingDomainCheck, not_valid: bool) -> str:
    suffix = " NOT VALID" if not_valid else ""
    return ("DO $schemadiff$ BEGIN\n"
            f"  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = {quote_literal(c.check.name)}"
            f" AND contypid = {quote_literal(q(c.domain))}::regtype) THEN\n"
            f"    ALTER DOMAIN {q(c.domain)} ADD CONSTRAINT {quote_ident(c.check.name)} CHECK ({c.check.expression}){suffix};\n"
            "  END IF;\n"
            "END $schemadiff$")


def _describe_add_domain_check(c: AddCallingDomainCheck) -> str:
    return f"add check {c.check.name} to domain {c.domain} again ({c.reason})"


def _add_domain_check_statements(c: AddCallingDomainCheck, options) -> list[Statement]:
    """As a changed domain check: NOT VALID, then validated in a transaction of its own; offline
    (and validated) plainly, checking every column of the domain inside the transaction."""
    description, obj, kind = _describe_add_domain_check(c), f"{c.domain}.{c.check.name}", type(c).__name__
    if not c.check.validated:
        return [Statement(_add_domain_check_sql(c, True), description + " (NOT VALID, as the file declares)", kind=kind, object=obj)]
    validate = ut.ValidateDomainCheck(c.domain, c.check, c.blocked_by)
    if not options.online:
        return [Statement(_add_domain_check_sql(c, False), description, kinds.RULES[ut.ValidateDomainCheck].hazards(validate),
                          kind=kind, object=obj, lock=SHARE_SCAN)]
    return [Statement(_add_domain_check_sql(c, True), description + " (NOT VALID: new values checked, no scan yet)", kind=kind, object=obj),
            Statement(kinds.RULES[ut.ValidateDomainCheck].render(validate)[0], f"validate check {c.check.name} of domain {c.domain} ({c.reason})",
                      kinds.RULES[ut.ValidateDomainCheck].hazards(validate), kind=kind, object=obj, isolated=True, lock=SHARE_SCAN)]


kinds.register(
    DropCallingDomainCheck,
    describe=lambda c: f"drop check {c.check.name} of domain {c.domain} ({c.reason})",
    render=lambda c: [f"ALTER DOMAIN {q(c.domain)} DROP CONSTRAINT IF EXISTS {quote_ident(c.check.name)}"],
    object=lambda c: f"{c.domain}.{c.check.name}", kind="domain", problem="differs",
)
kinds.register(
    AddCallingDomainCheck,
    describe=_describe_add_domain_check,
    render=lambda c: [_add_domain_check_sql(c, False)],
    object=lambda c: f"{c.domain}.{c.check.name}", kind="domain", problem="differs",
    statements=_add_domain_check_statements,
)


# -- column defaults taken off and put back around a function's re-creation ---------------------

kinds.register(
    DropColumnDefault,
    describe=lambda c: f"drop default of column {c.table}.{c.column} ({c.reason})",
    render=lambda c: [f"ALTER TABLE {q(c.table)} ALTER COLUMN {quote_ident(c.column)} DROP DEFAULT"],
    lock=lambda c: BRIEF_LOCK, object=lambda c: f"{c.table}.{c.column}", kind="column", problem="differs",
)
kinds.register(
    SetColumnDefault,
    describe=lambda c: f"set default of column {c.table}.{c.column} ({c.reason})",
    render=lambda c: [f"ALTER TABLE {q(c.table)} ALTER COLUMN {quote_ident(c.column)} SET DEFAULT {c.default}"],
    lock=lambda c: BRIEF_LOCK, object=lambda c: f"{c.table}.{c.column}", kind="column", problem="differs",
)
