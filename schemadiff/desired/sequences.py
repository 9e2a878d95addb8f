"""The file's ``sequences:`` (standalone or shared sequences), the options of an identity
column (``identity: {kind: by default, start: 1000}``), and the writer of both for `inspect`.

A sequence that is exactly what ``serial`` would make for the column it feeds is read as that
``serial`` column, as the catalog reader does, so the two sides always agree."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from ..model import Catalog, Column, QualifiedName, Sequence, Table
from ..model.sequences import TYPE_RANGES, SequenceOptions, is_serial_of, resolve_options, serial_sequence_name
from ..pg import naming, normalize, types as pgtypes
from .reader import Reader, describe_value, did_you_mean, split_qualified

OPTION_KEYS = ("start", "increment", "min", "max", "cache", "cycle")
SEQUENCE_KEYS = ("as",) + OPTION_KEYS + ("owned_by", "comment", "renamed_from")
IDENTITY_KEYS = ("kind",) + OPTION_KEYS


class SequencesReader(Reader):
    """Reads ``sequences:`` and identity options; ties sequences to the columns they feed."""

    def sequences(self, spec: dict) -> list[Sequence]:
        out = []
        for key, body in spec.items():
            path = ("sequences", key)
            body = self.mapping(body, path, f"sequence {key!r}")
            self.expect_keys(body, SEQUENCE_KEYS, path, f"sequence {key!r}")
            schema, name = split_qualified(key)
            name = naming.truncate_identifier(name)
            type_ = self.sequence_type(body.get("as"), path + ("as",))
            owned_by = self.owned_by(body.get("owned_by"), schema, path + ("owned_by",))
            sequence = Sequence(schema, name, type_, self.sequence_options(body, path, type_), owned_by,
                                comment=self.text(body.get("comment"), path + ("comment",), "comment"),
                                renamed_from=self.text(body.get("renamed_from"), path + ("renamed_from",), "renamed_from"))
            if any(s.qualified == sequence.qualified for s in out):
                self.error(path, f"sequence {sequence.qualified} is declared twice")
                continue
            self.names_in(schema).relations.add(name)
            out.append(sequence)
        return out

    def sequence_type(self, value: Any, path: tuple) -> str:
        if value is None:
            return "bigint"
        text = self.text(value, path, "as") or ""
        try:
            canonical = pgtypes.canonical_type(text).canonical
        except pgtypes.UnknownType:
            canonical = text
        if canonical not in TYPE_RANGES:
            self.error(path, f"a sequence is smallint, integer or bigint, not {value!r}")
            return "bigint"
        return canonical

    def owned_by(self, value: Any, schema: str, path: tuple) -> Optional[tuple[str, str, str]]:
        """``table.column`` (in the sequence's schema) or ``schema.table.column``."""
        text = self.text(value, path, "owned_by")
        if text is None:
            return None
        table, _, column = text.rpartition(".")
        if not table or not column:
            self.error(path, f"owned_by must name a column as table.column, not {text!r}")
            return None
        table_schema, table_name = split_qualified(table, default_schema=schema)
        if table_schema != schema:
            self.error(path, f"a sequence can only be owned by a column of a table in its own schema ({schema})")
        return schema, naming.truncate_identifier(table_name), naming.truncate_identifier(column)

    def sequence_options(self, body: dict, path: tuple, type_: str) -> SequenceOptions:
        """The options given, PostgreSQL's defaults for the rest; impossible ones reported."""
        given = {key: self.integer(body.get(key), path + (key,), key) for key in OPTION_KEYS[:5]}
        if given["increment"] == 0:
            self.error(path + ("increment",), "increment cannot be 0")
            given["increment"] = None
        if given["cache"] is not None and given["cache"] < 1:
            self.error(path + ("cache",), f"cache must be at least 1, not {given['cache']}")
            given["cache"] = None
        options = resolve_options(type_, given["start"], given["increment"], given["min"], given["max"],
                                  given["cache"], self.boolean(body.get("cycle"), path + ("cycle",), "cycle", False))
        low, high = TYPE_RANGES[type_]
        for key, value in (("min", options.minimum), ("max", options.maximum)):
            if not low <= value <= high:
                self.error(path + (key,), f"{key} {value} is out of the range of {type_} ({low} to {high})")
        if options.minimum >= options.maximum:
            self.error(path, f"min ({options.minimum}) must be less than max ({options.maximum})")
        elif not options.minimum <= options.start <= options.maximum:
            self.error(path + ("start",), f"start {options.start} is outside min..max ({options.minimum} to {options.maximum})")
        return options

    def integer(self, value: Any, path: tuple, what: str) -> Optional[int]:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"{what} must be a whole number, not {describe_value(value)}")
            return None
        return value

    def identity_options(self, value: Any, path: tuple, type_: str) -> Optional[SequenceOptions]:
        """The options of ``identity: {kind: …, start: …}``; None when they are the defaults."""
        if not isinstance(value, dict) or type_ not in TYPE_RANGES:
            return None
        self.expect_keys(value, IDENTITY_KEYS, path, "identity")
        options = self.sequence_options(value, path, type_)
        return None if options == resolve_options(type_) else options

    def tie_sequences(self, tables: list[Table], sequences: list[Sequence]) -> tuple[list[Table], list[Sequence]]:
        """Spell ``nextval`` defaults as the catalog does, check what ``owned_by`` names, and
        read a sequence that is exactly what ``serial`` makes as that serial column."""
        tables = [_canonical_nextvals(t) for t in tables]
        by_name = {t.qualified: t for t in tables}
        kept = []
        for sequence in sequences:
            path = ("sequences", _key(sequence.schema, sequence.name))
            if sequence.owned_by and not self.owner_exists(sequence, by_name, path + ("owned_by",)):
                continue
            owner = QualifiedName(*sequence.owned_by[:2]) if sequence.owned_by else None
            table = by_name.get(owner)
            column = table.column(sequence.owned_by[2]) if table else None
            if column is not None and is_serial_of(sequence, owner, column):
                by_name[owner] = _with_column(table, replace(column, serial=True, default=None))
                continue
            kept.append(sequence)
        implied = {serial_sequence_name(t.qualified, c.name): (t, c) for t in by_name.values() for c in t.columns if c.serial}
        for sequence in kept:
            if sequence.qualified in implied:
                table, column = implied[sequence.qualified]
                self.error(("sequences", _key(sequence.schema, sequence.name)),
                           f"sequence {sequence.qualified} is the one serial column {table.qualified}.{column.name} "
                           "makes; declare the column as an integer with default nextval(…) to give the sequence options")
        return [by_name[t.qualified] for t in tables], kept

    def owner_exists(self, sequence: Sequence, tables: dict, path: tuple) -> bool:
        schema, table_name, column = sequence.owned_by
        table = tables.get(QualifiedName(schema, table_name))
        if table is None:
            self.error(path, f"sequence {sequence.qualified} is owned by table {schema}.{table_name}, which the file does not declare"
                       f"{did_you_mean(table_name, {t.name for t in tables.values()})}")
            return False
        if table.column(column) is None:
            self.error(path, f"sequence {sequence.qualified} is owned by column {column!r}, which {table.qualified} does not have"
                       f"{did_you_mean(column, {c.name for c in table.columns})}")
            return False
        return True


def _canonical_nextval(column: Column) -> Column:
    target = normalize.nextval_target(column.default)
    return replace(column, default=normalize.nextval_default(target)) if target else column


def _canonical_nextvals(table: Table) -> Table:
    """``table`` itself when no column draws from a sequence (most of a big file: no copy)."""
    columns = tuple(_canonical_nextval(c) for c in table.columns)
    return table if all(a is b for a, b in zip(columns, table.columns)) else replace(table, columns=columns)


def _with_column(table: Table, column: Column) -> Table:
    return replace(table, columns=tuple(column if c.name == column.name else c for c in table.columns))


# -- the writer, for `inspect` ----------------------------------------------------------------

def sequences_document(catalog: Catalog) -> dict:
    """``sequences:`` of ``catalog`` as a person would write it: only what is not a default."""
    return {_key(s.schema, s.name): _sequence(s) for s in catalog.sequences}


def _sequence(sequence: Sequence) -> dict:
    body: dict[str, Any] = {}
    if sequence.type != "bigint":
        body["as"] = sequence.type
    body.update(options_document(sequence.options, sequence.type))
    if sequence.owned_by:
        body["owned_by"] = f"{sequence.owned_by[1]}.{sequence.owned_by[2]}"
    if sequence.comment is not None:
        body["comment"] = sequence.comment
    return body


def options_document(options: SequenceOptions, type_: str) -> dict:
    """The options that differ from what PostgreSQL would derive from the ones written before."""
    out: dict[str, Any] = {}
    if options.increment != 1:
        out["increment"] = options.increment
    derived = resolve_options(type_, increment=options.increment)
    if options.minimum != derived.minimum:
        out["min"] = options.minimum
    if options.maximum != derived.maximum:
        out["max"] = options.maximum
    derived = resolve_options(type_, increment=options.increment, minimum=options.minimum, maximum=options.maximum)
    if options.start != derived.start:
        out["start"] = options.start
    if options.cache != 1:
        out["cache"] = options.cache
    if options.cycle:
        out["cycle"] = True
    return {key: out[key] for key in OPTION_KEYS if key in out}


def default_document(default: str) -> str:
    """A column default as written in the file: ``nextval('seq')`` without the ``::regclass``."""
    target = normalize.nextval_target(default)
    return normalize.nextval_default(target).replace("::regclass)", ")") if target else default


def identity_document(column: Column) -> Any:
    """``identity:`` of a column: the short form unless it has options."""
    if column.identity_options is None:
        return column.identity
    return {"kind": column.identity, **options_document(column.identity_options, column.type)}


def _key(schema: str, name: str) -> str:
    return name if schema == "public" and "." not in name else f"{schema}.{name}"
