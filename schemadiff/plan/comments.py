"""SQL of comments on schemas, indexes and constraints (enum comments are SetTypeComment, see
plan/user_types.py). COMMENT ON is idempotent by itself: run twice, it sets the same text."""

from __future__ import annotations

from ..diff.comments import SetConstraintComment, SetIndexComment, SetSchemaComment
from ..pg.naming import qualify, quote_ident
from . import kinds
from .hazards import SHARE_UPDATE_EXCLUSIVE
from .render import _comment, q

_AS_CHECK = {"kind": "comment", "severity": "warning", "problem": "differs"}

kinds.register(
    SetSchemaComment, describe=lambda c: f"set comment on schema {c.schema}",
    render=lambda c: [_comment("SCHEMA", quote_ident(c.schema), c.comment)], object=lambda c: c.schema, **_AS_CHECK,
)

kinds.register(
    SetIndexComment, describe=lambda c: f"set comment on index {c.index} on {c.table}",
    render=lambda c: [_comment("INDEX", qualify(c.table.schema, c.index), c.comment)],
    lock=lambda c: f"{SHARE_UPDATE_EXCLUSIVE} on the index (brief)", object=lambda c: f"{c.table}.{c.index}", **_AS_CHECK,
)

kinds.register(
    SetConstraintComment, describe=lambda c: f"set comment on constraint {c.constraint} on {c.table}",
    render=lambda c: [_comment("CONSTRAINT", f"{quote_ident(c.constraint)} ON {q(c.table)}", c.comment)],
    lock=lambda c: f"{SHARE_UPDATE_EXCLUSIVE} (brief)", object=lambda c: f"{c.table}.{c.constraint}", **_AS_CHECK,
)
