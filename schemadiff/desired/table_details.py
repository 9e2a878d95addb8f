"""The file's table and column details: ``with`` (storage parameters), ``unlogged``,
``replica_identity`` on a table; ``generated``, ``collation``, ``storage``, ``compression``
on a column. Read here, written back for ``inspect`` by :func:`table_details_data` and
:func:`column_details_data`."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..model import Column, Table
from ..model.tables import COMPRESSIONS, REPLICA_IDENTITIES, STORAGE_KINDS
from ..pg import normalize
from .reader import Reader, describe_value, did_you_mean

TABLE_DETAIL_KEYS = ("with", "unlogged", "replica_identity")
COLUMN_DETAIL_KEYS = ("generated", "collation", "storage", "compression")
_PARAMETER_NAME = re.compile(r"^(toast\.)?[a-z_][a-z0-9_]*$")


def default_storage(type_: str):
    """The storage PostgreSQL gives a built-in type (``pg_type.typstorage``), None when the
    file cannot know it (user types): a column asking for it has no storage of its own."""
    if type_.endswith("]") or _EXTENDED.match(type_):
        return "extended"
    if _MAIN.match(type_):
        return "main"
    if _PLAIN.match(type_):
        return "plain"
    return None


_EXTENDED = re.compile(r"^(text|character varying|character|bytea|jsonb?|xml|bit varying|tsvector)\b")
_MAIN = re.compile(r"^(numeric|inet|cidr)\b")
_PLAIN = re.compile(r"^(smallint|integer|bigint|real|double precision|boolean|date|time|timestamp|uuid|money|"
                    r"interval|oid|macaddr|point|tsquery)\b")


class TableDetailsReader(Reader):
    """Reads the details of one table and of its columns."""

    def table_details(self, table: Table, body: dict, path: tuple) -> Table:
        if not any(key in body for key in TABLE_DETAIL_KEYS):
            return table  # most tables: their defaults, no copy
        identity, index = self.replica_identity(body.get("replica_identity"), path + ("replica_identity",))
        return replace(
            table, unlogged=self.boolean(body.get("unlogged"), path + ("unlogged",), "unlogged", False),
            parameters=self.table_parameters(body.get("with"), path + ("with",)),
            replica_identity=identity, replica_index=index,
        )

    def table_parameters(self, spec: Any, path: tuple) -> tuple:
        out = {}
        for raw, value in self.mapping(spec, path, "with").items():
            name = str(raw).strip().lower()
            if not _PARAMETER_NAME.match(name):
                self.error(path + (raw,), f"{raw!r} is not a storage parameter name (fillfactor, autovacuum_…, toast.…)")
            elif value is None or isinstance(value, (dict, list)):
                self.error(path + (raw,), f"storage parameter {name} needs a value, not {describe_value(value)}")
            else:
                out[name] = normalize.storage_parameter(value)
        return tuple(sorted(out.items()))

    def replica_identity(self, spec: Any, path: tuple):
        if spec is None:
            return "default", None
        if isinstance(spec, dict):
            self.expect_keys(spec, ("index",), path, "replica_identity")
            index = self.text(spec.get("index"), path + ("index",), "index")
            if not index:
                self.error(path, "replica_identity: {index: …} needs the name of a unique index of the table")
                return "default", None
            return "index", index
        text = str(spec).strip().lower()
        if text not in REPLICA_IDENTITIES or text == "index":
            self.error(path, f"replica_identity must be default, full, nothing or {{index: name}}, not {spec!r}")
            return "default", None
        return text, None

    def check_replica_index(self, table: Table, key: str) -> None:
        """REPLICA IDENTITY USING INDEX needs a unique index (or key) of the table itself;
        called once constraints and indexes have their names."""
        if table.replica_identity != "index":
            return
        unique = {i.name for i in table.indexes if i.unique and not i.where}
        unique |= {c.name for c in ((table.primary_key,) if table.primary_key else ()) + table.uniques}
        if table.replica_index not in unique:
            self.error(("tables", key, "replica_identity", "index"),
                       f"replica identity index {table.replica_index!r} is not a unique, non-partial index or key "
                       f"of the table{did_you_mean(table.replica_index, unique)}")

    def column_details(self, column: Column, body: dict, path: tuple) -> Column:
        if not any(key in body for key in COLUMN_DETAIL_KEYS):
            return column  # most columns: ten thousand dataclass copies saved on a big file
        generated = self.text(body.get("generated"), path + ("generated",), "generated")
        if generated is not None and not generated.strip():
            self.error(path + ("generated",), f"column {column.name!r}: generated needs an expression")
        if generated and (column.default is not None or column.identity or column.serial):
            self.error(path + ("generated",), f"column {column.name!r}: a generated column has no default, "
                       "identity or serial: its value is always the expression's")
        storage = self.choice(body.get("storage"), STORAGE_KINDS, path + ("storage",), "storage")
        collation = self.text(body.get("collation"), path + ("collation",), "collation")
        return replace(
            column, generated=generated.strip() if generated and generated.strip() else None,
            collation=normalize.collation(collation) if collation and collation.strip().lower() != "default" else None,
            storage=None if storage == default_storage(column.type) else storage,
            compression=self.choice(body.get("compression"), COMPRESSIONS, path + ("compression",), "compression"),
        )

    def choice(self, value: Any, allowed: tuple, path: tuple, what: str):
        if value is None:
            return None
        text = str(value).strip().lower()
        if text not in allowed:
            self.error(path, f"{what} must be one of {', '.join(allowed)}, not {value!r}")
            return None
        return text


# -- the writer, for inspect -------------------------------------------------------------------

def table_details_data(table: Table) -> dict:
    out: dict[str, Any] = {}
    if table.unlogged:
        out["unlogged"] = True
    out |= storage_parameters_data(table.parameters)
    if table.replica_identity == "index":
        out["replica_identity"] = {"index": table.replica_index}
    elif table.replica_identity != "default":
        out["replica_identity"] = table.replica_identity
    return out


def storage_parameters_data(parameters) -> dict:
    """``with:`` of a table or partition (nothing when it has no storage parameters)."""
    return {"with": {name: _yaml_value(value) for name, value in parameters}} if parameters else {}


def column_details_data(column: Column) -> dict:
    out: dict[str, Any] = {}
    if column.generated is not None:
        out["generated"] = column.generated
    if column.collation is not None:
        bare = column.collation[1:-1] if column.collation.startswith('"') and column.collation.endswith('"') else column.collation
        out["collation"] = bare if normalize.collation(bare) == column.collation else column.collation
    if column.storage is not None:
        out["storage"] = column.storage
    if column.compression is not None:
        out["compression"] = column.compression
    return out


def _yaml_value(text: str):
    """Numbers and booleans as YAML scalars (``fillfactor: 70``); the rest as text."""
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        return float(text) if normalize.storage_parameter(float(text)) == text else text
    except ValueError:
        return text
