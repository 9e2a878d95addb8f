"""The health report of ``check`` as text (Nagios-style) and JSON. Apart from the plan's
renderers (plan.report, which re-exports these) because importing anything under ``plan``
imports the whole planner, which ``check`` of a healthy database never uses."""

from __future__ import annotations

import json
from collections import Counter

_COLORS = {"ok": "32", "warning": "33", "critical": "31", "unknown": "35"}


def _paint(text: str, level: str, color: bool) -> str:
    return f"\033[{_COLORS.get(level, '0')}m{text}\033[0m" if color else text


def check_text(report, color: bool = False) -> str:
    """Nagios-style: one summary line first, then one line per finding."""
    status = report.status.upper()
    if not report.connected:
        unreachable = report.status == "critical" and not (report.error or "").startswith("the check did not finish")
        head = f"SCHEMADIFF {status} - {'database unreachable: ' if unreachable else ''}{report.error}"
    else:
        version = (f"version {report.version.version}" if report.version
                   else "version unknown" if report.version_error else "no version recorded")
        problems = Counter(f.severity for f in report.findings)
        tail = "" if not report.findings else " - " + ", ".join(f"{n} {sev}" for sev, n in sorted(problems.items()))
        head = f"SCHEMADIFF {status} - {report.table_count} tables, {report.index_count} indexes, {version}{tail}"
    lines = [_paint(head, report.status, color)]
    for f in report.findings:
        lines.append(f"{f.severity.upper()}: {f.message}")
    lines += [f"INFO: {note}" for note in report.unread]
    if report.unmanaged:
        lines.append(f"INFO: {len(report.unmanaged)} object(s) not managed by schemadiff "
                     "(listed by `schemadiff inspect` and `check --format json`)")
        lines += [f"INFO: {obj.label} is affected by pending change(s): {'; '.join(affected)}"
                  for obj, affected in report.unmanaged if affected]
    return "\n".join(lines)


def check_json(report) -> str:
    return json.dumps(report.as_dict(), indent=2)
