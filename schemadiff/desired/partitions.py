"""A table's ``partition_by`` and ``partitions``: the file's partitioning, read and written.

    events:
      columns: {…}
      partition_by: range (created_at)
      partitions:
        events_2024_01: {from: "'2024-01-01'", to: "'2024-02-01'"}
        events_2024_02: FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')
        events_default: default

A partition gets its columns, keys and indexes from its parent, so it is written without them;
what it has of its own is written in its mapping form, with the table's spelling:

        events_p0:
          values: FOR VALUES IN (0)
          indexes: [{name: events_p0_kind_idx, columns: [kind]}]
          checks: [{name: events_p0_small, expression: id < 1000}]
          columns: {props: {default: "'{}'::jsonb", nullable: false}}
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ..model.partitions import DEFAULT_BOUND, Partition, PartitionColumn
from ..pg import naming
from .reader import describe_value, did_you_mean, is_identifier, split_qualified, unquote_ident
from .table_details import TableDetailsReader, storage_parameters_data

PARTITION_KEYS = ("values", "from", "to", "in", "modulus", "remainder", "comment", "partition_by", "partitions", "with",
                  "indexes", "checks", "columns")
PARTITION_COLUMN_KEYS = ("default", "nullable")
STRATEGIES = ("range", "list", "hash")
EXTERNAL = "external"
_KEY = re.compile(r"^\s*(\w+)\s*\((.*)\)\s*$", re.DOTALL)
_SINGULAR = {"indexes": "index", "checks": "check"}
_BOUND_WORDS = {"range": "FROM", "list": "IN", "hash": "WITH"}


def canonical_key(text: str) -> Optional[str]:
    """``range (created_at)`` → ``RANGE (created_at)``, as pg_get_partkeydef prints it; None
    when it is no partition key."""
    match = _KEY.match(text)
    if not match or match.group(1).lower() not in STRATEGIES:
        return None
    parts = [_key_part(p) for p in split_top_level(match.group(2))]
    return f"{match.group(1).upper()} ({', '.join(parts)})" if all(parts) else None


def _key_part(part: str) -> str:
    part = part.strip()
    return naming.quote_ident(unquote_ident(part)) if is_identifier(part) else part


def split_top_level(text: str) -> list[str]:
    """``a, lower(b, c)`` → ``['a', 'lower(b, c)']``: commas outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def key_columns(key: str) -> list[str]:
    """The plain columns of a canonical key (expressions left out)."""
    inner = _KEY.match(key).group(2)
    return [unquote_ident(p) for p in split_top_level(inner) if is_identifier(p)]


def strategy(key: str) -> str:
    return key.split(" ", 1)[0].lower()


class PartitionsReader(TableDetailsReader):
    """Reads ``partition_by`` and ``partitions`` of a table (and of a partitioned partition); a
    partition's ``with`` as a table's (TableDetailsReader)."""

    def partitioning(self, path: tuple, body: dict, schema: str, columns: set) -> dict:
        """The Table fields of a table's partitioning (none when it is not partitioned)."""
        key = self.partition_key(body.get("partition_by"), path + ("partition_by",), columns)
        spec = body.get("partitions")
        if spec is not None and key is None and body.get("partition_by") is None:
            self.error(path + ("partitions",), "partitions need the table's partition_by (e.g. 'range (created_at)')")
        if key is None:
            return {}
        external = isinstance(spec, str) and spec.strip().lower() == EXTERNAL
        partitions = () if external else self.partition_list(spec, path + ("partitions",), schema, key, columns)
        return {"partition_by": key, "partitions": partitions, "partitions_external": external}

    def partition_key(self, value: Any, path: tuple, columns: set) -> Optional[str]:
        text = self.text(value, path, "partition_by")
        if text is None:
            return None
        key = canonical_key(text)
        if key is None:
            self.error(path, f"cannot read partition key {text!r}; write it as range (column), list (column) or "
                             "hash (column, …), with expressions in parentheses")
            return None
        for column in key_columns(key):
            if column not in columns:
                self.error(path, f"partition_by names column {column!r}, which the table does not have"
                                 f"{did_you_mean(column, columns)}")
        return key

    def partition_list(self, spec: Any, path: tuple, schema: str, key: str, columns: set) -> tuple:
        if spec is not None and not isinstance(spec, dict):
            self.error(path, f"partitions must be a mapping of partition name to bound, or 'external', not {describe_value(spec)}")
            return ()
        out, defaults = [], []
        for name, body in (spec or {}).items():
            partition = self.partition(str(name), body, path + (name,), schema, key, columns)
            if partition is not None:
                out.append(partition)
                if partition.bound == DEFAULT_BOUND:
                    defaults.append(partition.name)
        if len(defaults) > 1:
            self.error(path, f"a partitioned table has at most one DEFAULT partition, not {', '.join(defaults)}")
        return tuple(out)

    def partition(self, key_text: str, body: Any, path: tuple, parent_schema: str, key: str, columns: set):
        schema, name = split_qualified(key_text, default_schema=parent_schema)
        name = naming.truncate_identifier(name)
        extra: dict = {}
        if isinstance(body, dict):
            self.expect_keys(body, PARTITION_KEYS, path, f"partition {key_text!r}")
            extra = self.partitioning(path, body, schema, columns)
            extra["comment"] = self.text(body.get("comment"), path + ("comment",), "comment")
            extra["parameters"] = self.table_parameters(body.get("with"), path + ("with",))
            if extra["parameters"] and extra.get("partition_by"):
                self.error(path + ("with",), "a partition that is partitioned in turn holds no rows: it takes no storage "
                                             "parameters (give them to its partitions)")
            extra |= self.partition_own(body, path, columns, bool(extra.get("partition_by")))
        bound = self.bound(body, path, strategy(key))
        if bound is None:
            return None
        self.claim_partition_name(schema, name, path)
        return Partition(schema=schema, name=name, bound=bound, **extra)

    def partition_own(self, body: dict, path: tuple, columns: set, partitioned: bool) -> dict:
        """A partition's own indexes, checks and column defaults / NOT NULLs, read as a table's."""
        where = ".".join(str(p) for p in path[1:])  # errors cite tables.<parent>.partitions.<name>.…
        if partitioned and (body.get("indexes") or body.get("checks")):
            self.error(path, "a partition that is partitioned in turn takes no indexes or checks of its own here "
                             "(give them to its partitions)")
            return {}
        indexes = self.indexes(where, body.get("indexes"), columns)
        checks = self.checks(where, body.get("checks"))
        for kind, items in (("indexes", indexes), ("checks", checks)):
            for i, item in enumerate(items):
                if not item.name:
                    self.error(path + (kind, i), f"a partition's own {_SINGULAR[kind]} needs a name")
        return {"indexes": indexes, "checks": checks, "columns": self.partition_columns(body.get("columns"), path + ("columns",), columns)}

    def partition_columns(self, spec: Any, path: tuple, columns: set) -> tuple:
        if spec is None:
            return ()
        if not isinstance(spec, dict):
            self.error(path, f"columns of a partition must be a mapping of column name to its default and nullable, "
                             f"not {describe_value(spec)}")
            return ()
        out = []
        for name, body in spec.items():
            cpath = path + (name,)
            if name not in columns:
                self.error(cpath, f"the partition's parent has no column {name!r}{did_you_mean(str(name), columns)}")
                continue
            if not isinstance(body, dict):
                self.error(cpath, f"a partition's column takes default and nullable only, not {describe_value(body)}")
                continue
            self.expect_keys(body, PARTITION_COLUMN_KEYS, cpath, f"partition column {name!r}")
            default = self.text(body.get("default"), cpath + ("default",), "default")
            nullable = self.boolean(body.get("nullable"), cpath + ("nullable",), "nullable", True)
            out.append(PartitionColumn(str(name), default.strip() if default else None, not nullable))
        return tuple(out)

    def claim_partition_name(self, schema: str, name: str, path: tuple) -> None:
        taken = getattr(self, "_partition_names", None)
        if taken is None:
            taken = self._partition_names = {}
        if (schema, name) in taken:
            self.error(path, f"partition {schema}.{name} is declared twice")
        taken[(schema, name)] = path

    def check_partition_names(self, tables: list) -> None:
        """A partition is a relation: it cannot share its name with a table of the file."""
        for table in tables:
            path = getattr(self, "_partition_names", {}).get((table.schema, table.name))
            if path is not None:
                self.error(path, f"partition {table.schema}.{table.name} has the name of a table of the file")

    def bound(self, body: Any, path: tuple, strategy_: str) -> Optional[str]:
        if isinstance(body, dict):
            forms = [k for k in ("values", "from", "in", "modulus") if k in body]
            if len(forms) != 1:
                self.error(path, "a partition needs exactly one bound: values, from/to, in, or modulus/remainder")
                return None
            if forms == ["from"]:
                return self.range_bound(body, path)
            if forms == ["in"]:
                return f"FOR VALUES IN ({', '.join(self.literals(body['in'], path + ('in',)))})"
            if forms == ["modulus"]:
                return self.hash_bound(body, path)
            body = body["values"]
            path = path + ("values",)
        text = self.text(body, path, "partition bound")
        if not text or not text.strip():
            self.error(path, "a partition needs a bound: default, or values such as FOR VALUES FROM (…) TO (…)")
            return None
        bound = _spelled_bound(text)
        if bound is None:
            self.error(path, f"cannot read partition bound {text!r}; write default, FOR VALUES FROM (…) TO (…), "
                             "FOR VALUES IN (…) or FOR VALUES WITH (modulus m, remainder r)")
            return None
        wanted = _BOUND_WORDS[strategy_]
        if bound == DEFAULT_BOUND and strategy_ == "hash":
            self.error(path, "a hash-partitioned table cannot have a DEFAULT partition")
        elif bound != DEFAULT_BOUND and bound.split(" ")[2].upper() != wanted:
            self.error(path, f"a {strategy_}-partitioned table takes bounds FOR VALUES {wanted} (…), not {text!r}")
        return bound

    def range_bound(self, body: dict, path: tuple) -> Optional[str]:
        if "to" not in body:
            self.error(path, "a range partition with 'from' needs 'to'")
            return None
        low = self.literals(body["from"], path + ("from",))
        high = self.literals(body["to"], path + ("to",))
        return f"FOR VALUES FROM ({', '.join(low)}) TO ({', '.join(high)})"

    def hash_bound(self, body: dict, path: tuple) -> Optional[str]:
        modulus, remainder = body.get("modulus"), body.get("remainder")
        if not isinstance(modulus, int) or not isinstance(remainder, int) or isinstance(modulus, bool) \
                or not 0 <= remainder < modulus:
            self.error(path, "a hash partition needs whole numbers modulus and remainder, 0 <= remainder < modulus")
            return None
        return f"FOR VALUES WITH (modulus {modulus}, remainder {remainder})"

    def literals(self, value: Any, path: tuple) -> list[str]:
        """SQL literals (``'2024-01-01'``, ``10``, ``MINVALUE``) of a bound, one or a list."""
        items = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(items):
            if isinstance(item, (dict, list)) or item is None or isinstance(item, bool):
                self.error(path, f"bound values must be SQL literals such as \"'2024-01-01'\" or 10, not {describe_value(item)}")
                continue
            out.append(str(item).strip())
        return out

    def partitioned_keys_cover(self, path: tuple, table) -> None:
        """PostgreSQL's own rules for keys on a partitioned table, caught before any database."""
        if table.partition_by is None:
            return
        needed = set(key_columns(table.partition_by))
        for constraint in ((table.primary_key,) if table.primary_key else ()) + table.uniques:
            missing = needed - set(constraint.columns)
            if missing:
                self.error(path, f"on a partitioned table a primary key or unique constraint must include the partition "
                                 f"key columns; ({', '.join(constraint.columns)}) lacks {', '.join(sorted(missing))}")
        for fk in table.foreign_keys:
            if not fk.validated:
                self.error(path, "PostgreSQL cannot add a NOT VALID foreign key to a partitioned table: "
                                 f"remove not_valid from foreign key ({', '.join(fk.columns)})")


def _spelled_bound(text: str) -> Optional[str]:
    """The bound as PostgreSQL prints it: DEFAULT, or FOR VALUES … (the prefix may be left out)."""
    text = " ".join(text.split())
    if text.lower() == "default":
        return DEFAULT_BOUND
    match = _BOUND.match(text)
    return f"FOR VALUES {match.group(1).upper()} {match.group(2)}" if match else None


_BOUND = re.compile(r"(?is)^(?:for values )?(from|in|with) ?(\(.*\))$")


# -- the writer, for `inspect` ----------------------------------------------------------------

def partitioning_document(table_or_partition) -> dict:
    """``partition_by`` and ``partitions`` as the file writes them (nothing when not partitioned)."""
    if table_or_partition.partition_by is None:
        return {}
    out: dict[str, Any] = {"partition_by": table_or_partition.partition_by}
    if table_or_partition.partitions_external:
        out["partitions"] = EXTERNAL
    elif table_or_partition.partitions:
        out["partitions"] = {_partition_key(p, table_or_partition.schema): _partition_body(p)
                             for p in table_or_partition.partitions}
    return out


def _partition_key(partition: Partition, parent_schema: str) -> str:
    if partition.schema == parent_schema and "." not in partition.name:
        return partition.name
    return f"{partition.schema}.{partition.name}"


def _partition_body(partition: Partition) -> Any:
    values = "default" if partition.bound == DEFAULT_BOUND else partition.bound
    extra = partitioning_document(partition) | storage_parameters_data(partition.parameters) | own_document(partition)
    if partition.comment is None and not extra:
        return values
    body: dict[str, Any] = {"values": values}
    if partition.comment is not None:
        body["comment"] = partition.comment
    return body | extra


def own_document(partition: Partition) -> dict:
    """A partition's own indexes, checks and column defaults / NOT NULLs, as the table writer spells them."""
    from .dump import check_document, index_document

    out: dict[str, Any] = {}
    if partition.indexes:
        out["indexes"] = [index_document(i) for i in partition.indexes]
    if partition.checks:
        out["checks"] = [check_document(c, explicit=True) for c in partition.checks]
    if partition.columns:
        out["columns"] = {c.name: ({"default": c.default} if c.default is not None else {})
                          | ({"nullable": False} if c.not_null else {}) for c in partition.columns}
    return out
