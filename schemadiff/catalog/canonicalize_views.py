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
from .probes import rolled_back, run_each

_READ = """SELECT c.relname, pg_get_viewdef(c.oid),
                  (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
                   FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
           FROM pg_class c WHERE c.relnamespace = pg_my_temp_schema() AND c.relname = ANY(%s)"""


def canonicalize_views(conn, current: Catalog, desired: Catalog) -> Catalog:
    """``desired`` with each query the server reads as the live one replaced by the live text."""
    live = current.view_map()
    work = [(v, live[v.qualified]) for v in desired.views
            if v.qualified in live and not same_sql(v.query, live[v.qualified].query)]
    if not work:
        return desired
    try:
        probed = rolled_back(conn, [work], lambda _, views: _probe_all(conn, views))[0]
    except Exception:  # a read-only standby, no TEMP privilege: compare by parse tree only
        return desired
    adopted = {v.qualified: _adopt(v, old, probed.get(_scratch(i))) for i, (v, old) in enumerate(work)}
    return replace(desired, views=tuple(adopted.get(v.qualified, v) for v in desired.views))


def _scratch(i: int) -> str:
    return f"schemadiff_canon_v{i}"


def _probe_all(conn, work: list) -> dict:
    """Every desired query as a scratch temporary view, created in one round trip and read
    back in one: a constant number of queries whatever the number of views."""
    run_each(conn, [f"CREATE TEMPORARY VIEW {_scratch(i)} AS\n{view.query}" for i, (view, _) in enumerate(work)])
    rows = conn.execute(_READ, ([_scratch(i) for i in range(len(work))],)).fetchall()
    return {name: (clean_query(text), tuple((c, t) for c, t in columns or ())) for name, text, columns in rows}


def _adopt(view: View, live: View, found) -> View:
    if not found:
        return view
    query, columns = found
    return replace(view, query=live.query if query == live.query else view.query, columns=columns)
