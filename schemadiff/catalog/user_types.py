"""Rows of the user-type and collation queries → domains, composite and range types and
collations of the model."""

from __future__ import annotations

from typing import Optional

from ..model import Collation, CompositeAttribute, CompositeType, Domain, DomainCheck, QualifiedName, RangeType
from .tables import _strip_outer_parens

PROVIDER_CODES = {"i": "icu", "c": "libc", "d": "libc"}


def user_types_from_rows(rows) -> dict:
    """{"domains": [...], "composites": [...], "ranges": [...]} for ``sorted_catalog``."""
    out: dict = {"domains": [], "composites": [], "ranges": []}
    for kind, schema, name, comment, details in rows:
        if kind == "domain":
            out["domains"].append(_domain(schema, name, comment, details))
        elif kind == "composite":
            attributes = tuple(CompositeAttribute(a, t, _collation(c)) for a, t, c in details["attributes"])
            out["composites"].append(CompositeType(schema, name, attributes, comment=comment))
        else:
            out["ranges"].append(_range(schema, name, comment, details))
    return out


def _domain(schema, name, comment, d: dict) -> Domain:
    checks = tuple(DomainCheck(n, _strip_outer_parens(e), v) for n, e, v in d["checks"])
    return Domain(schema, name, d["base_type"], default=d["default"], nullable=not d["not_null"],
                  checks=checks, collation=_collation(d["collation"]), comment=comment)


def _range(schema, name, comment, d: dict) -> RangeType:
    # A canonical function cannot be modelled (see desired/user_types.py): it is kept as an
    # attribute the file cannot express, so that the written file names it instead of losing it.
    return RangeType(schema, name, d["subtype"], subtype_opclass=d["subtype_opclass"],
                     collation=_collation(d["collation"]), subtype_diff=d["subtype_diff"],
                     multirange=d["multirange"], comment=comment, canonical=d["canonical"])


def _collation(pair) -> Optional[QualifiedName]:
    return QualifiedName(*pair) if pair else None


def collations_from_rows(rows) -> list[Collation]:
    out = []
    for schema, name, provider, collate, ctype, locale, deterministic, comment in rows:
        provider = PROVIDER_CODES.get(provider, provider)
        if provider == "icu":
            out.append(Collation(schema, name, "icu", locale=locale, deterministic=deterministic, comment=comment))
        else:
            out.append(Collation(schema, name, "libc", lc_collate=collate, lc_ctype=ctype,
                                 deterministic=deterministic, comment=comment))
    return out
