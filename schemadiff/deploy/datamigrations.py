"""Data migrations: numbered SQL files run once, between the additive and the contracting
part of a plan (expand → migrate → contract), or after everything.

Each file ``NNN_description.sql`` declares where it runs in a leading comment::

    -- schemadiff: run=after-additive     (after new tables/columns, before drops and SET NOT NULL)
    -- schemadiff: run=after-all

A file becomes one transactional Statement (kind ``DataMigration``) whose SQL also records the
file and its sha256 in ``schemadiff_data_migrations``, so the data change and its record commit
or roll back together. An applied file whose checksum changed is refused, never rerun.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional, Sequence

from ..diff import changes as ch
from ..errors import SchemadiffError
from ..model import CheckConstraint, ForeignKey, QualifiedName, UniqueConstraint
from ..pg.naming import qualify, quote_literal
from ..plan import DESTRUCTIVE, Plan, PlanOptions, Statement, build_plan
from .tracking import DATA_MIGRATIONS_TABLE as TABLE
from .tracking import SYSTEM_TABLES  # noqa: F401  (also importable from here)
AFTER_ADDITIVE = "after-additive"
AFTER_ALL = "after-all"
RUN_POINTS = (AFTER_ADDITIVE, AFTER_ALL)

_FILE = re.compile(r"^(\d+)_([A-Za-z0-9_.-]+)\.sql$")
_DIRECTIVE = re.compile(r"^--\s*schemadiff:\s*run\s*=\s*([a-z-]+)\s*$")


class DataMigrationError(SchemadiffError):
    """A data-migration file is malformed, or an applied one was changed afterwards."""


@dataclass(frozen=True)
class DataMigration:
    """One data-migration file."""

    filename: str
    sql: str
    run: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory) -> list[DataMigration]:
    """The data-migration files of ``directory`` in number order (none if it does not exist)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise DataMigrationError(f"{path}: data-migration files are named NNN_description.sql")
        sql = path.read_text(encoding="utf-8")
        found.append((int(match.group(1)), path.name, DataMigration(path.name, sql, _run_point(path, sql))))
    numbers = [n for n, _, _ in found]
    dupes = sorted({n for n in numbers if numbers.count(n) > 1})
    if dupes:
        raise DataMigrationError(f"{directory}: more than one data migration numbered {', '.join(map(str, dupes))}")
    return [m for _, _, m in sorted(found)]


def _run_point(path: Path, sql: str) -> str:
    for line in sql.splitlines():
        line = line.strip()
        if not line:
            continue
        if not line.startswith("--"):
            break
        match = _DIRECTIVE.match(line)
        if match:
            if match.group(1) not in RUN_POINTS:
                raise DataMigrationError(f"{path}: run={match.group(1)} is not one of {', '.join(RUN_POINTS)}")
            return match.group(1)
    raise DataMigrationError(f"{path}: declare where it runs in a leading comment, "
                             f"'-- schemadiff: run={AFTER_ADDITIVE}' or '-- schemadiff: run={AFTER_ALL}'")


def create_sql(table: QualifiedName = TABLE) -> str:
    return (f"CREATE TABLE IF NOT EXISTS {qualify(table.schema, table.name)} (\n"
            "    filename   text PRIMARY KEY,\n"
            "    checksum   text NOT NULL,\n"
            "    applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
            "    version    bigint\n"
            ")")


def applied(conn, table: QualifiedName = TABLE) -> dict[str, str]:
    """filename → checksum of the data migrations already run on this database."""
    name = qualify(table.schema, table.name)
    if conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0] is None:
        return {}
    return dict(conn.execute(f"SELECT filename, checksum FROM {name}").fetchall())


def pending(conn, migrations: Sequence[DataMigration], table: QualifiedName = TABLE) -> list[DataMigration]:
    """The migrations not yet run; an applied file whose content changed is an error."""
    done = applied(conn, table)
    changed = [m.filename for m in migrations if m.filename in done and done[m.filename] != m.checksum]
    if changed:
        raise DataMigrationError(
            f"data migration(s) {', '.join(changed)} changed after they were applied (sha256 differs from the one "
            f"recorded in {table}); applied files are never rerun: restore them and put the new work in a new file.")
    return [m for m in migrations if m.filename not in done]


def statement(migration: DataMigration, table: QualifiedName = TABLE) -> Statement:
    """The migration as one transactional statement that also records itself."""
    record = (f"INSERT INTO {qualify(table.schema, table.name)} (filename, checksum)"
              f" VALUES ({quote_literal(migration.filename)}, {quote_literal(migration.checksum)})")
    # The lone ';' ends the file's last statement even when it lacks one or ends in a comment.
    sql = f"{create_sql(table)};\n{migration.sql.rstrip()}\n;\n{record}"
    where = "after the additive changes" if migration.run == AFTER_ADDITIVE else "after all schema changes"
    return Statement(sql, f"data migration {migration.filename} ({where})", (), transactional=True,
                     kind="DataMigration", object=migration.filename)


def contracting(change, all_changes: Sequence) -> bool:
    """Whether a change removes or tightens (and so runs after the data migrations): drops,
    SET NOT NULL, narrowing or lossy type changes, new constraints on existing tables."""
    if isinstance(change, (ch.DropColumn, ch.DropTable, ch.DropEnum, ch.RecreateEnum)):
        return True
    if isinstance(change, ch.AlterColumn):
        tightens = "nullable" in change.changed and not change.to.nullable
        from ..plan import hazards_of

        return tightens or any(h.kind == DESTRUCTIVE for h in hazards_of(change))
    if isinstance(change, ch.AddConstraint):
        return not change.new_table and isinstance(change.constraint, (CheckConstraint, UniqueConstraint, ForeignKey))
    if isinstance(change, (ch.DropConstraint, ch.DropIndex)):
        # A drop that makes room for a same-named replacement goes wherever the replacement goes.
        replacement = _replacement(change, all_changes)
        return contracting(replacement, all_changes) if replacement is not None else True
    return False


def _removes(change, all_changes: Sequence) -> bool:
    if isinstance(change, (ch.DropConstraint, ch.DropIndex)):
        return _replacement(change, all_changes) is None
    return isinstance(change, (ch.DropColumn, ch.DropTable, ch.DropEnum, ch.RecreateEnum))


def _replacement(change, all_changes: Sequence):
    if isinstance(change, ch.DropConstraint):
        return next((c for c in all_changes if isinstance(c, ch.AddConstraint) and c.table == change.table
                     and c.constraint.name == change.constraint.name), None)
    return next((c for c in all_changes if isinstance(c, ch.AddIndex) and c.table == change.table
                 and c.index.name == change.index.name), None)


def weave(conn, plan: Plan, migrations: Sequence[DataMigration], options: PlanOptions = PlanOptions(),
          table: QualifiedName = TABLE) -> Plan:
    """``plan`` with the pending data migrations in place: additive statements, then the
    after-additive migrations, then the contracting statements, then the after-all ones.
    Without pending migrations the plan is returned unchanged."""
    todo = pending(conn, migrations, table)
    if not todo:
        return plan
    changes = [part for change in plan.changes for part in _expand(change)]
    additive = [c for c in changes if not contracting(c, changes)]
    # Tighten before removing: if a check the migration should have satisfied fails (online
    # mode validates in a transaction of its own), the old column or table is still there.
    tightening = [c for c in changes if contracting(c, changes) and not _removes(c, changes)]
    removing = [c for c in changes if contracting(c, changes) and _removes(c, changes)]
    statements = (list(build_plan(additive, options).statements)
                  + [statement(m, table) for m in todo if m.run == AFTER_ADDITIVE]
                  + list(build_plan(tightening, options).statements)
                  + list(build_plan(removing, options).statements)
                  + [statement(m, table) for m in todo if m.run == AFTER_ALL])
    return replace(plan, statements=tuple(statements))


def _expand(change) -> list:
    """A NOT NULL column without a default cannot be added to a table with rows before the
    migration fills it: add it nullable, and set NOT NULL in the contracting part."""
    if isinstance(change, ch.AddColumn) and not change.column.nullable and change.column.default is None \
            and not change.column.serial and not change.column.identity:
        loose = replace(change.column, nullable=True)
        return [ch.AddColumn(change.table, loose), ch.AlterColumn(change.table, loose, change.column)]
    return [change]


def stamp(conn, version: Optional[int], table: QualifiedName = TABLE) -> None:
    """Write the schemadiff version number onto the data migrations the apply just ran."""
    name = qualify(table.schema, table.name)
    if version is None or conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0] is None:
        return
    conn.execute(f"UPDATE {name} SET version = %s WHERE version IS NULL", (version,))
