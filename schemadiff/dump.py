"""Catalog → ``schema.yaml`` text, in the short forms a person would write.

Names PostgreSQL would derive by itself are left out; the result is checked by loading it
back, and where that would not give the same catalog every name is written explicitly.
"""

from __future__ import annotations

from typing import Any

import yaml

from . import desired, pgtypes
from .diff import diff
from .model import Catalog, Column, Table

HEADER = (
    "# Desired state for schemadiff (written by `schemadiff inspect`).\n"
    "# Editors validate this file with the JSON Schema printed by `schemadiff json-schema`.\n"
)


def dump(catalog: Catalog) -> str:
    """YAML text that loads back to ``catalog``."""
    text = _dump(catalog, explicit_names=False)
    try:
        again = desired.loads(text)
    except Exception:
        again = None
    if again is None or diff(catalog, again):
        text = _dump(catalog, explicit_names=True)
    return text


def _dump(catalog: Catalog, explicit_names: bool) -> str:
    doc: dict[str, Any] = {}
    extra_schemas = [s for s in catalog.schemas if s != "public" and not any(t.schema == s for t in catalog.tables)]
    if extra_schemas:
        doc["schemas"] = extra_schemas
    if catalog.enums:
        doc["enums"] = {_key(e.schema, e.name): list(e.values) for e in catalog.enums}
    doc["tables"] = {_key(t.schema, t.name): _table(t, explicit_names) for t in catalog.tables}
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return HEADER + body


def _key(schema: str, name: str) -> str:
    return name if schema == "public" and "." not in name else f"{schema}.{name}"


def _table(table: Table, explicit: bool) -> dict:
    out: dict[str, Any] = {}
    if table.comment is not None:
        out["comment"] = table.comment
    out["columns"] = {c.name: _column(c) for c in table.columns}
    if table.primary_key:
        pk = table.primary_key
        cols = _names(pk.columns)
        out["primary_key"] = cols if not explicit and pk.name == f"{table.name}_pkey" else {"name": pk.name, "columns": list(pk.columns)}
    if table.uniques:
        out["unique"] = [_named({"columns": _names(u.columns)}, u.name, explicit) for u in table.uniques]
    if table.foreign_keys:
        out["foreign_keys"] = [_foreign_key(fk, explicit) for fk in table.foreign_keys]
    if table.checks:
        out["checks"] = [_named({"expression": c.expression}, c.name, explicit) for c in table.checks]
    if table.indexes:
        out["indexes"] = [_index(i) for i in table.indexes]
    return out


def _named(body: dict, name: str, explicit: bool) -> Any:
    if explicit:
        return {"name": name, **body}
    return next(iter(body.values())) if len(body) == 1 else body


def _names(columns) -> Any:
    return columns[0] if len(columns) == 1 else list(columns)


def _column(column: Column) -> Any:
    type_text = pgtypes.short_type(column.type)
    if column.serial:
        type_text = {"smallint": "smallserial", "integer": "serial", "bigint": "bigserial"}[column.type]
    body: dict[str, Any] = {"type": type_text}
    if not column.nullable and not column.serial and not column.identity:
        body["nullable"] = False
    if column.default is not None:
        body["default"] = column.default
    if column.identity:
        body["identity"] = column.identity
    if column.comment is not None:
        body["comment"] = column.comment
    return type_text if list(body) == ["type"] else body


def _foreign_key(fk, explicit: bool) -> dict:
    ref = _key(fk.ref_table.schema, fk.ref_table.name)
    body: dict[str, Any] = {"name": fk.name} if explicit else {}
    body["columns"] = list(fk.columns)
    body["references"] = {"table": ref, "columns": list(fk.ref_columns)}
    if fk.on_delete != "no action":
        body["on_delete"] = fk.on_delete
    if fk.on_update != "no action":
        body["on_update"] = fk.on_update
    if fk.deferrable:
        body["deferrable"] = True
    if fk.initially_deferred:
        body["initially_deferred"] = True
    return body


def _index(index) -> dict:
    body: dict[str, Any] = {"name": index.name, "columns": list(index.keys)}
    if index.unique:
        body["unique"] = True
    if index.method != "btree":
        body["using"] = index.method
    if index.where:
        body["where"] = index.where
    if index.include:
        body["include"] = list(index.include)
    return body


class _Dumper(yaml.SafeDumper):
    """Block style for documents, flow style for short column mappings and name lists."""


def _represent_dict(dumper, data):
    flow = all(not isinstance(v, (dict, list)) for v in data.values()) and len(data) <= 4 and "type" in data
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper, data):
    flow = all(isinstance(v, str) and len(v) < 40 for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)
