"""Foreign keys across the file: unqualified references resolved, referenced columns defaulted
to the primary key, and the target checked to exist and be unique."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from ..model import ForeignKey, QualifiedName, Table
from ..pg.naming import index_key_column
from .reader import Reader, did_you_mean, split_qualified

class ReferencesReader(Reader):
    """Resolves foreign keys once every table is read."""

    def resolve_foreign_keys(self, tables: list[Table]) -> list[Table]:
        """Resolve unqualified references (same schema first, then public), default the
        referenced columns to the primary key, and check that the target exists and is unique."""
        by_name = {t.qualified: t for t in tables}
        out = []
        for table in tables:
            fks = []
            for i, fk in enumerate(table.foreign_keys):
                path = ("tables", self.key_of(table), "foreign_keys", i, "references")
                resolved = self.resolve_one(fk, table, by_name, path)
                fks.append(resolved or fk)
            out.append(replace(table, foreign_keys=tuple(fks)) if fks else table)
        return out

    def resolve_one(self, fk: ForeignKey, table: Table, by_name: dict, path: tuple) -> Optional[ForeignKey]:
        ref = fk.ref_table
        if ref.schema.startswith("?"):
            local = QualifiedName(ref.schema[1:], ref.name)
            ref = local if local in by_name else QualifiedName("public", ref.name)
        target = by_name.get(ref)
        if target is None:
            self.error(path, f"foreign key {fk.name} of {table.qualified} references table {ref}, which the file does not declare{did_you_mean(ref.name, {t.name for t in by_name.values()})}")
            return None
        ref_columns = fk.ref_columns or (target.primary_key.columns if target.primary_key else ())
        if not ref_columns:
            self.error(path, f"foreign key {fk.name} references {ref}, which has no primary key; name the referenced columns")
            return None
        self.require_columns(ref_columns, {c.name for c in target.columns}, path, f"foreign key {fk.name}")
        if len(ref_columns) != len(fk.columns):
            self.error(path, f"foreign key {fk.name} has {len(fk.columns)} column(s) but references {len(ref_columns)}")
        elif not _is_unique_key(target, ref_columns):
            deferrable = " (PostgreSQL refuses a DEFERRABLE one as a target)" if _is_unique_key(target, ref_columns, True) else ""
            self.error(path, f"foreign key {fk.name} references {ref}({', '.join(ref_columns)}), which is not its primary key or a unique constraint{deferrable}")
        return replace(fk, ref_table=ref, ref_columns=tuple(ref_columns))

    def key_of(self, table: Table) -> str:
        """The file's key for ``table``: the first key naming it, as ``schema.name`` or bare."""
        if self._keys is None:  # indexed once: a scan per foreign key is quadratic in big files
            self._keys = qualified, bare = {}, {}
            for i, key in enumerate(self.source.data.get("tables", {})):
                qualified.setdefault(split_qualified(key), (i, key))
                bare.setdefault(key, (i, key))
        qualified, bare = self._keys
        found = [c for c in (qualified.get((table.schema, table.name)), bare.get(table.name)) if c]
        return min(found)[1] if found else table.name


def _is_unique_key(table: Table, columns: tuple, deferrable_too: bool = False) -> bool:
    wanted = set(columns)
    keys = [table.primary_key.columns] if table.primary_key and (deferrable_too or not table.primary_key.deferrable) else []
    keys += [u.columns for u in table.uniques if deferrable_too or not u.deferrable]
    keys += [[index_key_column(k) for k in i.keys] for i in table.indexes if i.unique and not i.where]
    return any(set(k) == wanted for k in keys)
