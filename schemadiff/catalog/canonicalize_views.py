"""Settle view queries with the server: ``select a from t where a>1`` is stored as
``SELECT t.a FROM t WHERE (t.a > 1)``. Each desired view whose query neither equals the live
text nor parses the same is created as a scratch temporary view (in a transaction that is
always rolled back) and read back with ``pg_get_viewdef``, as the inspector reads live views;
where that equals the live text, the live text is adopted. The probe's output columns are kept
on the desired view: they decide whether CREATE OR REPLACE VIEW can take the new query."""

from __future__ import annotations

from dataclasses import replace

from ..model import Catalog, View
from ..model.views import clean_query
from ..pg.sqltree import same_sql
from .probes import rolled_back, succeeds

_READ = """SELECT pg_get_viewdef(c.oid),
                  (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
                   FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
           FROM pg_class c WHERE c.oid = %s::regclass"""


def canonicalize_views(conn, current: Catalog, desired: Catalog) -> Catalog:
    """``desired`` with each query the server reads as the live one replaced by the live text."""
    live = current.view_map()
    work = [(v, live[v.qualified]) for v in desired.views
            if v.qualified in live and not same_sql(v.query, live[v.qualified].query)]
    if not work:
        return desired
    try:
        probed = rolled_back(conn, work, lambda i, pair: _probe(conn, i, pair[0]))
    except Exception:  # a read-only standby, no TEMP privilege: compare by parse tree only
        return desired
    adopted = {v.qualified: _adopt(v, old, probed.get(i)) for i, (v, old) in enumerate(work)}
    return replace(desired, views=tuple(adopted.get(v.qualified, v) for v in desired.views))


def _probe(conn, i: int, view: View):
    scratch = f"pg_temp.schemadiff_canon_v{i}"
    if not succeeds(conn, f"CREATE TEMPORARY VIEW {scratch} AS\n{view.query}"):
        return None
    row = conn.execute(_READ, (scratch,)).fetchone()
    return (clean_query(row[0]), tuple((c, t) for c, t in row[1] or ())) if row else None


def _adopt(view: View, live: View, found) -> View:
    if not found:
        return view
    query, columns = found
    return replace(view, query=live.query if query == live.query else view.query, columns=columns)
