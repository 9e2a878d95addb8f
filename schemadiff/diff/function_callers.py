"""Column defaults, table checks, exclusion constraints and indexes that call a function the plan drops and
makes again (its result type changes, its argument's enum or domain is rebuilt): PostgreSQL
refuses DROP FUNCTION while they exist, so each is dropped before and made again from the
file after (``diff/dependents`` decides which). The live and
desired objects of each kind, and the early drop of those the plan drops anyway. No SQL here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ..model import Catalog, CheckConstraint, ExclusionConstraint, QualifiedName
from ..model.dependencies import Reference
from ..model.tables import Constraint, Index
from ..model.types import DomainCheck
from .changes import DropConstraint, DropIndex, DropTable
from .functions import DropFunction, ReplaceFunction
from .user_types import DropDomainCheck


@dataclass(frozen=True)
class DropColumnDefault:
    """Take a column's default off while a function it calls is dropped and made again
    (``reason``); SetColumnDefault puts the file's default back afterwards."""
    table: QualifiedName
    column: str
    reason: str = ""


@dataclass(frozen=True)
class SetColumnDefault:
    """Give a column the file's default again once the function it calls exists (``reason``)."""
    table: QualifiedName
    column: str
    default: str
    reason: str = ""


@dataclass(frozen=True)
class DropCallingConstraint:
    """Drop a check or exclusion constraint while a function it calls is dropped and made again
    (``reason``); AddCallingConstraint adds the file's constraint back afterwards."""
    table: QualifiedName
    constraint: Constraint
    reason: str = ""


@dataclass(frozen=True)
class AddCallingConstraint:
    """Add the file's check or exclusion constraint again once the function it calls exists."""
    table: QualifiedName
    constraint: Constraint
    reason: str = ""


@dataclass(frozen=True)
class DropCallingIndex:
    """Drop an expression or partial index while a function it calls is dropped and made again
    (``reason``); AddCallingIndex builds the file's index again afterwards."""
    table: QualifiedName
    index: Index
    reason: str = ""


@dataclass(frozen=True)
class AddCallingIndex:
    """Build the file's index again once the function it calls exists."""
    table: QualifiedName
    index: Index
    reason: str = ""


@dataclass(frozen=True)
class DropCallingDomainCheck:
    """Drop a domain's check while a function it calls is dropped and made again (``reason``)."""
    domain: QualifiedName
    check: DomainCheck
    reason: str = ""


@dataclass(frozen=True)
class AddCallingDomainCheck:
    """Add the file's domain check again once the function it calls exists; ``blocked_by``:
    array or composite columns of the domain, which make PostgreSQL refuse to validate it."""
    domain: QualifiedName
    check: DomainCheck
    reason: str = ""
    blocked_by: tuple = ()


# -- who calls a function ------------------------------------------------------------------------

@dataclass(frozen=True)
class Caller:
    """A table's check, exclusion constraint or index, or a domain's check, as a dependent:
    live ones know the functions they call."""

    owner: QualifiedName  # the table (the domain)
    obj: Any  # CheckConstraint | ExclusionConstraint | Index | DomainCheck
    depends_on: tuple = ()


def owners(what: str, catalog: Catalog) -> dict:
    """The tables (the domains, for "domain check") of ``catalog`` by name."""
    return {d.qualified: d for d in catalog.domains} if what == "domain check" else catalog.table_map()


def callers_of(owner, what: str) -> tuple:
    """The objects of a table (a domain) of the kind ``what`` that may call a function."""
    if what == "constraint":
        return (*owner.checks, *owner.exclusions)
    return owner.indexes if what == "index" else owner.checks


def live_callers(what: str, catalog: Catalog) -> dict:
    """(schema, owner, name) -> Caller of each live object of kind ``what`` calling a function."""
    calls: dict = {}
    for f in catalog.functions:
        for kind, schema, owner, name in f.table_users:
            if kind == what:
                calls.setdefault((schema, owner, name), []).append(Reference("function", f.schema, f.signature))
    found = owners(what, catalog)
    out = {}
    for (schema, owner, name), refs in calls.items():
        live = found.get(QualifiedName(schema, owner))
        obj = next((o for o in callers_of(live, what) if o.name == name), None) if live is not None else None
        if obj is not None:
            out[(schema, owner, name)] = Caller(live.qualified, obj, tuple(refs))
    return out


def desired_callers(what: str, catalog: Catalog) -> dict:
    """(schema, owner, name) -> Caller of each object of kind ``what`` the file declares."""
    return {(k.schema, k.name, o.name): Caller(k, o) for k, owner in owners(what, catalog).items()
            for o in callers_of(owner, what)}


# -- dropped anyway: before the function --------------------------------------------------------

def dropped_first(changes: list) -> tuple[list, set]:
    """``changes`` with each check, index or domain check the plan drops (or whose table it
    drops) that calls a function dropped early to be made again dropped before the function,
    not in its own phase after it, when DROP FUNCTION would already have failed; and the
    (kind, schema, owner, name) of those users, which the function's drop no longer names."""
    early = _early_drop_reasons(changes)
    if not early:
        return changes, set()
    out, handled = [], set()
    for c in changes:
        replaced = _dropped_user(c) in early
        drops = [(_dropped_user(c), _owner_of(c), _object_of(c))] if replaced else []
        if isinstance(c, DropTable):  # its checks and indexes would go with it, after the function
            t = c.table
            drops = [((what, t.schema, t.name, o.name), t.qualified, o) for what in ("constraint", "index")
                     for o in callers_of(t, what) if (what, t.schema, t.name, o.name) in early]
        out += [_EARLY_DROP[user[0]](owner, obj, early[user]) for user, owner, obj in drops]
        handled |= {user for user, _, _ in drops}
        if not replaced:
            out.append(c)
    return (out, handled) if handled else (changes, set())


_EARLY_DROP = {"constraint": DropCallingConstraint, "index": DropCallingIndex, "domain check": DropCallingDomainCheck}


def _early_drop_reasons(changes: list) -> dict:
    """(kind, schema, owner, name) of each user of a function the plan drops early -> why."""
    early: dict = {}
    for c in changes:
        f = c.old if isinstance(c, ReplaceFunction) else c.function if isinstance(c, DropFunction) and c.reason else None
        verb = "re-creation" if isinstance(c, ReplaceFunction) else "drop"
        for user in f.table_users if f is not None else ():
            early.setdefault(user, f"before the {verb} of function {f.schema}.{f.signature}")
    return early


def _dropped_user(c) -> Optional[tuple]:
    if isinstance(c, DropConstraint) and isinstance(c.constraint, (CheckConstraint, ExclusionConstraint)):
        return ("constraint", c.table.schema, c.table.name, c.constraint.name)
    if isinstance(c, DropIndex):
        return ("index", c.table.schema, c.table.name, c.index.name)
    if isinstance(c, DropDomainCheck):
        return ("domain check", c.domain.schema, c.domain.name, c.check.name)
    return None


def _owner_of(c):
    return c.domain if isinstance(c, DropDomainCheck) else getattr(c, "table", None)


def _object_of(c):
    return getattr(c, "check", None) or getattr(c, "index", None) or getattr(c, "constraint", None)
