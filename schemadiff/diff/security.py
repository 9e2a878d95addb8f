"""Row-level security of tables and their policies.

Row-level security is compared only for a file that mentions it (a table's
``row_level_security:`` or a ``policies:`` key): turning it off because a file never said
anything would open every row. Policies are dropped only by a file with ``policies:``.
A policy whose command or permissive/restrictive kind changes, or that loses its USING or
WITH CHECK, is dropped and created again; roles and expressions otherwise change in place
(ALTER POLICY). Expressions compare by text, then by parse tree."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from ..model import Catalog, Policy, QualifiedName, RowSecurity
from ..pg.sqltree import same_expression
from .keyed import keyed_diff, match_renames


@dataclass(frozen=True)
class SetRowSecurity:
    """ENABLE / DISABLE and FORCE / NO FORCE ROW LEVEL SECURITY on a table (None: unchanged)."""
    table: QualifiedName
    enabled: Optional[bool]
    forced: Optional[bool]
    without_policies: bool = False  # enabled with no policy: only the owner sees rows


@dataclass(frozen=True)
class CreatePolicy:
    """Create a policy."""
    policy: Policy
    reason: str = field(default="", compare=False)


@dataclass(frozen=True)
class DropPolicy:
    """Drop a policy no longer declared (or to re-create it around a change)."""
    policy: Policy
    reason: str = field(default="", compare=False)


@dataclass(frozen=True)
class ReplacePolicy:
    """Drop and create a policy whose command or kind changes (ALTER POLICY cannot)."""
    from_: Policy
    to: Policy


@dataclass(frozen=True)
class AlterPolicy:
    """ALTER POLICY: the changed roles, USING or WITH CHECK of a policy."""
    policy: Policy
    roles: bool
    using: bool
    with_check: bool


@dataclass(frozen=True)
class RenamePolicy:
    """ALTER POLICY … RENAME TO, from the policy's ``renamed_from``."""
    table: QualifiedName
    old: str
    new: str


@dataclass(frozen=True)
class SetPolicyComment:
    """Set or clear a policy's comment."""
    policy: Policy
    comment: Optional[str]


def diff_row_security(current: Catalog, desired: Catalog) -> list:
    if not desired.manages_row_security:
        return []
    live = {r.qualified: r for r in current.row_security}
    wanted = {r.qualified: r for r in desired.row_security}
    with_policies = {p.on for p in desired.policies}
    changes = []
    for table in desired.tables:
        old = live.get(table.qualified, RowSecurity(table.schema, table.name, False, False))
        new = wanted.get(table.qualified, RowSecurity(table.schema, table.name, False, False))
        if (old.enabled, old.forced) != (new.enabled, new.forced):
            changes.append(SetRowSecurity(table.qualified, new.enabled if new.enabled != old.enabled else None,
                                          new.forced if new.forced != old.forced else None,
                                          new.enabled and table.qualified not in with_policies))
    return changes


def diff_policies(current: Catalog, desired: Catalog) -> list:
    cur, renames = match_renames({p.key: p for p in current.policies}, {p.key: p for p in desired.policies},
                                 lambda key, p: (*key[:2], p.renamed_from) if p.renamed_from else None)
    want = {p.key: p for p in desired.policies}
    changes: list = [RenamePolicy(QualifiedName(*old[:2]), old[2], new[2]) for old, new in renames]
    added, removed, common = keyed_diff(cur, want)
    changes += [CreatePolicy(want[k]) for k in added]
    changes += [DropPolicy(cur[k]) for k in removed if desired.manages_policies]
    for k in common:
        old, new = replace(cur[k], name=want[k].name), want[k]
        changes += _changed_policy(old, new)
    return changes


def _changed_policy(old: Policy, new: Policy) -> list:
    using, check = not same_expression(old.using, new.using), not same_expression(old.with_check, new.with_check)
    if (old.command, old.permissive) != (new.command, new.permissive) \
            or (using and new.using is None) or (check and new.with_check is None):
        return [ReplacePolicy(old, new)]
    changes: list = []
    if using or check or old.roles != new.roles:
        changes.append(AlterPolicy(new, old.roles != new.roles, using, check))
    if old.comment != new.comment:
        changes.append(SetPolicyComment(new, new.comment))
    return changes
