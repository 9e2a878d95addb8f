"""Rows of the table, constraint and index queries → :class:`~schemadiff.model.Table`."""

from __future__ import annotations

from typing import Optional

from ..model import (
    CheckConstraint, Column, ExclusionConstraint, ForeignKey, Index, PrimaryKey, QualifiedName, RelationSize, Table, UniqueConstraint,
)
from ..pg import normalize
from ..pg.index_keys import keys_of_definition, parameters_from_reloptions
from ..pg.naming import qualify, quote_ident

FK_ACTION_CODES = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}


IDENTITY_CODES = {"a": "always", "d": "by default"}


class _TableBuilder:
    """Mutable scratch space while rows arrive; frozen into a Table by build()."""

    def __init__(self, schema: str, name: str, comment: Optional[str], details: Optional[dict] = None):
        self.schema, self.name, self.comment = schema, name, comment
        self.details = details or {}
        self.columns: list[Column] = []
        self.primary_key: Optional[PrimaryKey] = None
        self.uniques: list = []
        self.foreign_keys: list = []
        self.checks: list = []
        self.indexes: list = []
        self.exclusions: list = []

    def build(self) -> Table:
        return Table(
            schema=self.schema, name=self.name, columns=tuple(self.columns),
            primary_key=self.primary_key, uniques=tuple(self.uniques),
            foreign_keys=tuple(self.foreign_keys), checks=tuple(self.checks),
            indexes=tuple(self.indexes), comment=self.comment, exclusions=tuple(self.exclusions), **self.details,
        )


# The size columns the tables query ends with (on each table's first row): sizes_from_rows.
SIZE_COLUMNS = 5


def tables_from_rows(rows) -> dict:
    tables: dict[QualifiedName, _TableBuilder] = {}
    for (schema, name, table_comment, column, type_, not_null, default, identity,
         generated, column_comment, owned_sequence, *details) in rows:
        details = details[:-SIZE_COLUMNS]
        key = QualifiedName(schema, name)
        builder = tables.get(key)
        if builder is None:
            builder = tables[key] = _TableBuilder(schema, name, table_comment,
                                                  _table_details(*details[:4]) | _inherits(details[8]))
        if column is None:
            continue
        builder.columns.append(_column(column, type_, not_null, default, identity, column_comment, generated,
                                       *details[4:8]))
    return tables


def sizes_from_rows(rows) -> list[RelationSize]:
    """The size of each table, from the trailing columns of its first row."""
    out = []
    for row in rows:
        rows_, heap, index, count, analyzed = row[-SIZE_COLUMNS:]
        if heap is not None:
            out.append(RelationSize(row[0], row[1], rows=None if rows_ is None else float(rows_), heap_bytes=int(heap),
                                    index_bytes=int(index), indexes=int(count), analyzed=bool(analyzed)))
    return out


STORAGE_CODES = {"p": "plain", "e": "external", "m": "main", "x": "extended"}
COMPRESSION_CODES = {"p": "pglz", "l": "lz4"}
REPLICA_IDENTITY_CODES = {"d": "default", "f": "full", "n": "nothing", "i": "index"}


def _table_details(unlogged, parameters, replica_identity, replica_index) -> dict:
    identity = REPLICA_IDENTITY_CODES.get(replica_identity, "default")
    if identity == "index" and replica_index is None:  # its index was dropped: PostgreSQL acts as NOTHING
        identity = "nothing"
    return {
        "unlogged": bool(unlogged),
        "parameters": tuple(sorted(_parameter(p) for p in parameters or ())),
        "replica_identity": identity,
        "replica_index": replica_index if identity == "index" else None,
    }


def _inherits(parents) -> dict:
    return {"inherits": tuple(QualifiedName(schema, name) for schema, name in parents)} if parents else {}


def _parameter(text: str) -> tuple[str, str]:
    name, _, value = text.partition("=")
    return name, normalize.storage_parameter(value)


def _column(name, type_, not_null, default, identity, comment, generated, collation_schema=None,
            collation_name=None, storage=None, compression=None) -> Column:
    """One column, built once. A generated column's expression lives where a default's would
    (pg_attrdef); serial is read later, with the sequence's type and options
    (catalog/sequences.py)."""
    collation = None
    if collation_name is not None:
        collation = quote_ident(collation_name) if collation_schema == "pg_catalog" \
            else qualify(collation_schema, collation_name)
    return Column(
        name=name, type=type_, nullable=not not_null, default=None if generated else default,
        identity=IDENTITY_CODES.get(identity or ""), comment=comment,
        generated=_strip_outer_parens(default) if generated and default else None,
        collation=collation, storage=STORAGE_CODES.get(storage or ""),
        compression=COMPRESSION_CODES.get(compression or ""),
    )


def attach_constraints(tables: dict, rows) -> None:
    for (schema, table, name, kind, validated, deferrable, deferred, columns,
         ref_schema, ref_table, ref_columns, on_update, on_delete, expression, no_inherit,
         nulls_not_distinct, method, definition, bare_keys, operators, predicate, include, parameters,
         on_delete_columns, comment) in rows:
        builder = tables.get(QualifiedName(schema, table))
        if builder is None:
            continue
        columns = tuple(columns)
        if kind == "p":
            builder.primary_key = PrimaryKey(name, columns, deferrable=deferrable, initially_deferred=deferred,
                                             include=tuple(include), parameters=parameters_from_reloptions(parameters),
                                             comment=comment)
        elif kind == "u":
            builder.uniques.append(UniqueConstraint(name, columns, deferrable=deferrable, initially_deferred=deferred,
                                                    nulls_not_distinct=nulls_not_distinct, include=tuple(include),
                                                    parameters=parameters_from_reloptions(parameters), comment=comment))
        elif kind == "x":
            keys = keys_of_definition(definition, method, bare_keys) or tuple(bare_keys)
            builder.exclusions.append(ExclusionConstraint(
                name=name, elements=tuple(zip(keys, operators)), method=method, where=predicate,
                include=tuple(include), parameters=parameters_from_reloptions(parameters),
                deferrable=deferrable, initially_deferred=deferred, comment=comment,
            ))
        elif kind == "f":
            builder.foreign_keys.append(ForeignKey(
                name=name, columns=columns, ref_table=QualifiedName(ref_schema, ref_table),
                ref_columns=tuple(ref_columns), on_delete=FK_ACTION_CODES[on_delete],
                on_update=FK_ACTION_CODES[on_update], deferrable=deferrable,
                initially_deferred=deferred, validated=validated, on_delete_columns=tuple(on_delete_columns),
                comment=comment,
            ))
        elif kind == "c":
            builder.checks.append(CheckConstraint(name, _strip_outer_parens(expression), validated=validated,
                                                  no_inherit=no_inherit, comment=comment))


def attach_indexes(tables: dict, rows) -> None:
    for (schema, table, name, unique, valid, method, predicate, keys, include,
         bare_keys, definition, nulls_not_distinct, parameters, comment) in rows:
        builder = tables.get(QualifiedName(schema, table))
        if builder is None:
            continue
        builder.indexes.append(Index(
            name=name, keys=keys_of_definition(definition, method, bare_keys) or tuple(keys), unique=unique,
            method=method, where=predicate, include=tuple(include), valid=valid,
            nulls_not_distinct=nulls_not_distinct, parameters=parameters_from_reloptions(parameters), comment=comment,
        ))


def _strip_outer_parens(text: str) -> str:
    """pg_get_expr wraps a check in one pair of parentheses; keep the bare expression."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth, quote = 0, None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
            continue
        if ch in "'\"":
            quote = ch
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(text) - 1:
            return text
    return text[1:-1]
