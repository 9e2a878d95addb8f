"""How the planner runs partitioning changes: CREATE TABLE … PARTITION OF, ATTACH and DETACH
(CONCURRENTLY where PostgreSQL allows it), DROP of a partition (it deletes rows), the refusal
of a changed partition key, and indexes on a partitioned table built partition by partition:
PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY on a partitioned table, so the online path
is CREATE INDEX … ON ONLY parent (invalid, instant), CREATE INDEX CONCURRENTLY on each
partition, then ALTER INDEX … ATTACH PARTITION, which makes the parent's index valid."""

from __future__ import annotations

from dataclasses import replace
from ..diff import partitions as pc
from ..model import QualifiedName, Table
from ..model.partitions import Partition
from ..pg.naming import make_object_name, qualify, quote_ident, quote_literal
from . import kinds
from .hazards import ACCESS_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE
from .render import _comment, _guarded_add_constraint, constraint_definition, index_sql, q, storage_parameters_sql
from .statements import DESTRUCTIVE, LOCKING, Hazard, Statement


def partition_clause(table: Table) -> str:
    """What CREATE TABLE of a partitioned table ends with."""
    return f" PARTITION BY {table.partition_by}" if table.partition_by else ""


# -- SQL --------------------------------------------------------------------------------------

def create_partition_sql(parent: QualifiedName, partition: Partition) -> list[str]:
    name = q(partition.qualified)
    out = [f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {q(parent)}{_own_elements(partition)} {partition.bound}"
           + (f" PARTITION BY {partition.partition_by}" if partition.partition_by else "")
           + storage_parameters_sql(partition.parameters)]
    if partition.comment is not None:
        out.append(_comment("TABLE", name, partition.comment))
    out += [index_sql(partition.qualified, index) for index in partition.indexes]  # a new partition is empty
    if not partition.partitions_external:
        for child in partition.partitions:
            out += create_partition_sql(partition.qualified, child)
    return out


def _own_elements(partition: Partition) -> str:
    """`` (props DEFAULT '{}', kind NOT NULL, CONSTRAINT small CHECK (…))``: what it has of its own."""
    elements = [quote_ident(c.name) + (f" DEFAULT {c.default}" if c.default is not None else "")
                + (" NOT NULL" if c.not_null else "") for c in partition.columns]
    elements += [constraint_definition(check) for check in partition.checks]
    return f" ({', '.join(elements)})" if elements else ""


def set_partition_column_sql(c: pc.SetPartitionColumn) -> list[str]:
    alter = f"ALTER TABLE {q(c.partition)} ALTER COLUMN {quote_ident(c.to.name)}"
    out = []
    if "default" in c.changed:
        default = c.to.default if c.to.default is not None else c.parent_default
        out.append(f"{alter} SET DEFAULT {default}" if default is not None else f"{alter} DROP DEFAULT")
    if "nullable" in c.changed:
        out.append(f"{alter} {'SET' if c.to.not_null else 'DROP'} NOT NULL")
    return out


def _is_partition_of(parent: QualifiedName, child: QualifiedName) -> str:
    return (f"EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass({quote_literal(q(child))})"
            f" AND inhparent = {quote_literal(q(parent))}::regclass)")


def attach_sql(c: pc.AttachPartition) -> list[str]:
    name = q(c.partition.qualified)
    return [
        "DO $schemadiff$ BEGIN\n"
        f"  IF NOT {_is_partition_of(c.parent, c.partition.qualified)} THEN\n"
        f"    ALTER TABLE {q(c.parent)} ATTACH PARTITION {name} {c.partition.bound};\n"
        "  END IF;\n"
        "END $schemadiff$",
        _comment("TABLE", name, c.partition.comment),
    ]


def detach_sql(c: pc.DetachPartition) -> list[str]:
    name = q(c.partition.qualified)
    if c.concurrently:  # no DO block: CONCURRENTLY cannot run inside one
        return [f"ALTER TABLE {q(c.parent)} DETACH PARTITION {name} CONCURRENTLY"]
    return ["DO $schemadiff$ BEGIN\n"
            f"  IF {_is_partition_of(c.parent, c.partition.qualified)} THEN\n"
            f"    ALTER TABLE {q(c.parent)} DETACH PARTITION {name};\n"
            "  END IF;\n"
            "END $schemadiff$"]


def refuse_sql(c: pc.RepartitionRefused) -> list[str]:
    message = f"schemadiff: {_refusal(c)}"
    return ["DO $schemadiff$ BEGIN\n"
            f"  RAISE EXCEPTION '%', {quote_literal(message)};\n"
            "END $schemadiff$"]


def _refusal(c: pc.RepartitionRefused) -> str:
    def spelled(key):
        return f"PARTITION BY {key}" if key else "no partitioning"
    return (f"the partitioning of {c.table} changes from {spelled(c.from_)} to {spelled(c.to)}, which PostgreSQL "
            "cannot do in place; it takes a new table and a data migration (create it under another name, "
            "copy the rows, swap the names)")


def child_index_name(partition: Partition, index_name: str) -> str:
    return make_object_name(partition.name, index_name, None)


def partitioned_index_statements(c: pc.AddPartitionedIndex, options) -> list[Statement]:
    """ON ONLY the parent, CONCURRENTLY on each leaf, ATTACH bottom-up: no long lock on the parent."""
    description = f"create index {c.index.name} on partitioned table {c.table}"
    obj = f"{c.table}.{c.index.name}"
    kind = "AddIndex"
    if not options.online:
        return [Statement(index_sql(c.table, c.index), description, hazards_of(c), kind=kind, object=obj, lock=lock_of(c))]
    out = [Statement(_on_only(c.table, c.index), description + ": ON ONLY the parent (invalid until every partition has it)",
                     (), kind=kind, object=obj, lock=f"SHARE on {c.table} (brief; the parent holds no rows)")]

    def build(parent: QualifiedName, parent_index: QualifiedName, partitions: tuple):
        for p in partitions:
            child = replace(c.index, name=child_index_name(p, c.index.name))
            child_q = QualifiedName(p.schema, child.name)
            if p.partition_by:
                out.append(Statement(_on_only(p.qualified, child), f"{description}: ON ONLY partition {p.qualified}",
                                     (), kind=kind, object=obj, lock=f"SHARE on {p.qualified} (brief)"))
                build(p.qualified, child_q, p.partitions)
            else:
                out.append(Statement(
                    index_sql(p.qualified, child, concurrently=True), f"{description}: build on partition {p.qualified}",
                    (Hazard(LOCKING, "INDEX_BUILD", f"builds the index CONCURRENTLY on partition {p.qualified} under a "
                            f"{SHARE_UPDATE_EXCLUSIVE} lock: reads and writes continue"),),
                    transactional=False, kind=kind, object=obj, builds_index=child_q,
                    lock=f"{SHARE_UPDATE_EXCLUSIVE} on {p.qualified} (whole build; writes continue)"))
            out.append(Statement(f"ALTER INDEX {q(parent_index)} ATTACH PARTITION {q(child_q)}",
                                 f"{description}: attach the index of partition {p.qualified}", (), kind=kind,
                                 object=obj, lock=f"{SHARE_UPDATE_EXCLUSIVE} (brief; catalog only)"))

    build(c.table, QualifiedName(c.table.schema, c.index.name), c.partitions)
    return out


def _on_only(table: QualifiedName, index) -> str:
    return index_sql(table, index).replace(f" ON {q(table)}", f" ON ONLY {q(table)}", 1)


def detach_statements(c: pc.DetachPartition, options) -> list[Statement]:
    sql = detach_sql(c)[0]
    return [Statement(sql, describe(c), hazards_of(c), transactional=not c.concurrently, kind="DetachPartition",
                      object=str(c.partition.qualified), lock=lock_of(c))]


# -- what each change reads, risks and locks ---------------------------------------------------

def describe(c) -> str:
    if isinstance(c, pc.CreatePartition):
        return f"create partition {c.partition.qualified} of {c.parent}"
    if isinstance(c, pc.DropPartition):
        return f"drop partition {c.partition.qualified} of {c.parent}"
    if isinstance(c, pc.AttachPartition):
        return f"attach {c.partition.qualified} to {c.parent} as partition {c.partition.bound}"
    if isinstance(c, pc.DetachPartition):
        return f"detach partition {c.partition.qualified} from {c.parent}" + (" (CONCURRENTLY)" if c.concurrently else "")
    if isinstance(c, pc.RepartitionRefused):
        return f"change the partition key of {c.table} (refused)"
    if isinstance(c, pc.SetPartitionColumn):
        return f"set the own {' and '.join(c.changed).replace('nullable', 'NOT NULL')} of column {c.to.name} on partition {c.partition}"
    if isinstance(c, pc.AddPartitionedIndex):
        return f"create index {c.index.name} on partitioned table {c.table}"
    if isinstance(c, pc.DropPartitionedIndex):
        return f"drop index {c.index.name} on partitioned table {c.table}"
    return f"add foreign key {c.constraint.name} on partitioned table {c.table}"


def hazards_of(c) -> tuple:
    if isinstance(c, pc.DropPartition):
        return (Hazard(DESTRUCTIVE, "DELETES_DATA", f"drops partition {c.partition.qualified} of {c.parent} and all its rows"),)
    if isinstance(c, pc.RepartitionRefused):
        return (Hazard(DESTRUCTIVE, "REPARTITION", _refusal(c) + "; this statement raises an error"),)
    if isinstance(c, pc.CreatePartition) and c.scans_default:
        return (Hazard(LOCKING, "DEFAULT_PARTITION_SCAN", f"scans the DEFAULT partition of {c.parent} for rows of the new "
                       f"bound under an {ACCESS_EXCLUSIVE} lock on it; fails if it holds any"),)
    if isinstance(c, pc.AttachPartition):
        return (Hazard(LOCKING, "VALIDATE_SCAN", f"scans {c.partition.qualified} to prove its rows fit the bound (and the "
                       f"DEFAULT partition, if any) under an {ACCESS_EXCLUSIVE} lock on it; {c.parent} keeps a "
                       f"{SHARE_UPDATE_EXCLUSIVE} lock: reads and writes continue"),)
    if isinstance(c, pc.AddPartitionedIndex):
        return (Hazard(LOCKING, "INDEX_BUILD", f"builds the index on every partition of {c.table} in one transaction "
                       "under SHARE locks: blocks writes until it commits"),)
    if isinstance(c, pc.SetPartitionColumn) and "nullable" in c.changed and c.to.not_null:
        return (Hazard(LOCKING, "VALIDATE_SCAN", f"SET NOT NULL scans partition {c.partition} under an {ACCESS_EXCLUSIVE} "
                       "lock, which blocks reads and writes of it"),)
    if isinstance(c, pc.AddPartitionedForeignKey):
        return (Hazard(LOCKING, "VALIDATE_SCAN", "PostgreSQL cannot add a foreign key NOT VALID to a partitioned table: "
                       "it checks every partition's rows while holding SHARE ROW EXCLUSIVE, which blocks writes"),)
    return ()


def lock_of(c) -> str:
    if isinstance(c, pc.CreatePartition):
        if c.new_table:
            return ""
        return f"{ACCESS_EXCLUSIVE} on {c.parent} ({'while it scans the DEFAULT partition' if c.scans_default else 'brief; catalog only'})"
    if isinstance(c, pc.DropPartition):
        return f"{ACCESS_EXCLUSIVE} on {c.parent} (brief; catalog only)"
    if isinstance(c, pc.AttachPartition):
        return f"{SHARE_UPDATE_EXCLUSIVE} on {c.parent}; {ACCESS_EXCLUSIVE} on the partition while it scans"
    if isinstance(c, pc.DetachPartition):
        return (f"{SHARE_UPDATE_EXCLUSIVE} on {c.parent} (CONCURRENTLY; writes continue)" if c.concurrently
                else f"{ACCESS_EXCLUSIVE} on {c.parent} (brief; catalog only)")
    if isinstance(c, pc.SetPartitionColumn):
        return f"{ACCESS_EXCLUSIVE} on {c.partition}" + (" (while it scans)" if c.to.not_null and "nullable" in c.changed else " (brief)")
    if isinstance(c, pc.AddPartitionedIndex):
        return "SHARE on every partition (whole build; blocks writes)"
    if isinstance(c, pc.DropPartitionedIndex):
        return f"{ACCESS_EXCLUSIVE} on {c.table} and its partitions (brief)"
    if isinstance(c, pc.AddPartitionedForeignKey):
        return "SHARE ROW EXCLUSIVE on both tables (blocks writes while it checks rows)"
    return ""


def object_name(c) -> str:
    if isinstance(c, (pc.CreatePartition, pc.DropPartition, pc.AttachPartition, pc.DetachPartition)):
        return str(c.partition.qualified)
    if isinstance(c, pc.RepartitionRefused):
        return str(c.table)
    if isinstance(c, pc.SetPartitionColumn):
        return f"{c.partition}.{c.to.name}"
    if isinstance(c, (pc.AddPartitionedIndex, pc.DropPartitionedIndex)):
        return f"{c.table}.{c.index.name}"
    return f"{c.table}.{c.constraint.name}"


def _render(c) -> list[str]:
    if isinstance(c, pc.CreatePartition):
        return create_partition_sql(c.parent, c.partition)
    if isinstance(c, pc.DropPartition):
        return [f"DROP TABLE IF EXISTS {q(c.partition.qualified)}"]
    if isinstance(c, pc.AttachPartition):
        return attach_sql(c)
    if isinstance(c, pc.DetachPartition):
        return detach_sql(c)
    if isinstance(c, pc.RepartitionRefused):
        return refuse_sql(c)
    if isinstance(c, pc.SetPartitionColumn):
        return set_partition_column_sql(c)
    if isinstance(c, pc.AddPartitionedIndex):
        return [index_sql(c.table, c.index)]
    if isinstance(c, pc.DropPartitionedIndex):
        return [f"DROP INDEX IF EXISTS {qualify(c.table.schema, c.index.name)}"]
    return [_guarded_add_constraint(c.table, c.constraint, False)]


_CHECK = {  # how `check` reads each as health: (severity, kind, problem)
    pc.CreatePartition: ("warning", "partition", "missing"),
    pc.DropPartition: ("warning", "partition", "extra"),
    pc.AttachPartition: ("warning", "partition", "not attached"),
    pc.DetachPartition: ("warning", "partition", "still attached"),
    pc.RepartitionRefused: ("critical", "table", "partitioned differently"),
    pc.AddPartitionedIndex: ("warning", "index", "missing"),
    pc.DropPartitionedIndex: ("warning", "index", "extra"),
    pc.AddPartitionedForeignKey: ("warning", "constraint", "missing"),
    pc.SetPartitionColumn: ("warning", "column", "differs"),
}

for _type, (_severity, _kind, _problem) in _CHECK.items():
    kinds.register(
        _type, describe=describe, render=_render, hazards=hazards_of, lock=lock_of, object=object_name,
        severity=_severity, kind=_kind, problem=_problem,
        statements={pc.AddPartitionedIndex: partitioned_index_statements,
                    pc.DetachPartition: detach_statements}.get(_type),
    )
