"""Rules that read a diff: risky changes to existing tables (SD001, SD004, SD005, SD011–SD013),
backward-incompatible ones (SD010), data loss with a rule of its own (SD002, SD003, SD007,
SD014), and what new tables and keys should not start with (SD015, SD016)."""

from __future__ import annotations

import re
from typing import Iterable, Optional

from ...diff import changes as ch
from ...model import ForeignKey, PrimaryKey, UniqueConstraint
from ...pg.normalize import nextval_target
from ...pg.type_changes import type_change_kind
from ..hazards import _volatile as volatile_default
from .rules import Raw


def findings_of(c, online: bool) -> Iterable[Raw]:
    """(rule, table, object, message) of the rules that read one change."""
    for rules in (_additions, _losses, _alterations, _renames, _new_objects):
        yield from rules(c, online)


def _additions(c, online: bool) -> Iterable[Raw]:
    if isinstance(c, ch.AddColumn):
        column, where = c.column, f"{c.table}.{c.column.name}"
        if not column.nullable and column.default is None and not column.serial and not column.identity:
            yield "SD001", str(c.table), column.name, f"column {where} is added NOT NULL without a default: the statement fails if the table has rows"
        fills = "a volatile default" if column.default is not None and volatile_default(column.default) else \
            "values from a sequence" if column.serial or column.identity else None
        if fills:
            yield "SD011", str(c.table), column.name, f"column {where} is added with {fills}: PostgreSQL computes it for every row, rewriting {c.table} under an ACCESS EXCLUSIVE lock"
    elif isinstance(c, ch.AddIndex) and not c.new_table and not online:
        yield "SD005", str(c.table), c.index.name, f"index {c.index.name} is built inside the transaction, blocking writes to {c.table} until it commits"
    elif isinstance(c, ch.AddConstraint) and not c.new_table and isinstance(c.constraint, (PrimaryKey, UniqueConstraint)):
        word = "primary key" if isinstance(c.constraint, PrimaryKey) else "unique constraint"
        yield "SD013", str(c.table), c.constraint.name, (
            f"{word} {c.constraint.name} on {c.table}({', '.join(c.constraint.columns)}) builds its index under an "
            "ACCESS EXCLUSIVE lock that blocks reads and writes until it commits")


def _losses(c, online: bool) -> Iterable[Raw]:
    if isinstance(c, ch.DropColumn):
        yield "SD002", str(c.table), c.column.name, f"column {c.table}.{c.column.name} is dropped with its values; running code that still uses it breaks"
    elif isinstance(c, ch.DropTable):
        yield "SD003", str(c.table.qualified), None, f"table {c.table.qualified} is dropped with all its rows"
    elif isinstance(c, ch.RecreateEnum):
        removed = [v for v in c.from_.values if v not in c.to.values]
        yield "SD014", str(c.to.qualified), None, (
            f"enum {c.to.qualified} loses label(s) {', '.join(removed)}: the rebuild fails on rows holding them, "
            "and running code that writes them breaks")


def _alterations(c, online: bool) -> Iterable[Raw]:
    if not isinstance(c, ch.AlterColumn):
        return
    where = f"{c.table}.{c.to.name}"
    if "type" in c.changed:
        if _varchar_narrowed(c.from_.type, c.to.type):
            yield "SD007", str(c.table), c.to.name, f"column {where} narrows {c.from_.type} → {c.to.type}; longer values make the change fail, and the table is rewritten under an ACCESS EXCLUSIVE lock"
        elif type_change_kind(c.from_.type, c.to.type) != "binary":
            yield "SD004", str(c.table), c.to.name, f"column {where} changes {c.from_.type} → {c.to.type}, which rewrites the table under an ACCESS EXCLUSIVE lock"
    # The planner's online path proves NOT NULL with a CHECK only when nothing else changes.
    if "nullable" in c.changed and not c.to.nullable and not (online and c.changed == ("nullable",)):
        yield "SD012", str(c.table), c.to.name, f"SET NOT NULL on {where} scans the whole table for NULLs under an ACCESS EXCLUSIVE lock that blocks reads and writes"


def _renames(c, online: bool) -> Iterable[Raw]:
    if isinstance(c, ch.RenameColumn):
        yield "SD010", str(c.table), c.new, (
            f"column {c.table}.{c.old} is renamed to {c.new}: running code that still reads or writes "
            f"{c.old} breaks the moment the rename commits")
    elif isinstance(c, ch.RenameTable):
        yield "SD010", str(c.new), None, (
            f"table {c.old} is renamed to {c.new.name}: running code that still uses {c.old.name} breaks "
            "the moment the rename commits")


def _new_objects(c, online: bool) -> Iterable[Raw]:
    if isinstance(c, ch.CreateTable):
        column = _sequence_fed_integer_key(c.table)
        if column is not None:
            name = c.table.qualified
            yield "SD015", str(name), column.name, (
                f"primary key {name}.{column.name} is {column.type} fed by a sequence: it runs out after "
                f"{'32,767' if column.type == 'smallint' else '2,147,483,647'} rows and inserts fail")
    elif isinstance(c, ch.AddConstraint) and isinstance(c.constraint, ForeignKey):
        fk = c.constraint
        if fk.on_delete == "no action" and fk.ref_table != c.table and is_child_of(c.table.name, fk.ref_table.name):
            yield "SD016", str(c.table), fk.name, (
                f"{c.table} looks like a child of {fk.ref_table} (its name starts with the parent's), but foreign key "
                f"{fk.name} says nothing on delete: deleting a row of {fk.ref_table.name} fails while {c.table.name} rows point to it")


def _sequence_fed_integer_key(table) -> Optional[object]:
    """The single integer primary key column a sequence fills (serial, identity, nextval), if any:
    a natural integer key (a year, a code) does not grow with the row count."""
    if table.primary_key is None or len(table.primary_key.columns) != 1:
        return None
    column = next((col for col in table.columns if col.name == table.primary_key.columns[0]), None)
    if column is None or column.type not in ("integer", "smallint"):
        return None
    fed = column.serial or column.identity or nextval_target(column.default) is not None
    return column if fed else None


def singular_forms(name: str) -> set[str]:
    """``orders`` → {orders, order}; ``categories`` → {categories, category}; ``addresses`` → {…, address}."""
    forms = {name}
    if name.endswith("ies"):
        forms.add(name[:-3] + "y")
    if name.endswith("es"):
        forms.add(name[:-2])
    if name.endswith("s"):
        forms.add(name[:-1])
    return forms


def is_child_of(child: str, parent: str) -> bool:
    """Whether table ``child`` is named as a part of ``parent``: ``order_items`` of ``orders``,
    ``invoice_lines`` of ``invoices``, ``user_roles`` of ``users``."""
    return any(form and child.startswith(form + "_") for form in singular_forms(parent))


def _varchar_length(type_: str) -> Optional[float]:
    if type_ == "text" or type_ == "character varying":
        return float("inf")
    match = re.fullmatch(r"character varying\((\d+)\)", type_)
    return float(match.group(1)) if match else None


def _varchar_narrowed(old: str, new: str) -> bool:
    before, after = _varchar_length(old), _varchar_length(new)
    return before is not None and after is not None and after < before and new.startswith("character varying")
