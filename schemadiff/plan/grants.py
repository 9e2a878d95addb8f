"""How grants and revokes are planned: one GRANT or REVOKE per (object, grantee) and grant
option, so the SQL stays short. They run last, before comments: every object they name
exists by then. A grant has no hazard; a revoke is a PERMISSION hazard (an application that
relied on the privilege starts failing), never refused by apply."""

from __future__ import annotations

from ..diff import grants as gr
from ..model import GrantTarget
from ..model.grants import PUBLIC
from ..pg.naming import quote_ident
from . import kinds
from .statements import PERMISSION, Hazard

_ON = {"schema": "SCHEMA", "table": "TABLE", "column": "TABLE", "sequence": "SEQUENCE", "function": "ROUTINE",
       "type": "TYPE"}


def on_clause(target: GrantTarget) -> str:
    """``ON TABLE public.users``; a function by its identity signature (ROUTINE: functions
    and procedures alike)."""
    if target.kind == "schema":
        return f"ON SCHEMA {quote_ident(target.schema)}"
    name, args = (target.name.split("(", 1) + [""])[:2] if target.kind == "function" else (target.name, None)
    qualified = f"{quote_ident(target.schema)}.{quote_ident(name)}"
    return f"ON {_ON[target.kind]} {qualified}" + (f"({args}" if args is not None else "")


def grantee_sql(grantee: str) -> str:
    return PUBLIC if grantee == PUBLIC else quote_ident(grantee)


def privileges_sql(target: GrantTarget, privileges) -> str:
    column = f" ({quote_ident(target.column)})" if target.column is not None else ""
    return ", ".join(f"{p}{column}" for p in privileges)


def grant_sql(c: gr.GrantPrivileges) -> str:
    option = " WITH GRANT OPTION" if c.grantable else ""
    return f"GRANT {privileges_sql(c.target, c.privileges)} {on_clause(c.target)} TO {grantee_sql(c.grantee)}{option}"


def revoke_sql(c: gr.RevokePrivileges) -> str:
    option = "GRANT OPTION FOR " if c.grant_option_only else ""
    return f"REVOKE {option}{privileges_sql(c.target, c.privileges)} {on_clause(c.target)} FROM {grantee_sql(c.grantee)}"


def _words(privileges) -> str:
    return ", ".join(p.lower() for p in privileges)


def describe_grant(c: gr.GrantPrivileges) -> str:
    option = " with grant option" if c.grantable else ""
    return f"grant {_words(c.privileges)} on {c.target.label} to {c.grantee}{option}"


def describe_revoke(c: gr.RevokePrivileges) -> str:
    what = f"grant option for {_words(c.privileges)}" if c.grant_option_only else _words(c.privileges)
    return f"revoke {what} on {c.target.label} from {c.grantee}"


def revoke_hazards(c: gr.RevokePrivileges) -> tuple:
    if c.grant_option_only:
        message = f"{c.grantee} can no longer grant {_words(c.privileges)} on {c.target.label} to others"
    else:
        message = (f"{c.grantee} loses {_words(c.privileges)} on {c.target.label}: queries of an application "
                   "that relies on it fail with 'permission denied'")
    return (Hazard(PERMISSION, "REVOKES_ACCESS", message),)


def default_sql(c) -> str:
    rule = c.rule
    head = f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote_ident(rule.role)}"
    head += f" IN SCHEMA {quote_ident(rule.schema)}" if rule.schema else ""
    words = ", ".join(p for p, _ in rule.privileges)
    if isinstance(c, gr.GrantDefaultPrivileges):
        option = " WITH GRANT OPTION" if c.grantable else ""
        return f"{head} GRANT {words} ON {rule.objects.upper()} TO {grantee_sql(rule.grantee)}{option}"
    option = "GRANT OPTION FOR " if c.grant_option_only else ""
    return f"{head} REVOKE {option}{words} ON {rule.objects.upper()} FROM {grantee_sql(rule.grantee)}"


def describe_default(c) -> str:
    rule = c.rule
    words = _words(p for p, _ in rule.privileges)
    if isinstance(c, gr.GrantDefaultPrivileges):
        return f"grant {words} to {rule.grantee} in the {rule.label}" + (" with grant option" if c.grantable else "")
    what = f"grant option for {words}" if c.grant_option_only else words
    return f"revoke {what} from {rule.grantee} in the {rule.label}"


def default_revoke_hazards(c) -> tuple:
    return (Hazard(PERMISSION, "REVOKES_ACCESS", f"{c.rule.objects} {c.rule.role} creates from now on will not give "
                                                 f"{c.rule.grantee} {_words(p for p, _ in c.rule.privileges)}"
                                                 "; objects that exist keep what they have"),)


def register_all() -> None:
    kinds.register(gr.GrantDefaultPrivileges, describe=describe_default, render=lambda c: [default_sql(c)],
                   object=lambda c: c.rule.label, kind="default privileges", problem="missing")
    kinds.register(gr.RevokeDefaultPrivileges, describe=describe_default, render=lambda c: [default_sql(c)],
                   hazards=default_revoke_hazards, object=lambda c: c.rule.label, kind="default privileges",
                   problem="extra")
    kinds.register(gr.GrantPrivileges, describe=describe_grant, render=lambda c: [grant_sql(c)],
                   object=lambda c: str(c.target), kind="privileges", problem="missing")
    kinds.register(gr.RevokePrivileges, describe=describe_revoke, render=lambda c: [revoke_sql(c)],
                   hazards=revoke_hazards, object=lambda c: str(c.target), kind="privileges", problem="extra")


register_all()
