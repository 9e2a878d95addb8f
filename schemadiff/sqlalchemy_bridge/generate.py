"""Catalog → SQLAlchemy 2.0 declarative models (Python source), for ``schemadiff models``.

The models are written so that loading them back (``load.py``) gives the same catalog: every
constraint and index name PostgreSQL would not derive by itself is written out, types
SQLAlchemy has no class for are spelled as PostgreSQL prints them (``PgType``), and a table
without a primary key (which the ORM cannot map) is a plain ``Table``. What models cannot
say (partitions, exclusion constraints, domains, storage details …) is listed in the header
and returned, never silently dropped.
"""

from __future__ import annotations

import keyword
import re
from collections import Counter
from typing import Optional

from ..model import Catalog, Column, ForeignKey, Table
from ..pg.naming import quote_ident

# canonical PostgreSQL type → (SQLAlchemy type expression, annotation); {n} etc. from the modifiers
_SIMPLE = {
    "bigint": ("BigInteger", "int"), "integer": ("Integer", "int"), "smallint": ("SmallInteger", "int"),
    "text": ("Text", "str"), "character varying": ("String", "str"), "boolean": ("Boolean", "bool"),
    "numeric": ("Numeric", "Decimal"), "real": ("REAL", "float"), "double precision": ("Double", "float"),
    "timestamp with time zone": ("DateTime(timezone=True)", "datetime.datetime"),
    "timestamp without time zone": ("DateTime", "datetime.datetime"), "date": ("Date", "datetime.date"),
    "time without time zone": ("Time", "datetime.time"), "interval": ("Interval", "datetime.timedelta"),
    "jsonb": ("JSONB", "Any"), "json": ("JSON", "Any"), "uuid": ("Uuid", "uuid.UUID"),
    "bytea": ("LargeBinary", "bytes"), "inet": ("INET", "str"), "cidr": ("CIDR", "str"),
    "macaddr": ("MACADDR", "str"), "character": ("CHAR", "str"),
}
_FROM_POSTGRESQL = {"JSONB", "INET", "CIDR", "MACADDR", "REAL"}
_RESERVED_ATTRIBUTES = {"metadata", "registry"}  # taken by DeclarativeBase
# Key types SQLAlchemy takes for a lone key's autoincrement column (created SERIAL) unless told
# autoincrement=False: integers, and before 2.1 numeric, real and double precision (sqlalchemy#11811).
_AUTOINCREMENT_TYPE = re.compile(r"(bigint|integer|smallint|numeric|real|double precision)(\(\d+(,\d+)?\))?")


def generate(catalog: Catalog, source: str = "schema.yaml") -> tuple[str, list[str]]:
    """(Python source of the models, what the catalog holds that models cannot say)."""
    return _Writer(catalog, source).module()


class _Writer:
    def __init__(self, catalog: Catalog, source: str):
        from ..desired.dump import _document, _names_to_keep

        self.catalog = catalog
        self.source = source
        self.left_out: list[str] = []
        self.imports: set[str] = set()
        self.uses_pg_type = False
        keep = _names_to_keep(catalog, _document(catalog, keep=set()))
        self.keep_name = (lambda table, kind, i: True) if keep == "all" else (
            lambda table, kind, i: (table.qualified, kind, i) in keep)
        self.enum_vars = self.enum_variables()
        self.mapped = {t.qualified: t for t in catalog.tables if t.primary_key}
        self.class_names = self.choose_class_names()
        self.relationships = self.plan_relationships()

    # --- the module -----------------------------------------------------------------------

    def module(self) -> tuple[str, list[str]]:
        self.leave_out_catalog_kinds()
        enums = [self.enum_definition(e) for e in self.catalog.enums if e.qualified in self.enum_vars]
        bodies = [self.table(t) for t in self.catalog.tables]
        header = [f'"""SQLAlchemy models of {self.source}, written by `schemadiff models`.', "",
                  f"Do not edit: change {self.source} and run `schemadiff models` again; CI checks that the two agree",
                  f"with `schemadiff diff {self.source} sqlalchemy:<this module>:Base --exit-code`.", '"""']
        if self.left_out:
            header += ["", f"# Left out (models cannot say it): {len(self.left_out)} item(s)."]
            header += [f"#   {line}" for line in self.left_out]
        lines = header + ["", "from __future__ import annotations", ""] + self.import_lines() + [""]
        if self.uses_pg_type:
            lines += ["", "class PgType(UserDefinedType):",
                      '    """A PostgreSQL type SQLAlchemy has no class for, spelled as PostgreSQL prints it."""', "",
                      "    cache_ok = True", "",
                      "    def __init__(self, spelling: str):", "        self.spelling = spelling", "",
                      "    def get_col_spec(self, **kw) -> str:", "        return self.spelling", ""]
        lines += ["", "class Base(DeclarativeBase):", "    pass"]
        schemas = self.schemas_hint()
        if schemas:
            lines += ["", "", "# Schemas with no table in them, comments on schemas: read by schemadiff (models have no object for them)",
                      f'Base.metadata.info["schemadiff"] = {{"schemas": {schemas!r}}}']
        if enums:
            lines += ["", ""] + [e.rstrip() for e in enums]
        for body in bodies:
            lines += ["", ""] + body
        return "\n".join(lines).rstrip() + "\n", list(self.left_out)

    def import_lines(self) -> list[str]:
        typing = sorted(n.rpartition(" ")[2] for n in self.imports if n.startswith("from typing"))
        std = sorted(n for n in self.imports if n.startswith("import ")) + sorted(
            n for n in self.imports if n.startswith("from decimal"))
        if typing:
            std.append(f"from typing import {', '.join(typing)}")
        sa = sorted(n.split(".", 1)[1] for n in self.imports if n.startswith("sa."))
        pg = sorted(n.split(".", 1)[1] for n in self.imports if n.startswith("pg."))
        orm = sorted({"DeclarativeBase", "Mapped", "mapped_column"} | {n.split(".", 1)[1] for n in self.imports
                                                                         if n.startswith("orm.")})
        out = std + ([""] if std else [])
        if sa:
            out.append(f"from sqlalchemy import {', '.join(sa)}")
        if pg:
            out.append(f"from sqlalchemy.dialects.postgresql import {', '.join(pg)}")
        out.append(f"from sqlalchemy.orm import {', '.join(orm)}")
        if self.uses_pg_type:
            out.append("from sqlalchemy.types import UserDefinedType")
        return out

    def leave_out_catalog_kinds(self) -> None:
        c = self.catalog
        for what, items in (("extension", c.extensions), ("domain", c.domains), ("composite type", c.composites),
                            ("range type", c.ranges), ("collation", c.collations), ("sequence", c.sequences),
                            ("text search dictionary", c.ts_dictionaries),
                            ("text search configuration", c.ts_configurations)):
            for item in items:
                self.left_out.append(f"{what} {getattr(item, 'schema', 'public')}.{item.name}")
        self.left_out += [f"{v.kind} {v.qualified}" for v in c.views] + [f.label for f in c.functions]
        self.left_out += [f"trigger {t.name} on {t.on}" for t in c.triggers]
        self.left_out += [f"policy {p.name} on {p.on}" for p in c.policies]
        self.left_out += [f"row-level security on {r.qualified}" for r in c.row_security]
        self.left_out += [f"privileges of {g.grantee} on {g.target}" for g in c.grants]
        self.left_out += [f"default privileges for {g.role}" for g in c.default_grants]
        for enum in c.enums:
            if enum.qualified not in self.enum_vars:
                self.left_out.append(f"enum {enum.schema}.{enum.name} (no column uses it)")

    def schemas_hint(self) -> list:
        """The schema file's ``schemas:`` entries no table or enum of the models implies: a
        schema with no table in it, a comment on a schema (models have no object for either)."""
        from ..desired.schemas import schemas_document

        implied = {t.schema for t in self.catalog.tables} | {q.schema for q in self.enum_vars} | {"public"}
        return schemas_document(self.catalog, [s for s in self.catalog.schemas if s not in implied])

    # --- names ----------------------------------------------------------------------------

    def enum_variables(self) -> dict:
        spellings = {}
        for enum in self.catalog.enums:
            spelled = quote_ident(enum.name) if enum.schema == "public" else f"{quote_ident(enum.schema)}.{quote_ident(enum.name)}"
            spellings[spelled] = enum
        used = {}
        for table in self.catalog.tables:
            for column in table.columns:
                enum = spellings.get(column.type.removesuffix("[]"))
                if enum is not None:
                    used[enum.qualified] = enum
        names: dict = {}
        for qualified, enum in sorted(used.items(), key=lambda kv: (kv[0].schema, kv[0].name)):
            base = _identifier(enum.name if enum.schema == "public" else f"{enum.schema}_{enum.name}") + "_enum"
            names[qualified] = _unique(base, set(names.values()))
        self.enum_by_spelling = {s: e for s, e in spellings.items() if e.qualified in names}
        return names

    def enum_definition(self, enum) -> str:
        self.imports.add("sa.Enum")
        schema = "" if enum.schema == "public" else f", schema={enum.schema!r}"
        labels = ", ".join(repr(v) for v in enum.values)
        return f"{self.enum_vars[enum.qualified]} = Enum({labels}, name={enum.name!r}{schema})\n"

    def choose_class_names(self) -> dict:
        names: dict = {}
        taken = {"Base", "PgType"}
        for table in self.catalog.tables:
            base = "".join(p[:1].upper() + p[1:] for p in re.split(r"[^0-9A-Za-z]+", table.name) if p) or "Table"
            if table.schema != "public" and sum(t.name == table.name for t in self.catalog.tables) > 1:
                base = "".join(p.capitalize() for p in re.split(r"[^0-9A-Za-z]+", table.schema) if p) + base
            if base[0].isdigit() or keyword.iskeyword(base):
                base = "T" + base
            names[table.qualified] = _unique(base, taken)
            taken.add(names[table.qualified])
        return names

    def attributes(self, table: Table) -> dict:
        """Column name → Python attribute name."""
        out: dict = {}
        for column in table.columns:
            out[column.name] = _unique(_identifier(column.name), set(out.values()) | _RESERVED_ATTRIBUTES)
        return out

    def plan_relationships(self) -> dict:
        """qualified table → [(attribute, annotation, arguments)]: for each single-column
        foreign key between two mapped tables that share exactly one foreign key, both sides."""
        pairs = Counter()
        for table in self.catalog.tables:
            for fk in table.foreign_keys:
                pairs[frozenset((table.qualified, fk.ref_table))] += 1
        out: dict = {q: [] for q in self.mapped}
        taken = {q: set(self.attributes(t).values()) for q, t in self.mapped.items()}
        for table in self.catalog.tables:
            for fk in table.foreign_keys:
                parent = fk.ref_table
                if (len(fk.columns) != 1 or parent == table.qualified or pairs[frozenset((table.qualified, parent))] != 1
                        or table.qualified not in self.mapped or parent not in self.mapped):
                    continue
                column = fk.columns[0]
                child_attr = column[:-3] if column.endswith("_id") else f"{column}_ref"
                child_attr = _identifier(child_attr)
                parent_attr = _identifier(table.name if table.schema == "public" else f"{table.schema}_{table.name}")
                if child_attr in taken[table.qualified] or parent_attr in taken[parent] \
                        or child_attr in _RESERVED_ATTRIBUTES or parent_attr in _RESERVED_ATTRIBUTES:
                    continue
                taken[table.qualified].add(child_attr)
                taken[parent].add(parent_attr)
                nullable = table.column(column).nullable
                target = self.class_names[parent]
                child_type = f'Optional["{target}"]' if nullable else f'"{target}"'
                out[table.qualified].append((child_attr, child_type, f'back_populates="{parent_attr}"'))
                passive = ", passive_deletes=True" if fk.on_delete in ("cascade", "set null") else ""
                out[parent].append((parent_attr, f'list["{self.class_names[table.qualified]}"]',
                                    f'back_populates="{child_attr}"{passive}'))
        if any(out.values()):
            self.imports.add("orm.relationship")
        return out

    # --- tables ---------------------------------------------------------------------------

    def table(self, table: Table) -> list[str]:
        where = f"{table.schema}.{table.name}"
        self.leave_out_table_details(table, where)
        attributes = self.attributes(table)
        pk = table.primary_key
        inline_pk = bool(pk) and not self.keep_name(table, "pk", 0) and list(pk.columns) == \
            [c.name for c in table.columns if c.name in pk.columns] and not (pk.deferrable or pk.include or pk.parameters)
        args = self.table_arguments(table, inline_pk)
        options = {}
        if table.schema != "public":
            options["schema"] = table.schema
        if table.comment is not None:
            options["comment"] = table.comment
        if table.unlogged:
            options["prefixes"] = ["UNLOGGED"]
        if table.partition_by:
            options["postgresql_partition_by"] = table.partition_by
        columns = {c.name: self.column(table, c, inline_pk) for c in table.columns}
        if not pk:
            self.imports.update({"sa.Table", "sa.Column"})
            lines = [f"{self.class_names[table.qualified]} = Table(", f"    {table.name!r},", "    Base.metadata,"]
            lines += [f"    Column({c.name!r}, {', '.join(columns[c.name][1])})," for c in table.columns]
            lines += [f"    {a}," for a in args]
            lines += [f"    {k}={v!r}," for k, v in options.items()]
            return lines + [")"]
        lines = [f"class {self.class_names[table.qualified]}(Base):", f"    __tablename__ = {table.name!r}"]
        if args or options:
            entries = [f"        {a}," for a in args] + ([f"        {options!r},"] if options else [])
            lines += ["    __table_args__ = ("] + entries + ["    )"]
        lines.append("")
        for c in table.columns:
            annotation, call = columns[c.name]
            attribute = attributes[c.name]
            if attribute != c.name:
                call = [repr(c.name)] + call
            lines.append(f"    {attribute}: Mapped[{annotation}] = mapped_column({', '.join(call)})")
        relationships = self.relationships.get(table.qualified, [])
        if relationships:
            lines.append("")
            for attribute, annotation, arguments in relationships:
                lines.append(f"    {attribute}: Mapped[{annotation}] = relationship({arguments})")
        return lines

    def leave_out_table_details(self, table: Table, where: str) -> None:
        if table.partitions:
            self.left_out.append(f"{where}: its partitions (the models declare partition_by only)")
        for what, present in (("storage parameters (with)", table.parameters),
                              ("replica identity", table.replica_identity != "default"),
                              ("exclusion constraints", table.exclusions)):
            if present:
                self.left_out.append(f"{where}: {what}")
        for c in table.constraints:
            if c.comment is not None:
                self.left_out.append(f"{where}: comment on constraint {c.name}")
            if not getattr(c, "validated", True):
                self.left_out.append(f"{where}: NOT VALID on {c.name}")
            if getattr(c, "no_inherit", False):
                self.left_out.append(f"{where}: NO INHERIT on {c.name}")
            if getattr(c, "on_delete_columns", ()):
                self.left_out.append(f"{where}: ON DELETE … ({', '.join(c.on_delete_columns)}) on {c.name}")
            if getattr(c, "parameters", ()) and not hasattr(c, "elements"):
                self.left_out.append(f"{where}: storage parameters of {c.name}")
        for index in table.indexes:
            if index.comment is not None:
                self.left_out.append(f"{where}: comment on index {index.name}")
        for c in table.columns:
            for what, present in (("storage", c.storage), ("compression", c.compression)):
                if present:
                    self.left_out.append(f"{where}.{c.name}: {what} {present}")

    def table_arguments(self, table: Table, inline_pk: bool) -> list[str]:
        args = []
        pk = table.primary_key
        if pk and not inline_pk:
            self.imports.add("sa.PrimaryKeyConstraint")
            args.append(f"PrimaryKeyConstraint({_strings(pk.columns)}, name={pk.name!r}{_timing(pk)}"
                        f"{_include(pk.include)})")
        for i, u in enumerate(table.uniques):
            self.imports.add("sa.UniqueConstraint")
            name = f", name={u.name!r}" if self.keep_name(table, "unique", i) else ""
            nnd = ", postgresql_nulls_not_distinct=True" if u.nulls_not_distinct else ""
            args.append(f"UniqueConstraint({_strings(u.columns)}{name}{_timing(u)}{nnd}{_include(u.include)})")
        for i, fk in enumerate(table.foreign_keys):
            if len(fk.columns) > 1:
                self.imports.add("sa.ForeignKeyConstraint")
                name = f", name={fk.name!r}" if self.keep_name(table, "fk", i) else ""
                args.append(f"ForeignKeyConstraint([{_strings(fk.columns)}], [{_strings(self.ref(fk, c) for c in fk.ref_columns)}]"
                            f"{name}{_actions(fk)}{_timing(fk)})")
        for i, check in enumerate(table.checks):
            self.imports.add("sa.CheckConstraint")
            name = f", name={check.name!r}" if self.keep_name(table, "check", i) else ""
            args.append(f"CheckConstraint({check.expression!r}{name})")
        for index in table.indexes:
            self.imports.add("sa.Index")
            keys = ", ".join(repr(k) if _plain_column(k, table) else f"text({k!r})" for k in index.keys)
            if any(not _plain_column(k, table) for k in index.keys):
                self.imports.add("sa.text")
            extra = ", unique=True" if index.unique else ""
            if index.method != "btree":
                extra += f", postgresql_using={index.method!r}"
            if index.where:
                self.imports.add("sa.text")
                extra += f", postgresql_where=text({index.where!r})"
            if index.include:
                extra += f", postgresql_include=[{_strings(index.include)}]"
            if index.nulls_not_distinct:
                extra += ", postgresql_nulls_not_distinct=True"
            if index.parameters:
                extra += f", postgresql_with={dict(index.parameters)!r}"
            args.append(f"Index({index.name!r}, {keys}{extra})")
        return args

    def ref(self, fk: ForeignKey, column: str) -> str:
        table = fk.ref_table
        return f"{table.name}.{column}" if table.schema == "public" else f"{table.schema}.{table.name}.{column}"

    def column(self, table: Table, column: Column, inline_pk: bool) -> tuple[str, list[str]]:
        """(annotation, arguments of mapped_column/Column after the name)."""
        where = f"{table.schema}.{table.name}.{column.name}"
        type_expr, annotation = self.type(column.type, column.collation, where)
        pk = table.primary_key
        in_pk = bool(pk) and column.name in pk.columns
        call = [type_expr]
        fks = [(i, fk) for i, fk in enumerate(table.foreign_keys) if fk.columns == (column.name,)]
        for i, fk in fks:
            self.imports.add("sa.ForeignKey")
            name = f", name={fk.name!r}" if self.keep_name(table, "fk", i) else ""
            call.append(f"ForeignKey({self.ref(fk, fk.ref_columns[0])!r}{name}{_actions(fk)}{_timing(fk)})")
        if column.identity:
            self.imports.add("sa.Identity")
            call.append(f"Identity({_identity(column)})")
        if column.generated:
            self.imports.add("sa.Computed")
            call.append(f"Computed({column.generated!r}, persisted=True)")
        if in_pk and inline_pk:
            call.append("primary_key=True")
        if column.serial:
            if in_pk and not any(c.serial for c in table.columns[:table.columns.index(column)] if c.name in pk.columns):
                call.append("autoincrement=True")
            else:
                call[0] = self.pg_type({"bigint": "bigserial", "integer": "serial", "smallint": "smallserial"}[column.type])
        elif in_pk and _AUTOINCREMENT_TYPE.fullmatch(column.type) and not column.identity:
            call.append("autoincrement=False")  # else SQLAlchemy would make it a serial
        if column.default is not None:
            self.imports.add("sa.text")
            call.append(f"server_default=text({column.default!r})")
        if column.comment is not None:
            call.append(f"comment={column.comment!r}")
        if not pk:  # a plain Column: nullable is not read from an annotation
            call.append(f"nullable={column.nullable!r}")
        if column.nullable and not in_pk:  # mapped_column reads NOT NULL from the annotation
            self.imports.add("from typing import Optional")
            annotation = f"Optional[{annotation}]"
        return annotation, call

    def type(self, spelled: str, collation: Optional[str], where: str) -> tuple[str, str]:
        """(SQLAlchemy type expression, Python annotation)."""
        if spelled.endswith("[]"):
            inner, annotation = self.type(spelled[:-2], None, where)
            if collation:
                self.left_out.append(f"{where}: collation {collation} (on an array)")
            self.imports.add("pg.ARRAY")
            return f"ARRAY({inner})", f"list[{annotation}]"
        enum = self.enum_by_spelling.get(spelled)
        if enum is not None:
            if collation:
                self.left_out.append(f"{where}: collation {collation}")
            return self.enum_vars[enum.qualified], "str"
        match = re.fullmatch(r"([a-z ]+?)(?:\((\d+)(?:,(\d+))?\))?( with(?:out)? time zone)?", spelled)
        if match:
            base = match.group(1) + (match.group(4) or "")
            found = _SIMPLE.get(base)
            if found and (match.group(2) is None or base in ("character varying", "numeric", "character")):
                expr, annotation = found
                name = expr.split("(")[0]
                self.imports.add(("pg." if name in _FROM_POSTGRESQL else "sa.") + name)
                if annotation.startswith("datetime."):
                    self.imports.add("import datetime")
                elif annotation == "uuid.UUID":
                    self.imports.add("import uuid")
                elif annotation == "Decimal":
                    self.imports.add("from decimal import Decimal")
                elif annotation == "Any":
                    self.imports.add("from typing import Any")
                args = [a for a in (match.group(2), match.group(3)) if a is not None]
                if collation and base in ("text", "character varying", "character"):
                    args.append(f"collation={collation!r}")
                    collation = None
                if args:
                    expr = f"{name}({', '.join(args)})"
                if collation:
                    self.left_out.append(f"{where}: collation {collation}")
                return expr, annotation
        if collation:
            self.left_out.append(f"{where}: collation {collation}")
        self.imports.add("from typing import Any")
        return self.pg_type(spelled), "Any"

    def pg_type(self, spelled: str) -> str:
        self.uses_pg_type = True
        return f"PgType({spelled!r})"


def _identifier(name: str) -> str:
    out = re.sub(r"\W", "_", name)
    if not out or out[0].isdigit():
        out = "_" + out
    return out + "_" if keyword.iskeyword(out) or out in _RESERVED_ATTRIBUTES else out


def _unique(base: str, taken: set) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    return name


def _strings(items) -> str:
    return ", ".join(repr(i) for i in items)


def _plain_column(key: str, table: Table) -> bool:
    return table.column(key) is not None


def _actions(fk: ForeignKey) -> str:
    out = ""
    if fk.on_delete != "no action":
        out += f", ondelete={fk.on_delete.upper()!r}"
    if fk.on_update != "no action":
        out += f", onupdate={fk.on_update.upper()!r}"
    return out


def _timing(constraint) -> str:
    out = ", deferrable=True" if constraint.deferrable else ""
    return out + (", initially='DEFERRED'" if constraint.initially_deferred else "")


def _include(include) -> str:
    return f", postgresql_include=[{_strings(include)}]" if include else ""


def _identity(column: Column) -> str:
    out = f"always={column.identity == 'always'}"
    o = column.identity_options
    if o is not None:
        out += (f", start={o.start}, increment={o.increment}, minvalue={o.minimum}, maxvalue={o.maximum}, "
                f"cache={o.cache}, cycle={o.cycle}")
    return out
