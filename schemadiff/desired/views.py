"""The file's ``views:`` and ``materialized_views:``, and their writer for ``inspect``.

    views:
      active_users:
        query: SELECT id, email FROM users WHERE active
        comment: users who can sign in
        columns: {email: {comment: where mail goes}}
        check_option: local          # local | cascaded
        with: {security_barrier: true}
      reports.totals: {query_file: sql/totals.sql}
    materialized_views:
      daily_totals:
        query: SELECT day, sum(amount) AS amount FROM payments GROUP BY day
        with_data: false             # default true
        indexes: [{columns: day, unique: true}]

A value that is text is the query. ``query_file`` is a path relative to the schema file's
folder. Names in a query resolve as under ``search_path = public``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

from ..model import Catalog, View
from ..model.views import CHECK_OPTIONS, VIEW_OPTIONS, clean_query
from ..pg import naming
from .reader import Reader, describe_value, split_qualified

VIEW_KEYS = ("query", "query_file", "comment", "columns", "check_option", "with")
MATVIEW_KEYS = ("query", "query_file", "comment", "columns", "with_data", "indexes", "with")
TOP = {False: "views", True: "materialized_views"}


class _AnyColumn(frozenset):
    """The output columns of a query the reader does not parse: any plain name may be one."""

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and bool(re.fullmatch(r'[^\s"()]+', name))


class ViewsReader(Reader):
    """Reads ``views:`` and ``materialized_views:``."""

    def views(self, doc: dict) -> list[View]:
        out: list[View] = []
        for materialized, key in TOP.items():
            for name, body in self.mapping(doc.get(key), (key,), key).items():
                view = self.view(name, body, materialized)
                if view is None:
                    continue
                if any(v.qualified == view.qualified for v in out):
                    self.error((key, name), f"{view.kind} {view.qualified} is declared twice (a view and a "
                                            "materialized view share one namespace with tables)")
                    continue
                out.append(view)
        return out

    def check_view_names(self, views: list[View]) -> None:
        """A view's name is a relation's name: a table of that name cannot also be declared."""
        for view in views:
            if view.name in self.names_in(view.schema).relations:
                self.error((TOP[view.materialized], _key(view)),
                           f"{view.qualified} is declared as a table and as a {view.kind}")
            self.names_in(view.schema).relations.add(view.name)

    def view(self, key: Any, body: Any, materialized: bool) -> Optional[View]:
        path = (TOP[materialized], key)
        what = f"{'materialized view' if materialized else 'view'} {key!r}"
        if isinstance(body, str):
            body = {"query": body}
        body = self.mapping(body, path, what)
        self.expect_keys(body, MATVIEW_KEYS if materialized else VIEW_KEYS, path, what)
        query = self.query_text(body, path, what)
        if query is None:
            return None
        schema, name = split_qualified(key)
        view = View(schema, naming.truncate_identifier(name), query, materialized,
                    column_comments=self.column_comments(body.get("columns"), path + ("columns",)),
                    **self.comment_of(body, path))
        if materialized:
            from dataclasses import replace

            return replace(view, with_data=self.boolean(body.get("with_data"), path + ("with_data",), "with_data", True),
                           parameters=self.table_parameters(body.get("with"), path + ("with",)),
                           indexes=self.view_indexes(view, body.get("indexes"), path + ("indexes",)))
        return View(view.schema, view.name, query, check_option=self.check_option(body.get("check_option"), path),
                    options=self.view_options(body.get("with"), path + ("with",)), comment=view.comment,
                    column_comments=view.column_comments)

    def query_text(self, body: dict, path: tuple, what: str) -> Optional[str]:
        """``query:`` inline or ``query_file:`` (relative to the schema file's folder)."""
        if "query" in body and "query_file" in body:
            self.error(path, f"{what} has both query and query_file; give one")
            return None
        if "query_file" in body:
            file = self.text(body["query_file"], path + ("query_file",), "query_file")
            return self.read_body_file(file, path + ("query_file",)) if file else None
        query = self.text(body.get("query"), path + ("query",), "query")
        if not query or not clean_query(query):
            self.error(path, f"{what} needs a query (query: SELECT …, or query_file: path/to/file.sql)")
            return None
        return clean_query(query)

    def read_body_file(self, file: str, path: tuple) -> Optional[str]:
        """The text of a body file, its path relative to the schema file's folder (the working
        directory for a document that came from no file)."""
        origin = self.source.file
        base = Path(origin).parent if origin and not origin.startswith("<") else Path.cwd()
        target = base / file
        try:
            text = clean_query(target.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            self.error(path, f"cannot read {file!r} ({target}): {getattr(exc, 'strerror', None) or exc}")
            return None
        if not text:
            self.error(path, f"{file!r} is empty")
            return None
        return text

    def column_comments(self, spec: Any, path: tuple) -> tuple:
        out = []
        for column, body in self.mapping(spec, path, "columns").items():
            body = self.mapping(body, path + (column,), f"column {column!r}")
            self.expect_keys(body, ("comment",), path + (column,), f"column {column!r}")
            comment = self.text(body.get("comment"), path + (column, "comment"), "comment")
            if comment is not None:
                out.append((naming.truncate_identifier(str(column)), comment))
        return tuple(sorted(out))

    def check_option(self, value: Any, path: tuple) -> Optional[str]:
        text = self.text(value, path + ("check_option",), "check_option")
        if text is None:
            return None
        if text.lower() not in CHECK_OPTIONS:
            self.error(path + ("check_option",), f"check_option is local or cascaded, not {value!r}")
            return None
        return text.lower()

    def view_options(self, spec: Any, path: tuple) -> tuple:
        out = []
        for option, value in self.mapping(spec, path, "with").items():
            if option not in VIEW_OPTIONS:
                self.error(path + (option,), f"unknown view option {option!r}; expected one of: {', '.join(VIEW_OPTIONS)}")
            elif not isinstance(value, bool):
                self.error(path + (option,), f"{option} must be true or false, not {describe_value(value)}")
            elif value:  # false is the default: the catalog then has no option at all
                out.append((option, "true"))
        return tuple(sorted(out))

    def view_indexes(self, view: View, spec: Any, path: tuple) -> tuple:
        indexes = self.indexes(view.name, spec, _AnyColumn(), path=path)
        names = self.names_in(view.schema)
        out = []
        for index in indexes:
            if not index.name:
                from dataclasses import replace

                addition = naming.name_addition([naming.index_key_name(k) for k in index.keys + index.include])
                index = replace(index, name=naming.choose_name(view.name, addition, "idx", lambda n: n in names.relations))
            elif index.name in names.relations:
                self.error(path, f"index name {index.name!r} is used twice in schema {view.schema}")
            names.relations.add(index.name)
            out.append(index)
        return tuple(sorted(out, key=lambda i: i.name))


# -- the writer, for `inspect` ------------------------------------------------------------------

def dump_views(catalog: Catalog) -> dict:
    """``views:`` and ``materialized_views:`` of ``catalog`` (only the keys that have some)."""
    from .dump import index_document
    from .table_details import storage_parameters_data

    out: dict = {}
    for view in catalog.views:
        body: dict = {"query": view.query}
        if view.comment is not None:
            body["comment"] = view.comment
        if view.column_comments:
            body["columns"] = {c: {"comment": text} for c, text in view.column_comments}
        if view.check_option:
            body["check_option"] = view.check_option
        if view.options:
            body["with"] = {k: v == "true" for k, v in view.options}
        if view.parameters:
            body.update(storage_parameters_data(view.parameters))
        if view.materialized and not view.with_data:
            body["with_data"] = False
        if view.indexes:
            body["indexes"] = [index_document(i) for i in view.indexes]
        out.setdefault(TOP[view.materialized], {})[_key(view)] = body
    return out


def _key(view: View) -> str:
    return view.name if view.schema == "public" and "." not in view.name else f"{view.schema}.{view.name}"
