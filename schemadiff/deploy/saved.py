"""Saved plans: the plan reviewed in the PR is the plan that runs.

A saved plan holds the exact statements, the hash of the desired state and a fingerprint of
the live catalog it was computed against. ``apply --plan`` refuses it (StalePlan, exit 6)
when the statements in the file no longer match the hash recorded next to them, or the hash
is missing (edited by hand); then, under the deploy lock, when the database or the schema
file has moved since review, or when the saved statements differ in any field from the plan
computed now (the hash alone is no seal: whoever edits the file can recompute it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from ..errors import StalePlan, SchemadiffError
from ..model import QualifiedName
from ..plan import Hazard, Plan, PlanHashes, Statement
from ..plan.statements import COST_FIELDS
from ..plan.report import plan_dict

_REVIEW_AGAIN = "Nothing was changed. Make and review a new plan with `schemadiff plan --out …`."


def save_plan(plan: Plan, path, *, schema_path: str, schema_text: str) -> None:
    payload = plan_dict(plan)
    for saved, statement in zip(payload["statements"], plan.statements):
        if statement.builds_index is not None:
            saved["builds_index"] = dataclasses.asdict(statement.builds_index)
    payload["schema_path"] = str(schema_path)
    payload["statements_hash"] = statements_hash(plan.statements)
    Path(path).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def statements_hash(statements) -> str:
    """A hash of every field of every statement: SQL, hazards and the flags that decide how it runs."""
    payload = json.dumps([{k: v for k, v in dataclasses.asdict(s).items() if k not in COST_FIELDS}
                          for s in statements], sort_keys=True).encode()
    return hashlib.sha256(payload).hexdigest()[:16]


def statements_from(data: dict) -> tuple[Statement, ...]:
    """The statements of a saved plan's parsed JSON."""
    return tuple(
        Statement(sql=s["sql"], description=s["description"], transactional=s["transactional"],
                  kind=s.get("kind", ""), object=s.get("object", ""),
                  isolated=s.get("isolated", False), lock=s.get("lock", ""),
                  builds_index=QualifiedName(**s["builds_index"]) if s.get("builds_index") else None,
                  hazards=tuple(Hazard(h["kind"], h["code"], h["message"]) for h in s["hazards"]))
        for s in data["statements"]
    )


def load_plan(path) -> Plan:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        statements = statements_from(data)
        recorded = data.get("statements_hash")
        hashes = PlanHashes(data["desired_hash"], data["current_fingerprint"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SchemadiffError(f"{path}: not a saved schemadiff plan ({type(exc).__name__}: {exc})") from None
    if not recorded:
        raise StalePlan(f"refusing to run {path}: it has no statements_hash, so edits to its statements cannot be "
                        f"detected (removed by hand, or written by another tool). {_REVIEW_AGAIN}")
    if recorded != statements_hash(statements):
        raise StalePlan(f"refusing to run {path}: its statements were edited after `schemadiff plan --out` made it "
                        "(their SQL, hazards or flags no longer match the hash recorded in the file, or an older "
                        f"schemadiff made it). {_REVIEW_AGAIN}")
    return Plan(statements, (), hashes)


def verify_plan(saved: Plan, fresh: Plan) -> None:
    """Refuse a saved plan whose premises no longer hold, or that is not the plan computed now."""
    problems = []
    if saved.desired_hash != fresh.desired_hash:
        problems.append("the schema file is not the one the plan was made from (its content hash differs)")
    if saved.current_fingerprint != fresh.current_fingerprint:
        changed = _what_changed(saved, fresh)
        problems.append("the database changed since the plan was made" + (f" ({changed})" if changed else ""))
    if not problems and saved.statements != fresh.statements:
        problems.append("the saved plan differs from the plan computed now (" + _statement_differences(saved, fresh) + ")")
    if problems:
        raise StalePlan("refusing to run a stale plan: " + "; ".join(problems) + ". " + _REVIEW_AGAIN)


def _statement_differences(saved: Plan, fresh: Plan) -> str:
    if len(saved.statements) != len(fresh.statements):
        return f"it has {len(saved.statements)} statement(s), the plan computed now {len(fresh.statements)}"
    parts = []
    for number, (old, new) in enumerate(zip(saved.statements, fresh.statements), 1):
        differing = [f.name for f in dataclasses.fields(Statement) if getattr(old, f.name) != getattr(new, f.name)]
        if differing:
            parts.append(f"statement {number}, {new.description}: {', '.join(differing)}")
    return "; ".join(parts[:5])


def _what_changed(saved: Plan, fresh: Plan) -> str:
    if fresh.empty:
        return "it already matches the schema file"
    old = {s.sql for s in saved.statements}
    fresh_only = [s for s in fresh.statements if s.sql not in old]
    appeared = [f"{_DROPPED_WORD[s.kind]} {s.object}" for s in fresh_only if s.kind in _DROPPED_WORD]
    new = [s.description for s in fresh_only if s.kind not in _DROPPED_WORD]
    gone = [s.description for s in saved.statements if s.sql not in {f.sql for f in fresh.statements}]
    parts = []
    if appeared:
        parts.append("not in the schema file but now in the database: " + ", ".join(appeared[:5]))
    if new:
        parts.append("now also needed: " + ", ".join(new[:5]))
    if gone:
        parts.append("no longer needed: " + ", ".join(gone[:5]))
    return "; ".join(parts)


# A drop the fresh plan needs, and the saved one did not, means someone created that object.
_DROPPED_WORD = {"DropTable": "table", "DropColumn": "column", "DropIndex": "index",
                 "DropConstraint": "constraint", "DropEnum": "enum"}
