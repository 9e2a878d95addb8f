"""Plans and health reports as text (for people), SQL, JSON (for machines) and Markdown
(for a PR comment)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Optional

from ..monitor.report import check_json, check_text  # noqa: F401  (moved: check must not import the planner)
from . import DESTRUCTIVE, LOCKING, PERMISSION, Plan, Statement
from .cost import cost_text, describe_throughput as throughput_text, duration, plan_estimate, size_dict, size_text, span

PLAN_JSON_VERSION = 1
_COLORS = {"safe": "32", LOCKING: "33", PERMISSION: "33", DESTRUCTIVE: "31", "ok": "32", "warning": "33", "critical": "31", "unknown": "35"}


def _paint(text: str, level: str, color: bool) -> str:
    return f"\033[{_COLORS.get(level, '0')}m{text}\033[0m" if color else text


def verdict(plan: Plan) -> str:
    if plan.empty:
        return "No changes: the database matches the schema file."
    counts = plan.counts()
    parts = [f"{len(plan.statements)} statement(s)"]
    if counts[DESTRUCTIVE]:
        parts.append(f"{counts[DESTRUCTIVE]} destructive")
    if counts[LOCKING]:
        parts.append(f"{counts[LOCKING]} locking")
    if counts[PERMISSION]:
        parts.append(f"{counts[PERMISSION]} permission")
    return ", ".join(parts) + "."


def blocked_lines(plan: Plan) -> list[str]:
    """The plan-level warning that the connected role cannot carry the plan out: one line
    per statement it cannot run, numbered as in the plan."""
    if not plan.blocked:
        return []
    lines = [f"WARNING: the connected role cannot run {len(plan.blocked)} step(s) of this plan; apply will refuse it:"]
    for b in plan.blocked:
        number = plan.number_of(b.statement) if b.statement is not None else None
        lines.append(f"{number:>3}. {b.line}" if number else f"  -  {b.line}")
    return lines


def blocked_dicts(plan: Plan) -> list[dict]:
    return [b.as_dict(plan.number_of(b.statement) if b.statement is not None else None) for b in plan.blocked]


def plan_text(plan: Plan, color: bool = False) -> str:
    if plan.empty:
        return verdict(plan)
    warning = blocked_lines(plan)
    lines = [verdict(plan)] + estimate_lines(plan) + ([plan.transactions_note] if plan.transactions_note else []) + [""] + \
        ([_paint(line, "warning", color) for line in warning] + [""] if warning else [])
    for i, statement in enumerate(plan.statements, 1):
        tag = _paint(f"[{statement.level}]", statement.level, color)
        lines.append(f"{i:>3}. {tag} {statement.description}")
        for hazard in statement.hazards:
            lines.append(f"       {hazard.kind} {hazard.code}: {hazard.message}")
        if getattr(statement, "lock", ""):
            lines.append(f"       lock: {statement.lock}")
        for size in statement.touches:
            lines.append(f"       touches: {size_text(size)}")
        if cost_text(statement):
            lines.append(f"       cost: {cost_text(statement)}")
        for sql_line in statement.sql.splitlines():
            lines.append(f"       {sql_line}")
        if not statement.transactional:
            lines.append("       (runs outside the transaction)")
    return "\n".join(lines)


def estimate_lines(plan: Plan) -> list[str]:
    """The plan's estimated duration and longest write-blocking lock, and where the rates
    come from; nothing for a plan made without a database."""
    total = plan_estimate(plan)
    if total is None:
        return []
    lines = [f"Estimated duration: {span(total.low, total.high)}"
             + (f" (+ {total.unknown} data migration(s) not estimated)" if total.unknown else "")
             + f"; {plan.throughput.source()}."]
    hold = total.longest_lock
    if hold is not None and hold.seconds >= 0.05:
        lines.append(f"Longest write-blocking lock: {hold.lock} on {hold.table} for up to {duration(hold.seconds)}"
                     f" (statement {hold.statement + 1}).")
    return lines


def estimate_dict(plan: Plan) -> Optional[dict]:
    total = plan_estimate(plan)
    if total is None:
        return None
    hold = total.longest_lock
    return {"low_s": round(total.low, 3), "high_s": round(total.high, 3), "not_estimated": total.unknown,
            "summary": f"{span(total.low, total.high)} ({plan.throughput.source()})",
            "longest_lock": None if hold is None else {"table": str(hold.table), "lock": hold.lock,
                                                       "seconds": round(hold.seconds, 3), "statement": hold.statement + 1},
            "throughput": plan.throughput.as_dict()}


def plan_sql(plan: Plan, header: Optional[str] = None) -> str:
    out = []
    if header:
        out += [f"-- {line}" if line else "--" for line in header.splitlines()]
        out.append("")
    if plan.empty:
        out.append("-- No changes.")
        return "\n".join(out) + "\n"
    if plan.transactions_note:
        out += [f"-- {plan.transactions_note}", ""]
    for statement in plan.statements:
        hazards = "; ".join(f"{h.kind} {h.code}: {h.message}" for h in statement.hazards)
        out.append(f"-- {statement.description}" + (f" [{hazards}]" if hazards else ""))
        if not statement.transactional:
            out.append("-- (must run outside a transaction block)")
        out.append(statement.sql + ";")
        out.append("")
    return "\n".join(out)


def statement_dict(s: Statement) -> dict:
    return {
        "sql": s.sql, "description": s.description, "level": s.level, "kind": s.kind,
        "object": s.object, "transactional": s.transactional,
        "isolated": getattr(s, "isolated", False), "lock": getattr(s, "lock", ""),
        "hazards": [{"kind": h.kind, "code": h.code, "message": h.message} for h in s.hazards],
        "work": s.work, "touches": [size_dict(t) for t in s.touches],
        "estimate": None if s.estimate is None else {
            "low_s": round(s.estimate.low, 3), "high_s": round(s.estimate.high, 3),
            "lock": s.estimate.lock, "lock_s": round(s.estimate.lock_s, 3)},
    }


def plan_dict(plan: Plan, lint=None) -> dict:
    """The plan as plan.schema.json describes it; ``lint`` (a LintReport) adds the ``lint`` key."""
    out = {
        "format_version": PLAN_JSON_VERSION,
        "empty": plan.empty,
        "summary": {"statements": len(plan.statements), **plan.counts(), "by_kind": dict(sorted(Counter(s.kind for s in plan.statements).items()))},
        "desired_hash": plan.desired_hash,
        "current_fingerprint": plan.current_fingerprint,
        "statements": [statement_dict(s) for s in plan.statements],
        "estimate": estimate_dict(plan),
        # Steps the connected role cannot run (statement: its number; null: recording the version).
        "blocked": blocked_dicts(plan),
    }
    if lint is not None:
        from .lint import as_dict

        out["lint"] = as_dict(lint)
    return out


def plan_json(plan: Plan, lint=None) -> str:
    return json.dumps(plan_dict(plan, lint), indent=2, sort_keys=False)


_VERB = {
    "CreateTable": "added", "AddColumn": "added", "AddIndex": "added", "AddConstraint": "added",
    "CreateEnum": "added", "AddEnumValue": "added", "CreateSchema": "added",
    "DropTable": "dropped", "DropColumn": "dropped", "DropIndex": "dropped", "DropConstraint": "dropped",
    "DropEnum": "dropped",
}
_OBJECT = {
    "CreateTable": "table", "DropTable": "table", "RenameTable": "table", "SetTableComment": "table",
    "AddColumn": "column", "DropColumn": "column", "AlterColumn": "column", "RenameColumn": "column",
    "AddIndex": "index", "DropIndex": "index", "RenameIndex": "index",
    "AddConstraint": "constraint", "DropConstraint": "constraint", "RenameConstraint": "constraint",
    "ValidateConstraint": "constraint", "CreateEnum": "enum", "DropEnum": "enum", "AddEnumValue": "enum",
    "RenameEnum": "enum", "RenameEnumValue": "enum", "RecreateEnum": "enum", "CreateSchema": "schema",
}


_MEANING = {
    DESTRUCTIVE: "Deletes or may lose data: `apply` refuses it without `--allow-destructive`.",
    LOCKING: "Locks or scans tables: no data is lost, but review when it runs.",
    PERMISSION: "Takes privileges away from roles: no data is lost, but an application relying on them fails.",
    "safe": "Only safe changes: no data is lost and no long locks are taken.",
}


def plan_markdown(plan: Plan, title: str = "schemadiff plan", lint=None, diagram: str = "") -> str:
    """A PR comment: verdict, hazards first with reasons, lint findings, a table of changes
    by object and kind, a diagram of the tables changed (``diagram``, Markdown made by the
    caller), SQL folded. ``lint`` is an optional :class:`schemadiff.plan.lint.LintReport`."""
    lines = [f"### {title}", ""]
    lint_lines = []
    if lint is not None:
        from .lint import markdown as lint_markdown

        lint_lines = lint_markdown(lint)
    if plan.empty:
        lines += ["✅ **No schema changes.**", ""] + lint_lines
        return "\n".join(lines).rstrip("\n") + "\n"
    counts = plan.counts()
    worst = DESTRUCTIVE if counts[DESTRUCTIVE] else LOCKING if counts[LOCKING] else \
        PERMISSION if counts[PERMISSION] else "safe"
    icon = {DESTRUCTIVE: "🛑", LOCKING: "⚠️", PERMISSION: "⚠️", "safe": "✅"}[worst]
    lines += [f"{icon} **{verdict(plan)}** {_MEANING[worst]}", ""]
    estimate = estimate_lines(plan)
    if estimate:
        lines += [f"⏱️ {' '.join(estimate)}", ""]
    if plan.blocked:
        lines += [f"🛑 **The connected role cannot run {len(plan.blocked)} step(s) of this plan; `apply` will refuse it.**", ""]
        lines += [f"- {'statement ' + str(d['statement']) if d['statement'] else 'after the plan'}: "
                  f"{d['description']}: {'; '.join(d['reasons'])}" for d in blocked_dicts(plan)]
        lines.append("")
    risky = [s for s in plan.statements if s.hazards]
    if risky:
        lines += ["**Hazards**", ""]
        for s in sorted(risky, key=lambda s: s.level != DESTRUCTIVE):
            for h in sorted(s.hazards, key=lambda h: h.kind != DESTRUCTIVE):
                lines.append(f"- {'🛑' if h.kind == DESTRUCTIVE else '⚠️'} `{h.code}` {s.description}: {h.message}")
        lines.append("")
    lines += lint_lines
    table: dict = {}
    for s in plan.statements:
        row = table.setdefault(_OBJECT.get(s.kind, "other"), Counter())
        row[_VERB.get(s.kind, "altered")] += 1
    lines += ["| object | added | altered | dropped |", "|---|---:|---:|---:|"]
    for obj in sorted(table):
        row = table[obj]
        lines.append(f"| {obj} | {row['added']} | {row['altered']} | {row['dropped']} |")
    lines.append("")
    if diagram:
        lines += [diagram.rstrip("\n"), ""]
    lines += ["**Changes**", ""]
    if plan.throughput is None:
        lines += [f"{i}. {s.description}" + ("" if s.transactional else " *(outside the transaction)*")
                  for i, s in enumerate(plan.statements, 1)]
    else:
        lines += ["| # | change | touches | cost |", "|---:|---|---|---|"]
        lines += [f"| {i} | {_cell(s.description)}" + ("" if s.transactional else " *(outside the transaction)*")
                  + f" | {_cell('; '.join(size_text(t) for t in s.touches))} | {_cell(cost_text(s))} |"
                  for i, s in enumerate(plan.statements, 1)]
    lines += ["", "<details><summary>SQL</summary>", "", "```sql", plan_sql(plan).rstrip(), "```", "", "</details>"]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
