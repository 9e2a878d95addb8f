"""Silencing entries in ``schema.yaml``: on a table, or at the top of the file for what is not
(or no longer) a table of the file — a dropped table, a sequence, an enum, an extension::

    tables:
      audit_log:
        lint:
          ignore:
            - {rule: SD009, reason: "append-only log, rows are never addressed"}
    lint:
      ignore:
        - {rule: SD003, object: legacy_orders, reason: "archived to s3://backups in March"}
"""

from __future__ import annotations

from typing import Any, Optional

from ...errors import Problem, SchemaFileError
from .rules import RULES, Finding, Ignore

# The key of the top-level entries in the mapping ignores_from_source returns.
FILE = ""


def ignores_from_source(text: str, file: str = "<schema>") -> dict[str, list[Ignore]]:
    """The ``lint: {ignore: [...]}`` entries of every table keyed by ``schema.table``, and the
    top-level ones under ``FILE``. The loader accepts the ``lint`` keys but leaves them to this module."""
    from ...desired.reader import split_qualified
    from ...desired.yamlsource import parse

    source = parse(text, file)
    doc = source.data if isinstance(source.data, dict) else {}
    reader = _Reader(source)
    out: dict[str, list[Ignore]] = {}
    if doc.get("lint") is not None:
        out[FILE] = reader.entries(doc["lint"], ("lint",), top_level=True)
    for key, body in (doc.get("tables") or {}).items():
        if not isinstance(body, dict) or body.get("lint") is None:
            continue
        schema, name = split_qualified(key)
        schema = str(body.get("schema") or schema)
        out.setdefault(f"{schema}.{name}", []).extend(reader.entries(body["lint"], ("tables", key, "lint")))
    if reader.problems:
        raise SchemaFileError(reader.problems)
    return out


class _Reader:
    def __init__(self, source: Any):
        self.source = source
        self.problems: list[Problem] = []

    def entries(self, spec: Any, path: tuple, top_level: bool = False) -> list[Ignore]:
        if not isinstance(spec, dict) or set(spec) - {"ignore"} or not isinstance(spec.get("ignore", []), list):
            self.problems.append(self.source.problem(path, "lint must be a mapping {ignore: [{rule: SD00n, reason: ...}]}"))
            return []
        found = (self.entry(item, path + ("ignore", i), top_level) for i, item in enumerate(spec.get("ignore") or []))
        return [entry for entry in found if entry is not None]

    def entry(self, item: Any, path: tuple, top_level: bool) -> Optional[Ignore]:
        if not isinstance(item, dict) or set(item) - {"rule", "reason", "object"}:
            return self.problem(path, "an ignore entry is {rule: SD00n, reason: \"why\", object: optional name}")
        rule = str(item.get("rule", "")).upper()
        if rule not in RULES:
            return self.problem(path + ("rule",), f"unknown lint rule {item.get('rule')!r}; known: {', '.join(RULES)}")
        reason = str(item.get("reason") or "").strip()
        if not reason:
            return self.problem(path, f"silencing {rule} needs a reason")
        if top_level and item.get("object") is None:
            return self.problem(path, f"a top-level ignore entry names its object (table, sequence, type, extension) "
                                      f"to silence {rule} on; to turn {rule} off everywhere, set it in schemadiff.toml [lint]")
        return Ignore(rule, reason, str(item["object"]) if item.get("object") is not None else None)

    def problem(self, path: tuple, message: str) -> None:
        self.problems.append(self.source.problem(path, message))
        return None


def silencing_reason(finding: Finding, ignores: dict[str, list[Ignore]]) -> Optional[str]:
    """The reason of the first entry that silences ``finding``, if any."""
    on_table = (i for i in ignores.get(finding.table, ())
                if i.rule == finding.rule and (i.object is None or i.object == finding.object))
    named = {finding.where, finding.table}
    at_top = (i for i in ignores.get(FILE, ())
              if i.rule == finding.rule and (i.object in named or f"public.{i.object}" in named))
    return next((i.reason for i in (*on_table, *at_top)), None)
