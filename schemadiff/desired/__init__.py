"""``schema.yaml`` → :class:`~schemadiff.model.Catalog`.

Everything is validated before any database is touched; every problem found is reported
with its file, line and YAML path (see ``README.md`` → "The schema file" for the format).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path as FsPath
from typing import Any, Optional

from ..pg import naming, normalize, types as pgtypes
from ..errors import Problem, SchemaFileError
from ..model import (
    FK_ACTIONS, CheckConstraint, Column, Enum, ForeignKey, Index, PrimaryKey,
    QualifiedName, Table, UniqueConstraint, sorted_catalog, Catalog,
)
from .yamlsource import Source, parse

TOP_KEYS = ("tables", "enums", "schemas")
TABLE_KEYS = ("columns", "primary_key", "unique", "indexes", "foreign_keys", "checks",
              "comment", "renamed_from", "schema", "lint")
COLUMN_KEYS = ("type", "nullable", "default", "identity", "primary_key", "unique", "comment",
               "using", "renamed_from")
INDEX_KEYS = ("name", "columns", "unique", "using", "where", "include", "renamed_from")
UNIQUE_KEYS = ("name", "columns", "renamed_from")
PK_KEYS = ("name", "columns", "renamed_from")
FK_KEYS = ("name", "columns", "references", "on_delete", "on_update", "deferrable",
           "initially_deferred", "not_valid", "renamed_from")
CHECK_KEYS = ("name", "expression", "not_valid", "renamed_from")
ENUM_KEYS = ("values", "renamed_from")
INDEX_METHODS = ("btree", "hash", "gist", "spgist", "gin", "brin")
IDENTITY_SPELLINGS = {"always": "always", "by default": "by default", "by_default": "by default",
                      True: "by default"}


def load(path: str | FsPath) -> Catalog:
    """Load and validate a schema file."""
    return load_with_source(path)[0]


def load_with_source(path: str | FsPath) -> tuple[Catalog, str]:
    """Load a schema file; also return its text (recorded as the applied snapshot)."""
    file = str(path)
    try:
        text = FsPath(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaFileError([Problem("file not found", file)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaFileError([Problem(f"cannot read file: {exc}", file)]) from None
    return loads(text, file), text


def loads(text: str, file: str = "<schema>") -> Catalog:
    """Parse and validate schema text."""
    source = parse(text, file)
    return _Loader(source).catalog()


def load_document(document: dict, file: str = "<document>") -> Catalog:
    """Validate a schema already in plain data (what the YAML parses to); errors carry no line."""
    return _Loader(Source(file, document)).catalog()


@dataclass
class _Names:
    """Names taken in one schema, for PostgreSQL's collision-avoiding name choice."""

    relations: set = field(default_factory=set)
    constraints: set = field(default_factory=set)


class _Loader:
    def __init__(self, source: Source):
        self.source = source
        self.problems: list[Problem] = []
        self.names: dict[str, _Names] = {}
        self._keys: Optional[tuple] = None

    # -- reporting -------------------------------------------------------------------------
    def error(self, path: tuple, message: str) -> None:
        self.problems.append(self.source.problem(path, message))

    def expect_keys(self, value: dict, allowed: tuple, path: tuple, what: str) -> None:
        for key in value:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else f"; expected one of: {', '.join(allowed)}"
                self.error(path + (key,), f"unknown key {key!r} in {what}{suggestion}")

    def mapping(self, value: Any, path: tuple, what: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, f"{what} must be a mapping, not {_kind(value)}")
            return {}
        return value

    def listing(self, value: Any, path: tuple, what: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, f"{what} must be a list, not {_kind(value)}")
            return []
        return value

    def text(self, value: Any, path: tuple, what: str) -> Optional[str]:
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            self.error(path, f"{what} must be text, not {_kind(value)}")
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def name_list(self, value: Any, path: tuple, what: str) -> tuple[str, ...]:
        if isinstance(value, str):
            return (naming.truncate_identifier(value),)
        items = self.listing(value, path, what)
        out = []
        for i, item in enumerate(items):
            if isinstance(item, (dict, list)) or item is None:
                self.error(path + (i,), f"{what} must be names")
                continue
            out.append(naming.truncate_identifier(str(item)))
        return tuple(out)

    def boolean(self, value: Any, path: tuple, what: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(path, f"{what} must be true or false, not {value!r}")
            return default
        return value

    # -- document --------------------------------------------------------------------------
    def catalog(self) -> Catalog:
        doc = self.source.data
        if not isinstance(doc, dict):
            raise SchemaFileError([self.source.problem((), f"the document must be a mapping with 'tables', not {_kind(doc)}")])
        self.expect_keys(doc, TOP_KEYS, (), "the document")
        schemas = self.schemas(doc.get("schemas"))
        enums = self.enums(self.mapping(doc.get("enums"), ("enums",), "enums"))
        user_types = frozenset(_type_name(e.schema, e.name) for e in enums)
        tables = self.tables(self.mapping(doc.get("tables"), ("tables",), "tables"), user_types)
        if not self.problems:
            tables = self.resolve_foreign_keys(tables)
        if self.problems:
            raise SchemaFileError(self.problems)
        return sorted_catalog(tables, enums, schemas)

    def schemas(self, value: Any) -> tuple[str, ...]:
        return self.name_list(value, ("schemas",), "schemas") if value is not None else ()

    def enums(self, spec: dict) -> list[Enum]:
        out, seen = [], set()
        for key, body in spec.items():
            path = ("enums", key)
            schema, name = _split_qualified(key)
            renamed_from = None
            if isinstance(body, dict):
                self.expect_keys(body, ENUM_KEYS, path, f"enum {key!r}")
                renamed_from = self.text(body.get("renamed_from"), path + ("renamed_from",), "renamed_from")
                body = body.get("values")
                path = path + ("values",)
            values, value_renames = self.enum_values(body, path, key)
            if len(set(values)) != len(values):
                self.error(path, f"enum {key!r} lists a value twice")
            if (schema, name) in seen:
                self.error(("enums", key), f"enum {schema}.{name} is declared twice")
            seen.add((schema, name))
            out.append(Enum(schema, name, tuple(str(v) for v in values), renamed_from=renamed_from,
                            value_renames=value_renames))
        return out

    def enum_values(self, body: Any, path: tuple, key: str) -> tuple[tuple, tuple]:
        """Labels in order; a label written ``{name: new, renamed_from: old}`` is a rename."""
        if isinstance(body, str) or not isinstance(body, list):
            return self.name_list(body, path, f"values of enum {key!r}"), ()
        values, renames = [], []
        for i, item in enumerate(body):
            if isinstance(item, dict):
                self.expect_keys(item, ("name", "renamed_from"), path + (i,), f"value of enum {key!r}")
                value = self.text(item.get("name"), path + (i, "name"), "name")
                if not value:
                    self.error(path + (i,), f"a value of enum {key!r} written as a mapping needs 'name'")
                    continue
                old = self.text(item.get("renamed_from"), path + (i, "renamed_from"), "renamed_from")
                if old:
                    renames.append((old, value))
            elif isinstance(item, list) or item is None:
                self.error(path + (i,), f"values of enum {key!r} must be labels or {{name, renamed_from}}")
                continue
            else:
                value = self.text(item, path + (i,), "value")
            values.append(value)
        return tuple(values), tuple(renames)

    def tables(self, spec: dict, user_types: set) -> list[Table]:
        tables, seen = [], {}
        for key, body in spec.items():
            table = self.table(key, body, user_types)
            if table is None:
                continue
            if table.qualified in seen:
                self.error(("tables", key), f"table {table.qualified} is declared twice (also as {seen[table.qualified]!r})")
                continue
            seen[table.qualified] = key
            self.names_in(table.schema).relations.add(table.name)
            tables.append((key, table))
        return [self.name_objects(key, table) for key, table in tables]

    def names_in(self, schema: str) -> _Names:
        return self.names.setdefault(schema, _Names())

    # -- tables ----------------------------------------------------------------------------
    def table(self, key: str, body: Any, user_types: set) -> Optional[Table]:
        path = ("tables", key)
        body = self.mapping(body, path, f"table {key!r}")
        self.expect_keys(body, TABLE_KEYS, path, f"table {key!r}")
        schema, name = _split_qualified(key)
        if body.get("schema") is not None:  # then the key is the bare name, dots and all
            schema, name = self.text(body["schema"], path + ("schema",), "schema"), str(key)
        name = naming.truncate_identifier(name)
        if not name or not schema:  # PostgreSQL has no zero-length identifiers
            self.error(path, f"table key {key!r} has an empty {'schema' if name else 'table'} name")
        columns, pk_columns, unique_columns = self.columns(key, body.get("columns"), user_types)
        column_names = {c.name for c in columns}
        primary_key = self.primary_key(key, body.get("primary_key"), pk_columns, column_names)
        if primary_key:
            columns = tuple(replace(c, nullable=False) if c.name in primary_key.columns else c for c in columns)
        uniques = tuple(UniqueConstraint("", (c,)) for c in unique_columns) + self.uniques(key, body.get("unique"), column_names)
        self.duplicate_keys(key, primary_key, uniques)
        return Table(
            schema=schema, name=name, columns=columns, primary_key=primary_key, uniques=uniques,
            foreign_keys=self.foreign_keys(key, schema, body.get("foreign_keys"), column_names),
            checks=self.checks(key, body.get("checks")),
            indexes=self.indexes(key, body.get("indexes"), column_names),
            comment=self.text(body.get("comment"), path + ("comment",), "comment"),
            renamed_from=self.text(body.get("renamed_from"), path + ("renamed_from",), "renamed_from"),
        )

    def columns(self, table_key: str, spec: Any, user_types: set):
        path = ("tables", table_key, "columns")
        spec = self.mapping(spec, path, "columns")
        columns, pk, unique, seen = [], [], [], set()
        for raw_name, body in spec.items():
            cpath = path + (raw_name,)
            name = naming.truncate_identifier(str(raw_name))
            if not name:
                self.error(cpath, "a column name cannot be empty")
                continue
            if name in seen:
                self.error(cpath, f"column {name!r} is declared twice (names are cut to 63 bytes)")
                continue
            seen.add(name)
            column = self.column(name, body, cpath, user_types)
            if column is None:
                continue
            columns.append(column)
            if isinstance(body, dict) and self.boolean(body.get("primary_key"), cpath + ("primary_key",), "primary_key", False):
                pk.append(name)
            if isinstance(body, dict) and self.boolean(body.get("unique"), cpath + ("unique",), "unique", False):
                unique.append(name)
        return tuple(columns), pk, unique

    def column(self, name: str, body: Any, path: tuple, user_types: set) -> Optional[Column]:
        if isinstance(body, str):
            body = {"type": body}
        if not isinstance(body, dict):
            self.error(path, f"column {name!r} must be a type name or a mapping, not {_kind(body)}")
            return None
        self.expect_keys(body, COLUMN_KEYS, path, f"column {name!r}")
        type_text = self.text(body.get("type"), path + ("type",), "type")
        if not type_text:
            self.error(path, f"column {name!r} has no type")
            return None
        try:
            parsed = pgtypes.canonical_type(type_text, user_types)
        except pgtypes.UnknownType as exc:
            hint = f"; did you mean {' or '.join(repr(s) for s in exc.suggestions)}?" if exc.suggestions else ""
            self.error(path + ("type",), f"unknown type {type_text!r} for column {name!r}{hint}")
            return None
        identity = self.identity(body.get("identity"), path + ("identity",))
        if (identity or parsed.serial) and not pgtypes.is_integer(parsed.canonical):
            self.error(path, f"column {name!r}: identity needs smallint, integer or bigint")
        default = self.text(body.get("default"), path + ("default",), "default")
        if default is not None and (identity or parsed.serial):
            self.error(path + ("default",), f"column {name!r}: an identity or serial column cannot have a default")
        if default is not None and _looks_like_bare_text(default):
            self.error(path + ("default",), f"column {name!r}: default {default!r} would be read as a column name; "
                       f"defaults are SQL expressions, so write a text value quoted: \"'{default}'\"")
        not_null = identity is not None or parsed.serial
        nullable = self.boolean(body.get("nullable"), path + ("nullable",), "nullable", True)
        if not_null and body.get("nullable") is True:
            self.error(path + ("nullable",), f"column {name!r}: identity and serial columns are never nullable")
        return Column(
            name=name, type=parsed.canonical, nullable=nullable and not not_null,
            default=default, identity=identity, serial=parsed.serial,
            comment=self.text(body.get("comment"), path + ("comment",), "comment"),
            using=self.text(body.get("using"), path + ("using",), "using"),
            renamed_from=self.text(body.get("renamed_from"), path + ("renamed_from",), "renamed_from"),
        )

    def identity(self, value: Any, path: tuple) -> Optional[str]:
        if value is None or value is False:
            return None
        key = value.lower() if isinstance(value, str) else value
        if isinstance(key, (dict, list)) or key not in IDENTITY_SPELLINGS:
            self.error(path, f"identity must be 'always' or 'by default', not {value!r}")
            return None
        return IDENTITY_SPELLINGS[key]

    def require_columns(self, columns: tuple, known: set, path: tuple, what: str) -> None:
        for column in columns:
            if column not in known:
                self.error(path, f"{what} names column {column!r}, which the table does not have{_did_you_mean(column, known)}")

    def primary_key(self, table_key, spec, inline: list, known: set) -> Optional[PrimaryKey]:
        path = ("tables", table_key, "primary_key")
        if spec is None:
            if len(inline) > 0:
                return PrimaryKey("", tuple(inline))
            return None
        if inline:
            self.error(path, "primary key given both on columns and on the table")
        name, renamed = "", None
        if isinstance(spec, dict):
            self.expect_keys(spec, PK_KEYS, path, "primary_key")
            name = naming.truncate_identifier(self.text(spec.get("name"), path + ("name",), "name") or "")
            renamed = self.text(spec.get("renamed_from"), path + ("renamed_from",), "renamed_from")
            spec = spec.get("columns")
        columns = self.name_list(spec, path, "primary_key columns")
        self.require_columns(columns, known, path, "primary_key")
        return PrimaryKey(name, columns, renamed_from=renamed) if columns else None

    def duplicate_keys(self, table_key, primary_key: Optional[PrimaryKey], uniques: tuple) -> None:
        """CREATE TABLE silently leaves out a UNIQUE constraint on the same columns as the
        primary key or an earlier unique constraint, so it could never be created: refuse it."""
        seen = {primary_key.columns: "the primary key"} if primary_key else {}
        for unique in uniques:
            if unique.columns in seen:
                self.error(("tables", table_key, "unique"),
                           f"unique constraint on ({', '.join(unique.columns)}) repeats {seen[unique.columns]}; "
                           "PostgreSQL does not create a second identical key: remove it")
            seen.setdefault(unique.columns, "another unique constraint")

    def uniques(self, table_key, spec, known: set) -> tuple:
        path = ("tables", table_key, "unique")
        out = []
        for i, item in enumerate(self.listing(spec, path, "unique")):
            ipath = path + (i,)
            name, renamed = "", None
            if isinstance(item, dict):
                self.expect_keys(item, UNIQUE_KEYS, ipath, "unique constraint")
                name = naming.truncate_identifier(self.text(item.get("name"), ipath + ("name",), "name") or "")
                renamed = self.text(item.get("renamed_from"), ipath + ("renamed_from",), "renamed_from")
                item = item.get("columns")
            columns = self.name_list(item, ipath, "unique columns")
            if not columns:
                self.error(ipath, "a unique constraint needs columns")
                continue
            self.require_columns(columns, known, ipath, "unique constraint")
            out.append(UniqueConstraint(name, columns, renamed_from=renamed))
        return tuple(out)

    def indexes(self, table_key, spec, known: set) -> tuple:
        path = ("tables", table_key, "indexes")
        out = []
        for i, item in enumerate(self.listing(spec, path, "indexes")):
            ipath = path + (i,)
            if not isinstance(item, dict):
                item = {"columns": item}
            self.expect_keys(item, INDEX_KEYS, ipath, "index")
            raw_keys = self.name_list(item.get("columns"), ipath + ("columns",), "index columns")
            if not raw_keys:
                self.error(ipath, "an index needs columns (or expressions)")
                continue
            keys = tuple(self.index_key(k, known, ipath + ("columns",)) for k in raw_keys)
            method = (self.text(item.get("using"), ipath + ("using",), "using") or "btree").lower()
            if method not in INDEX_METHODS:
                self.error(ipath + ("using",), f"unknown index method {method!r}; expected one of: {', '.join(INDEX_METHODS)}")
            include = self.name_list(item.get("include"), ipath + ("include",), "include") if item.get("include") else ()
            self.require_columns(include, known, ipath, "index include")
            out.append(Index(
                name=naming.truncate_identifier(self.text(item.get("name"), ipath + ("name",), "name") or ""),
                keys=keys, unique=self.boolean(item.get("unique"), ipath + ("unique",), "unique", False),
                method=method, where=_stripped(self.text(item.get("where"), ipath + ("where",), "where")),
                include=include,
                renamed_from=self.text(item.get("renamed_from"), ipath + ("renamed_from",), "renamed_from"),
            ))
        return tuple(out)

    def index_key(self, key: str, known: set, path: tuple) -> str:
        """A column name (quoted as PostgreSQL prints it) or an expression, with ordering."""
        bare = naming.strip_ordering(key)
        ordering = key.strip()[len(bare):]
        if bare in known:
            return normalize.index_key(naming.quote_ident(bare) + ordering)
        if _is_identifier(bare):
            column = _unquote_ident(bare)
            if column not in known:
                self.error(path, f"index names column {column!r}, which the table does not have{_did_you_mean(column, known)}")
            return normalize.index_key(naming.quote_ident(column) + ordering)
        return key.strip()

    def checks(self, table_key, spec) -> tuple:
        path = ("tables", table_key, "checks")
        out = []
        for i, item in enumerate(self.listing(spec, path, "checks")):
            ipath = path + (i,)
            name, renamed, validated = "", None, True
            if isinstance(item, dict):
                self.expect_keys(item, CHECK_KEYS, ipath, "check")
                name = naming.truncate_identifier(self.text(item.get("name"), ipath + ("name",), "name") or "")
                renamed = self.text(item.get("renamed_from"), ipath + ("renamed_from",), "renamed_from")
                validated = not self.boolean(item.get("not_valid"), ipath + ("not_valid",), "not_valid", False)
                item = item.get("expression")
            expression = self.text(item, ipath, "check expression")
            if not expression or not expression.strip():
                self.error(ipath, "a check needs an expression")
                continue
            out.append(CheckConstraint(name, expression.strip(), validated=validated, renamed_from=renamed))
        return tuple(out)

    def foreign_keys(self, table_key, schema: str, spec, known: set) -> tuple:
        path = ("tables", table_key, "foreign_keys")
        out = []
        for i, item in enumerate(self.listing(spec, path, "foreign_keys")):
            ipath = path + (i,)
            if not isinstance(item, dict):
                self.error(ipath, "a foreign key must be a mapping with 'columns' and 'references'")
                continue
            self.expect_keys(item, FK_KEYS, ipath, "foreign key")
            columns = self.name_list(item.get("columns"), ipath + ("columns",), "foreign key columns")
            self.require_columns(columns, known, ipath, "foreign key")
            ref = self.reference(item.get("references"), schema, ipath + ("references",))
            if not columns or ref is None:
                if not columns:
                    self.error(ipath, "a foreign key needs columns")
                continue
            ref_table, ref_columns = ref
            out.append(ForeignKey(
                name=naming.truncate_identifier(self.text(item.get("name"), ipath + ("name",), "name") or ""),
                columns=columns, ref_table=ref_table, ref_columns=ref_columns,
                on_delete=self.action(item.get("on_delete"), ipath + ("on_delete",)),
                on_update=self.action(item.get("on_update"), ipath + ("on_update",)),
                deferrable=self.boolean(item.get("deferrable"), ipath + ("deferrable",), "deferrable", False),
                initially_deferred=self.boolean(item.get("initially_deferred"), ipath + ("initially_deferred",), "initially_deferred", False),
                validated=not self.boolean(item.get("not_valid"), ipath + ("not_valid",), "not_valid", False),
                renamed_from=self.text(item.get("renamed_from"), ipath + ("renamed_from",), "renamed_from"),
            ))
        return tuple(out)

    def reference(self, spec, schema: str, path: tuple):
        """``users`` | ``users(id)`` | ``app.users(id, kind)`` | ``{table: users, columns: [id]}``;
        columns left out mean the referenced table's primary key (resolved later)."""
        if isinstance(spec, dict):
            self.expect_keys(spec, ("table", "columns"), path, "references")
            table = self.text(spec.get("table"), path + ("table",), "table")
            columns = self.name_list(spec.get("columns"), path + ("columns",), "columns") if spec.get("columns") else ()
        elif isinstance(spec, str):
            match = re.match(r"^\s*([^()]+?)\s*(?:\(([^()]*)\))?\s*$", spec)
            if not match:
                self.error(path, f"cannot read reference {spec!r}; write it as table or table(column, …)")
                return None
            table = match.group(1)
            columns = tuple(naming.truncate_identifier(c.strip()) for c in match.group(2).split(",")) if match.group(2) else ()
        else:
            self.error(path, "a foreign key needs 'references: table' or 'references: table(columns)'")
            return None
        if not table:
            self.error(path, "references names no table")
            return None
        ref_schema, ref_name = _split_qualified(table, default_schema=None)
        return QualifiedName(ref_schema or f"?{schema}", naming.truncate_identifier(ref_name)), columns

    def action(self, value, path: tuple) -> str:
        if value is None:
            return "no action"
        text = str(value).lower().replace("_", " ").strip()
        if text not in FK_ACTIONS:
            self.error(path, f"unknown foreign key action {value!r}; expected one of: {', '.join(FK_ACTIONS)}")
            return "no action"
        return text

    # -- cross-table -----------------------------------------------------------------------
    def resolve_foreign_keys(self, tables: list[Table]) -> list[Table]:
        """Resolve unqualified references (same schema first, then public), default the
        referenced columns to the primary key, and check that the target exists and is unique."""
        by_name = {t.qualified: t for t in tables}
        out = []
        for table in tables:
            fks = []
            for i, fk in enumerate(table.foreign_keys):
                path = ("tables", self.key_of(table), "foreign_keys", i, "references")
                resolved = self.resolve_one(fk, table, by_name, path)
                fks.append(resolved or fk)
            out.append(replace(table, foreign_keys=tuple(fks)))
        return out

    def resolve_one(self, fk: ForeignKey, table: Table, by_name: dict, path: tuple) -> Optional[ForeignKey]:
        ref = fk.ref_table
        if ref.schema.startswith("?"):
            local = QualifiedName(ref.schema[1:], ref.name)
            ref = local if local in by_name else QualifiedName("public", ref.name)
        target = by_name.get(ref)
        if target is None:
            self.error(path, f"foreign key {fk.name} of {table.qualified} references table {ref}, which the file does not declare{_did_you_mean(ref.name, {t.name for t in by_name.values()})}")
            return None
        ref_columns = fk.ref_columns or (target.primary_key.columns if target.primary_key else ())
        if not ref_columns:
            self.error(path, f"foreign key {fk.name} references {ref}, which has no primary key; name the referenced columns")
            return None
        self.require_columns(ref_columns, {c.name for c in target.columns}, path, f"foreign key {fk.name}")
        if len(ref_columns) != len(fk.columns):
            self.error(path, f"foreign key {fk.name} has {len(fk.columns)} column(s) but references {len(ref_columns)}")
        elif not _is_unique_key(target, ref_columns):
            self.error(path, f"foreign key {fk.name} references {ref}({', '.join(ref_columns)}), which is not its primary key or a unique constraint")
        return replace(fk, ref_table=ref, ref_columns=tuple(ref_columns))

    def key_of(self, table: Table) -> str:
        """The file's key for ``table``: the first key naming it, as ``schema.name`` or bare."""
        if self._keys is None:  # indexed once: a scan per foreign key is quadratic in big files
            self._keys = qualified, bare = {}, {}
            for i, key in enumerate(self.source.data.get("tables", {})):
                qualified.setdefault(_split_qualified(key), (i, key))
                bare.setdefault(key, (i, key))
        qualified, bare = self._keys
        found = [c for c in (qualified.get((table.schema, table.name)), bare.get(table.name)) if c]
        return min(found)[1] if found else table.name

    def name_objects(self, key: str, table: Table) -> Table:
        """Give unnamed constraints and indexes PostgreSQL's default names, and reject
        duplicates (after PostgreSQL's 63-byte truncation)."""
        names = self.names_in(table.schema)
        path = ("tables", key)
        table_constraints: set = set()

        def claim(obj, kind: str, relation: bool):
            pool = names.relations if relation else names.constraints
            if obj.name in table_constraints or (relation and obj.name in names.relations):
                self.error(path, f"{kind} name {obj.name!r} is used twice in schema {table.schema}")
            table_constraints.add(obj.name)
            pool.add(obj.name)
            names.constraints.add(obj.name)

        def taken(relation: bool):
            return lambda n: n in table_constraints or n in names.constraints or (relation and n in names.relations)

        explicit = [o for o in (*table.constraints, *table.indexes) if o.name]
        for obj in explicit:
            claim(obj, _kind_name(obj), isinstance(obj, (PrimaryKey, UniqueConstraint, Index)))
        for column in table.columns:
            if column.serial or column.identity:
                names.relations.add(naming.choose_name(table.name, column.name, "seq", lambda n: n in names.relations))

        def named(obj, name2, label, relation):
            if obj.name:
                return obj
            obj = replace(obj, name=naming.choose_name(table.name, name2, label, taken(relation)))
            claim(obj, _kind_name(obj), relation)
            return obj

        pk = named(table.primary_key, None, "pkey", True) if table.primary_key else None
        uniques = tuple(named(u, naming.name_addition(u.columns), "key", True) for u in table.uniques)
        checks = tuple(named(c, _check_column(c.expression, table), "check", False) for c in table.checks)
        fks = tuple(named(f, naming.name_addition(f.columns), "fkey", False) for f in table.foreign_keys)
        indexes = tuple(
            named(i, naming.name_addition([naming.index_key_name(k) for k in i.keys + i.include]), "idx", True)
            for i in table.indexes
        )
        return replace(table, primary_key=pk, uniques=uniques, checks=checks, foreign_keys=fks, indexes=indexes)


def _check_column(expression: str, table: Table) -> Optional[str]:
    """PostgreSQL names a check ``table_column_check`` when it references exactly one
    column, else ``table_check``."""
    toks = normalize.tokens(expression)
    columns = {c.name for c in table.columns}
    used = []
    for i, tok in enumerate(toks):
        name = tok[1:-1].replace('""', '"') if tok.startswith('"') else tok
        follows_call = i + 1 < len(toks) and toks[i + 1] == "("
        if name in columns and not follows_call and name not in used:
            used.append(name)
    return used[0] if len(used) == 1 else None


_SQL_VALUE_WORDS = frozenset(
    "current_timestamp current_date current_time localtimestamp localtime current_user "
    "session_user user current_role current_schema current_catalog true false null".split()
)


def _looks_like_bare_text(default: str) -> bool:
    """A default like ``pending`` is a column reference to PostgreSQL, never what was meant."""
    text = default.strip()
    return bool(re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", text)) and text.lower() not in _SQL_VALUE_WORDS


def _stripped(text: Optional[str]) -> Optional[str]:
    return text.strip() if text is not None else None


def _is_unique_key(table: Table, columns: tuple) -> bool:
    wanted = set(columns)
    keys = [table.primary_key.columns] if table.primary_key else []
    keys += [u.columns for u in table.uniques]
    keys += [i.keys for i in table.indexes if i.unique and not i.where]
    return any(set(k) == wanted for k in keys)


def _kind_name(obj) -> str:
    return {PrimaryKey: "primary key", UniqueConstraint: "unique constraint", ForeignKey: "foreign key",
            CheckConstraint: "check", Index: "index"}[type(obj)]


def _split_qualified(text: str, default_schema: Optional[str] = "public") -> tuple:
    text = str(text)
    if "." in text and not text.startswith('"'):
        schema, name = text.split(".", 1)
        return schema, name
    return default_schema, text


def _type_name(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def _is_identifier(text: str) -> bool:
    return bool(re.match(r'^([A-Za-z_][A-Za-z0-9_$]*|"([^"]|"")+")$', text))


def _unquote_ident(text: str) -> str:
    return text[1:-1].replace('""', '"') if text.startswith('"') else text.lower()


def _did_you_mean(name: str, known) -> str:
    hint = difflib.get_close_matches(name, sorted(known), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"
