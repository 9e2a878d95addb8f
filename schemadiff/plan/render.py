"""Change → SQL, one function per change type. Every statement is idempotent (IF [NOT]
EXISTS, a guard on the catalog, or a handler for the error a finished rename raises) so that
a plan interrupted half-way can be run again."""

from __future__ import annotations

import re
from typing import Callable

from ..diff import changes as ch
from ..model import (
    CheckConstraint, Column, ExclusionConstraint, ForeignKey, Index, PrimaryKey, QualifiedName, Table, UniqueConstraint,
)
from ..pg.naming import qualify, quote_ident, quote_literal
from ..pg.indexdef import index_sql  # noqa: F401  (shared with the catalog's probes)
from ..pg.indexdef import with_clause as _with
from .sequences import identity_clause, identity_options_sql


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
    if column.compression:
        parts.append(f"COMPRESSION {column.compression}")
    if column.collation:
        parts.append(f"COLLATE {column.collation}")
    if column.generated is not None:
        parts.append(f"GENERATED ALWAYS AS ({column.generated}) STORED")
    if column.identity:
        parts.append(f"GENERATED {column.identity.upper()} AS IDENTITY{identity_clause(column.type, column.identity_options)}")
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


def _foreign_key_body(fk: ForeignKey) -> str:
    body = f"FOREIGN KEY ({_cols(fk.columns)}) REFERENCES {q(fk.ref_table)} ({_cols(fk.ref_columns)})"
    if fk.on_update != "no action":
        body += f" ON UPDATE {fk.on_update.upper()}"
    if fk.on_delete != "no action":
        body += f" ON DELETE {fk.on_delete.upper()}"
    if fk.on_delete_columns:
        body += f" ({_cols(fk.on_delete_columns)})"
    return body + _deferrable(fk)


def repeated_keys(table: Table) -> tuple:
    """The unique constraints on the same columns as the primary key or an earlier unique
    constraint: CREATE TABLE would silently merge such a key into the first (it keeps one
    index per set of columns), so each is added by an ALTER TABLE of its own after it."""
    seen = {table.primary_key.columns} if table.primary_key else set()
    repeated = []
    for unique in table.uniques:
        if unique.columns in seen:
            repeated.append(unique)
        seen.add(unique.columns)
    return tuple(repeated)


def create_table_sql(table: Table) -> str:
    lines = [column_definition(c) for c in table.columns]
    repeated = repeated_keys(table)
    uniques = tuple(u for u in table.uniques if u not in repeated)
    inline = ((table.primary_key,) if table.primary_key else ()) + uniques + table.checks + table.exclusions
    lines += [constraint_definition(c) for c in inline]
    body = ",\n    ".join(lines)
    from .partitions import partition_clause

    unlogged = "UNLOGGED " if table.unlogged else ""
    return (f"CREATE {unlogged}TABLE IF NOT EXISTS {q(table.qualified)} (\n    {body}\n)"
            f"{_inherits_clause(table)}{partition_clause(table)}{storage_parameters_sql(table.parameters)}")


def _inherits_clause(table: Table) -> str:
    return f" INHERITS ({', '.join(q(p) for p in table.inherits)})" if table.inherits else ""


def storage_parameters_sql(parameters) -> str:
    """`` WITH (fillfactor = '70')``: values quoted, as PostgreSQL accepts every one as text."""
    if not parameters:
        return ""
    return " WITH (" + ", ".join(f"{name} = {quote_literal(value)}" for name, value in parameters) + ")"


def set_storage_sql(table: QualifiedName, column: Column) -> str:
    """SET STORAGE, or back to the type's own (PostgreSQL 15 has no SET STORAGE DEFAULT)."""
    target, col = q(table), quote_ident(column.name)
    if column.storage:
        return f"ALTER TABLE {target} ALTER COLUMN {col} SET STORAGE {column.storage.upper()}"
    return (
        "DO $schemadiff$ BEGIN\n"
        f"  EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET STORAGE %s', {quote_literal(target)}, {quote_literal(column.name)},\n"
        "    (SELECT CASE t.typstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END\n"
        f"     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = {quote_literal(target)}::regclass"
        f" AND a.attname = {quote_literal(column.name)}));\n"
        "END $schemadiff$"
    )


def _guarded_add_constraint(table: QualifiedName, constraint, not_valid: bool) -> str:
    """ADD CONSTRAINT has no IF NOT EXISTS; guard it on pg_constraint instead."""
    suffix = " NOT VALID" if not_valid else ""
    alter = f"ALTER TABLE {q(table)} ADD {constraint_definition(constraint)}{suffix}"
    return _only_if(f"NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = {quote_literal(constraint.name)}"
                    f" AND conrelid = {quote_literal(q(table))}::regclass)", alter)


def _only_if(condition: str, statement: str) -> str:
    """``statement``, run only while the catalog ``condition`` holds: the guard for DDL that
    has no IF [NOT] EXISTS and whose failure on a rerun is not a distinct error code."""
    return (
        "DO $schemadiff$ BEGIN\n"
        f"  IF {condition} THEN\n"
        f"    {statement};\n"
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
    # A guard on pg_enum: the error for a missing label (invalid_parameter_value) is too broad to catch.
    label_exists = (f"EXISTS (SELECT 1 FROM pg_enum WHERE enumtypid = {quote_literal(q(c.enum))}::regtype"
                    f" AND enumlabel = {quote_literal(c.old)})")
    return [_only_if(label_exists, f"ALTER TYPE {q(c.enum)} RENAME VALUE {quote_literal(c.old)} TO {quote_literal(c.new)}")]


def _rename_enum(c: ch.RenameEnum, **_) -> list[str]:
    return [_unless(f"ALTER TYPE {q(c.old)} RENAME TO {quote_ident(c.new.name)}", "undefined_object")]


def _recreate_enum(c: ch.RecreateEnum, **_) -> list[str]:
    old_name = c.from_.name + "__schemadiff_old"
    old = QualifiedName(c.from_.schema, old_name)
    labels = ", ".join(quote_literal(v) for v in c.to.values)
    new = q(c.to.qualified)
    # Set the old type aside, unless a rerun finds it set aside already: then it is the one to convert from.
    out = [_only_if(f"to_regtype({quote_literal(q(old))}) IS NULL",
                    f"ALTER TYPE {q(c.from_.qualified)} RENAME TO {quote_ident(old_name)}"),
           _unless(f"CREATE TYPE {new} AS ENUM ({labels})", "duplicate_object")]
    out += [_drop_dependent(table, dependent) for table, dependent in c.dependents]
    for table, column, type_ in c.columns:
        target = new + ("[]" if type_.endswith("[]") else "")
        out.append(_retype_enum_column(table, column, target, old_name, c.to.name))
    out += [_recreate_dependent(table, dependent) for table, dependent in c.dependents]
    out.append(f"DROP TYPE IF EXISTS {q(old)}")
    return out


def _drop_dependent(table: QualifiedName, dependent) -> str:
    if isinstance(dependent, Index):
        return f"DROP INDEX IF EXISTS {qualify(table.schema, dependent.name)}"
    return f"ALTER TABLE {q(table)} DROP CONSTRAINT IF EXISTS {quote_ident(dependent.name)}"


def _recreate_dependent(table: QualifiedName, dependent) -> str:
    """As it was: the text reads the same once the type's name is back on the rebuilt type."""
    if isinstance(dependent, Index):
        return index_sql(table, dependent)
    return _guarded_add_constraint(table, dependent, not_valid=not dependent.validated)


def _retype_enum_column(table: QualifiedName, column: str, target: str, old_type: str, new_type: str) -> str:
    """Move one column to the rebuilt enum. A default of the old type cannot be cast
    automatically: drop it around the change and put it back spelled with the new type.
    Names reach the dynamic SQL only as format() arguments, never inside its template."""
    col, rel = quote_ident(column), q(table)
    rel_oid, col_name = f"{quote_literal(rel)}::regclass", quote_literal(column)
    return (
        "DO $schemadiff$ DECLARE d text; BEGIN\n"
        f"  SELECT pg_get_expr(ad.adbin, ad.adrelid) INTO d FROM pg_attrdef ad JOIN pg_attribute a"
        f" ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum WHERE ad.adrelid = {rel_oid} AND a.attname = {col_name};\n"
        f"  ALTER TABLE {rel} ALTER COLUMN {col} DROP DEFAULT;\n"
        f"  ALTER TABLE {rel} ALTER COLUMN {col} TYPE {target} USING {col}::text::{target};\n"
        # A default naming a removed label stays dropped; the column's own change sets the new one.
        "  IF d IS NOT NULL THEN BEGIN\n"
        f"    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT %s', {rel_oid}, {col_name},"
        f" replace(d, quote_ident({quote_literal(old_type)}), quote_ident({quote_literal(new_type)})));\n"
        "  EXCEPTION WHEN invalid_text_representation THEN NULL; END; END IF;\n"
        "END $schemadiff$"
    )


def _create_table(c: ch.CreateTable, **_) -> list[str]:
    out = [create_table_sql(c.table)]
    out += [_guarded_add_constraint(c.table.qualified, u, not_valid=False) for u in repeated_keys(c.table)]
    if c.table.comment is not None:
        out.append(_comment("TABLE", q(c.table.qualified), c.table.comment))
    for column in c.table.columns:
        if column.comment is not None:
            out.append(_comment("COLUMN", f"{q(c.table.qualified)}.{quote_ident(column.name)}", column.comment))
    out += [set_storage_sql(c.table.qualified, column) for column in c.table.columns if column.storage]
    return out


def _drop_table(c: ch.DropTable, **_) -> list[str]:
    return [f"DROP TABLE IF EXISTS {q(c.table.qualified)}"]


def _rename_table(c: ch.RenameTable, **_) -> list[str]:
    return [f"ALTER TABLE IF EXISTS {q(c.old)} RENAME TO {quote_ident(c.new.name)}"]


def _add_column(c: ch.AddColumn, **_) -> list[str]:
    out = [f"ALTER TABLE {q(c.table)} ADD COLUMN IF NOT EXISTS {column_definition(c.column)}"]
    if c.column.comment is not None:
        out.append(_comment("COLUMN", f"{q(c.table)}.{quote_ident(c.column.name)}", c.column.comment))
    if c.column.storage:
        out.append(set_storage_sql(c.table, c.column))
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
    if "identity" in changed and c.from_.identity and not to.identity:
        out.append(f"ALTER TABLE {table} ALTER COLUMN {col} DROP IDENTITY IF EXISTS")
    if "default" in changed and (c.from_.default is not None or c.from_.serial):
        drop = f"ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT"
        # Once the column is an identity (a rerun), DROP DEFAULT is an error, not a no-op.
        out.append(_only_if(f"NOT {_is_identity(c.table, to.name)}", drop) if to.identity else drop)
    if "type" in changed or "collation" in changed:
        # No USING on a generated column (PostgreSQL refuses it) or for a new collation alone.
        using = f" USING {to.using}" if to.using else f" USING {col}::{to.type}"
        using = "" if to.generated is not None or "type" not in changed else using
        collate = f" COLLATE {to.collation}" if to.collation else ""
        retype = f"ALTER TABLE {table} ALTER COLUMN {col} TYPE {to.type}{collate}{using}"
        # A USING written for the old type fails on the new one: a rerun must skip it.
        out.append(_only_if(f"{_type_of(c.table, to.name)} IS DISTINCT FROM {quote_literal(to.type)}", retype)
                   if to.using and using else retype)
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
        out += _identity_sql(c.table, to, keeps_sequence=bool(c.from_.identity))
    if "identity_options" in changed and c.from_.identity:  # after any type change, which retypes the sequence
        out += identity_options_sql(c.table, to, c.from_)
    if "nullable" in changed and to.nullable:
        out.append(f"ALTER TABLE {table} ALTER COLUMN {col} DROP NOT NULL")
    if "comment" in changed:
        out.append(_comment("COLUMN", f"{table}.{col}", to.comment))
    # ALTER TYPE (for a new collation too) gives the column its type's storage and
    # compression back: say the column's again.
    retyped = "type" in changed or "collation" in changed
    if "storage" in changed or (retyped and to.storage):
        out.append(set_storage_sql(c.table, to))
    if "compression" in changed or (retyped and to.compression):
        out.append(f"ALTER TABLE {table} ALTER COLUMN {col} SET COMPRESSION {to.compression or 'DEFAULT'}")
    return out


def _identity_sql(table: QualifiedName, column: Column, keeps_sequence: bool) -> list[str]:
    """Make ``column`` an identity. Between ALWAYS and BY DEFAULT, SET GENERATED keeps the
    sequence where it is; a new identity starts at 1, so it is moved past the rows' values."""
    alter = f"ALTER TABLE {q(table)} ALTER COLUMN {quote_ident(column.name)}"
    kind = column.identity.upper()
    if keeps_sequence:
        return [f"{alter} SET GENERATED {kind}"]
    add = f"{alter} ADD GENERATED {kind} AS IDENTITY{identity_clause(column.type, column.identity_options)}"
    return [_only_if(f"NOT {_is_identity(table, column.name)}", add),
            _sequence_past_rows_sql(table, column.name, _identity_sequence(table, column.name))]


def _type_of(table: QualifiedName, column: str) -> str:
    return (f"(SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = {quote_literal(q(table))}::regclass"
            f" AND attname = {quote_literal(column)})")


def _is_identity(table: QualifiedName, column: str) -> str:
    return (f"EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {quote_literal(q(table))}::regclass"
            f" AND attname = {quote_literal(column)} AND attidentity <> '')")


def _identity_sequence(table: QualifiedName, column: str) -> str:
    """The identity's own sequence (internal dependency): pg_get_serial_sequence could name a
    serial sequence the column still owns from before."""
    rel = f"{quote_literal(q(table))}::regclass"
    return (f"(SELECT d.objid FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
            f" WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = {rel}"
            f" AND a.attname = {quote_literal(column)} AND d.deptype = 'i')")


def _sequence_past_rows_sql(table: QualifiedName, column: str, sequence: str) -> str:
    """Move ``sequence`` so that its next value is past max(``column``), and never back: a
    rerun after ids were handed out and their rows deleted leaves it where it is."""
    return (
        f"DO $schemadiff$ DECLARE seq regclass := {sequence}; top bigint; last bigint; called boolean; BEGIN\n"
        f"  EXECUTE format('SELECT max(%I) FROM %s', {quote_literal(column)}, {quote_literal(q(table))}::regclass) INTO top;\n"
        "  EXECUTE format('SELECT last_value, is_called FROM %s', seq) INTO last, called;\n"
        "  IF top > last OR top = last AND NOT called THEN PERFORM setval(seq, top); END IF;\n"
        "END $schemadiff$"
    )


def _serial_sql(table: QualifiedName, column: Column) -> list[str]:
    from ..pg.naming import make_object_name

    seq = q(QualifiedName(table.schema, make_object_name(table.name, column.name, "seq")))
    return [
        f"CREATE SEQUENCE IF NOT EXISTS {seq} AS {column.type} OWNED BY {q(table)}.{quote_ident(column.name)}",
        # The sequence may exist already (a nextval() default turned serial): it must become the column's.
        f"ALTER SEQUENCE {seq} OWNED BY {q(table)}.{quote_ident(column.name)}",
        f"ALTER TABLE {q(table)} ALTER COLUMN {quote_ident(column.name)} SET DEFAULT nextval({quote_literal(seq)}::regclass)",
        _sequence_past_rows_sql(table, column.name, f"{quote_literal(seq)}::regclass"),
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
