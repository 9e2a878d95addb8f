"""The file's ``tables:``: columns, keys, checks, foreign keys and indexes of each table."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Optional

from ..model import (
    FK_ACTIONS, CheckConstraint, Column, ForeignKey, Index, PrimaryKey, QualifiedName, Table, UniqueConstraint,
)
from ..pg import index_keys, naming, normalize, types as pgtypes
from .exclusions import ExclusionsReader
from .inheritance import InheritanceReader
from .reader import describe_value, did_you_mean, is_identifier, split_qualified, unquote_ident
from .table_details import COLUMN_DETAIL_KEYS, TABLE_DETAIL_KEYS, TableDetailsReader

TABLE_KEYS = ("columns", "primary_key", "unique", "indexes", "foreign_keys", "checks",
              "comment", "renamed_from", "schema", "lint", "partition_by", "partitions", "exclusions",
              "row_level_security", "inherits") + TABLE_DETAIL_KEYS
COLUMN_KEYS = ("type", "nullable", "default", "identity", "primary_key", "unique", "comment",
               "using", "renamed_from") + COLUMN_DETAIL_KEYS
INDEX_KEYS = ("name", "columns", "unique", "using", "where", "include", "renamed_from", "nulls_not_distinct", "with",
              "comment")
TIMING_KEYS = ("deferrable", "initially_deferred")
UNIQUE_KEYS = ("name", "columns", "renamed_from", "nulls_not_distinct", "include", "with", "comment") + TIMING_KEYS
PK_KEYS = ("name", "columns", "renamed_from", "include", "with", "comment") + TIMING_KEYS
FK_KEYS = ("name", "columns", "references", "on_delete", "on_update", "deferrable",
           "initially_deferred", "not_valid", "renamed_from", "on_delete_columns", "comment")
CHECK_KEYS = ("name", "expression", "not_valid", "renamed_from", "no_inherit", "comment")
INDEX_METHODS = ("btree", "hash", "gist", "spgist", "gin", "brin")
IDENTITY_SPELLINGS = {"always": "always", "by default": "by default", "by_default": "by default",
                      True: "by default"}


class TablesReader(TableDetailsReader, ExclusionsReader, InheritanceReader):
    """Reads ``tables:``, one table at a time."""

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
        named = [(key, self.name_objects(key, table)) for key, table in tables]
        for key, table in named:
            self.check_replica_index(table, key)
        return [table for _, table in named]

    def table(self, key: str, body: Any, user_types: set) -> Optional[Table]:
        path = ("tables", key)
        body = self.mapping(body, path, f"table {key!r}")
        self.expect_keys(body, TABLE_KEYS, path, f"table {key!r}")
        schema, name = split_qualified(key)
        if body.get("schema") is not None:  # then the key is the bare name, dots and all
            schema, name = self.text(body["schema"], path + ("schema",), "schema"), str(key)
        name = naming.truncate_identifier(name)
        if not name or not schema:  # PostgreSQL has no zero-length identifiers
            self.error(path, f"table key {key!r} has an empty {'schema' if name else 'table'} name")
        columns, pk_columns, unique_columns = self.columns(key, body.get("columns"), user_types)
        column_names = {c.name for c in columns}
        inherits = self.inherits(body.get("inherits"), path + ("inherits",))
        if inherits:  # keys, checks and indexes may name the columns it inherits
            column_names |= self.inherited_column_names(body.get("inherits"))
        primary_key = self.primary_key(key, body.get("primary_key"), pk_columns, column_names)
        if primary_key:
            columns = tuple(replace(c, nullable=False) if c.nullable and c.name in primary_key.columns else c
                            for c in columns)
        uniques = tuple(UniqueConstraint("", (c,)) for c in unique_columns) + self.uniques(key, body.get("unique"), column_names)
        table = Table(
            schema=schema, name=name, columns=columns, primary_key=primary_key, uniques=uniques,
            foreign_keys=self.foreign_keys(key, schema, body.get("foreign_keys"), column_names),
            checks=self.checks(key, body.get("checks")),
            indexes=self.indexes(key, body.get("indexes"), column_names),
            exclusions=self.exclusions(key, body.get("exclusions"), column_names),
            comment=self.text(body.get("comment"), path + ("comment",), "comment"),
            renamed_from=self.text(body.get("renamed_from"), path + ("renamed_from",), "renamed_from"),
            **self.partitioning(path, body, schema, column_names), inherits=inherits,
        )
        self.partitioned_keys_cover(path, table)
        return self.table_details(table, body, path)

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
            self.error(path, f"column {name!r} must be a type name or a mapping, not {describe_value(body)}")
            return None
        self.expect_keys(body, COLUMN_KEYS, path, f"column {name!r}")
        type_text = self.text(body.get("type"), path + ("type",), "type")
        if not type_text:
            self.error(path, f"column {name!r} has no type")
            return None
        parsed = self.parse_type(type_text, path + ("type",), f"column {name!r}", user_types)
        if parsed is None:
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
        return self.column_details(Column(
            name=name, type=parsed.canonical, nullable=nullable and not not_null,
            default=default, identity=identity, serial=parsed.serial,
            identity_options=self.identity_options(body.get("identity"), path + ("identity",), parsed.canonical),
            comment=self.text(body.get("comment"), path + ("comment",), "comment"),
            using=self.text(body.get("using"), path + ("using",), "using"),
            renamed_from=self.text(body.get("renamed_from"), path + ("renamed_from",), "renamed_from"),
        ), body, path)

    def identity(self, value: Any, path: tuple) -> Optional[str]:
        if value is None or value is False:
            return None
        if isinstance(value, dict):  # {kind: by default, start: 1000, …}: options read by identity_options
            if "kind" not in value:
                self.error(path, "identity options need 'kind': always or by default")
                return None
            return self.identity(value["kind"], path + ("kind",))
        key = value.lower() if isinstance(value, str) else value
        if isinstance(key, (dict, list)) or key not in IDENTITY_SPELLINGS:
            self.error(path, f"identity must be 'always' or 'by default', not {value!r}")
            return None
        return IDENTITY_SPELLINGS[key]

    def require_columns(self, columns: tuple, known: set, path: tuple, what: str) -> None:
        for column in columns:
            if column not in known:
                self.error(path, f"{what} names column {column!r}, which the table does not have{did_you_mean(column, known)}")

    def primary_key(self, table_key, spec, inline: list, known: set) -> Optional[PrimaryKey]:
        path = ("tables", table_key, "primary_key")
        if spec is None:
            if len(inline) > 0:
                return PrimaryKey("", tuple(inline))
            return None
        if inline:
            self.error(path, "primary key given both on columns and on the table")
        name, renamed, timing = "", None, {}
        if isinstance(spec, dict):
            self.expect_keys(spec, PK_KEYS, path, "primary_key")
            name = naming.truncate_identifier(self.text(spec.get("name"), path + ("name",), "name") or "")
            renamed = self.text(spec.get("renamed_from"), path + ("renamed_from",), "renamed_from")
            timing = self.timing(spec, path) | self.key_index(spec, path, known) | self.comment_of(spec, path)
            spec = spec.get("columns")
        columns = self.name_list(spec, path, "primary_key columns")
        self.require_columns(columns, known, path, "primary_key")
        return PrimaryKey(name, columns, renamed_from=renamed, **timing) if columns else None

    def timing(self, item: dict, path: tuple) -> dict:
        """``deferrable`` / ``initially_deferred``; the second implies the first, as in SQL."""
        deferred = self.boolean(item.get("initially_deferred"), path + ("initially_deferred",), "initially_deferred", False)
        deferrable = self.boolean(item.get("deferrable"), path + ("deferrable",), "deferrable", False)
        if deferred and item.get("deferrable") is False:
            self.error(path, "initially_deferred: true needs a deferrable constraint (leave out deferrable: false)")
        return {"deferrable": deferrable or deferred, "initially_deferred": deferred}

    def key_index(self, item: dict, path: tuple, known: set) -> dict:
        """``include`` and ``with`` of the (btree) index behind a primary key or unique constraint."""
        include = self.name_list(item.get("include"), path + ("include",), "include") if item.get("include") else ()
        self.require_columns(include, known, path, "include")
        return {"include": include, "parameters": self.index_parameters(item.get("with"), "btree", path + ("with",))}

    def uniques(self, table_key, spec, known: set) -> tuple:
        path = ("tables", table_key, "unique")
        out = []
        for i, item in enumerate(self.listing(spec, path, "unique")):
            ipath = path + (i,)
            name, renamed, details = "", None, {}
            if isinstance(item, dict):
                self.expect_keys(item, UNIQUE_KEYS, ipath, "unique constraint")
                name = naming.truncate_identifier(self.text(item.get("name"), ipath + ("name",), "name") or "")
                renamed = self.text(item.get("renamed_from"), ipath + ("renamed_from",), "renamed_from")
                details = self.timing(item, ipath) | self.key_index(item, ipath, known) | self.comment_of(item, ipath) | {
                    "nulls_not_distinct": self.boolean(item.get("nulls_not_distinct"), ipath + ("nulls_not_distinct",),
                                                       "nulls_not_distinct", False)}
                item = item.get("columns")
            columns = self.name_list(item, ipath, "unique columns")
            if not columns:
                self.error(ipath, "a unique constraint needs columns")
                continue
            self.require_columns(columns, known, ipath, "unique constraint")
            out.append(UniqueConstraint(name, columns, renamed_from=renamed, **details))
        return tuple(out)

    def indexes(self, table_key, spec, known: set, path: tuple = ()) -> tuple:
        path = path or ("tables", table_key, "indexes")
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
            unique = self.boolean(item.get("unique"), ipath + ("unique",), "unique", False)
            nulls_not_distinct = self.boolean(item.get("nulls_not_distinct"), ipath + ("nulls_not_distinct",), "nulls_not_distinct", False)
            if nulls_not_distinct and not unique:
                self.error(ipath + ("nulls_not_distinct",), "nulls_not_distinct applies to unique indexes only (add unique: true)")
            out.append(Index(
                name=naming.truncate_identifier(self.text(item.get("name"), ipath + ("name",), "name") or ""),
                keys=keys, unique=unique,
                method=method, where=_stripped(self.text(item.get("where"), ipath + ("where",), "where")),
                include=include,
                renamed_from=self.text(item.get("renamed_from"), ipath + ("renamed_from",), "renamed_from"),
                nulls_not_distinct=nulls_not_distinct,
                parameters=self.index_parameters(item.get("with"), method, ipath + ("with",)),
                **self.comment_of(item, ipath),
            ))
        return tuple(out)

    def index_key(self, key: str, known: set, path: tuple) -> str:
        """A column name (quoted as PostgreSQL prints it) or an expression, then COLLATE, the
        operator class and the ordering, spelled as ``pg.index_keys`` says."""
        text = key.strip()
        bare = naming.strip_ordering(text)
        if bare in known:  # a column, whatever characters its name holds
            return normalize.index_key(naming.quote_ident(bare) + text[len(bare):])
        parts = index_keys.parse(text)
        if not is_identifier(parts.head):
            return parts.text()
        column = parts.head if parts.head in known else unquote_ident(parts.head)
        if column not in known:
            self.error(path, f"index names column {column!r}, which the table does not have{did_you_mean(column, known)}")
        return normalize.index_key(replace(parts, head=naming.quote_ident(column)).text())

    def index_parameters(self, spec: Any, method: str, path: tuple) -> tuple:
        """``with: {fillfactor: 70}`` → (name, value) pairs in file order, names checked per method."""
        if spec is None:
            return ()
        if not isinstance(spec, dict):
            self.error(path, f"with must be a mapping of storage parameters, not {describe_value(spec)}")
            return ()
        allowed = index_keys.INDEX_PARAMETERS.get(method, ())
        out = []
        for name, value in spec.items():
            if name not in allowed:
                self.error(path + (name,), f"unknown storage parameter {name!r} for a {method} index; "
                                           f"expected one of: {', '.join(allowed)}")
            elif isinstance(value, (dict, list)) or value is None or str(value).strip() == "":
                self.error(path + (name,), f"storage parameter {name!r} needs a value, not {describe_value(value)}")
            else:
                out.append((name, index_keys.parameter_text(value)))
        return tuple(out)

    def checks(self, table_key, spec) -> tuple:
        path = ("tables", table_key, "checks")
        out = []
        for i, item in enumerate(self.listing(spec, path, "checks")):
            ipath = path + (i,)
            name, renamed, validated, no_inherit, comment = "", None, True, False, {}
            if isinstance(item, dict):
                self.expect_keys(item, CHECK_KEYS, ipath, "check")
                comment = self.comment_of(item, ipath)
                no_inherit = self.boolean(item.get("no_inherit"), ipath + ("no_inherit",), "no_inherit", False)
                name = naming.truncate_identifier(self.text(item.get("name"), ipath + ("name",), "name") or "")
                renamed = self.text(item.get("renamed_from"), ipath + ("renamed_from",), "renamed_from")
                validated = not self.boolean(item.get("not_valid"), ipath + ("not_valid",), "not_valid", False)
                item = item.get("expression")
            expression = self.text(item, ipath, "check expression")
            if not expression or not expression.strip():
                self.error(ipath, "a check needs an expression")
                continue
            out.append(CheckConstraint(name, expression.strip(), validated=validated, renamed_from=renamed,
                                       no_inherit=no_inherit, **comment))
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
            on_delete = self.action(item.get("on_delete"), ipath + ("on_delete",))
            out.append(ForeignKey(
                name=naming.truncate_identifier(self.text(item.get("name"), ipath + ("name",), "name") or ""),
                columns=columns, ref_table=ref_table, ref_columns=ref_columns,
                on_delete=on_delete, on_delete_columns=self.delete_columns(item, on_delete, columns, ipath),
                on_update=self.action(item.get("on_update"), ipath + ("on_update",)),
                **self.timing(item, ipath),
                validated=not self.boolean(item.get("not_valid"), ipath + ("not_valid",), "not_valid", False),
                renamed_from=self.text(item.get("renamed_from"), ipath + ("renamed_from",), "renamed_from"),
                **self.comment_of(item, ipath),
            ))
        return tuple(out)

    def delete_columns(self, item: dict, on_delete: str, columns: tuple, path: tuple) -> tuple:
        """``on_delete_columns``: the columns of the key that ``set null`` / ``set default`` sets."""
        if item.get("on_delete_columns") is None:
            return ()
        path += ("on_delete_columns",)
        names = self.name_list(item["on_delete_columns"], path, "on_delete_columns")
        if on_delete not in ("set null", "set default"):
            self.error(path, "on_delete_columns needs on_delete: set null or set default")
        for name in names:
            if name not in columns:
                self.error(path, f"on_delete_columns names {name!r}, which is not a column of the foreign key")
        return names

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
        ref_schema, ref_name = split_qualified(table, default_schema=None)
        return QualifiedName(ref_schema or f"?{schema}", naming.truncate_identifier(ref_name)), columns

    def action(self, value, path: tuple) -> str:
        if value is None:
            return "no action"
        text = str(value).lower().replace("_", " ").strip()
        if text not in FK_ACTIONS:
            self.error(path, f"unknown foreign key action {value!r}; expected one of: {', '.join(FK_ACTIONS)}")
            return "no action"
        return text


def _looks_like_bare_text(default: str) -> bool:
    """A default like ``pending`` is a column reference to PostgreSQL, never what was meant."""
    text = default.strip()
    return bool(_BARE_WORD.match(text)) and text.lower() not in _SQL_VALUE_WORDS


_BARE_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


_SQL_VALUE_WORDS = frozenset(
    "current_timestamp current_date current_time localtimestamp localtime current_user "
    "session_user user current_role current_schema current_catalog true false null".split()
)


def _stripped(text: Optional[str]) -> Optional[str]:
    return text.strip() if text is not None else None
