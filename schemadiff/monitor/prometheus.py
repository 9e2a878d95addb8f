"""A health report in the Prometheus text exposition format, for node_exporter's textfile
collector (``schemadiff check --format prometheus > …/schemadiff.prom``)."""

from __future__ import annotations

from collections import Counter

from .findings import SEVERITY_RANK

# Always exported, zero when clean, so that alert rules and dashboards have a series to read.
_STANDARD_OBJECTS = [(kind, problem) for kind in ("table", "column", "index", "constraint", "enum")
                     for problem in ("missing", "extra", "differs")] + [("index", "invalid")]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def _gauge(lines: list[str], name: str, help_text: str, samples) -> None:
    """``samples``: a number, or a list of (labels dict, number)."""
    lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    if not isinstance(samples, list):
        samples = [({}, samples)]
    for labels, value in samples:
        tag = ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items())
        lines.append(f"{name}{{{tag}}} {_number(value)}" if tag else f"{name} {_number(value)}")


def exposition(report) -> str:
    """The report's metrics, ending with a newline as the format requires."""
    lines: list[str] = []
    _gauge(lines, "schemadiff_healthy", "1 when the database matches the schema file and no check failed.", report.healthy)
    _gauge(lines, "schemadiff_check_status", "Check status: 0 ok, 1 warning, 2 critical, 3 unknown.", SEVERITY_RANK[report.status])
    _gauge(lines, "schemadiff_database_up", "1 when the database answered the check.", report.connected)
    counts = Counter((f.kind, f.problem) for f in report.findings)
    keys = sorted(set(_STANDARD_OBJECTS) | set(counts))
    _gauge(lines, "schemadiff_objects", "Objects found missing, extra, different or otherwise wrong, by kind and problem.",
           [({"kind": kind, "problem": problem}, counts.get((kind, problem), 0)) for kind, problem in keys])
    severities = Counter(f.severity for f in report.findings)
    _gauge(lines, "schemadiff_findings", "Findings by severity.",
           [({"severity": s}, severities.get(s, 0)) for s in ("warning", "critical")])
    if report.version is not None:
        _gauge(lines, "schemadiff_last_applied_timestamp_seconds",
               "Unix time of the last recorded apply.", report.version.applied_at.timestamp())
    if report.version_error is None:  # unknown when unreadable: absent, not "none recorded"
        _gauge(lines, "schemadiff_version", "Number of the last recorded version (0: none recorded).",
               report.version.version if report.version else 0)
    _gauge(lines, "schemadiff_check_duration_seconds", "Seconds the check took.", round(report.duration_s, 6))
    _gauge(lines, "schemadiff_tables", "Tables in the managed schemas.", report.table_count)
    _gauge(lines, "schemadiff_indexes", "Secondary indexes in the managed schemas.", report.index_count)
    _gauge(lines, "schemadiff_unmanaged_objects", "Objects in the managed schemas schemadiff does not manage "
           "(views, functions, triggers, …; information, not a fault).", len(report.unmanaged))
    return "\n".join(lines) + "\n"
