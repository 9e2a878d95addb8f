"""Saved plans: the plan reviewed in the PR is the plan that runs.

A saved plan holds the exact statements, the hash of the desired state and a fingerprint of
the live catalog it was computed against. ``apply --plan`` re-reads the catalog under the
deploy lock and refuses (StalePlan, exit 6) when either has moved since review, or when the
statements in the file no longer match the hash recorded next to them (edited by hand).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import StalePlan, SchemadiffError
from ..plan import Hazard, Plan, PlanHashes, Statement, plan_hash
from ..plan.report import plan_dict


def save_plan(plan: Plan, path, *, schema_path: str, schema_text: str) -> None:
    payload = plan_dict(plan)
    payload["schema_path"] = str(schema_path)
    payload["statements_hash"] = plan_hash(plan.statements)
    Path(path).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def load_plan(path) -> Plan:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        statements = tuple(
            Statement(sql=s["sql"], description=s["description"], transactional=s["transactional"],
                      kind=s.get("kind", ""), object=s.get("object", ""),
                      isolated=s.get("isolated", False), lock=s.get("lock", ""),
                      hazards=tuple(Hazard(h["kind"], h["code"], h["message"]) for h in s["hazards"]))
            for s in data["statements"]
        )
        recorded = data.get("statements_hash")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SchemadiffError(f"{path}: not a saved schemadiff plan ({type(exc).__name__}: {exc})") from None
    if recorded is not None and recorded != plan_hash(statements):
        raise StalePlan(f"refusing to run {path}: its statements were edited after `schemadiff plan --out` made it "
                        "(their hash differs from the one recorded in the file). Nothing was changed. "
                        "Make and review a new plan with `schemadiff plan --out …`.")
    return Plan(statements, (), PlanHashes(data["desired_hash"], data["current_fingerprint"]))


def verify_plan(saved: Plan, fresh: Plan) -> None:
    """Refuse a saved plan whose premises no longer hold."""
    problems = []
    if saved.desired_hash != fresh.desired_hash:
        problems.append("the schema file is not the one the plan was made from (its content hash differs)")
    if saved.current_fingerprint != fresh.current_fingerprint:
        changed = _what_changed(saved, fresh)
        problems.append("the database changed since the plan was made" + (f" ({changed})" if changed else ""))
    if problems:
        raise StalePlan(
            "refusing to run a stale plan: " + "; ".join(problems)
            + ". Nothing was changed. Make and review a new plan with `schemadiff plan --out …`."
        )


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
