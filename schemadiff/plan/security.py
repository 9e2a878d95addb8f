"""How row-level security and policies are planned: their SQL, description, hazards, lock
and how `check` reads them. Policies are dropped first (before what they read changes) and
created after triggers, once tables and views are in place; row-level security is switched
on after them, so no table is ever enabled before its policies exist (see order.PHASES)."""

from __future__ import annotations

from ..diff import security as sec
from ..model import Policy
from ..pg.naming import quote_ident
from . import kinds
from .render import _comment, q
from .statements import DESTRUCTIVE, LOCKING, Hazard

LOCK = "ACCESS EXCLUSIVE (brief; catalog only)"


def roles_sql(roles) -> str:
    return ", ".join("PUBLIC" if r == "public" else quote_ident(r) for r in roles)


def policy_sql(p: Policy) -> str:
    parts = [f"CREATE POLICY {quote_ident(p.name)} ON {q(p.on)}"]
    if not p.permissive:
        parts.append("AS RESTRICTIVE")
    if p.command != "all":
        parts.append(f"FOR {p.command.upper()}")
    if p.roles != ("public",):
        parts.append(f"TO {roles_sql(p.roles)}")
    if p.using is not None:
        parts.append(f"USING ({p.using})")
    if p.with_check is not None:
        parts.append(f"WITH CHECK ({p.with_check})")
    return "\n    ".join(parts)


def _target(p: Policy) -> str:
    return f"{quote_ident(p.name)} ON {q(p.on)}"


def create_sql(p: Policy) -> list[str]:
    return [policy_sql(p)] + ([_comment("POLICY", _target(p), p.comment)] if p.comment is not None else [])


def drop_sql(p: Policy) -> str:
    return f"DROP POLICY IF EXISTS {_target(p)}"


def alter_sql(c: sec.AlterPolicy) -> list[str]:
    p = c.policy
    parts = [f"ALTER POLICY {_target(p)}"]
    if c.roles:
        parts.append(f"TO {roles_sql(p.roles)}")
    if c.using:
        parts.append(f"USING ({p.using})")
    if c.with_check:
        parts.append(f"WITH CHECK ({p.with_check})")
    return ["\n    ".join(parts)]


def row_security_sql(c: sec.SetRowSecurity) -> list[str]:
    actions = []
    if c.enabled is not None:
        actions.append(f"{'ENABLE' if c.enabled else 'DISABLE'} ROW LEVEL SECURITY")
    if c.forced is not None:
        actions.append(f"{'FORCE' if c.forced else 'NO FORCE'} ROW LEVEL SECURITY")
    return [f"ALTER TABLE {q(c.table)} {', '.join(actions)}"]


def _describe_rls(c: sec.SetRowSecurity) -> str:
    words = []
    if c.enabled is not None:
        words.append("enable" if c.enabled else "disable")
    if c.forced is not None:
        words.append("force" if c.forced else "stop forcing")
    return f"{' and '.join(words)} row-level security on {c.table}"


def _rls_hazards(c: sec.SetRowSecurity) -> tuple:
    if c.enabled is False:
        return (Hazard(DESTRUCTIVE, "ROW_SECURITY_OFF", f"turns row-level security off on {c.table}: every role that "
                                                        "may read the table sees (and may change) every row again"),)
    if c.enabled and c.without_policies:
        return (Hazard(LOCKING, "ROWS_HIDDEN", f"row-level security on {c.table} with no policy: every role but the "
                                               "owner (and BYPASSRLS roles) sees no rows and can change none"),)
    return ()


def _drop_hazards(c: sec.DropPolicy) -> tuple:
    if c.reason or c.policy.permissive:
        return ()
    return (Hazard(DESTRUCTIVE, "ROW_SECURITY_OFF", f"drops restrictive policy {c.policy.label}: the rows it kept "
                                                    "from the other policies become visible"),)


def _with_reason(text: str, c) -> str:
    return text + (f" ({c.reason})" if c.reason else "")


def _object(c) -> str:
    p = getattr(c, "policy", None) or c.to
    return f"{p.on}.{p.name}"


def register_all() -> None:
    r = kinds.register
    r(sec.SetRowSecurity, describe=_describe_rls, render=row_security_sql, hazards=_rls_hazards, lock=lambda c: LOCK,
      object=lambda c: str(c.table), kind="row-level security", severity="critical")
    r(sec.CreatePolicy, describe=lambda c: _with_reason(f"create policy {c.policy.label}", c),
      render=lambda c: create_sql(c.policy), lock=lambda c: LOCK, object=_object, kind="policy", severity="critical",
      problem="missing")
    r(sec.DropPolicy, describe=lambda c: _with_reason(f"drop policy {c.policy.label}", c),
      render=lambda c: [drop_sql(c.policy)], hazards=_drop_hazards, lock=lambda c: LOCK, object=_object,
      kind="policy", severity="critical", problem="extra")
    r(sec.ReplacePolicy, describe=lambda c: f"re-create policy {c.to.label} (its command or kind changes)",
      render=lambda c: [drop_sql(c.from_), *create_sql(c.to)], lock=lambda c: LOCK, object=_object, kind="policy",
      severity="critical")
    r(sec.AlterPolicy, describe=lambda c: f"alter policy {c.policy.label}", render=alter_sql, lock=lambda c: LOCK,
      object=_object, kind="policy", severity="critical")
    r(sec.RenamePolicy, describe=lambda c: f"rename policy {c.old} on {c.table} to {c.new}",
      render=lambda c: [f"ALTER POLICY {quote_ident(c.old)} ON {q(c.table)} RENAME TO {quote_ident(c.new)}"],
      lock=lambda c: LOCK, object=lambda c: f"{c.table}.{c.new}", kind="policy")
    r(sec.SetPolicyComment, describe=lambda c: f"{'drop' if c.comment is None else 'set'} comment of policy {c.policy.label}",
      render=lambda c: [_comment("POLICY", _target(c.policy), c.comment)], object=_object, kind="policy")


register_all()
