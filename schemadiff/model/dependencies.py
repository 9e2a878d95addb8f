"""What a view, materialized view, trigger, policy or function depends on, as the live catalog
records it (pg_depend): the planner uses it to drop and re-create dependents around a change
PostgreSQL refuses while they exist, and to order drops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

# what: 'relation' (a table, view or materialized view), 'column' (of relation schema.name),
# 'function' (name is the identity signature, ``name(integer, text)``), 'type', 'sequence'.
REFERENCE_KINDS = ("relation", "column", "function", "type", "sequence")


@dataclass(frozen=True, order=True)
class Reference:
    what: str
    schema: str
    name: str
    column: Optional[str] = None

    def touches(self, what: str, schema: str, name: str, column: Optional[str] = None) -> bool:
        """Whether a change to (what, schema, name[, column]) reaches this reference: a change
        to a whole relation reaches the references to its columns and to its row type too."""
        if (self.schema, self.name) != (schema, name):
            return False
        if what == "relation":
            return self.what in ("relation", "column", "type")
        return self.what == what and (column is None or self.column == column)


def references_from_rows(rows) -> tuple[Reference, ...]:
    """References from the JSON arrays the catalog queries give: [what, schema, name, column]."""
    return tuple(sorted({Reference(r[0], r[1], r[2], r[3] if len(r) > 3 else None) for r in rows or ()}))
