"""Rows of ``queries/aggregates.sql`` → aggregates, their argument lists read by the same
parser as the file's (``pg/aggregates``)."""

from __future__ import annotations

from ..model.aggregates import Aggregate
from ..pg.aggregates import parse_aggregate_arguments, support_function as fn

_PARALLEL = {"u": "unsafe", "r": "restricted", "s": "safe"}
_MODIFY = {"r": "read_only", "s": "shareable", "w": "read_write"}


def default_modify(direct) -> str:
    """PostgreSQL's FINALFUNC_MODIFY when none is given: READ_WRITE for an ordered-set aggregate."""
    return "read_only" if direct is None else "read_write"


def aggregates_from_rows(rows) -> list[Aggregate]:
    out = []
    for (schema, name, arguments, kind, ndirect, sfunc, stype, sspace, finalfunc, final_extra, final_modify,
         combinefunc, serialfunc, deserialfunc, initcond, msfunc, minvfunc, mstype, msspace, mfinalfunc,
         mfinal_extra, minitcond, sortop, parallel, comment) in rows:
        args, direct = parse_aggregate_arguments(arguments)
        direct = None if kind == "n" else ndirect
        modify = _MODIFY[final_modify]
        out.append(Aggregate(
            schema, name, args, fn(sfunc), stype, direct, hypothetical=kind == "h", sspace=sspace or None,
            finalfunc=fn(finalfunc), finalfunc_extra=final_extra,
            finalfunc_modify=None if modify == default_modify(direct) else modify,
            combinefunc=fn(combinefunc), serialfunc=fn(serialfunc), deserialfunc=fn(deserialfunc),
            initcond=initcond, msfunc=fn(msfunc), minvfunc=fn(minvfunc), mstype=mstype, msspace=msspace or None,
            mfinalfunc=fn(mfinalfunc), mfinalfunc_extra=mfinal_extra, minitcond=minitcond,
            sortop=sortop, parallel=_PARALLEL[parallel], comment=comment))
    return out
