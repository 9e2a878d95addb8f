"""What a health check finds: severities, one finding, and how objects are named in them.
Shared by ``check`` (the diff read as health) and ``health`` (checks beyond the diff)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import QualifiedName

OK, WARNING, CRITICAL, UNKNOWN = "ok", "warning", "critical", "unknown"
INCOMPLETE = "the check did not finish"  # error prefix when the server answered but a query failed
UNEXPECTED = "unexpected error"  # error prefix for a failure inside schemadiff itself
EXIT_CODES = {OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3}
SEVERITY_RANK = {OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3}


@dataclass(frozen=True)
class Finding:
    """One thing the check found: severity, kind of object, its name, and what is wrong."""

    severity: str
    kind: str  # table, column, index, constraint, enum, version, connectivity, …
    problem: str  # missing, extra, differs, invalid, not_valid, behind, …
    object: str
    message: str

    def as_dict(self) -> dict:
        return {"severity": self.severity, "kind": self.kind, "problem": self.problem,
                "object": self.object, "message": self.message}


def display(name: QualifiedName) -> str:
    """Tables in ``public`` are shown bare, as the seed's users know them."""
    return name.name if name.schema == "public" else str(name)
