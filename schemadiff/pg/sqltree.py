"""SQL compared as PostgreSQL parses it, with no server: pglast is the server's own parser as a
library. Two texts that differ only in spacing, case of keywords, comments or redundant
parentheses give the same tree; a text the parser rejects compares by its characters only.

This is what ``diff OLD NEW`` (two files, no database) uses for view queries, function bodies
in SQL and trigger/policy expressions. Against a live database the server's own reading is
used instead (``catalog/canonicalize*``), which also knows what names resolve to.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Optional


@lru_cache(maxsize=4096)
def tree(sql: str) -> Optional[str]:
    """The parse tree of ``sql`` as canonical JSON without source positions, or None when it
    does not parse."""
    from pglast import parser

    try:
        parsed = json.loads(parser.parse_sql_json(sql))
    except Exception:  # pglast.parser.ParseError, or a text the library cannot take
        return None
    return json.dumps(_without_locations(parsed["stmts"]), sort_keys=True)


def _without_locations(node):
    if isinstance(node, dict):
        return {k: _without_locations(v) for k, v in node.items() if k not in ("location", "stmt_location", "stmt_len")}
    if isinstance(node, list):
        return [_without_locations(v) for v in node]
    return node


def same_sql(a: Optional[str], b: Optional[str]) -> bool:
    """Whether two statements (or queries) are the same to the parser."""
    if a == b:
        return True
    if a is None or b is None:
        return False
    ta, tb = tree(a), tree(b)
    return ta is not None and ta == tb


def same_expression(a: Optional[str], b: Optional[str]) -> bool:
    """Whether two scalar expressions (a policy's USING, a trigger's WHEN) parse the same."""
    if a == b:
        return True
    if a is None or b is None:
        return False
    return same_sql(f"SELECT {a}", f"SELECT {b}")


def relations(query: str) -> frozenset[tuple[Optional[str], str]]:
    """The (schema or None, name) of every relation a query reads, CTE names left out; empty
    when the query does not parse."""
    from pglast import parser

    try:
        parsed = json.loads(parser.parse_sql_json(query))
    except Exception:
        return frozenset()
    found: set = set()
    ctes: set = set()
    _walk(parsed, found, ctes)
    return frozenset((s, n) for s, n in found if not (s is None and n in ctes))


def function_calls(query: str) -> frozenset[tuple[Optional[str], str]]:
    """The (schema or None, name) of every function a query calls; empty when it does not parse."""
    from pglast import parser

    try:
        parsed = json.loads(parser.parse_sql_json(query))
    except Exception:
        return frozenset()
    found: set = set()
    _walk_calls(parsed, found)
    return frozenset(found)


def _walk_calls(node, found: set) -> None:
    if isinstance(node, dict):
        call = node.get("FuncCall")
        if call is not None:
            parts = [p["String"]["sval"] for p in call.get("funcname", ()) if "String" in p]
            if parts:
                found.add((parts[-2] if len(parts) > 1 else None, parts[-1]))
        for value in node.values():
            _walk_calls(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk_calls(value, found)


def _walk(node, found: set, ctes: set) -> None:
    if isinstance(node, dict):
        if "RangeVar" in node:
            var = node["RangeVar"]
            found.add((var.get("schemaname"), var["relname"]))
        if "CommonTableExpr" in node:
            ctes.add(node["CommonTableExpr"]["ctename"])
        for value in node.values():
            _walk(value, found, ctes)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found, ctes)
