"""The domain errors. The library raises these; the CLI turns each into one paragraph and
the exit code documented in the README."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence


class SchemadiffError(Exception):
    """Base of every error schemadiff reports to a user."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a schema file, located by file, line and YAML path."""

    message: str
    file: str = "<schema>"
    line: Optional[int] = None
    path: str = ""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        at = f" (at {self.path})" if self.path else ""
        return f"{where}: {self.message}{at}"


class SchemaFileError(SchemadiffError):
    """The desired-state file cannot be read or is not a valid schema."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        shown = "\n".join(str(p) for p in self.problems[:20])
        more = len(self.problems) - 20
        if more > 0:
            shown += f"\n… and {more} more problem(s)"
        super().__init__(shown)


class ConnectionFailed(SchemadiffError):
    """The database could not be reached or refused the credentials."""


class DestructiveChangeRefused(SchemadiffError):
    """The plan would lose data and --allow-destructive was not given."""

    exit_code = 4


class LockNotAcquired(SchemadiffError):
    """Another apply holds the deploy lock, or a table lock could not be had in time."""

    exit_code = 5


class StalePlan(SchemadiffError):
    """A saved plan no longer matches the database or the desired file."""

    exit_code = 6


class LockTimeRefused(SchemadiffError):
    """The plan is expected to hold a write-blocking lock longer than --max-lock-time."""

    exit_code = 7


class ApplyFailed(SchemadiffError):
    """A statement failed while applying; says how far the apply got."""

    def __init__(self, message: str, executed: int = 0, total: int = 0):
        self.executed = executed
        self.total = total
        super().__init__(message)


class PrivilegeMissing(SchemadiffError):
    """The connected role lacks a privilege a read or a statement needs; names the GRANT
    (or the ownership) that would fix it."""


class GrantTargetMissing(SchemadiffError):
    """The file's ``privileges:`` name a role that does not exist, or an object that neither
    exists nor is declared in the file; found before anything runs, nothing is changed."""
