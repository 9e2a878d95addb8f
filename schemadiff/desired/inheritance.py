"""A table's ``inherits:`` (``CREATE TABLE … INHERITS (parent, …)``): the parents, named like
tables (schema-qualified when not in public), each declared in the file. A child lists only
its own columns and checks; those of its parents are inherited."""

from __future__ import annotations

from typing import Any

from ..model import QualifiedName, Table
from ..pg import naming
from .reader import Reader, did_you_mean, split_qualified


class InheritanceReader(Reader):
    """Reads ``inherits:`` and checks the inheritance graph once every table is read."""

    def inherits(self, value: Any, path: tuple) -> tuple[QualifiedName, ...]:
        if value is None:
            return ()
        names = self.name_list(value, path, "inherits")
        out = []
        for name in names:
            schema, table = split_qualified(name)
            parent = QualifiedName(schema, naming.truncate_identifier(table))
            if parent in out:
                self.error(path, f"inherits names {parent} twice")
                continue
            out.append(parent)
        return tuple(out)

    def inherited_column_names(self, value: Any) -> set:
        """Column names a table gets from the parents ``value`` names, read from the file's
        text (the parents may come later in it), so keys and indexes may name them."""
        bodies = self._table_bodies()
        names: set = set()
        todo, seen = list(self.inherits_quietly(value)), set()
        while todo:
            parent = todo.pop()
            body = bodies.get(parent)
            if parent in seen or not isinstance(body, dict):
                continue
            seen.add(parent)
            if isinstance(body.get("columns"), dict):
                names |= {naming.truncate_identifier(str(c)) for c in body["columns"]}
            todo += self.inherits_quietly(body.get("inherits"))
        return names

    @staticmethod
    def inherits_quietly(value: Any) -> list:
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        return [QualifiedName(*split_qualified(str(i))) for i in items if isinstance(i, str)]

    def _table_bodies(self) -> dict:
        spec = self.source.data.get("tables") if isinstance(self.source.data, dict) else None
        out = {}
        for key, body in (spec or {}).items() if isinstance(spec, dict) else ():
            schema, name = split_qualified(key)
            if isinstance(body, dict) and body.get("schema") is not None:
                schema, name = str(body["schema"]), str(key)
            out[QualifiedName(schema, naming.truncate_identifier(name))] = body
        return out

    def check_inheritance(self, tables: list[Table]) -> None:
        """Each parent declared, an ordinary table, and no table its own ancestor."""
        by_name = {t.qualified: t for t in tables}
        for table in tables:
            if not table.inherits:
                continue
            path = ("tables", self.key_of(table), "inherits")
            if table.partition_by:
                self.error(path, f"{table.qualified} is partitioned; PostgreSQL refuses a partitioned table as an inheritance child")
            for parent in table.inherits:
                target = by_name.get(parent)
                if target is None:
                    self.error(path, f"{table.qualified} inherits {parent}, which the file does not declare"
                                     f"{did_you_mean(parent.name, {t.name for t in tables})}")
                elif target.partition_by:
                    self.error(path, f"{table.qualified} inherits {parent}, a partitioned table: declare it as a partition instead")
            if _is_own_ancestor(table.qualified, by_name):
                self.error(path, f"{table.qualified} would inherit from itself (the inherits: chain loops)")


def _is_own_ancestor(start: QualifiedName, by_name: dict) -> bool:
    todo, seen = list(by_name[start].inherits), set()
    while todo:
        parent = todo.pop()
        if parent == start:
            return True
        if parent in seen or parent not in by_name:
            continue
        seen.add(parent)
        todo += by_name[parent].inherits
    return False

