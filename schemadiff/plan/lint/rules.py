"""The rule table and the shapes of a lint run: findings, silencing entries, the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

ERROR, WARNING, OFF = "error", "warning", "off"

# What a rule yields: (rule id, schema.table, narrower object or None, message).
Raw = Tuple[str, str, Optional[str], str]


@dataclass(frozen=True)
class Rule:
    """A lint rule: ``scope`` is ``file`` (desired catalog) or ``change`` (a diff)."""

    id: str
    title: str
    severity: str
    scope: str
    fix: str


_EXPAND_CONTRACT = ("expand/contract: add the new name beside the old one (a new column written by both "
                    "releases and backfilled, or a view under the old table name), move every reader and "
                    "writer, then drop the old name in a later release")

RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("SD001", "NOT NULL column without a default added to an existing table", ERROR, "change",
         "give the column a default, or add it nullable, backfill, then set nullable: false"),
    Rule("SD002", "column dropped", ERROR, "change",
         "stop reading and writing the column in a release before the one that drops it, then acknowledge "
         "the drop on its table: `lint: {ignore: [{rule: SD002, object: COLUMN, reason: \"...\"}]}`"),
    Rule("SD003", "table dropped", ERROR, "change",
         "make sure nothing uses the table and its data is backed up, then acknowledge the drop at the top "
         "of the file: `lint: {ignore: [{rule: SD003, object: TABLE, reason: \"...\"}]}`"),
    Rule("SD004", "column type change rewrites the table", WARNING, "change",
         "add a new column, backfill it in batches and switch over, or plan a maintenance window"),
    Rule("SD005", "index built without CONCURRENTLY on an existing table", WARNING, "change",
         "plan online (the default) so the index is built CONCURRENTLY"),
    Rule("SD006", "foreign key without an index on its columns", WARNING, "file",
         "add an index whose leading columns are the foreign key's columns"),
    Rule("SD007", "varchar narrowed", ERROR, "change",
         "check the longest stored value first, or keep the wider type"),
    Rule("SD008", "floating-point type for a money-like column", ERROR, "file",
         "use numeric(p, s) (or an integer number of cents) for money"),
    Rule("SD009", "table without a primary key", WARNING, "file",
         "add a primary key (an identity column will do)"),
    Rule("SD010", "table or column renamed while running code may still use the old name", WARNING, "change",
         _EXPAND_CONTRACT),
    Rule("SD011", "column added with a volatile default (rewrites the table)", WARNING, "change",
         "add the column without a default (or with a constant one), backfill it in batches, then set the default"),
    Rule("SD012", "SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock", WARNING, "change",
         "plan online (the default), which proves NOT NULL with a CHECK validated under a weaker lock; "
         "offline, plan a maintenance window"),
    Rule("SD013", "unique constraint or primary key added to an existing table builds its index under the lock",
         WARNING, "change",
         "declare a unique index instead (`indexes: [{columns: [...], unique: true}]`): an online plan builds it "
         "CONCURRENTLY, and a foreign key can reference it; or plan a maintenance window"),
    Rule("SD014", "enum label removed", ERROR, "change",
         "stop writing the label and update the rows holding it first, then acknowledge the removal at the "
         "top of the file: `lint: {ignore: [{rule: SD014, object: ENUM, reason: \"...\"}]}`"),
    Rule("SD015", "new table keyed by a sequence-fed integer that will run out", WARNING, "change",
         "use bigint (bigserial, or identity on bigint): integer runs out at 2,147,483,647 rows, and widening "
         "it later rewrites the table and every foreign key to it"),
    Rule("SD016", "foreign key of a child table without ON DELETE", WARNING, "change",
         "say what deleting the parent does: on_delete: cascade (the rows belong to the parent), "
         "restrict (refuse while children exist) or set null"),
    Rule("SD017", "change that deletes or may lose data", ERROR, "change",
         "make sure the data is no longer needed (or backed up), then acknowledge the change with a reason: "
         "`lint: {ignore: [{rule: SD017, object: NAME, reason: \"...\"}]}` on its table, or at the top of the file"),
)}

# The rules that speak for a change's data loss, so that SD017 does not repeat them.
DATA_LOSS_RULES = frozenset({"SD002", "SD003", "SD007", "SD014"})


@dataclass(frozen=True)
class Finding:
    """One rule firing on one object; ``silenced`` holds the reason when ignored in the file.
    ``table`` is the table, or the object itself when it lives outside tables (a sequence, a
    type, an extension)."""

    rule: str
    severity: str
    table: str  # schema.table
    object: Optional[str]  # column, index or constraint name, if narrower than the table
    message: str
    fix: str
    silenced: Optional[str] = None

    @property
    def where(self) -> str:
        return f"{self.table}.{self.object}" if self.object else self.table

    def as_dict(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "table": self.table, "object": self.object,
                "message": self.message, "fix": self.fix, "silenced": self.silenced}


@dataclass(frozen=True)
class Ignore:
    """A silencing entry from ``lint: {ignore: [...]}`` on a table, or at the top of the file
    (``object`` then names the table or object, qualified or in ``public``)."""

    rule: str
    reason: str
    object: Optional[str] = None


@dataclass
class LintReport:
    """All findings, active and silenced."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.findings if not f.silenced and f.severity != OFF]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.active if f.severity == ERROR]

    @property
    def silenced(self) -> list[Finding]:
        return [f for f in self.findings if f.silenced]
