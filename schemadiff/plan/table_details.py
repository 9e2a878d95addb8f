"""SQL, locks and hazards of table details (storage parameters, UNLOGGED, REPLICA IDENTITY)
and of generation-expression changes."""

from __future__ import annotations

from dataclasses import replace

from ..diff import changes as ch
from ..diff.table_details import AlterGeneration, DropGeneratedColumn, SetLogged, SetReplicaIdentity, SetStorageParameters
from ..model import Index
from ..pg.naming import quote_ident
from . import kinds
from .render import _comment, _guarded_add_constraint, alter_column_sql, column_definition, index_sql, q, \
    set_storage_sql, storage_parameters_sql
from .statements import DESTRUCTIVE, LOCKING, Hazard

REWRITE_LOCK = "ACCESS EXCLUSIVE (whole rewrite; blocks reads and writes)"
BRIEF_LOCK = "ACCESS EXCLUSIVE (brief; catalog only)"
REWRITE_MESSAGE = "rewrites the table and its indexes under an ACCESS EXCLUSIVE lock that blocks reads and writes until it commits"
# Parameters ALTER TABLE SET/RESET changes under SHARE UPDATE EXCLUSIVE (the others take ACCESS EXCLUSIVE).
_LIGHT_PARAMETERS = ("fillfactor", "autovacuum_", "toast.", "toast_tuple_target", "parallel_workers",
                     "vacuum_", "user_catalog_table", "log_autovacuum_min_duration")


# -- storage parameters --------------------------------------------------------------------------

def _render_parameters(c: SetStorageParameters) -> list[str]:
    out = []
    if c.reset:
        out.append(f"ALTER TABLE {q(c.table)} RESET ({', '.join(c.reset)})")
    if c.set:
        out.append(f"ALTER TABLE {q(c.table)} SET{storage_parameters_sql(c.set)[len(' WITH'):]}")
    return out


def _parameters_lock(c: SetStorageParameters) -> str:
    names = [name for name, _ in c.set] + list(c.reset)
    if all(name.startswith(_LIGHT_PARAMETERS) for name in names):
        return "SHARE UPDATE EXCLUSIVE (brief; catalog only, applies to future writes)"
    return BRIEF_LOCK


def _describe_parameters(c: SetStorageParameters) -> str:
    parts = [f"{name}={value}" for name, value in c.set] + [f"reset {name}" for name in c.reset]
    return f"set storage parameters of table {c.table} ({', '.join(parts)})"


kinds.register(
    SetStorageParameters, describe=_describe_parameters, render=_render_parameters, lock=_parameters_lock,
    object=lambda c: str(c.table), kind="table", problem="differs",
)


# -- UNLOGGED ------------------------------------------------------------------------------------

kinds.register(
    SetLogged,
    describe=lambda c: f"make table {c.table} {'UNLOGGED' if c.unlogged else 'LOGGED'}",
    render=lambda c: [f"ALTER TABLE {q(c.table)} SET {'UNLOGGED' if c.unlogged else 'LOGGED'}"],
    hazards=lambda c: (Hazard(LOCKING, "TABLE_REWRITE", f"SET {'UNLOGGED' if c.unlogged else 'LOGGED'} " + REWRITE_MESSAGE),),
    lock=lambda c: REWRITE_LOCK, object=lambda c: str(c.table), kind="table", problem="differs",
)


# -- REPLICA IDENTITY ----------------------------------------------------------------------------

def _identity_sql(c: SetReplicaIdentity) -> str:
    return f"USING INDEX {quote_ident(c.index)}" if c.identity == "index" else c.identity.upper()


kinds.register(
    SetReplicaIdentity,
    describe=lambda c: f"set replica identity of table {c.table} to {_identity_sql(c).lower()}",
    render=lambda c: [f"ALTER TABLE {q(c.table)} REPLICA IDENTITY {_identity_sql(c)}"],
    lock=lambda c: BRIEF_LOCK, object=lambda c: str(c.table), kind="table", problem="differs",
)


# -- generated columns ---------------------------------------------------------------------------

def _render_generation(c: AlterGeneration) -> list[str]:
    table, col = q(c.table), quote_ident(c.to.name)
    if c.to.generated is None:  # the values stay, as plain values
        rest = ch.AlterColumn(c.table, replace(c.from_, generated=None), c.to)
        return [f"ALTER TABLE {table} ALTER COLUMN {col} DROP EXPRESSION IF EXISTS"] + alter_column_sql(rest)
    if c.in_place:
        rest = ch.AlterColumn(c.table, replace(c.from_, generated=c.to.generated), c.to)
        return [f"ALTER TABLE {table} ALTER COLUMN {col} SET EXPRESSION AS ({c.to.generated})"] + alter_column_sql(rest)
    out = [f"ALTER TABLE {table} DROP COLUMN IF EXISTS {col}",
           f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column_definition(c.to)}"]
    if c.to.comment is not None:
        out.append(_comment("COLUMN", f"{table}.{col}", c.to.comment))
    if c.to.storage:
        out.append(set_storage_sql(c.table, c.to))
    for dependent in c.dependents:  # dropped with the column
        if isinstance(dependent, Index):
            out.append(index_sql(c.table, dependent))
        else:
            out.append(_guarded_add_constraint(c.table, dependent, not getattr(dependent, "validated", True)))
    return out


def _generation_hazards(c: AlterGeneration) -> tuple:
    where = f"{c.table}.{c.to.name}"
    if c.to.generated is None:
        return ()
    if c.in_place:
        return (Hazard(LOCKING, "TABLE_REWRITE", f"SET EXPRESSION recomputes {where}: " + REWRITE_MESSAGE),)
    remade = f"; its indexes and constraints ({', '.join(d.name for d in c.dependents)}) are made again" if c.dependents else ""
    if c.from_.generated is None:
        return (Hazard(DESTRUCTIVE, "DELETES_DATA", f"{where} becomes generated: PostgreSQL cannot do that in place, so the "
                       f"column is dropped with its values and added again, computed by the expression{remade}"),
                Hazard(LOCKING, "TABLE_REWRITE", REWRITE_MESSAGE))
    why = ("a column its expression reads is dropped or retyped first" if c.rebuild
           else "PostgreSQL before 17 has no SET EXPRESSION" if c.server_version else "the server version is unknown")
    return (Hazard(LOCKING, "TABLE_REWRITE", f"{why}: {where} is dropped and added again with the new expression "
                   f"(values are recomputed, none is lost){remade}; " + REWRITE_MESSAGE),)


def _generation_lock(c: AlterGeneration) -> str:
    return BRIEF_LOCK if c.to.generated is None else REWRITE_LOCK


def _describe_generation(c: AlterGeneration) -> str:
    if c.to.generated is None:
        return f"alter column {c.table}.{c.to.name} (no longer generated)"
    how = "SET EXPRESSION" if c.in_place else "drop and re-add"
    return f"alter column {c.table}.{c.to.name} (generated as {c.to.generated}; {how})"


kinds.register(
    AlterGeneration, describe=_describe_generation, render=_render_generation, hazards=_generation_hazards,
    lock=_generation_lock, object=lambda c: f"{c.table}.{c.to.name}", kind="column", problem="differs",
    adapt=lambda c, options: replace(c, server_version=options.server_version),
)


kinds.register(
    DropGeneratedColumn,
    describe=lambda c: f"drop generated column {c.table}.{c.column.name} (added back once its inputs have changed)",
    render=lambda c: [f"ALTER TABLE {q(c.table)} DROP COLUMN IF EXISTS {quote_ident(c.column.name)}"],
    lock=lambda c: BRIEF_LOCK, object=lambda c: f"{c.table}.{c.column.name}", kind="column", problem="differs",
)

