"""How views and materialized views are planned: their SQL, description, hazards and how
`check` reads them. Drops run first (views over others before them: reverse depth), creates
and replacements once tables, columns and keys are done (a view after the views it reads),
a materialized view's indexes right after (see ``order.PHASES``)."""

from __future__ import annotations

from ..diff import views as vw
from ..model import View
from ..pg.naming import qualify, quote_ident
from . import kinds
from .hazards import ACCESS_EXCLUSIVE
from .render import _comment, index_sql, q, storage_parameters_sql
from .statements import LOCKING, Hazard


def create_sql(view: View) -> list[str]:
    """The view (CREATE OR REPLACE: rerunnable) or materialized view (IF NOT EXISTS), then
    its indexes and comments."""
    if view.materialized:
        data = "WITH DATA" if view.with_data else "WITH NO DATA"
        out = [f"CREATE MATERIALIZED VIEW IF NOT EXISTS {q(view.qualified)}{storage_parameters_sql(view.parameters)} AS\n"
               f"{view.query}\n{data}"]
        out += [sql for index in view.indexes for sql in index_create_sql(view, index)]
    else:
        out = [replace_sql(view)]
    if view.comment is not None:
        out.append(_comment(view.word, q(view.qualified), view.comment))
    out += [_comment("COLUMN", f"{q(view.qualified)}.{quote_ident(c)}", text) for c, text in view.column_comments]
    return out


def replace_sql(view: View) -> str:
    options = f" WITH ({', '.join(f'{k} = {v}' for k, v in view.options)})" if view.options else ""
    check = f"\nWITH {view.check_option.upper()} CHECK OPTION" if view.check_option else ""
    return f"CREATE OR REPLACE VIEW {q(view.qualified)}{options} AS\n{view.query}{check}"


def drop_sql(view: View) -> str:
    return f"DROP {view.word} IF EXISTS {q(view.qualified)}"


def index_create_sql(view: View, index) -> list[str]:
    out = [index_sql(view.qualified, index)]
    if index.comment is not None:
        out.append(_comment("INDEX", qualify(view.schema, index.name), index.comment))
    return out


def _why(c) -> str:
    return f" ({c.reason})" if getattr(c, "reason", "") else ""


def _recomputed(c: vw.CreateView) -> tuple:
    if not (c.view.materialized and c.reason and c.view.with_data):
        return ()
    return (Hazard(LOCKING, "MATERIALIZED_VIEW_RECOMPUTED",
                   f"materialized view {c.view.qualified} is dropped and made again ({c.reason}): its query runs again "
                   f"to fill it, under an {ACCESS_EXCLUSIVE} lock, and it is missing for readers until this commits"),)


def _refresh(c: vw.RefreshMaterializedView) -> tuple:
    if not c.view.with_data:
        return ()
    return (Hazard(LOCKING, "MATERIALIZED_VIEW_REFRESH",
                   f"REFRESH runs the query of {c.view.qualified} under an {ACCESS_EXCLUSIVE} lock: reads wait until it is done"),)


def _render_parameters(c: vw.SetViewStorageParameters) -> list[str]:
    out = [f"ALTER MATERIALIZED VIEW {q(c.view)} RESET ({', '.join(c.reset)})"] if c.reset else []
    if c.set:
        out.append(f"ALTER MATERIALIZED VIEW {q(c.view)} SET{storage_parameters_sql(c.set)[len(' WITH'):]}")
    return out


def register_all() -> None:
    r = kinds.register
    brief = f"{ACCESS_EXCLUSIVE} on the view (brief)"
    r(vw.CreateView, describe=lambda c: f"create {c.view.kind} {c.view.qualified}{_why(c)}",
      render=lambda c: create_sql(c.view), hazards=_recomputed, object=lambda c: str(c.view.qualified),
      lock=lambda c: f"{ACCESS_EXCLUSIVE} on the new view" + (" (while its query runs)" if c.view.materialized else ""),
      kind="view", severity="critical", problem="missing")
    r(vw.DropView, describe=lambda c: f"drop {c.view.kind} {c.view.qualified}{_why(c)}",
      render=lambda c: [drop_sql(c.view)], object=lambda c: str(c.view.qualified), lock=lambda c: brief,
      kind="view", problem="extra")
    r(vw.ReplaceView, describe=lambda c: f"replace view {c.to.qualified} (CREATE OR REPLACE: same leading columns)",
      render=lambda c: [replace_sql(c.to)], object=lambda c: str(c.to.qualified), lock=lambda c: brief, kind="view")
    r(vw.RefreshMaterializedView,
      describe=lambda c: f"refresh materialized view {c.view.qualified} WITH {'' if c.view.with_data else 'NO '}DATA",
      render=lambda c: [f"REFRESH MATERIALIZED VIEW {q(c.view.qualified)} WITH {'' if c.view.with_data else 'NO '}DATA"],
      hazards=_refresh, object=lambda c: str(c.view.qualified), lock=lambda c: f"{ACCESS_EXCLUSIVE} (while it runs)",
      kind="materialized view")
    r(vw.SetViewStorageParameters,
      describe=lambda c: f"set storage parameters of materialized view {c.view} ("
                         + ", ".join([f"{k}={v}" for k, v in c.set] + [f"reset {k}" for k in c.reset]) + ")",
      render=_render_parameters, object=lambda c: str(c.view),
      lock=lambda c: "SHARE UPDATE EXCLUSIVE (brief; catalog only)", kind="materialized view")
    r(vw.SetViewComment,
      describe=lambda c: f"{'drop' if c.comment is None else 'set'} comment of "
                         f"{'column ' + c.column + ' of ' if c.column else ''}{'materialized view' if c.materialized else 'view'} {c.name}",
      render=lambda c: [_comment("COLUMN", f"{q(c.name)}.{quote_ident(c.column)}", c.comment) if c.column
                        else _comment("MATERIALIZED VIEW" if c.materialized else "VIEW", q(c.name), c.comment)],
      object=lambda c: str(c.name), kind="comment")
    r(vw.AddViewIndex, describe=lambda c: f"create index {c.index.name} on materialized view {c.view}",
      render=lambda c: index_create_sql(View(c.view.schema, c.view.name, "", True), c.index),
      object=lambda c: f"{c.view}.{c.index.name}", lock=lambda c: "SHARE on the materialized view (whole build; reads continue)",
      kind="index", severity="critical", problem="missing")
    r(vw.DropViewIndex, describe=lambda c: f"drop index {c.index.name} on materialized view {c.view}",
      render=lambda c: [f"DROP INDEX IF EXISTS {qualify(c.view.schema, c.index.name)}"],
      object=lambda c: f"{c.view}.{c.index.name}", lock=lambda c: f"{ACCESS_EXCLUSIVE} on the materialized view (brief)",
      kind="index", problem="extra")


register_all()
