"""Sequences in the plan: their SQL, what they risk and how `check` reports them. A sequence's
position is state: options change with ALTER SEQUENCE (never RESTART), and a drop loses it."""

from __future__ import annotations

from typing import Optional

from ..diff.sequences import AlterSequence, CreateSequence, DropSequence, RenameSequence
from ..model import QualifiedName, Sequence
from ..model.sequences import SequenceOptions, resolve_options
from ..pg.naming import qualify, quote_ident, quote_literal
from . import kinds
from .statements import DESTRUCTIVE, Hazard


def option_items(options: SequenceOptions, base: Optional[SequenceOptions]) -> list[str]:
    """The clauses that set ``options`` where they differ from ``base`` (all when None)."""
    items = []
    for attr, clause in (("increment", "INCREMENT BY {}"), ("minimum", "MINVALUE {}"), ("maximum", "MAXVALUE {}"),
                         ("start", "START WITH {}"), ("cache", "CACHE {}")):
        if base is None or getattr(options, attr) != getattr(base, attr):
            items.append(clause.format(getattr(options, attr)))
    if base is None or options.cycle != base.cycle:
        items.append("CYCLE" if options.cycle else "NO CYCLE")
    return items


def identity_clause(type_: str, options: Optional[SequenceOptions]) -> str:
    """`` (START WITH 1000 INCREMENT BY 5)`` after AS IDENTITY; empty for the defaults."""
    items = option_items(options, resolve_options(type_)) if options else []
    return f" ({' '.join(items)})" if items else ""


def identity_options_sql(table: QualifiedName, column, before) -> list[str]:
    """ALTER COLUMN … SET START WITH …: an identity's options in place, its position kept
    (moved forward first when the new range starts past it, as for sequences)."""
    options = column.identity_options or resolve_options(column.type)
    old = before.identity_options or resolve_options(before.type)
    items = option_items(options, None)
    alter = f"ALTER TABLE {q(table)} ALTER COLUMN {quote_ident(column.name)} " + " ".join(f"SET {i}" for i in items)
    return ([_advance_identity_into_range(table, column.name, options)] if _range_moves_on(old, options) else []) + [alter]


def _range_moves_on(old, new) -> bool:
    """Whether the new range starts past where the old one did (MINVALUE raised, or MAXVALUE
    lowered on a descending sequence): the position may then lie outside it."""
    if (old.increment > 0) != (new.increment > 0):
        return False
    return new.minimum > old.minimum if new.increment > 0 else new.maximum < old.maximum


def _advance_identity_into_range(table: QualifiedName, column: str, options) -> str:
    """A MINVALUE above the identity's position (or a MAXVALUE below it, descending) would make
    the ALTER fail ("RESTART value cannot be less than MINVALUE"): move the position to the
    range's first value, forward only; nothing happens when it is inside the range already."""
    from .render import _identity_sequence

    first, behind = (options.minimum, "<") if options.increment > 0 else (options.maximum, ">")
    return ("DO $schemadiff$ DECLARE seq regclass := " + _identity_sequence(table, column) + "; last bigint; BEGIN\n"
            "  EXECUTE format('SELECT last_value FROM %s', seq) INTO last;\n"
            f"  IF last {behind} {first} THEN PERFORM setval(seq, {first}, false); END IF;\n"
            "END $schemadiff$")


def q(name: QualifiedName) -> str:
    return qualify(name.schema, name.name)


def _owner(sequence: Sequence) -> str:
    if not sequence.owned_by:
        return "NONE"
    schema, table, column = sequence.owned_by
    return f"{qualify(schema, table)}.{quote_ident(column)}"


def _comment(sequence: Sequence) -> str:
    value = "NULL" if sequence.comment is None else quote_literal(sequence.comment)
    return f"COMMENT ON SEQUENCE {q(sequence.qualified)} IS {value}"


def _create(c: CreateSequence) -> list[str]:
    s = c.sequence
    out = [f"CREATE SEQUENCE IF NOT EXISTS {q(s.qualified)} AS {s.type} {' '.join(option_items(s.options, None))}"]
    return out + ([_comment(s)] if s.comment is not None else [])


def _alter(c: AlterSequence) -> list[str]:
    name, out = q(c.to.qualified), []
    items = ([f"AS {c.to.type}"] if c.from_.type != c.to.type else []) + option_items(
        c.to.options, c.from_.options if c.from_.type == c.to.type else None)
    if items:
        out += _advance_into_range(c)
        out.append(f"ALTER SEQUENCE {name} {' '.join(items)}")
    if c.from_.owned_by != c.to.owned_by:
        out.append(f"ALTER SEQUENCE {name} OWNED BY {_owner(c.to)}")
    if c.from_.comment != c.to.comment:
        out.append(_comment(c.to))
    return out


def _advance_into_range(c: AlterSequence) -> list[str]:
    """A range that now starts past the position (MINVALUE raised, or MAXVALUE lowered on a
    descending sequence) would make ALTER SEQUENCE fail: move the position forward to the
    range's first value. Never backward: a position past the new end still fails, as it must."""
    old, new = c.from_.options, c.to.options
    if not _range_moves_on(old, new):
        return []
    first, behind = (new.minimum, "<") if new.increment > 0 else (new.maximum, ">")
    seq = quote_literal(q(c.to.qualified))
    return [f"DO $schemadiff$ BEGIN\n"
            f"  IF (SELECT last_value FROM {q(c.to.qualified)}) {behind} {first} THEN PERFORM setval({seq}, {first}, false); END IF;\n"
            "END $schemadiff$"]


def _drop(c: DropSequence) -> list[str]:
    return [f"DROP SEQUENCE IF EXISTS {q(c.sequence.qualified)}"]


def _rename(c: RenameSequence) -> list[str]:
    return [f"ALTER SEQUENCE IF EXISTS {q(c.old)} RENAME TO {quote_ident(c.new.name)}"]


def _alter_description(c: AlterSequence) -> str:
    return f"alter sequence {c.to.qualified} ({', '.join(c.changed)})"


def _drop_hazards(c: DropSequence) -> tuple:
    return (Hazard(DESTRUCTIVE, "DELETES_DATA", f"drops sequence {c.sequence.qualified} and its position: "
                   "numbering restarts if it is created again"),)


kinds.register(CreateSequence, describe=lambda c: f"create sequence {c.sequence.qualified}", render=_create,
               object=lambda c: str(c.sequence.qualified), severity="critical", kind="sequence", problem="missing")
kinds.register(AlterSequence, describe=_alter_description, render=_alter,
               object=lambda c: str(c.to.qualified), severity="warning", kind="sequence", problem="differs")
kinds.register(DropSequence, describe=lambda c: f"drop sequence {c.sequence.qualified}", render=_drop,
               hazards=_drop_hazards, object=lambda c: str(c.sequence.qualified),
               severity="warning", kind="sequence", problem="extra")
kinds.register(RenameSequence, describe=lambda c: f"rename sequence {c.old} to {c.new.name}", render=_rename,
               object=lambda c: str(c.new), severity="warning", kind="rename", problem="pending")
