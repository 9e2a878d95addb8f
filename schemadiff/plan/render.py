"""Change → SQL, one function per change type. Every statement is idempotent (IF [NOT]
EXISTS, or a guard on the catalog) so that a plan interrupted half-way can be run again."""

from __future__ import annotations

import re
from typing import Callable

from ..diff import changes as ch
from ..model import (
    CheckConstraint, Column, ExclusionConstraint, ForeignKey, Index, PrimaryKey, QualifiedName, Table, UniqueConstraint,
)
from ..pg.naming import qualify, quote_ident, quote_literal


def render(change: ch.Change, *, concurrently: bool = False, not_valid: bool = False) -> list[str]:
    """The SQL statements that carry out ``change``."""
    renderer = _RENDERERS.get(type(change))
    if renderer is None:
        from . import kinds

        return kinds.rules_for(change).render(change)
    return renderer(change, concurrently=concurrently, not_valid=not_valid)


def q(name: QualifiedName) -> str:
    return qualify(name.schema, name.name)


def _cols(columns) -> str:
    return ", ".join(quote_ident(c) for c in columns)


def column_definition(column: Column) -> str:
    parts = [quote_ident(column.name), _column_type(column)]
    if column.identity:
        parts.append(f"GENERATED {column.identity.upper()} AS IDENTITY")
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    if not column.nullable and not column.serial and not column.identity:
        parts.append("NOT NULL")
    return " ".join(parts)


def _column_type(column: Column) -> str:
    if column.serial:
        return {"smallint": "smallserial", "integer": "serial", "bigint": "bigserial"}[column.type]
    return column.type


def constraint_definition(constraint) -> str:
    if isinstance(constraint, PrimaryKey):
        body = f"PRIMARY KEY ({_cols(constraint.columns)})" + _key_index(constraint) + _deferrable(constraint)
    elif isinstance(constraint, UniqueConstraint):
        nulls = " NULLS NOT DISTINCT" if constraint.nulls_not_distinct else ""
        body = f"UNIQUE{nulls} ({_cols(constraint.columns)})" + _key_index(constraint) + _deferrable(constraint)
    elif isinstance(constraint, CheckConstraint):
        body = f"CHECK ({constraint.expression})" + (" NO INHERIT" if constraint.no_inherit else "")
    elif isinstance(constraint, ExclusionConstraint):
        body = _exclusion_body(constraint)
    else:
        body = _foreign_key_body(constraint)
    return f"CONSTRAINT {quote_ident(constraint.name)} {body}"


def _key_index(key) -> str:
    """INCLUDE and WITH of the index behind a primary key or unique constraint."""
    return (f" INCLUDE ({_cols(key.include)})" if key.include else "") + _with(key.parameters)


def _deferrable(constraint) -> str:
    if not constraint.deferrable:
        return ""
    return " DEFERRABLE" + (" INITIALLY DEFERRED" if constraint.initially_deferred else "")


def _exclusion_body(x: ExclusionConstraint) -> str:
    elements = ", ".join(f"{key} WITH {operator}" for key, operator in x.elements)
    body = f"EXCLUDE USING {x.method} ({elements})"
    if x.include:
        body += f" INCLUDE ({_cols(x.include)})"
    body += _with(x.parameters)
    if x.where:
        body += f" WHERE ({x.where})"
    return body + _deferrable(x)


def _with(parameters) -> str:
    if not parameters:
        return ""
    values = (v if re.fullmatch(r"[\w.]+", v) else quote_literal(v) for _, v in parameters)
    return f" WITH ({', '.join(f'{name} = {value}' for (name, _), value in zip(parameters, values))})"


def _foreign_key_body(fk: ForeignKey) -> str:
    body = f"FOREIGN KEY ({_cols(fk.columns)}) REFERENCES {q(fk.ref_table)} ({_cols(fk.ref_columns)})"
    if fk.on_update != "no action":
        body += f" ON UPDATE {fk.on_update.upper()}"
    if fk.on_delete != "no action":
        body += f" ON DELETE {fk.on_delete.upper()}"
    return body + _deferrable(fk)


def create_table_sql(table: Table) -> str:
    lines = [column_definition(c) for c in table.columns]
    inline = ((table.primary_key,) if table.primary_key else ()) + table.uniques + table.checks + table.exclusions
    lines += [constraint_definition(c) for c in inline]
    body = ",\n    ".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {q(table.qualified)} (\n    {body}\n)"


def index_sql(table: QualifiedName, index: Index, concurrently: bool = False) -> str:
    unique = "UNIQUE " if index.unique else ""
    conc = "CONCURRENTLY " if concurrently else ""
    using = f" USING {index.method}" if index.method != "btree" else ""
    sql = f"CREATE {unique}INDEX {conc}IF NOT EXISTS {quote_ident(index.name)} ON {q(table)}{using} ({', '.join(index.keys)})"
    if index.include:
        sql += f" INCLUDE ({_cols(index.include)})"
    if index.nulls_not_distinct:
        sql += " NULLS NOT DISTINCT"
    sql += _with(index.parameters)
    if index.where:
        sql += f" WHERE {index.where}"
    return sql


def _guarded_add_constraint(table: QualifiedName, constraint, not_valid: bool) -> str:
    """ADD CONSTRAINT has no IF NOT EXISTS; guard it on pg_constraint instead."""
    suffix = " NOT VALID" if not_valid else ""
    alter = f"ALTER TABLE {q(table)} ADD {constraint_definition(constraint)}{suffix}"
    return (
        "DO $schemadiff$ BEGIN\n"
        f"  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = {quote_literal(constraint.name)}"
        f" AND conrelid = {quote_literal(q(table))}::regclass) THEN\n"
        f"    {alter};\n"
        "  END IF;\n"
        "END $schemadiff$"
    )


def _unless(statement: str, condition: str) -> str:
    """``statement``, doing nothing when it fails with ``condition``: how a CREATE TYPE or a
    RENAME, which have no IF [NOT] EXISTS, stay rerunnable once done."""
    return (
        "DO $schemadiff$ BEGIN\n"
        f"  {statement};\n"
        f"EXCEPTION WHEN {condition} THEN NULL;\n"
        "END $schemadiff$"
    )


def _comment(kind: str, target: str, text) -> str:
    value = "NULL" if text is None else quote_literal(text)
    return f"COMMENT ON {kind} {target} IS {value}"


# -- one renderer per change type -------------------------------------------------------------

def _create_schema(c: ch.CreateSchema, **_) -> list[str]:
    return [f"CREATE SCHEMA IF NOT EXISTS {quote_ident(c.name)}"]


def _create_enum(c: ch.CreateEnum, **_) -> list[str]:
    labels = ", ".join(quote_literal(v) for v in c.enum.values)
    name = q(c.enum.qualified)
    return [_unless(f"CREATE TYPE {name} AS ENUM ({labels})", "duplicate_object")]


def _drop_enum(c: ch.DropEnum, **_) -> list[str]:
    return [f"DROP TYPE IF EXISTS {q(c.enum.qualified)}"]


def _add_enum_value(c: ch.AddEnumValue, **_) -> list[str]:
    where = f" BEFORE {quote_literal(c.before)}" if c.before else ""
    return [f"ALTER TYPE {q(c.enum)} ADD VALUE IF NOT EXISTS {quote_literal(c.value)}{where}"]


def _rename_enum_value(c: ch.RenameEnumValue, **_) -> list[str]:
    return [f"ALTER TYPE {q(c.enum)} RENAME VALUE {quote_literal(c.old)} TO {quote_literal(c.new)}"]


def _rename_enum(c: ch.RenameEnum, **_) -> list[str]:
    return [f"ALTER TYPE {q(c.old)} RENAME TO {quote_ident(c.new.name)}"]


def _recreate_enum(c: ch.RecreateEnum, **_) -> list[str]:
    old_name = c.from_.name + "__schemadiff_old"
    old = QualifiedName(c.from_.schema, old_name)
    labels = ", ".join(quote_literal(v) for v in c.to.values)
    new = q(c.to.qualified)
    out = [f"ALTER TYPE {q(c.from_.qualified)} RENAME TO {quote_ident(old_name)}",
           f"CREATE TYPE {new} AS ENUM ({labels})"]
    for table, column, type_ in c.columns:
        target = new + ("[]" if type_.endswith("[]") else "")
        col, rel = quote_ident(column), q(table)
        # A default of the old type cannot be cast automatically: drop it around the change and
        # put it back spelled with the new type.
        out.append(
            "DO $schemadiff$ DECLARE d text; BEGIN\n"
            f"  SELECT pg_get_expr(ad.adbin, ad.adrelid) INTO d FROM pg_attrdef ad JOIN pg_attribute a"
            f" ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum WHERE ad.adrelid = {quote_literal(rel)}::regclass"
            f" AND a.attname = {quote_literal(column)};\n"
            f"  ALTER TABLE {rel} ALTER COLUMN {col} DROP DEFAULT;\n"
            f"  ALTER TABLE {rel} ALTER COLUMN {col} TYPE {target} USING {col}::text::{target};\n"
            # A default naming a removed label stays dropped; the column's own change sets the new one.
            f"  IF d IS NOT NULL THEN BEGIN EXECUTE format('ALTER TABLE {rel} ALTER COLUMN {col} SET DEFAULT %s',"
            f" replace(d, {quote_literal(old_name)}, {quote_literal(c.to.name)}));\n"
            "  EXCEPTION WHEN invalid_text_representation THEN NULL; END; END IF;\n"
            "END $schemadiff$"
        )
    out.append(f"DROP TYPE {q(old)}")
    return out


def _create_table(c: ch.CreateTable, **_) -> list[str]:
    out = [create_table_sql(c.table)]
    if c.table.comment is not None:
        out.append(_comment("TABLE", q(c.table.qualified), c.table.comment))
    for column in c.table.columns:
        if column.comment is not None:
            out.append(_comment("COLUMN", f"{q(c.table.qualified)}.{quote_ident(column.name)}", column.comment))
    return out


def _drop_table(c: ch.DropTable, **_) -> list[str]:
    return [f"DROP TABLE IF EXISTS {q(c.table.qualified)}"]


def _rename_table(c: ch.RenameTable, **_) -> list[str]:
    return [f"ALTER TABLE IF EXISTS {q(c.old)} RENAME TO {quote_ident(c.new.name)}"]


def _add_column(c: ch.AddColumn, **_) -> list[str]:
    out = [f"ALTER TABLE {q(c.table)} ADD COLUMN IF NOT EXISTS {column_definition(c.column)}"]
    if c.column.comment is not None:
        out.append(_comment("COLUMN", f"{q(c.table)}.{quote_ident(c.column.name)}", c.column.comment))
    return out


def _drop_column(c: ch.DropColumn, **_) -> list[str]:
    return [f"ALTER TABLE {q(c.table)} DROP COLUMN IF EXISTS {quote_ident(c.column.name)}"]


def _rename_column(c: ch.RenameColumn, **_) -> list[str]:
    return [_unless(f"ALTER TABLE {q(c.table)} RENAME COLUMN {quote_ident(c.old)} TO {quote_ident(c.new)}",
                    "undefined_column")]


def alter_column_sql(c: ch.AlterColumn) -> list[str]:
    """Each changed property as its own ALTER, in an order that always works:
    identity and default go before the type changes, SET NOT NULL before a new identity,
    DROP NOT NULL last."""
    table, col, to = q(c.table), quote_ident(c.to.name), c.to
    changed = c.changed
    out = []
    if "identity" in changed and c.from_.identity:
        out.append(f"ALTER TABLE {table} ALTER COLUMN {col} DROP IDENTITY IF EXISTS")
    if "default" in changed and (c.from_.default is not None or c.from_.serial):
        out.append(f"ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT")
    if "type" in changed:
        using = f" USING {to.using}" if to.using else f" USING {col}::{to.type}"
        out.append(f"ALTER TABLE {table} ALTER COLUMN {col} TYPE {to.type}{using}")
        if to.serial and c.from_.serial:
            out.append(_serial_sequence_type_sql(c.table, to))
    # NOT NULL before ADD GENERATED, which PostgreSQL refuses on a nullable column.
    if "nullable" in changed and not to.nullable:
        out.append(f"ALTER TABLE {table} ALTER COLUMN {col} SET NOT NULL")
    if "default" in changed and to.serial:
        out += _serial_sql(c.table, to)
    elif "default" in changed and to.default is not None:
        out.append(f"ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT {to.default}")
    if "identity" in changed and to.identity:
        out.append(f"ALTER TABLE {table} ALTER COLUMN {col} ADD GENERATED {to.identity.upper()} AS IDENTITY")
    if "nullable" in changed and to.nullable:
        out.append(f"ALTER TABLE {table} ALTER COLUMN {col} DROP NOT NULL")
    if "comment" in changed:
        out.append(_comment("COLUMN", f"{table}.{col}", to.comment))
    return out


def _serial_sql(table: QualifiedName, column: Column) -> list[str]:
    from ..pg.naming import make_object_name

    seq = QualifiedName(table.schema, make_object_name(table.name, column.name, "seq"))
    return [
        f"CREATE SEQUENCE IF NOT EXISTS {q(seq)} AS {column.type} OWNED BY {q(table)}.{quote_ident(column.name)}",
        f"ALTER TABLE {q(table)} ALTER COLUMN {quote_ident(column.name)} SET DEFAULT nextval({quote_literal(q(seq))}::regclass)",
    ]


def _serial_sequence_type_sql(table: QualifiedName, column: Column) -> str:
    """serial → bigserial must widen the sequence too, or ids still stop at 2^31 - 1."""
    return (
        "DO $schemadiff$ DECLARE seq text := pg_get_serial_sequence("
        f"{quote_literal(q(table))}, {quote_literal(column.name)}); BEGIN\n"
        f"  IF seq IS NOT NULL THEN EXECUTE format('ALTER SEQUENCE %s AS {column.type}', seq); END IF;\n"
        "END $schemadiff$"
    )


def _alter_column(c: ch.AlterColumn, **_) -> list[str]:
    return alter_column_sql(c)


def _add_constraint(c: ch.AddConstraint, not_valid: bool = False, **_) -> list[str]:
    return [_guarded_add_constraint(c.table, c.constraint, not_valid)]


def _drop_constraint(c: ch.DropConstraint, **_) -> list[str]:
    return [f"ALTER TABLE IF EXISTS {q(c.table)} DROP CONSTRAINT IF EXISTS {quote_ident(c.constraint.name)}"]


def _rename_constraint(c: ch.RenameConstraint, **_) -> list[str]:
    return [_unless(f"ALTER TABLE {q(c.table)} RENAME CONSTRAINT {quote_ident(c.old)} TO {quote_ident(c.new)}",
                    "undefined_object")]


def _validate_constraint(c: ch.ValidateConstraint, **_) -> list[str]:
    return [f"ALTER TABLE {q(c.table)} VALIDATE CONSTRAINT {quote_ident(c.constraint.name)}"]


def _add_index(c: ch.AddIndex, concurrently: bool = False, **_) -> list[str]:
    return [index_sql(c.table, c.index, concurrently=concurrently)]


def _drop_index(c: ch.DropIndex, concurrently: bool = False, **_) -> list[str]:
    conc = "CONCURRENTLY " if concurrently else ""
    return [f"DROP INDEX {conc}IF EXISTS {qualify(c.table.schema, c.index.name)}"]


def _rename_index(c: ch.RenameIndex, **_) -> list[str]:
    return [f"ALTER INDEX IF EXISTS {qualify(c.table.schema, c.old)} RENAME TO {quote_ident(c.new)}"]


def _set_table_comment(c: ch.SetTableComment, **_) -> list[str]:
    return [_comment("TABLE", q(c.table), c.to)]


_RENDERERS: dict[type, Callable[..., list[str]]] = {
    ch.CreateSchema: _create_schema, ch.CreateEnum: _create_enum, ch.DropEnum: _drop_enum,
    ch.AddEnumValue: _add_enum_value, ch.RenameEnumValue: _rename_enum_value,
    ch.RenameEnum: _rename_enum, ch.RecreateEnum: _recreate_enum,
    ch.CreateTable: _create_table, ch.DropTable: _drop_table, ch.RenameTable: _rename_table,
    ch.AddColumn: _add_column, ch.DropColumn: _drop_column, ch.RenameColumn: _rename_column,
    ch.AlterColumn: _alter_column, ch.AddConstraint: _add_constraint,
    ch.DropConstraint: _drop_constraint, ch.RenameConstraint: _rename_constraint,
    ch.ValidateConstraint: _validate_constraint, ch.AddIndex: _add_index,
    ch.DropIndex: _drop_index, ch.RenameIndex: _rename_index,
    ch.SetTableComment: _set_table_comment,
}
