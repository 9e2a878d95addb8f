"""How the planner treats changes of domains, composite and range types, and collations:
their SQL (each statement rerunnable), description, lock, hazards and how `check` reports
them. Registered with ``kinds``; where they run is decided in ``order.PHASES``."""

from __future__ import annotations

from typing import Optional

from ..diff import user_types as ut
from ..model import Collation, CompositeAttribute, Domain, DomainCheck, QualifiedName, RangeType, default_multirange_name
from ..pg.naming import qualify, quote_ident, quote_literal
from . import kinds
from .render import _comment, _only_if, _unless, q
from .statements import DESTRUCTIVE, LOCKING, Hazard

SHARE_SCAN = "SHARE on every table with a column of the domain (whole scan; blocks writes)"


def collate(collation: Optional[QualifiedName]) -> str:
    return f" COLLATE {q(collation)}" if collation else ""


# -- SQL --------------------------------------------------------------------------------------

def create_collation_sql(c: Collation) -> str:
    options = [f"provider = {c.provider}"]
    if c.provider == "icu":
        options.append(f"locale = {quote_literal(c.locale or '')}")
    else:
        options += [f"lc_collate = {quote_literal(c.lc_collate or '')}", f"lc_ctype = {quote_literal(c.lc_ctype or '')}"]
    if not c.deterministic:
        options.append("deterministic = false")
    return f"CREATE COLLATION IF NOT EXISTS {q(c.qualified)} ({', '.join(options)})"


def _check_sql(check: DomainCheck) -> str:
    return f"CONSTRAINT {quote_ident(check.name)} CHECK ({check.expression})"


def create_domain_sql(d: Domain) -> str:
    """CREATE DOMAIN with the checks that are to be valid (the others are added NOT VALID)."""
    parts = [f"CREATE DOMAIN {q(d.qualified)} AS {d.base_type}{collate(d.collation)}"]
    if d.default is not None:
        parts.append(f"DEFAULT {d.default}")
    if not d.nullable:
        parts.append("NOT NULL")
    parts += [_check_sql(c) for c in d.checks if c.validated]
    return _unless(" ".join(parts), "duplicate_object")


def _add_domain_check(c: ut.AddDomainCheck) -> list[str]:
    return [
        "DO $schemadiff$ BEGIN\n"
        f"  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = {quote_literal(c.check.name)}"
        f" AND contypid = {quote_literal(q(c.domain))}::regtype) THEN\n"
        f"    ALTER DOMAIN {q(c.domain)} ADD {_check_sql(c.check)} NOT VALID;\n"
        "  END IF;\n"
        "END $schemadiff$"
    ]


def _replace_domain(c: ut.ReplaceDomain) -> list[str]:
    """Rename the old domain aside, create the new one, convert each column through the new
    base type, drop the old domain (refused while another type still uses it)."""
    old_name = c.from_.name + "__schemadiff_old"
    new = q(c.to.qualified)
    out = [f"ALTER DOMAIN {q(c.from_.qualified)} RENAME TO {quote_ident(old_name)}", create_domain_sql(c.to)]
    out += [f"ALTER DOMAIN {new} ADD {_check_sql(check)} NOT VALID" for check in c.to.checks if not check.validated]
    for table, column, type_ in c.columns:
        array = "[]" if type_.endswith("[]") else ""
        col, rel = quote_ident(column), q(table)
        out.append(
            "DO $schemadiff$ DECLARE d text; BEGIN\n"
            f"  SELECT pg_get_expr(ad.adbin, ad.adrelid) INTO d FROM pg_attrdef ad JOIN pg_attribute a"
            f" ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum WHERE ad.adrelid = {quote_literal(rel)}::regclass"
            f" AND a.attname = {quote_literal(column)};\n"
            f"  ALTER TABLE {rel} ALTER COLUMN {col} DROP DEFAULT;\n"
            f"  ALTER TABLE {rel} ALTER COLUMN {col} TYPE {new}{array} USING {col}::{c.to.base_type}{array}::{new}{array};\n"
            f"  IF d IS NOT NULL THEN EXECUTE format('ALTER TABLE {rel} ALTER COLUMN {col} SET DEFAULT %s',"
            f" replace(d, {quote_literal(old_name)}, {quote_literal(c.to.name)})); END IF;\n"
            "END $schemadiff$"
        )
    return out + [f"DROP DOMAIN {qualify(c.from_.schema, old_name)}"]


def create_composite_sql(t) -> str:
    body = ", ".join(_attribute(a) for a in t.attributes)
    return _unless(f"CREATE TYPE {q(t.qualified)} AS ({body})", "duplicate_object")


def _add_attribute(c: ut.AddAttribute) -> str:
    """ADD ATTRIBUTE, skipped once the attribute is there. A catalog guard, not an exception
    handler: the subtransaction of one failed after a DROP ATTRIBUTE earlier in the same
    transaction ("cannot start a subtransaction when there are unprocessed inval messages")."""
    exists = (f"EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_type t ON t.typrelid = a.attrelid"
              f" WHERE t.oid = {quote_literal(q(c.type))}::regtype AND a.attname = {quote_literal(c.attribute.name)}"
              " AND NOT a.attisdropped)")
    return _only_if(f"NOT {exists}", f"ALTER TYPE {q(c.type)} ADD ATTRIBUTE {_attribute(c.attribute)}")


def _attribute(a: CompositeAttribute) -> str:
    return f"{quote_ident(a.name)} {a.type}{collate(a.collation)}"


def create_range_sql(r: RangeType) -> str:
    options = [f"subtype = {r.subtype}"]
    if r.subtype_opclass:
        options.append(f"subtype_opclass = {r.subtype_opclass}")
    if r.collation:
        options.append(f"collation = {q(r.collation)}")
    if r.subtype_diff:
        options.append(f"subtype_diff = {r.subtype_diff}")
    if r.multirange and r.multirange != default_multirange_name(r.name):
        options.append(f"multirange_type_name = {qualify(r.schema, r.multirange)}")
    return _unless(f"CREATE TYPE {q(r.qualified)} AS RANGE ({', '.join(options)})", "duplicate_object")


def _set_default(c: ut.SetDomainDefault) -> list[str]:
    action = "DROP DEFAULT" if c.default is None else f"SET DEFAULT {c.default}"
    return [f"ALTER DOMAIN {q(c.domain)} {action}"]


# -- registration -----------------------------------------------------------------------------

def _drop_hazard(word: str):
    return lambda c: (Hazard(DESTRUCTIVE, "DROPS_TYPE", f"drops {word} {_obj(c)}; PostgreSQL refuses while a column or "
                                                        "another type uses it"),)


def _obj(c) -> str:
    """The type a change touches. Attribute changes name their type too, so that the planner
    keeps them in the diff's order: drops before the adds that restore the file's order."""
    for attr in ("domain", "type", "range", "collation", "to", "name"):
        value = getattr(c, attr, None)
        if value is not None:
            return str(getattr(value, "qualified", value))
    return ""


def _sub(name: str):
    return lambda c: f"{_obj(c)}.{name_of(c, name)}"


def name_of(c, attr: str) -> str:
    return getattr(c, attr).name


def _blocked(c) -> tuple:
    if not c.blocked_by:
        return ()
    return (Hazard(LOCKING, "FAILS_IF_USED", f"PostgreSQL refuses this while a column holds domain {c.domain} inside an array or "
                                             f"composite type ({', '.join(c.blocked_by)}); change those columns first, or declare "
                                             "the check not_valid"),)


def register_all() -> None:
    r = kinds.register
    critical_missing = dict(severity="critical", problem="missing")
    differs = dict(severity="critical", problem="differs")
    extra = dict(severity="warning", problem="extra")

    r(ut.CreateCollation, describe=lambda c: f"create collation {c.collation.qualified}",
      render=lambda c: [create_collation_sql(c.collation)], object=_obj, kind="collation", **critical_missing)
    r(ut.DropCollation, describe=lambda c: f"drop collation {c.collation.qualified}",
      render=lambda c: [f"DROP COLLATION IF EXISTS {q(c.collation.qualified)}"], object=_obj, kind="collation", **extra)
    r(ut.ReplaceCollation, describe=lambda c: f"re-create collation {c.to.qualified} (provider, locale or determinism changed)",
      render=lambda c: [f"DROP COLLATION IF EXISTS {q(c.from_.qualified)}", create_collation_sql(c.to)],
      hazards=lambda c: (Hazard(LOCKING, "FAILS_IF_USED", f"drops and re-creates collation {c.to.qualified}: PostgreSQL refuses "
                                                          "while a column, index or type uses it"),),
      object=_obj, kind="collation", **differs)

    r(ut.CreateDomain, describe=lambda c: f"create domain {c.domain.qualified}",
      render=lambda c: [create_domain_sql(c.domain)], object=_obj, kind="domain", **critical_missing)
    r(ut.DropDomain, describe=lambda c: f"drop domain {c.domain.qualified}",
      render=lambda c: [f"DROP DOMAIN IF EXISTS {q(c.domain.qualified)}"], hazards=_drop_hazard("domain"),
      object=_obj, kind="domain", **extra)
    r(ut.ReplaceDomain, describe=lambda c: f"rebuild domain {c.to.qualified} as {c.to.base_type}{collate(c.to.collation)}",
      render=_replace_domain, object=_obj, kind="domain", **differs,
      hazards=lambda c: (
          Hazard(DESTRUCTIVE, "CONVERTS_TYPE", f"domain {c.to.qualified} changes from {c.from_.base_type}{collate(c.from_.collation)} to "
                 f"{c.to.base_type}{collate(c.to.collation)}: PostgreSQL cannot change a domain's base type, so the domain is "
                 "re-created and every column of it converted; values may fail to convert or lose information"),
          Hazard(LOCKING, "TABLE_REWRITE", "rewrites every table with a column of the domain")),
      lock=lambda c: "ACCESS EXCLUSIVE on every table using the domain (rewrites them)" if c.columns else "")
    r(ut.SetDomainDefault, describe=lambda c: f"{'drop' if c.default is None else 'set'} default of domain {c.domain}",
      render=_set_default, object=_obj, kind="domain", severity="warning", problem="differs")
    r(ut.SetDomainNullable, describe=lambda c: f"{'drop' if c.nullable else 'set'} not null on domain {c.domain}",
      render=lambda c: [f"ALTER DOMAIN {q(c.domain)} {'DROP' if c.nullable else 'SET'} NOT NULL"],
      hazards=lambda c: () if c.nullable else (Hazard(LOCKING, "VALIDATE_SCAN", f"SET NOT NULL on domain {c.domain} checks every "
                                                      "column of the domain for NULLs under a SHARE lock on their tables (blocks writes)"),
                                               *_blocked(c)),
      lock=lambda c: "" if c.nullable else SHARE_SCAN, object=_obj, kind="domain", **differs)
    r(ut.AddDomainCheck, describe=lambda c: f"add check {c.check.name} to domain {c.domain}"
      + (" (NOT VALID: validated next)" if c.check.validated else " (NOT VALID, as the file declares)"),
      render=_add_domain_check, object=_sub("check"), kind="domain", **differs)
    r(ut.ValidateDomainCheck, describe=lambda c: f"validate check {c.check.name} of domain {c.domain}",
      render=lambda c: [f"ALTER DOMAIN {q(c.domain)} VALIDATE CONSTRAINT {quote_ident(c.check.name)}"],
      hazards=lambda c: (Hazard(LOCKING, "VALIDATE_SCAN", f"checks every column of domain {c.domain} in a transaction of its own "
                                                          "under a SHARE lock on their tables: reads continue, writes wait"),
                         *_blocked(c)),
      lock=lambda c: SHARE_SCAN, isolated=True, object=_sub("check"), kind="domain", severity="warning", problem="not_valid")
    r(ut.DropDomainCheck, describe=lambda c: f"drop check {c.check.name} of domain {c.domain}",
      render=lambda c: [f"ALTER DOMAIN {q(c.domain)} DROP CONSTRAINT IF EXISTS {quote_ident(c.check.name)}"],
      object=_sub("check"), kind="domain", severity="warning", problem="differs")

    r(ut.CreateComposite, describe=lambda c: f"create composite type {c.type.qualified}",
      render=lambda c: [create_composite_sql(c.type)], object=_obj, kind="type", **critical_missing)
    r(ut.DropComposite, describe=lambda c: f"drop composite type {c.type.qualified}",
      render=lambda c: [f"DROP TYPE IF EXISTS {q(c.type.qualified)}"], hazards=_drop_hazard("composite type"),
      object=_obj, kind="type", **extra)
    r(ut.AddAttribute, describe=lambda c: f"add attribute {c.attribute.name} to type {c.type}",
      render=lambda c: [_add_attribute(c)],
      object=_obj, kind="type", **differs)
    r(ut.DropAttribute, describe=lambda c: f"drop attribute {c.attribute.name} of type {c.type}"
      + (" (to add it again at the end, in the file's order)" if c.reorder else ""),
      render=lambda c: [f"ALTER TYPE {q(c.type)} DROP ATTRIBUTE IF EXISTS {quote_ident(c.attribute.name)}"],
      hazards=lambda c: (Hazard(DESTRUCTIVE, "DELETES_DATA", f"drops attribute {c.attribute.name} of type {c.type} and its "
                                                             "values in every column of the type"),),
      object=_obj, kind="type", **differs)
    r(ut.AlterAttribute, describe=lambda c: f"alter attribute {c.to.name} of type {c.type} to {c.to.type}{collate(c.to.collation)}",
      render=lambda c: [f"ALTER TYPE {q(c.type)} ALTER ATTRIBUTE {quote_ident(c.to.name)} TYPE {c.to.type}{collate(c.to.collation)}"],
      hazards=lambda c: (Hazard(LOCKING, "FAILS_IF_USED", f"PostgreSQL refuses to change attribute {c.to.name} of type {c.type} "
                                                          "while a table column uses the type"),),
      object=_obj, kind="type", **differs)

    r(ut.CreateRange, describe=lambda c: f"create range type {c.range.qualified}",
      render=lambda c: [create_range_sql(c.range)], object=_obj, kind="type", **critical_missing)
    r(ut.DropRange, describe=lambda c: f"drop range type {c.range.qualified}",
      render=lambda c: [f"DROP TYPE IF EXISTS {q(c.range.qualified)}"], hazards=_drop_hazard("range type"),
      object=_obj, kind="type", **extra)
    r(ut.ReplaceRange, describe=lambda c: f"re-create range type {c.to.qualified} (PostgreSQL cannot alter a range type)",
      render=lambda c: [f"DROP TYPE IF EXISTS {q(c.from_.qualified)}", create_range_sql(c.to)],
      hazards=lambda c: (Hazard(DESTRUCTIVE, "DROPS_TYPE", f"drops and re-creates range type {c.to.qualified}; PostgreSQL "
                                                           "refuses while a column uses it"),),
      object=_obj, kind="type", **differs)

    r(ut.SetTypeComment, describe=lambda c: f"set comment on {c.word.lower()} {c.name}",
      render=lambda c: [_comment(c.word, q(c.name), c.comment)], object=lambda c: str(c.name),
      kind="comment", severity="warning", problem="differs")


register_all()
