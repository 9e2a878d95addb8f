"""Catalog → ``schema.yaml`` text, in the short forms a person would write.

Constraint names PostgreSQL would derive by itself are left out; the result is checked by
loading it back, and where that would not give the same catalog every name is written.
"""

from __future__ import annotations

from typing import Any, Sequence

import yaml

from .. import desired
from ..pg import types as pgtypes
from ..diff import diff
from ..model import Catalog, Column, Table
from .partitions import partitioning_document
from .user_types import write_user_types
from .sequences import default_document, identity_document, sequences_document
from .extensions import dump_extensions
from .text_search import dump_text_search
from .emit import streamed_dump
from .functions import Block, dump_functions
from .aggregates import dump_aggregates
from .views import dump_views
from .grants import dump_grants
from .default_grants import dump_default_grants
from .security import dump_policies, row_security_of
from .triggers import dump_triggers
from .table_details import column_details_data, table_details_data
from .exclusions import comment_document, exclusion_document, parameters_document, timing_document
from .schemas import schemas_document

HEADER = (
    "# Desired state for schemadiff (written by `schemadiff inspect`).\n"
    "# Editors validate this file with the JSON Schema printed by `schemadiff json-schema`.\n"
)


ALL = "all"
_KINDS = ("pk", "unique", "fk", "check", "exclusion")


def dump(catalog: Catalog, left_out: Sequence = (), whole_database: bool = False) -> str:
    """YAML text that loads back to ``catalog``; a constraint's name is written only where
    PostgreSQL's own rule would not give it. ``left_out`` (catalog.unmanaged.Unmanaged: what
    the database holds that the file cannot say) is listed in a comment at the top.

    ``whole_database`` (what ``inspect`` and ``adopt`` write): the key of every kind a file may
    leave alone is written even when the database has none of it (``views: {}``), so that the
    file says "none" rather than "not mine", and applying it elsewhere drops what it lacks."""
    keep = _names_to_keep(catalog, _document(catalog, keep=set()))
    text = _text(_with_every_key(_document(catalog, keep), whole_database, left_out))
    if keep != ALL and not _round_trips(catalog, text):
        text = _text(_with_every_key(_document(catalog, ALL), whole_database, left_out))
    return HEADER + left_out_comment(left_out) + text


# The top-level keys whose absence means "leave those objects alone", and their empty values.
GATED_KEYS = {"extensions": [], "text_search": {}, "functions": {}, "procedures": {}, "aggregates": {},
              "views": {},
              "triggers": {}, "policies": {}, "privileges": {}, "default_privileges": {}}


# The key that manages each kind of the left-out report (catalog/queries/unmanaged.sql).
_KEY_OF_LEFT_OUT = {"view": "views", "materialized view": "views", "function": "functions", "procedure": "procedures",
                    "C-language function": "functions", "function with TRANSFORM": "functions",
                    "function with SUPPORT": "functions", "aggregate": "aggregates",
                    "trigger": "triggers", "policy": "policies", "row-level security": "policies",
                    "privileges": "privileges", "schema privileges": "privileges", "type privileges": "privileges",
                    "default privileges": "default_privileges"}


def _with_every_key(doc: dict, whole_database: bool, left_out: Sequence) -> dict:
    """``doc`` with the empty keys ``whole_database`` asks for, except those of a kind an
    object left out is of: a file that says "no views" would drop the view it could not write."""
    if not whole_database:
        return doc
    held_back = {_KEY_OF_LEFT_OUT.get(obj.kind) for obj in left_out}
    return {**doc, **{key: empty for key, empty in GATED_KEYS.items()
                      if key not in doc and key not in held_back and not (key == "views" and "materialized_views" in doc)}}


def left_out_comment(left_out: Sequence) -> str:
    """The comment block naming each object left out, one line each (empty when none)."""
    if not left_out:
        return ""
    lines = ["", f"Left out (not managed by schemadiff): {len(left_out)} object(s)."]
    lines += [f"  {obj.line}" for obj in left_out]
    return "".join(f"#{' ' if line else ''}{line}\n" for line in lines) + "\n"


def _round_trips(catalog: Catalog, text: str) -> bool:
    try:
        return not diff(catalog, desired.loads(text))
    except Exception:
        return False


def _names_to_keep(catalog: Catalog, short_document: dict):
    """(table, kind, position) of every constraint whose derived name differs."""
    try:
        derived = desired.load_document(short_document).table_map()
    except Exception:
        return ALL
    keep = set()
    for table in catalog.tables:
        other = derived.get(table.qualified)
        if other is None:
            return ALL
        for kind in _KINDS:
            mine, theirs = _constraints(table, kind), _constraints(other, kind)
            if len(mine) != len(theirs):
                return ALL
            keep |= {(table.qualified, kind, i) for i, (a, b) in enumerate(zip(mine, theirs)) if a.name != b.name}
    return keep


def _constraints(table: Table, kind: str) -> tuple:
    return {"pk": (table.primary_key,) if table.primary_key else (), "unique": table.uniques,
            "fk": table.foreign_keys, "check": table.checks, "exclusion": table.exclusions}[kind]


def _document(catalog: Catalog, keep) -> dict:
    doc: dict[str, Any] = {}
    extra_schemas = [s for s in catalog.schemas if s != "public" and not any(t.schema == s for t in catalog.tables)
                     and not any(e.schema == s for e in catalog.extensions)]
    if extra_schemas or catalog.schema_comments:
        doc["schemas"] = schemas_document(catalog, extra_schemas)
    if catalog.extensions:
        doc["extensions"] = dump_extensions(catalog)
    if catalog.enums:
        doc["enums"] = {_key(e.schema, e.name): _enum(e) for e in catalog.enums}
    doc.update(write_user_types(catalog))
    if catalog.ts_dictionaries or catalog.ts_configurations:
        doc["text_search"] = dump_text_search(catalog)
    if catalog.sequences:
        doc["sequences"] = sequences_document(catalog)
    doc.update(dump_functions(catalog))
    if catalog.aggregates:
        doc["aggregates"] = dump_aggregates(catalog)
    doc["tables"] = {}
    tables_written = {t.qualified: _table_key(t) for t in catalog.tables}
    for t in catalog.tables:
        key, body = _table_key(t), _table(t, lambda kind, i, t=t: keep == ALL or (t.qualified, kind, i) in keep)
        doc["tables"][key] = body
    doc.update(dump_views(catalog))
    for table, mode in row_security_of(catalog).items():
        if table in tables_written:
            doc["tables"][tables_written[table]]["row_level_security"] = mode
    if catalog.triggers:
        doc["triggers"] = dump_triggers(catalog)
    if catalog.policies:
        doc["policies"] = dump_policies(catalog)
    if catalog.grants:
        doc["privileges"] = dump_grants(catalog)
    if catalog.default_grants:
        doc["default_privileges"] = dump_default_grants(catalog)
    return doc


def _enum(enum) -> Any:
    values = list(enum.values)
    return values if enum.comment is None else {"values": values, "comment": enum.comment}


def _text(doc: dict) -> str:
    return streamed_dump(doc, _Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def _key(schema: str, name: str) -> str:
    return name if schema == "public" and "." not in name else f"{schema}.{name}"


def _table_key(table: Table) -> str:
    return table.name if "." in table.name or "." in table.schema else _key(table.schema, table.name)


def _table(table: Table, named) -> dict:
    out: dict[str, Any] = {}
    if "." in table.name or "." in table.schema:
        out["schema"] = table.schema
    if table.comment is not None:
        out["comment"] = table.comment
    if table.inherits:
        out["inherits"] = [_key(p.schema, p.name) for p in table.inherits]
    in_pk = set(table.primary_key.columns) if table.primary_key else set()
    out["columns"] = {c.name: _column(c, in_pk) for c in table.columns}
    out.update(table_details_data(table))
    if table.primary_key:
        pk = table.primary_key
        body = {"columns": list(pk.columns)} | _key_index(pk) | timing_document(pk) | comment_document(pk)
        out["primary_key"] = _named(body, pk.name, named("pk", 0)) if len(body) > 1 or named("pk", 0) else _names(pk.columns)
    if table.uniques:
        out["unique"] = [_named({"columns": _names(u.columns)} | _unique_details(u), u.name, named("unique", i))
                         for i, u in enumerate(table.uniques)]
    if table.foreign_keys:
        out["foreign_keys"] = [_foreign_key(fk, named("fk", i)) for i, fk in enumerate(table.foreign_keys)]
    if table.checks:
        out["checks"] = [check_document(c, named("check", i)) for i, c in enumerate(table.checks)]
    if table.exclusions:
        out["exclusions"] = [exclusion_document(x, named("exclusion", i)) for i, x in enumerate(table.exclusions)]
    if table.indexes:
        out["indexes"] = [index_document(i) for i in table.indexes]
    out |= partitioning_document(table)
    return out


def _unique_details(unique) -> dict:
    return ({"nulls_not_distinct": True} if unique.nulls_not_distinct else {}) | _key_index(unique) | timing_document(unique) \
        | comment_document(unique)


def _key_index(key) -> dict:
    return ({"include": list(key.include)} if key.include else {}) | \
        ({"with": parameters_document(key.parameters)} if key.parameters else {})


def _named(body: dict, name: str, explicit: bool) -> Any:
    if explicit:
        return {"name": name, **body}
    return next(iter(body.values())) if len(body) == 1 else body


def _names(columns) -> Any:
    return columns[0] if len(columns) == 1 else list(columns)


def _column(column: Column, in_pk: set) -> Any:
    type_text = pgtypes.short_type(column.type)
    if not pgtypes.is_builtin(column.type) and pgtypes.misspelled_builtin(type_text):
        type_text = f"public.{type_text}"  # seg (an extension's) would read as a typo of lseg
    if column.serial:
        type_text = {"smallint": "smallserial", "integer": "serial", "bigint": "bigserial"}[column.type]
    body: dict[str, Any] = {"type": type_text}
    if not column.nullable and not column.serial and not column.identity and column.name not in in_pk:
        body["nullable"] = False
    if column.default is not None:
        body["default"] = default_document(column.default)
    if column.identity:
        body["identity"] = identity_document(column)
    if column.comment is not None:
        body["comment"] = column.comment
    body.update(column_details_data(column))
    return type_text if list(body) == ["type"] else body


def _foreign_key(fk, explicit: bool) -> dict:
    ref = _key(fk.ref_table.schema, fk.ref_table.name)
    body: dict[str, Any] = {"name": fk.name} if explicit else {}
    body["columns"] = list(fk.columns)
    body["references"] = {"table": ref, "columns": list(fk.ref_columns)}
    if fk.on_delete != "no action":
        body["on_delete"] = fk.on_delete
    if fk.on_delete_columns:
        body["on_delete_columns"] = list(fk.on_delete_columns)
    if fk.on_update != "no action":
        body["on_update"] = fk.on_update
    return body | timing_document(fk) | _not_valid(fk) | comment_document(fk)


def check_document(check, explicit: bool) -> Any:
    return _named({"expression": check.expression, **_not_valid(check), **({"no_inherit": True} if check.no_inherit else {}),
                   **comment_document(check)}, check.name, explicit)


def _not_valid(constraint) -> dict:
    return {} if constraint.validated else {"not_valid": True}


def index_document(index) -> dict:
    body: dict[str, Any] = {"name": index.name, "columns": list(index.keys)}
    if index.unique:
        body["unique"] = True
    if index.method != "btree":
        body["using"] = index.method
    if index.where:
        body["where"] = index.where
    if index.include:
        body["include"] = list(index.include)
    if index.nulls_not_distinct:
        body["nulls_not_distinct"] = True
    if index.parameters:
        body["with"] = parameters_document(index.parameters)
    return body | comment_document(index)


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter: 5x faster
    """Block style for documents, flow style for short column mappings and name lists."""


def _represent_dict(dumper, data):
    flow = all(not isinstance(v, (dict, list)) for v in data.values()) and len(data) <= 4 and ("type" in data or "kind" in data)
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper, data):
    flow = all(isinstance(v, str) and len(v) < 40 for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_block(dumper, data):
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style="|")


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(Block, _represent_block)
_Dumper.add_representer(list, _represent_list)


def _represent_str(dumper, data):
    """Multi-line text (a view's query) as a literal block, as a person would write it."""
    block = "\n" in data and not any(line != line.rstrip() for line in data.split("\n"))
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if block else None)


_Dumper.add_representer(str, _represent_str)
