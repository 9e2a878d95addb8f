"""Lint rules: risky changes and schema smells, each with an id, a reason and a fix hint.

File rules read the desired catalog alone; change rules read the changes between an older
state (a file, a git revision or the live database) and the desired one. A finding can be
silenced on its table in ``schema.yaml``::

    tables:
      audit_log:
        lint:
          ignore:
            - {rule: SD009, reason: "append-only log, rows are never addressed"}
            - {rule: SD006, object: actor_id, reason: "queried by time only"}

Severities default per rule and are configurable (``[lint]`` in schemadiff.toml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from ..diff import changes as ch
from ..errors import Problem, SchemaFileError
from ..model import Catalog, Table
from ..pg.type_changes import type_change_kind

ERROR, WARNING, OFF = "error", "warning", "off"


@dataclass(frozen=True)
class Rule:
    """A lint rule: ``scope`` is ``file`` (desired catalog) or ``change`` (a diff)."""

    id: str
    title: str
    severity: str
    scope: str
    fix: str


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("SD001", "NOT NULL column without a default added to an existing table", ERROR, "change",
         "give the column a default, or add it nullable, backfill, then set nullable: false"),
    Rule("SD002", "column dropped", WARNING, "change",
         "stop reading and writing the column in a release before the one that drops it"),
    Rule("SD003", "table dropped", WARNING, "change",
         "make sure nothing uses the table any more and that its data is backed up"),
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
)}

MONEY_WORDS = frozenset({
    "amount", "price", "balance", "cost", "total", "fee", "fees", "payout", "salary", "wage",
    "revenue", "tax", "charge", "payment", "money", "subtotal", "discount", "refund", "credit",
    "debit", "bet", "stake", "profit", "commission",
})
_FLOATS = ("real", "double precision")


@dataclass(frozen=True)
class Finding:
    """One rule firing on one object; ``silenced`` holds the reason when ignored in the file."""

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
    """A per-table silencing entry from ``lint: {ignore: [...]}``."""

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


# -- silencing in schema.yaml ------------------------------------------------------------

def ignores_from_source(text: str, file: str = "<schema>") -> dict[str, list[Ignore]]:
    """Read the ``lint: {ignore: [...]}`` entries of every table, keyed by ``schema.table``.
    The loader accepts the ``lint`` key but leaves its content to this module."""
    from ..desired.reader import split_qualified
    from ..desired.yamlsource import parse

    source = parse(text, file)
    tables = source.data.get("tables") if isinstance(source.data, dict) else None
    out: dict[str, list[Ignore]] = {}
    problems: list[Problem] = []
    for key, body in (tables or {}).items():
        if not isinstance(body, dict) or body.get("lint") is None:
            continue
        path = ("tables", key, "lint")
        spec = body["lint"]
        if not isinstance(spec, dict) or set(spec) - {"ignore"} or not isinstance(spec.get("ignore", []), list):
            problems.append(source.problem(path, "lint must be a mapping {ignore: [{rule: SD00n, reason: ...}]}"))
            continue
        schema, name = split_qualified(key)
        schema = str(body.get("schema") or schema)
        entries = out.setdefault(f"{schema}.{name}", [])
        for i, item in enumerate(spec.get("ignore") or []):
            ipath = path + ("ignore", i)
            if not isinstance(item, dict) or set(item) - {"rule", "reason", "object"}:
                problems.append(source.problem(ipath, "an ignore entry is {rule: SD00n, reason: \"why\", object: optional name}"))
                continue
            rule = str(item.get("rule", "")).upper()
            if rule not in RULES:
                problems.append(source.problem(ipath + ("rule",), f"unknown lint rule {item.get('rule')!r}; known: {', '.join(RULES)}"))
                continue
            reason = str(item.get("reason") or "").strip()
            if not reason:
                problems.append(source.problem(ipath, f"silencing {rule} needs a reason"))
                continue
            entries.append(Ignore(rule, reason, str(item["object"]) if item.get("object") is not None else None))
    if problems:
        raise SchemaFileError(problems)
    return out


# -- rules ---------------------------------------------------------------------------------

def file_findings(desired: Catalog) -> Iterable[tuple[str, str, Optional[str], str]]:
    """(rule, table, object, message) for the rules that read the desired catalog alone."""
    for table in desired.tables:
        name = str(table.qualified)
        if table.primary_key is None:
            yield "SD009", name, None, f"table {name} has no primary key"
        for fk in table.foreign_keys:
            if not _indexed(table, fk.columns):
                cols = ", ".join(fk.columns)
                yield "SD006", name, fk.name, f"foreign key {fk.name} on {name}({cols}) has no index starting with those columns: deletes on {fk.ref_table} scan {name}"
        for column in table.columns:
            base = column.type.removesuffix("[]")
            words = set(re.split(r"[^a-z0-9]+", column.name.lower()))
            if base in _FLOATS and words & MONEY_WORDS:
                yield "SD008", name, column.name, f"column {name}.{column.name} holds money in {column.type}, which cannot represent most decimal amounts exactly"


def _indexed(table: Table, columns: tuple) -> bool:
    """Whether some index (or key) has ``columns`` as its leading keys, in any order."""
    wanted = set(columns)
    prefixes = [table.primary_key.columns] if table.primary_key else []
    prefixes += [u.columns for u in table.uniques]
    prefixes += [tuple(k.split(" ")[0].strip('"') for k in i.keys) for i in table.indexes if not i.where]
    return any(set(p[:len(wanted)]) == wanted for p in prefixes)


def change_findings(changes: Sequence, online: bool = True) -> Iterable[tuple[str, str, Optional[str], str]]:
    """(rule, table, object, message) for the rules that read a diff."""
    for c in changes:
        if isinstance(c, ch.AddColumn) and not c.column.nullable and c.column.default is None \
                and not c.column.serial and not c.column.identity:
            yield "SD001", str(c.table), c.column.name, f"column {c.table}.{c.column.name} is added NOT NULL without a default: the statement fails if the table has rows"
        elif isinstance(c, ch.DropColumn):
            yield "SD002", str(c.table), c.column.name, f"column {c.table}.{c.column.name} is dropped with its values; running code that still uses it breaks"
        elif isinstance(c, ch.DropTable):
            yield "SD003", str(c.table.qualified), None, f"table {c.table.qualified} is dropped with all its rows"
        elif isinstance(c, ch.AlterColumn) and "type" in c.changed:
            kind = type_change_kind(c.from_.type, c.to.type)
            where = f"{c.table}.{c.to.name}"
            if _varchar_narrowed(c.from_.type, c.to.type):
                yield "SD007", str(c.table), c.to.name, f"column {where} narrows {c.from_.type} → {c.to.type}; longer values make the change fail, and the table is rewritten under an ACCESS EXCLUSIVE lock"
            elif kind != "binary":
                yield "SD004", str(c.table), c.to.name, f"column {where} changes {c.from_.type} → {c.to.type}, which rewrites the table under an ACCESS EXCLUSIVE lock"
        elif isinstance(c, ch.AddIndex) and not c.new_table and not online:
            yield "SD005", str(c.table), c.index.name, f"index {c.index.name} is built inside the transaction, blocking writes to {c.table} until it commits"


def _varchar_length(type_: str) -> Optional[float]:
    if type_ == "text" or type_ == "character varying":
        return float("inf")
    match = re.fullmatch(r"character varying\((\d+)\)", type_)
    return float(match.group(1)) if match else None


def _varchar_narrowed(old: str, new: str) -> bool:
    before, after = _varchar_length(old), _varchar_length(new)
    return before is not None and after is not None and after < before and new.startswith("character varying")


def lint(desired: Catalog, changes: Optional[Sequence] = None, *, online: bool = True,
         severities: Optional[dict] = None, ignores: Optional[dict] = None) -> LintReport:
    """Run the file rules on ``desired`` and, when ``changes`` is given, the change rules."""
    severities = severities or {}
    ignores = ignores or {}
    raw = list(file_findings(desired))
    if changes is not None:
        raw += list(change_findings(changes, online))
    report = LintReport()
    for rule_id, table, obj, message in sorted(raw, key=lambda r: (r[1], r[0], r[2] or "")):
        rule = RULES[rule_id]
        severity = severities.get(rule_id, rule.severity)
        silenced = next((i.reason for i in ignores.get(table, ())
                         if i.rule == rule_id and (i.object is None or i.object == obj)), None)
        report.findings.append(Finding(rule_id, severity, table, obj, message, rule.fix, silenced))
    return report


# -- output --------------------------------------------------------------------------------

def text(report: LintReport, verbose: bool = True) -> str:
    """One line per active finding with its fix; silenced ones counted (listed when verbose)."""
    lines = []
    for f in report.active:
        lines.append(f"{f.severity}: {f.rule} {f.where}: {f.message}")
        lines.append(f"    fix: {f.fix}")
    if verbose:
        for f in report.silenced:
            lines.append(f"silenced: {f.rule} {f.where}: {f.silenced}")
    errors, warnings = len(report.errors), len(report.active) - len(report.errors)
    lines.append(f"lint: {errors} error(s), {warnings} warning(s), {len(report.silenced)} silenced")
    return "\n".join(lines)


def markdown(report: LintReport) -> list[str]:
    """Markdown lines for a PR comment (empty when nothing is active)."""
    if not report.active:
        return []
    lines = ["**Lint**", ""]
    for f in sorted(report.active, key=lambda f: f.severity != ERROR):
        icon = "🛑" if f.severity == ERROR else "⚠️"
        lines.append(f"- {icon} `{f.rule}` {f.message}. *Fix:* {f.fix}.")
    return lines + [""]
