"""Names PostgreSQL would give: unnamed constraints and indexes get its default names (with
its 63-byte truncation and numeric suffixes on collision), and duplicates are refused."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from ..model import CheckConstraint, ExclusionConstraint, ForeignKey, Index, PrimaryKey, Table, UniqueConstraint
from ..pg import naming, normalize
from .reader import Reader

class NamesReader(Reader):
    """Names what the file leaves unnamed, per schema."""

    def names_in(self, schema: str) -> Names:
        return self.names.setdefault(schema, Names())

    def name_objects(self, key: str, table: Table) -> Table:
        """Give unnamed constraints and indexes PostgreSQL's default names, and reject
        duplicates (after PostgreSQL's 63-byte truncation)."""
        names = self.names_in(table.schema)
        path = ("tables", key)
        table_constraints: set = set()

        def claim(obj, kind: str, relation: bool):
            pool = names.relations if relation else names.constraints
            if obj.name in table_constraints or (relation and obj.name in names.relations):
                self.error(path, f"{kind} name {obj.name!r} is used twice in schema {table.schema}")
            table_constraints.add(obj.name)
            pool.add(obj.name)
            names.constraints.add(obj.name)

        def taken(relation: bool):
            return lambda n: n in table_constraints or n in names.constraints or (relation and n in names.relations)

        explicit = [o for o in (*table.constraints, *table.indexes) if o.name]
        for obj in explicit:
            claim(obj, _kind_name(obj), isinstance(obj, (PrimaryKey, UniqueConstraint, ExclusionConstraint, Index)))
        for column in table.columns:
            if column.serial or column.identity:
                names.relations.add(naming.choose_name(table.name, column.name, "seq", lambda n: n in names.relations))

        def named(obj, name2, label, relation):
            if obj.name:
                return obj
            obj = replace(obj, name=naming.choose_name(table.name, name2, label, taken(relation)))
            claim(obj, _kind_name(obj), relation)
            return obj

        pk = named(table.primary_key, None, "pkey", True) if table.primary_key else None
        uniques = tuple(named(u, naming.name_addition(u.columns + u.include), "key", True) for u in table.uniques)
        checks = tuple(named(c, _check_column(c.expression, table), "check", False) for c in table.checks)
        fks = tuple(named(f, naming.name_addition(f.columns), "fkey", False) for f in table.foreign_keys)
        exclusions = tuple(named(x, naming.name_addition([naming.index_key_name(k) for k, _ in x.elements] + list(x.include)),
                                 "excl", True)
                           for x in table.exclusions)
        indexes = tuple(
            named(i, naming.name_addition([naming.index_key_name(k) for k in i.keys + i.include]), "idx", True)
            for i in table.indexes
        )
        if pk is table.primary_key and all(
                all(a is b for a, b in zip(new, old))
                for new, old in ((uniques, table.uniques), (checks, table.checks), (fks, table.foreign_keys),
                                 (exclusions, table.exclusions), (indexes, table.indexes))):
            return table  # everything named in the file already: no copy
        return replace(table, primary_key=pk, uniques=uniques, checks=checks, foreign_keys=fks, indexes=indexes,
                       exclusions=exclusions)


@dataclass
class Names:
    """Names taken in one schema, for PostgreSQL's collision-avoiding name choice."""

    relations: set = field(default_factory=set)
    constraints: set = field(default_factory=set)


def _check_column(expression: str, table: Table) -> Optional[str]:
    """PostgreSQL names a check ``table_column_check`` when it references exactly one
    column, else ``table_check``."""
    toks = normalize.tokens(expression)
    columns = {c.name for c in table.columns}
    used = []
    for i, tok in enumerate(toks):
        name = tok[1:-1].replace('""', '"') if tok.startswith('"') else tok
        follows_call = i + 1 < len(toks) and toks[i + 1] == "("
        if name in columns and not follows_call and name not in used:
            used.append(name)
    return used[0] if len(used) == 1 else None


def _kind_name(obj) -> str:
    return {PrimaryKey: "primary key", UniqueConstraint: "unique constraint", ForeignKey: "foreign key",
            CheckConstraint: "check", Index: "index",
            ExclusionConstraint: "exclusion constraint"}[type(obj)]
