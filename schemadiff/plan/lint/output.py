"""A lint report as text (for people), a dict (for JSON) and Markdown (for a PR comment)."""

from __future__ import annotations

from .rules import ERROR, LintReport


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


def as_dict(report: LintReport) -> dict:
    """The counts and every finding, active or silenced (the ``lint`` key of a JSON plan)."""
    return {"errors": len(report.errors), "warnings": len(report.active) - len(report.errors),
            "silenced": len(report.silenced), "findings": [f.as_dict() for f in report.findings]}


def markdown(report: LintReport) -> list[str]:
    """Markdown lines for a PR comment (empty when nothing is active)."""
    if not report.active:
        return []
    lines = ["**Lint**", ""]
    for f in sorted(report.active, key=lambda f: f.severity != ERROR):
        icon = "🛑" if f.severity == ERROR else "⚠️"
        lines.append(f"- {icon} `{f.rule}` {f.message}. *Fix:* {f.fix}.")
    return lines + [""]
