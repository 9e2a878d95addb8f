"""The order statements run in: by phase, a valid topological order for the object kinds
schemadiff manages (schemas and types before tables, tables before their keys, referenced keys
before foreign keys; drops in the reverse order), then by object name within a phase, so the
same input always gives a byte-identical plan. This is the one place ordering lives."""

from __future__ import annotations

import re
from typing import Sequence

from ..diff import changes as ch, comments as cm, partitions as pc
from ..diff import sequences as seq
from ..diff import user_types as ut
from ..diff import extensions as ext
from ..diff import table_details as td
from ..diff import text_search as ts
from ..diff import functions as fn
from ..diff import function_callers as fc
from ..diff import aggregates as ag
from ..diff import views as vw
from ..diff import grants as gr
from ..diff import inheritance as inh
from ..diff import security as sec
from ..diff import triggers as tg
from ..model import ForeignKey
from .describe import object_name

# An entry may be a tuple of change types that share a phase; user types (domains, composite
# and range types) are created by depth (a domain after the type it is over) and dropped in
# reverse depth, see _sort_key. Sequences: created before the types and tables whose defaults
# call nextval() on them; owners set and options changed once the owning columns exist;
# dropped once no default uses them.
PHASES = (
    pc.RepartitionRefused,  # first: it stops the plan before anything ran
    # Triggers and policies go before anything they use (a column, a function) changes or goes;
    # views before anything they read does (views over others first: reverse depth).
    tg.DropTrigger, sec.DropPolicy,
    # A default, check or index (a domain's check) calling a function re-created below: off before the function goes.
    (fc.DropColumnDefault, fc.DropCallingConstraint, fc.DropCallingIndex, fc.DropCallingDomainCheck),
    "drop-functions-before-views",  # a function re-created around a change, that uses a view
    (vw.DropViewIndex, vw.DropView),
    "drop-functions-early",  # a function re-created around a type rebuild, once its users are gone
    ch.CreateSchema, ext.CreateExtension, ext.SetExtensionSchema, ext.UpdateExtension,
    # Text search after extensions (unaccent's template), before anything whose expression names it.
    (ts.CreateTextSearchDictionary, ts.ReplaceTextSearchDictionary, ts.AlterTextSearchDictionary),
    (ts.CreateTextSearchConfiguration, ts.ReplaceTextSearchConfiguration, ts.AlterTextSearchMappings),
    seq.RenameSequence, seq.CreateSequence,
    (ut.CreateCollation, ut.ReplaceCollation), ch.RenameEnum, ch.CreateEnum,
    ch.RenameEnumValue, ch.AddEnumValue, (ut.CreateDomain, ut.CreateComposite, ut.CreateRange),
    (ut.SetDomainDefault, ut.SetDomainNullable, ut.DropDomainCheck, ut.AddDomainCheck, ut.DropAttribute,
     ut.AlterAttribute, ut.AddAttribute, ut.ReplaceRange), ut.ValidateDomainCheck,
    # Functions after the types their arguments and results use, before the tables whose
    # defaults, checks, indexes and generated columns call them (new ones by depth: after
    # the new functions their defaults or SQL body call).
    (fn.CreateFunction, fn.ChangeFunction, fn.ReplaceFunction),
    # Aggregates after the functions they use (sfunc, finalfunc …), before the views calling them.
    (ag.CreateAggregate, ag.ChangeAggregate, ag.ReplaceAggregate),
    # A domain whose check or default calls a function this plan creates, after it (and the
    # new functions whose arguments or result are of such a domain, after that): see _late.
    "domains-calling-new-functions",
    ch.RenameTable, ch.RenameColumn, ch.RenameConstraint, ch.RenameIndex,
    # A parent given up before the child's columns change (they become its own) or it goes.
    inh.NoInheritTable,
    "drop-foreign-keys", td.DropGeneratedColumn, pc.DetachPartition, ch.DropIndex, pc.DropPartitionedIndex,
    ch.DropConstraint, ch.DropColumn, pc.DropPartition, ch.DropTable,
    ch.RecreateEnum, ut.ReplaceDomain, ch.CreateTable, ch.AddColumn, ch.AlterColumn, ch.AlterConstraintTiming, td.AlterGeneration,
    td.SetLogged, td.SetStorageParameters, seq.AlterSequence,
    "add-keys",
    # Once the child has the new parent's columns and checks (added above if it lacked them).
    inh.InheritTable, ch.AddIndex,
    # Partitions after the parent's indexes: a new partition clones them, and the online build
    # of a partitioned index names the partitions it attaches.
    pc.AddPartitionedIndex, pc.CreatePartition, pc.AttachPartition, pc.SetPartitionColumn,
    "add-foreign-keys", ch.ValidateConstraint, td.SetReplicaIdentity,
    "functions-after-tables",  # those whose SQL-standard body or row types need the tables
    # Views once tables, columns and keys are done, each after the views it reads (depth).
    (vw.CreateView, vw.ReplaceView, vw.RefreshMaterializedView, vw.SetViewStorageParameters), vw.AddViewIndex,
    "functions-after-views",  # re-created ones whose SQL-standard body or row types need a view
    # Back on, every function they call made again by now.
    (fc.SetColumnDefault, fc.AddCallingConstraint, fc.AddCallingIndex, fc.AddCallingDomainCheck),
    # Triggers once their tables (and views) are in place; then policies, then row-level
    # security switched on: a table is never enabled before its policies exist.
    (tg.CreateTrigger, tg.ReplaceTrigger), tg.SetTriggerEnabled,
    sec.RenamePolicy, (sec.CreatePolicy, sec.ReplacePolicy, sec.AlterPolicy), sec.SetRowSecurity,
    seq.DropSequence, ag.DropAggregate, fn.DropFunction,  # an aggregate before the functions it uses
    (ut.DropDomain, ut.DropComposite, ut.DropRange), ch.DropEnum,
    ut.DropCollation, ts.DropTextSearchConfiguration, ts.DropTextSearchDictionary,
    # Privileges last, every object they name made by now: revokes first (a grant option
    # taken back before the same privilege is granted plainly).
    gr.RevokePrivileges, gr.GrantPrivileges,
    # Default privileges after them, so that what this plan creates gets only the file's grants.
    gr.RevokeDefaultPrivileges, gr.GrantDefaultPrivileges,
    (ch.SetTableComment, ts.SetTextSearchComment, fn.SetFunctionComment, ag.SetAggregateComment,
     ut.SetTypeComment, cm.SetSchemaComment, cm.SetIndexComment,
                       cm.SetConstraintComment, vw.SetViewComment, tg.SetTriggerComment, sec.SetPolicyComment),
    ext.DropExtension,  # last: whatever used its types or operators is gone by then
)
_PHASE_OF = {kind: i for i, entry in enumerate(PHASES) for kind in (entry if isinstance(entry, tuple) else (entry,))}
_DROPS = (ut.DropDomain, ut.DropComposite, ut.DropRange, vw.DropView, fn.DropFunction, ch.DropTable)


def _phase(change) -> int:
    # A generated column goes before the columns it reads go or change type, and comes after.
    if isinstance(change, ch.DropColumn) and change.column.generated is not None \
            or isinstance(change, td.AlterGeneration) and change.to.generated is None:
        return PHASES.index(td.DropGeneratedColumn)
    if isinstance(change, ch.AddColumn) and change.column.generated is not None:
        return PHASES.index(td.AlterGeneration)
    if isinstance(change, ch.DropConstraint) and isinstance(change.constraint, ForeignKey):
        return PHASES.index("drop-foreign-keys")
    if isinstance(change, fn.DropFunction) and change.reason:
        return PHASES.index("drop-functions-before-views" if change.before_views else "drop-functions-early")
    if getattr(change, "after_views", False):
        # New ones sit among the views by depth (a view may call them); re-created ones after.
        return PHASES.index("functions-after-views") if getattr(change, "reason", "") else _PHASE_OF[vw.CreateView]
    if getattr(change, "after_tables", False):
        return PHASES.index("functions-after-tables")
    if isinstance(change, ch.AddConstraint):  # AddPartitionedForeignKey too
        key = "add-foreign-keys" if isinstance(change.constraint, ForeignKey) else "add-keys"
        return PHASES.index(key)
    return _PHASE_OF[type(change)]


def _sort_key(change, late: frozenset = frozenset()) -> tuple:
    depth = getattr(change, "depth", 0)
    phase, within = _phase(change), 0
    if id(change) in late:  # in their own phase, in the order their phases give them
        phase, within = PHASES.index("domains-calling-new-functions"), phase
    return (phase, within, -depth if isinstance(change, _DROPS) else depth, _uses_sequences(change), object_name(change))


_DOMAIN_EXPRESSIONS = (ut.CreateDomain, ut.AddDomainCheck, ut.SetDomainDefault, ut.ValidateDomainCheck)


def _late(changes: Sequence) -> frozenset:
    """The ids of the domain changes whose check or default calls a function created in the
    same plan (CREATE DOMAIN checks its expressions at once: the function must exist), and of
    the new functions that take or return such a domain (they need it to exist)."""
    created = [c.function for c in changes if isinstance(c, fn.CreateFunction)]
    if not created:
        return frozenset()
    calls = re.compile(r"\b(?:%s)\s*\(" % "|".join(sorted({re.escape(f.name) for f in created})))
    late, domains = set(), set()
    for c in changes:
        if isinstance(c, _DOMAIN_EXPRESSIONS) and calls.search(_domain_expressions(c)):
            late.add(id(c))
            domains.add(c.domain.qualified if isinstance(c, ut.CreateDomain) else c.domain)
    for c in changes:
        if isinstance(c, (ut.AddDomainCheck, ut.ValidateDomainCheck)) and c.domain in domains:
            late.add(id(c))
    names = {str(d) for d in domains} | {d.name for d in domains if d.schema == "public"}
    for c in changes:
        f = getattr(c, "function", None)
        if isinstance(c, fn.CreateFunction) and not c.after_tables \
                and names & {t.removesuffix("[]") for t in [a.type for a in f.arguments] + [f.returns or ""]}:
            late.add(id(c))
    return frozenset(late)


def _domain_expressions(c) -> str:
    if isinstance(c, ut.CreateDomain):
        return " ".join([c.domain.default or ""] + [k.expression for k in c.domain.checks])
    if isinstance(c, ut.SetDomainDefault):
        return c.default or ""
    return c.check.expression


def _uses_sequences(change) -> bool:
    """New tables whose defaults draw on a sequence (an inheritance child's ``id`` reads its
    parent's serial sequence) come after the others, which make their serial sequences."""
    return isinstance(change, ch.CreateTable) and any(
        c.default is not None and "nextval(" in c.default for c in change.table.columns)


def order(changes: Sequence) -> list:
    """Stable phase order; within a phase by object name (enum labels keep file order)."""
    expanded = list(changes)
    for change in changes:
        if isinstance(change, ch.DropTable):
            expanded += [ch.DropConstraint(change.table.qualified, fk) for fk in change.table.foreign_keys]
    late = _late(expanded)
    return sorted(expanded, key=lambda c: _sort_key(c, late))
