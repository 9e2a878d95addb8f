"""Comments on schemas, enums, indexes and constraints. A comment never rebuilds its object:
it is set in place when it differs, and set again after the plan creates (or re-creates) the
object, which then has none. Comments on tables, columns and the other types go with their
kind's own changes. No SQL here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..model import Catalog, QualifiedName, Table
from .changes import AddConstraint, AddIndex, CreateEnum, RecreateEnum
from .keyed import _by_name, _old_name, match_renames
from .table_details import AlterGeneration


@dataclass(frozen=True)
class SetSchemaComment:
    """Set or clear a schema's comment."""
    schema: str
    comment: Optional[str]


@dataclass(frozen=True)
class SetIndexComment:
    """Set or clear an index's comment."""
    table: QualifiedName
    index: str
    comment: Optional[str]


@dataclass(frozen=True)
class SetConstraintComment:
    """Set or clear a constraint's comment (COMMENT ON CONSTRAINT … ON table)."""
    table: QualifiedName
    constraint: str
    comment: Optional[str]


def _differs(a: Optional[str], b: Optional[str]) -> bool:
    return (a or None) != (b or None)


def diff_schema_comments(current: Catalog, desired: Catalog) -> list:
    """The comment of each schema the file declares (a new schema has none)."""
    return [SetSchemaComment(s, desired.schema_comment(s)) for s in desired.schemas
            if _differs(current.schema_comment(s) if s in current.schemas else None, desired.schema_comment(s))]


def diff_enum_comments(current: Catalog, desired: Catalog, changes: list) -> list:
    """Enum comments; a created or rebuilt enum starts without one."""
    made = {c.enum.qualified for c in changes if isinstance(c, CreateEnum)}
    made |= {c.to.qualified for c in changes if isinstance(c, RecreateEnum)}
    cur, _ = match_renames(current.enum_map(), desired.enum_map(),
                           lambda key, e: QualifiedName(key.schema, e.renamed_from) if e.renamed_from else None)
    out = []
    for key, enum in desired.enum_map().items():
        before = None if key in made or key not in cur else cur[key].comment
        if _differs(before, enum.comment):
            from .user_types import SetTypeComment  # the types' differ only when a comment changes

            out.append(SetTypeComment("TYPE", key, enum.comment))
    return out


def diff_table_comments(current: Optional[Table], desired: Table, changes: list) -> list:
    """Comments on the indexes and constraints of ``desired`` (``current`` None: a new table);
    ``changes``: the table's other changes, whose AddIndex and AddConstraint make objects anew."""
    key = desired.qualified
    made_indexes = {c.index.name for c in changes if isinstance(c, AddIndex) and c.table == key}
    made_constraints = {c.constraint.name for c in changes if isinstance(c, AddConstraint) and c.table == key}
    for c in changes:  # a column dropped and added again takes its indexes and constraints along
        if isinstance(c, AlterGeneration) and c.to.generated is not None:
            made_indexes |= {d.name for d in c.dependents}
            made_constraints |= {d.name for d in c.dependents}
    out: list = []
    have = _current(current.indexes if current else (), desired.indexes)
    for index in desired.indexes:
        before = None if index.name in made_indexes or index.name not in have else have[index.name].comment
        if _differs(before, index.comment):
            out.append(SetIndexComment(key, index.name, index.comment))
    have = _current(current.constraints if current else (), desired.constraints)
    for constraint in desired.constraints:
        made = constraint.name in made_constraints or constraint.name not in have
        before = None if made else have[constraint.name].comment
        if _differs(before, constraint.comment):
            out.append(SetConstraintComment(key, constraint.name, constraint.comment))
    return out


def _current(current, desired) -> dict:
    """``current`` by the names ``desired`` gives them (renames followed)."""
    return match_renames(_by_name(current), _by_name(desired), _old_name)[0]
