"""Lint rules: risky changes and schema smells, each with an id, a reason and a fix hint.

File rules (``file_rules``) read the desired catalog alone; change rules (``change_rules``,
and ``data_loss`` for any destructive change no other rule speaks for) read the changes
between an older state (a file, a git revision or the live database) and the desired one.
Severities default per rule (``rules.RULES``) and are configurable (``[lint]`` in
schemadiff.toml); a finding is silenced in ``schema.yaml`` with a reason (``silencing``).
"""

from __future__ import annotations

from typing import Optional, Sequence

from ...model import Catalog
from ..hazards import probable_renames
from .change_rules import findings_of
from .data_loss import data_loss_findings
from .file_rules import MONEY_WORDS, file_findings
from .output import as_dict, markdown, text
from .rules import DATA_LOSS_RULES, ERROR, OFF, RULES, WARNING, Finding, Ignore, LintReport, Raw, Rule
from .silencing import ignores_from_source, silencing_reason

__all__ = [
    "ERROR", "MONEY_WORDS", "OFF", "RULES", "WARNING", "Finding", "Ignore", "LintReport", "Rule",
    "as_dict", "change_findings", "file_findings", "ignores_from_source", "lint", "markdown", "text",
]


def change_findings(changes: Sequence, online: bool = True) -> list[Raw]:
    """(rule, table, object, message) of the rules that read a diff; SD017 for a destructive
    change only when no rule of its own already reports its data loss."""
    out: list[Raw] = []
    renames = probable_renames(changes)
    for change in changes:
        found = list(findings_of(change, online))
        if not any(rule in DATA_LOSS_RULES for rule, *_ in found):
            found += data_loss_findings(change, online)
        if change in renames:  # a drop beside a look-alike add: say how to keep the data
            found = [(rule, table, obj, f"{message}. {renames[change].message}" if rule in DATA_LOSS_RULES else message)
                     for rule, table, obj, message in found]
        out += found
    return out


# Rules about how long a change holds a lock or rewrites a table: moot on a small table.
SIZE_RULES = frozenset({"SD004", "SD005", "SD011", "SD012", "SD013"})
# Below both, a rewrite, scan or index build takes well under a second on any server.
SMALL_ROWS, SMALL_BYTES = 10_000, 8 * 1024 * 1024


def sized(raw: list, sizes: Optional[dict]) -> list:
    """``raw`` findings without the size rules on small tables (when sizes are known), and with
    the size of the big ones in their message."""
    if sizes is None:
        return raw
    from ..cost import size_text

    by_name = {str(name): size for name, size in sizes.items()}
    out = []
    for rule_id, table, obj, message in raw:
        size = by_name.get(table) if rule_id in SIZE_RULES else None
        if size is not None:
            rows = size.rows if size.rows is not None else size.heap_bytes / 100
            if rows < SMALL_ROWS and size.heap_bytes + size.index_bytes < SMALL_BYTES:
                continue
            message = f"{message} ({size_text(size)})"
        out.append((rule_id, table, obj, message))
    return out


def lint(desired: Catalog, changes: Optional[Sequence] = None, *, online: bool = True,
         severities: Optional[dict] = None, ignores: Optional[dict] = None,
         sizes: Optional[dict] = None) -> LintReport:
    """Run the file rules on ``desired`` and, when ``changes`` is given, the change rules.
    ``sizes`` (qualified name → model.sizes.RelationSize, from the live catalog) makes the
    rules about locks and rewrites speak only for tables big enough for it to matter, and say
    how big they are."""
    severities = severities or {}
    ignores = ignores or {}
    raw = list(file_findings(desired))
    if changes is not None:
        raw += sized(change_findings(changes, online), sizes)
    report = LintReport()
    for rule_id, table, obj, message in sorted(raw, key=lambda r: (r[1], r[0], r[2] or "")):
        rule = RULES[rule_id]
        finding = Finding(rule_id, severities.get(rule_id, rule.severity), table, obj, message, rule.fix)
        reason = silencing_reason(finding, ignores)
        report.findings.append(Finding(**{**finding.as_dict(), "silenced": reason}) if reason else finding)
    return report
