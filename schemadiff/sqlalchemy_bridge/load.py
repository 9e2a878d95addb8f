"""SQLAlchemy ``MetaData`` → Catalog, without a database.

The models are turned into the document ``schema.yaml`` parses to (types compiled with the
PostgreSQL dialect, defaults and expressions compiled as SQLAlchemy's DDL would write them,
names as SQLAlchemy would give them) and read by ``desired.load_document``: the YAML reader
is the one place that normalizes types, defaults and names, so both sources agree.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any, Optional

from ..errors import Problem, SchemaFileError
from ..model import Catalog
from . import PREFIX

log = logging.getLogger("schemadiff")

_FK_ACTIONS = {"NO ACTION": "no action", "RESTRICT": "restrict", "CASCADE": "cascade", "SET NULL": "set null",
               "SET DEFAULT": "set default"}
HINT = "schemadiff"  # the MetaData.info key of what models cannot say otherwise (README: SQLAlchemy models)
_noted: set = set()  # sources whose notes were already reported in this process


def load(spec: str, cwd: Optional[str] = None) -> tuple[Catalog, str]:
    """(catalog, its schema.yaml text) of ``sqlalchemy:package.module:attribute``; the text
    is what ``inspect`` would write for it, recorded as the applied snapshot."""
    from .. import desired
    from ..desired.dump import dump

    metadata = resolve(spec, cwd)
    document, notes = metadata_document(metadata, spec)
    catalog = desired.load_document(document, spec)
    if notes and spec not in _noted:
        _noted.add(spec)
        log.warning("%s", notes_text(spec, notes))
    return catalog, dump(catalog)


def notes_text(spec: str, notes: list[str]) -> str:
    """One message for what the models hold that is not schema."""
    lines = "\n".join(f"  {n}" for n in notes)
    return (f"note: {spec}: {len(notes)} thing(s) in the models are not part of the database schema "
            f"and are left out (SQLAlchemy does them in Python, not as DDL):\n{lines}")


def _problem(spec: str, message: str) -> SchemaFileError:
    return SchemaFileError([Problem(message, spec)])


def resolve(spec: str, cwd: Optional[str] = None):
    """The ``MetaData`` a source names: ``module:attribute`` where the attribute (dotted
    paths allowed) is a MetaData or has one as ``.metadata`` (a declarative base); the
    working directory is importable, as for ``python -m``."""
    target = spec[len(PREFIX):] if spec.startswith(PREFIX) else spec
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise _problem(spec, "write SQLAlchemy models as sqlalchemy:package.module:Base (or :metadata)")
    try:
        from sqlalchemy import MetaData
    except ImportError:
        raise _problem(spec, "SQLAlchemy models need SQLAlchemy: pip install \"schemadiff[sqlalchemy]\"") from None
    root = os.path.abspath(cwd or os.getcwd())
    added = root not in sys.path
    if added:
        sys.path.insert(0, root)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # the models' own import failing: name it, never a traceback
        detail = f"{type(exc).__name__}: {exc}{_origin(exc)}"
        raise _problem(spec, f"cannot import module {module_name!r}: {detail}") from None
    finally:
        if added:
            sys.path.remove(root)
    found: Any = module
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise _problem(spec, f"module {module_name!r} has no attribute {attribute!r}")
        found = getattr(found, part)
    metadata = found if isinstance(found, MetaData) else getattr(found, "metadata", None)
    if not isinstance(metadata, MetaData):
        raise _problem(spec, f"{module_name}:{attribute} is neither a SQLAlchemy MetaData nor a declarative base "
                             f"(it is {type(found).__name__})")
    return metadata


def metadata_document(metadata, spec: str = "<models>") -> tuple[dict, list[str]]:
    """The schema file's document for ``metadata``, and notes on what is not schema."""
    return _Reader(metadata, spec).document()


class _Reader:
    """One pass over the tables of a MetaData; compiles with the PostgreSQL dialect."""

    def __init__(self, metadata, spec: str):
        from sqlalchemy.dialects import postgresql

        self.metadata = metadata
        self.spec = spec
        self.dialect = postgresql.dialect()
        self.ddl = self.dialect.ddl_compiler(self.dialect, None)
        self.notes: list[str] = []
        self.enums: dict[str, Any] = {}
        self.sequences: dict[str, dict] = {}
        self.problems: list[Problem] = []

    def document(self) -> tuple[dict, list[str]]:
        tables = {}
        for table in sorted(self.metadata.tables.values(), key=lambda t: (t.schema or "public", t.name)):
            key, body = self.table(table)
            tables[key] = body
        schemas = self.schemas()
        if self.problems:
            raise SchemaFileError(self.problems)
        doc: dict = {}
        if schemas:
            doc["schemas"] = schemas
        if self.enums:
            doc["enums"] = self.enums
        if self.sequences:
            doc["sequences"] = self.sequences
        doc["tables"] = tables
        return doc, self.notes

    def schemas(self) -> list:
        """The ``schemas:`` entries: those ``MetaData.info["schemadiff"]["schemas"]`` lists
        (a schema with no table in it, a comment on a schema: models have no object for
        either), then the schemas of the tables."""
        hint = self.metadata.info.get(HINT, {})
        listed = hint.get("schemas", []) if isinstance(hint, dict) and set(hint) <= {"schemas"} else None
        if not isinstance(listed, list):
            self.problems.append(Problem(f'MetaData.info["{HINT}"] must be {{"schemas": [names or {{name, comment}}]}}, '
                                         f"not {hint!r}", self.spec))
            return []
        return listed + sorted({t.schema for t in self.metadata.tables.values() if t.schema} - {"public"})

    # --- helpers --------------------------------------------------------------------------

    def sql(self, clause) -> str:
        """An expression as SQLAlchemy's PostgreSQL DDL writes it (columns unqualified)."""
        if isinstance(clause, str):
            return clause
        return str(clause.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True, "include_table": False}))

    def name(self, constraint) -> Optional[str]:
        """The name SQLAlchemy's DDL gives a constraint or index (its naming convention
        applied and truncated as SQLAlchemy does), None when PostgreSQL is to name it."""
        if constraint.name is None:
            return None
        try:
            return self.ddl.preparer.format_constraint(constraint, _alembic_quote=False)
        except Exception as exc:  # e.g. a convention with %(constraint_name)s on an unnamed constraint
            self.problems.append(Problem(f"{constraint.table.fullname}: {exc}", self.spec))
            return None

    @staticmethod
    def named(name: Optional[str], body: dict) -> dict:
        return {"name": name, **body} if name else body

    def where(self, path: str, what: str) -> None:
        self.notes.append(f"{path}: {what}")

    # --- tables ---------------------------------------------------------------------------

    def table(self, table) -> tuple[str, dict]:
        schema = table.schema or "public"
        dotted = "." in table.name or "." in schema
        key = table.name if dotted or schema == "public" else f"{schema}.{table.name}"
        body: dict = {"schema": schema} if dotted and schema != "public" else {}
        if table.comment is not None:
            body["comment"] = table.comment
        pk_columns = [c.name for c in table.primary_key.columns]
        body["columns"] = {c.name: self.column(table, c) for c in table.columns}
        if pk_columns:
            pk_body = {"columns": pk_columns} | _timing(table.primary_key)
            if table.primary_key.dialect_options["postgresql"].get("include"):
                pk_body["include"] = _names(table.primary_key.dialect_options["postgresql"]["include"])
            body["primary_key"] = self.named(self.name(table.primary_key), pk_body)
        uniques, checks, fks = [], [], []
        from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint

        for constraint in sorted(table.constraints, key=_constraint_order):
            if isinstance(constraint, UniqueConstraint):
                uniques.append(self.unique(constraint))
            elif isinstance(constraint, CheckConstraint):
                checks.append(self.named(self.name(constraint), {"expression": self.sql(constraint.sqltext)}
                                         | _timing(constraint)))
            elif isinstance(constraint, ForeignKeyConstraint):
                fks.append(self.foreign_key(table, constraint))
            elif constraint is not table.primary_key:
                self.problems.append(Problem(f"{table.fullname}: {type(constraint).__name__} is not supported",
                                             self.spec))
        for key_, items in (("unique", uniques), ("foreign_keys", fks), ("checks", checks)):
            if items:
                body[key_] = items
        indexes = [self.index(i) for i in sorted(table.indexes, key=lambda i: str(self.name(i) or ""))]
        if indexes:
            body["indexes"] = indexes
        options = table.dialect_options["postgresql"]
        if options.get("partition_by"):
            body["partition_by"] = options["partition_by"]
            body["partitions"] = "external"  # the models cannot declare partitions: made elsewhere
        if [p.upper() for p in table._prefixes] == ["UNLOGGED"]:
            body["unlogged"] = True
        elif table._prefixes:
            self.problems.append(Problem(f"{table.fullname}: table prefixes {table._prefixes} are not supported",
                                         self.spec))
        return key, body

    def column(self, table, column) -> dict:
        from sqlalchemy import Sequence

        where = f"{table.fullname}.{column.name}"
        type_text, collation = self.type(column)
        body: dict = {"type": type_text}
        if self.serial(column):
            body["type"] = self.serial(column)
        elif column.server_default is not None:
            default = self.ddl.get_column_default_string(column)
            if default is not None:
                body["default"] = default
            elif column.server_default.__class__.__name__ == "FetchedValue":
                self.where(where, "server_default=FetchedValue() (the database's own business: a trigger or the like)")
        if not column.nullable and column.identity is None and not self.serial(column) and not column.primary_key:
            body["nullable"] = False
        if isinstance(column.default, Sequence):
            self.sequence(column.default, where)
        elif column.default is not None:
            self.where(where, f"default={_describe(column.default)} is set by SQLAlchemy on INSERT, not a server default")
        if column.onupdate is not None:
            self.where(where, f"onupdate={_describe(column.onupdate)} is set by SQLAlchemy on UPDATE")
        if column.server_onupdate is not None and column.computed is None:  # Computed sets it to itself
            self.where(where, "server_onupdate is a hint to SQLAlchemy (a trigger must do it)")
        if column.identity is not None:
            body["identity"] = _identity(column.identity)
        if column.computed is not None:
            if column.computed.persisted is False:
                self.problems.append(Problem(f"{where}: Computed(persisted=False) (a virtual column) is not supported",
                                             self.spec))
            body["generated"] = self.sql(column.computed.sqltext)
        if collation:
            body["collation"] = collation
        if column.comment is not None:
            body["comment"] = column.comment
        return body

    def serial(self, column) -> Optional[str]:
        """serial/bigserial/smallserial where SQLAlchemy's PostgreSQL DDL writes one (its
        autoincrement column with no identity and no Python-side default)."""
        from sqlalchemy import BigInteger, Sequence, SmallInteger, TypeDecorator

        if not (column.primary_key and column is column.table.autoincrement_column and column.identity is None):
            return None
        if column.default is not None and not (isinstance(column.default, Sequence) and column.default.optional):
            return None
        impl = column.type.dialect_impl(self.dialect)
        if isinstance(impl, TypeDecorator):
            impl = impl.impl
        if isinstance(impl, BigInteger):
            return "bigserial"
        return "smallserial" if isinstance(impl, SmallInteger) else "serial"

    def type(self, column) -> tuple[str, Optional[str]]:
        """The column's type as the PostgreSQL dialect compiles it, and its collation apart
        (the schema file keeps it in ``collation``); records the native enums it uses."""
        from sqlalchemy import ARRAY, Enum, TypeDecorator

        type_ = column.type
        while isinstance(type_, TypeDecorator):
            type_ = type_.load_dialect_impl(self.dialect)
        inner = type_.item_type if isinstance(type_, ARRAY) else type_
        if isinstance(inner, Enum) and inner.native_enum:
            self.enum(inner, column)
        collation = getattr(type_, "collation", None)
        if collation:
            type_ = type_.copy()
            type_.collation = None
        text = type_.compile(dialect=self.dialect)
        return text, collation

    def enum(self, enum, column) -> None:
        name = enum.name
        if not name:
            self.problems.append(Problem(f"{column.table.fullname}.{column.name}: a native Enum needs a name", self.spec))
            return
        schema = enum.schema
        key = name if not schema or schema == "public" else f"{schema}.{name}"
        values = list(enum.enums)
        if key in self.enums and self.enums[key] != values:
            self.problems.append(Problem(f"enum {key} is declared with different labels: {self.enums[key]} and {values}",
                                         self.spec))
        self.enums[key] = values

    def sequence(self, sequence, where: str) -> None:
        self.where(where, f"Sequence({sequence.name!r}) is drawn by SQLAlchemy on INSERT (the column has no server "
                          "default; give it server_default=sequence.next_value() to make it one)")
        key = sequence.name if not sequence.schema or sequence.schema == "public" else f"{sequence.schema}.{sequence.name}"
        body: dict = {}
        for ours, theirs in (("start", "start"), ("increment", "increment"), ("min", "minvalue"), ("max", "maxvalue"),
                             ("cache", "cache")):
            if getattr(sequence, theirs, None) is not None:
                body[ours] = getattr(sequence, theirs)
        if sequence.cycle:
            body["cycle"] = True
        if sequence.data_type is not None:
            body["as"] = sequence.data_type.compile(dialect=self.dialect).lower()
        self.sequences[key] = body

    # --- keys and indexes -----------------------------------------------------------------

    def unique(self, constraint) -> dict:
        body: dict = {"columns": [c.name for c in constraint.columns]}
        if constraint.dialect_options["postgresql"].get("nulls_not_distinct"):
            body["nulls_not_distinct"] = True
        if constraint.dialect_options["postgresql"].get("include"):
            body["include"] = _names(constraint.dialect_options["postgresql"]["include"])
        return self.named(self.name(constraint), body | _timing(constraint))

    def foreign_key(self, table, constraint) -> dict:
        elements = constraint.elements
        try:
            target = elements[0].column.table
            ref_columns = [e.column.name for e in elements]
        except Exception as exc:  # NoReferencedTableError / NoReferencedColumnError
            self.problems.append(Problem(f"{table.fullname}: foreign key {[c.name for c in constraint.columns]}: {exc}",
                                         self.spec))
            return {}
        ref_schema = target.schema or "public"
        body: dict = {"columns": [c.name for c in constraint.columns],
                      "references": {"table": target.name if ref_schema == "public" and "." not in target.name
                                     else f"{ref_schema}.{target.name}", "columns": ref_columns}}
        for ours, theirs in (("on_delete", constraint.ondelete), ("on_update", constraint.onupdate)):
            if theirs:
                action = _FK_ACTIONS.get(" ".join(theirs.upper().split()))
                if action is None:
                    self.problems.append(Problem(f"{table.fullname}: foreign key action {theirs!r} is not one of "
                                                 f"{', '.join(_FK_ACTIONS)}", self.spec))
                else:
                    body[ours] = action
        if constraint.match:
            self.problems.append(Problem(f"{table.fullname}: foreign key MATCH {constraint.match} is not supported",
                                         self.spec))
        return self.named(self.name(constraint), body | _timing(constraint))

    def index(self, index) -> dict:
        from sqlalchemy.sql import expression

        options = index.dialect_options["postgresql"]
        ops = options.get("ops") or {}
        keys = []
        for expr in index.expressions:
            text = self.sql(expr if isinstance(expr, expression.ColumnClause) else expr.self_group())
            if hasattr(expr, "key") and expr.key in ops:
                text += " " + ops[expr.key]
            keys.append(text)
        body: dict = {"columns": keys}
        if index.unique:
            body["unique"] = True
        if options.get("using"):
            body["using"] = options["using"].lower()
        if options.get("where") is not None:
            body["where"] = self.sql(options["where"])
        if options.get("include"):
            body["include"] = _names(options["include"])
        if options.get("nulls_not_distinct"):
            body["nulls_not_distinct"] = True
        if options.get("with"):
            body["with"] = {k: v for k, v in options["with"].items()}
        return self.named(self.name(index), body)


def _origin(exc: BaseException) -> str:
    """`` (at file:line)`` of the innermost frame that raised in the models' own code."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "importlib" not in f.filename and f.filename != __file__]
    return f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""


def _constraint_order(constraint) -> tuple:
    return (type(constraint).__name__, getattr(constraint, "_creation_order", 0))


def _timing(constraint) -> dict:
    out: dict = {}
    if constraint.deferrable:
        out["deferrable"] = True
    if (constraint.initially or "").upper() == "DEFERRED":
        out["initially_deferred"] = True
    return out


def _names(items) -> list[str]:
    return [getattr(i, "name", i) for i in items]


def _identity(identity) -> Any:
    body: dict = {"kind": "always" if identity.always else "by default"}
    for ours, theirs in (("start", "start"), ("increment", "increment"), ("min", "minvalue"), ("max", "maxvalue"),
                         ("cache", "cache")):
        if getattr(identity, theirs, None) is not None:
            body[ours] = getattr(identity, theirs)
    if identity.cycle:
        body["cycle"] = True
    return body if len(body) > 1 else body["kind"]


def _describe(default) -> str:
    arg = getattr(default, "arg", default)
    if hasattr(arg, "compile"):
        return str(arg)
    if callable(arg):
        return getattr(arg, "__qualname__", None) or getattr(arg, "__name__", None) or repr(arg)
    return repr(arg)
