"""Table checks, exclusion constraints and indexes that call a function the plan drops and
makes again (its result type changes, its argument's enum or domain is rebuilt): PostgreSQL
refuses DROP FUNCTION while they exist, so each is dropped before and made again from the
file after (``diff/dependents`` decides which). No SQL here."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import QualifiedName
from ..model.tables import Constraint, Index
from ..model.types import DomainCheck


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
