"""Rows of ``queries/functions.sql`` → functions and procedures, their argument lists and
results read by the same parser as the file's (``pg/routines``)."""

from __future__ import annotations

from ..model import Function
from ..model.dependencies import references_from_rows
from ..pg.routines import parse_signature

_VOLATILITY = {"v": "volatile", "s": "stable", "i": "immutable"}
_PARALLEL = {"u": "unsafe", "r": "restricted", "s": "safe"}


def functions_from_rows(rows) -> list[Function]:
    out = []
    for (schema, name, procedure, arguments, result, language, prosrc, sql_body, volatility, strict, definer,
         leakproof, parallel, cost, rows_, retset, config, comment, depends_on, used_by, default_users,
         table_users) in rows:
        args, returns = parse_signature(arguments, result, procedure)
        out.append(Function(
            schema, name, args, returns, language, None if sql_body else prosrc,
            sql_body.rstrip("\n") if sql_body else None, procedure,
            volatility=_VOLATILITY[volatility], strict=strict, security_definer=definer, leakproof=leakproof,
            parallel=_PARALLEL[parallel], cost=None if cost == 100 else float(cost),
            rows=None if rows_ == (1000 if retset else 0) else float(rows_),
            config=tuple(tuple(entry.split("=", 1)) for entry in config), comment=comment,
            depends_on=references_from_rows(depends_on), used_by=tuple(sorted(used_by)),
            default_users=tuple(sorted(tuple(u) for u in default_users)),
            table_users=tuple(sorted(tuple(u) for u in table_users))))
    return out
