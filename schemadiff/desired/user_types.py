"""The file's ``domains:``, ``composite_types:``, ``range_types:`` and ``collations:``, and
their writer for ``inspect``.

Columns (and other types) may use these types by name, as they use enums: the names of every
type the file declares are known before any type or column is read (``declared_types``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from ..model import (
    COLLATION_PROVIDERS, Catalog, Collation, CompositeAttribute, CompositeType, Domain, DomainCheck, QualifiedName,
    RangeType, default_multirange_name,
)
from ..pg import naming, types as pgtypes
from .reader import Reader, describe_value, split_qualified, type_name

DOMAIN_KEYS = ("type", "nullable", "default", "checks", "collation", "comment")
DOMAIN_CHECK_KEYS = ("name", "expression", "not_valid")
COMPOSITE_KEYS = ("attributes", "comment")
ATTRIBUTE_KEYS = ("type", "collation")
RANGE_KEYS = ("subtype", "subtype_opclass", "collation", "subtype_diff", "multirange", "canonical", "comment")
COLLATION_KEYS = ("provider", "locale", "lc_collate", "lc_ctype", "deterministic", "comment")
TYPE_SECTIONS = ("domains", "composite_types", "range_types")


class UserTypesReader(Reader):
    """Reads domains, composite and range types, and collations."""

    def declared_types(self, doc: dict) -> frozenset:
        """The type names (as columns spell them) of the file's domains, composite and range
        types, multiranges included; also notes the collations and schemas references may name."""
        names = set()
        listed = doc.get("schemas")
        self.known_schemas = {"public"} | ({str(s) for s in listed} if isinstance(listed, list) else set())
        for section in (*TYPE_SECTIONS, "collations", "enums", "tables"):
            spec = doc.get(section)
            self.known_schemas |= {split_qualified(key)[0] for key in (spec if isinstance(spec, dict) else ())}
        for section in TYPE_SECTIONS:
            spec = doc.get(section)
            for key, body in (spec.items() if isinstance(spec, dict) else ()):
                schema, name = split_qualified(key)
                names.add(type_name(schema, name))
                if section == "range_types":
                    multirange = body.get("multirange") if isinstance(body, dict) else None
                    names.add(type_name(schema, str(multirange or default_multirange_name(name))))
        spec = doc.get("collations")
        self.collation_keys = {}
        for key in (spec if isinstance(spec, dict) else {}):
            qualified = QualifiedName(*split_qualified(key))
            self.collation_keys[str(key)] = self.collation_keys[str(qualified)] = qualified
        return frozenset(names)

    # references -------------------------------------------------------------------------------

    def type_ref(self, value: Any, path: tuple, what: str, user_types) -> Optional[str]:
        text = self.text(value, path, "type")
        if not text:
            self.error(path, f"{what} has no type")
            return None
        parsed = self.parse_type(text, path, what, user_types)
        if parsed is None:
            return None
        if parsed.serial:
            self.error(path, f"{what}: serial is not a type (it is integer with a sequence); write integer")
            return None
        return parsed.canonical

    def collation_ref(self, value: Any, path: tuple) -> Optional[QualifiedName]:
        """A collation the file declares (by its key), ``schema.name`` in a schema the file
        knows, else a built-in one (``C``, ``POSIX``, ``en-US-x-icu``: pg_catalog)."""
        text = self.text(value, path, "collation")
        if text is None:
            return None
        if len(text) > 1 and text.startswith('"') and text.endswith('"'):
            text = text[1:-1].replace('""', '"')
        if text in self.collation_keys:
            return self.collation_keys[text]
        schema, _, name = text.partition(".")
        if name and schema in self.known_schemas | {"pg_catalog"}:
            return QualifiedName(schema, name)
        return QualifiedName("pg_catalog", text)

    # domains ----------------------------------------------------------------------------------

    def domains(self, spec: dict, user_types) -> list[Domain]:
        out = []
        for key, body in spec.items():
            path = ("domains", key)
            schema, name = split_qualified(key)
            if isinstance(body, str):
                body = {"type": body}
            body = self.mapping(body, path, f"domain {key!r}")
            self.expect_keys(body, DOMAIN_KEYS, path, f"domain {key!r}")
            base = self.type_ref(body.get("type"), path + ("type",), f"domain {key!r}", user_types)
            if base in (type_name(schema, name), type_name(schema, name) + "[]"):
                self.error(path + ("type",), f"domain {key!r} cannot be over itself")
            if base is None:
                continue
            out.append(Domain(
                schema=schema, name=name, base_type=base,
                default=self.text(body.get("default"), path + ("default",), "default"),
                nullable=self.boolean(body.get("nullable"), path + ("nullable",), "nullable", True),
                checks=self.domain_checks(schema, name, body.get("checks"), path + ("checks",)),
                collation=self.collation_ref(body.get("collation"), path + ("collation",)),
                comment=self.text(body.get("comment"), path + ("comment",), "comment"),
            ))
        return out

    def domain_checks(self, schema: str, domain: str, value: Any, path: tuple) -> tuple[DomainCheck, ...]:
        """Checks in order; an unnamed one gets PostgreSQL's name ``<domain>_check`` (then
        ``_check1``, … when taken in the schema)."""
        items = [value] if isinstance(value, str) else self.listing(value, path, f"checks of domain {domain!r}")
        parsed = []
        for i, item in enumerate(items):
            name, not_valid = None, False
            if isinstance(item, dict):
                self.expect_keys(item, DOMAIN_CHECK_KEYS, path + (i,), "domain check")
                name = self.text(item.get("name"), path + (i, "name"), "name")
                not_valid = self.boolean(item.get("not_valid"), path + (i, "not_valid"), "not_valid", False)
                item = item.get("expression")
            expression = self.text(item, path + (i,), "check expression")
            if not expression:
                self.error(path + (i,), f"a check of domain {domain!r} needs an expression")
                continue
            parsed.append((naming.truncate_identifier(name) if name else None, expression, not not_valid, i))
        # Names are unique per domain; PostgreSQL's choice for an unnamed one avoids every
        # constraint name of the schema.
        taken, own = self.names_in(schema).constraints, set()
        for name, _, _, i in parsed:
            if name and name in own:
                self.error(path + (i,), f"check name {name!r} is used twice in domain {domain!r}")
            if name:
                own.add(name)
                taken.add(name)
        checks = []
        for name, expression, validated, _ in parsed:
            if not name:
                name = naming.choose_name(domain, None, "check", lambda n: n in taken)
                taken.add(name)
            checks.append(DomainCheck(name, expression, validated))
        return tuple(checks)

    # composite types --------------------------------------------------------------------------

    def composites(self, spec: dict, user_types) -> list[CompositeType]:
        out = []
        for key, body in spec.items():
            path = ("composite_types", key)
            schema, name = split_qualified(key)
            body = self.mapping(body, path, f"composite type {key!r}")
            self.expect_keys(body, COMPOSITE_KEYS, path, f"composite type {key!r}")
            if "attributes" not in body:
                self.error(path, f"composite type {key!r} needs 'attributes' (a mapping of names to types, possibly empty)")
            attributes = []
            for attr, attr_body in self.mapping(body.get("attributes"), path + ("attributes",), "attributes").items():
                apath = path + ("attributes", attr)
                if isinstance(attr_body, str):
                    attr_body = {"type": attr_body}
                if not isinstance(attr_body, dict):
                    self.error(apath, f"attribute {attr!r} must be a type name or a mapping, not {describe_value(attr_body)}")
                    continue
                self.expect_keys(attr_body, ATTRIBUTE_KEYS, apath, f"attribute {attr!r}")
                type_ = self.type_ref(attr_body.get("type"), apath + ("type",), f"attribute {attr!r}", user_types)
                if type_ in (type_name(schema, name), type_name(schema, name) + "[]"):
                    self.error(apath, f"composite type {key!r} cannot contain itself")
                if type_:
                    attributes.append(CompositeAttribute(naming.truncate_identifier(str(attr)), type_,
                                                         self.collation_ref(attr_body.get("collation"), apath + ("collation",))))
            out.append(CompositeType(schema, name, tuple(attributes),
                                     comment=self.text(body.get("comment"), path + ("comment",), "comment")))
        return out

    # range types ------------------------------------------------------------------------------

    def ranges(self, spec: dict, user_types) -> list[RangeType]:
        out = []
        for key, body in spec.items():
            path = ("range_types", key)
            schema, name = split_qualified(key)
            if isinstance(body, str):
                body = {"subtype": body}
            body = self.mapping(body, path, f"range type {key!r}")
            self.expect_keys(body, RANGE_KEYS, path, f"range type {key!r}")
            if body.get("canonical") is not None:
                self.error(path + ("canonical",), f"range type {key!r}: a canonical function is not supported (it must be "
                           "written in C against a shell type); schemadiff cannot create this range type")
            subtype = self.type_ref(body.get("subtype"), path + ("subtype",), f"range type {key!r}", user_types)
            if subtype is None:
                continue
            multirange = self.text(body.get("multirange"), path + ("multirange",), "multirange")
            out.append(RangeType(
                schema=schema, name=name, subtype=subtype,
                subtype_opclass=self.text(body.get("subtype_opclass"), path + ("subtype_opclass",), "subtype_opclass"),
                collation=self.collation_ref(body.get("collation"), path + ("collation",)),
                subtype_diff=self.text(body.get("subtype_diff"), path + ("subtype_diff",), "subtype_diff"),
                multirange=multirange or default_multirange_name(name),
                comment=self.text(body.get("comment"), path + ("comment",), "comment"),
            ))
        return out

    # collations -------------------------------------------------------------------------------

    def collations(self, spec: dict) -> list[Collation]:
        out = []
        for key, body in spec.items():
            path = ("collations", key)
            schema, name = split_qualified(key)
            body = self.mapping(body, path, f"collation {key!r}")
            self.expect_keys(body, COLLATION_KEYS, path, f"collation {key!r}")
            provider = self.text(body.get("provider"), path + ("provider",), "provider") or "libc"
            if provider not in COLLATION_PROVIDERS:
                self.error(path + ("provider",), f"collation {key!r}: provider must be icu or libc, not {provider!r}")
                continue
            locale = self.text(body.get("locale"), path + ("locale",), "locale")
            lc_collate = self.text(body.get("lc_collate"), path + ("lc_collate",), "lc_collate")
            lc_ctype = self.text(body.get("lc_ctype"), path + ("lc_ctype",), "lc_ctype")
            deterministic = self.boolean(body.get("deterministic"), path + ("deterministic",), "deterministic", True)
            if provider == "icu":
                if not locale or lc_collate or lc_ctype:
                    self.error(path, f"collation {key!r}: an icu collation takes 'locale' (and not lc_collate/lc_ctype)")
                collation = Collation(schema, name, "icu", locale=locale, deterministic=deterministic)
            else:
                lc_collate, lc_ctype = lc_collate or locale, lc_ctype or locale
                if not lc_collate or not lc_ctype:
                    self.error(path, f"collation {key!r}: a libc collation needs 'locale', or 'lc_collate' and 'lc_ctype'")
                if not deterministic:
                    self.error(path + ("deterministic",), f"collation {key!r}: only icu collations can be nondeterministic")
                collation = Collation(schema, name, "libc", lc_collate=lc_collate, lc_ctype=lc_ctype)
            out.append(replace(collation, comment=self.text(body.get("comment"), path + ("comment",), "comment")))
        return out


# the writer, for inspect -------------------------------------------------------------------

def _key(schema: str, name: str) -> str:
    return name if schema == "public" and "." not in name else f"{schema}.{name}"


def collation_text(collation: Optional[QualifiedName]) -> Optional[str]:
    if collation is None:
        return None
    return collation.name if collation.schema in ("pg_catalog", "public") else str(collation)


def _short(type_text: str) -> str:
    return pgtypes.short_type(type_text)


def write_user_types(catalog: Catalog) -> dict:
    """The ``collations:``, ``domains:``, ``composite_types:`` and ``range_types:`` sections."""
    doc: dict[str, Any] = {}
    if catalog.collations:
        doc["collations"] = {_key(c.schema, c.name): _collation(c) for c in catalog.collations}
    if catalog.domains:
        doc["domains"] = {_key(d.schema, d.name): _domain(d) for d in catalog.domains}
    if catalog.composites:
        doc["composite_types"] = {_key(t.schema, t.name): _composite(t) for t in catalog.composites}
    if catalog.ranges:
        doc["range_types"] = {_key(r.schema, r.name): _range(r) for r in catalog.ranges}
    return doc


def _collation(c: Collation) -> dict:
    body: dict[str, Any] = {"provider": c.provider}
    if c.provider == "icu":
        body["locale"] = c.locale
    elif c.lc_collate == c.lc_ctype:
        body["locale"] = c.lc_collate
    else:
        body["lc_collate"], body["lc_ctype"] = c.lc_collate, c.lc_ctype
    if not c.deterministic:
        body["deterministic"] = False
    return _with(body, comment=c.comment)


def _domain(d: Domain) -> dict:
    body: dict[str, Any] = {"type": _short(d.base_type)}
    if not d.nullable:
        body["nullable"] = False
    checks = [_domain_check(d, c) for c in d.checks]
    return _with(body, default=d.default, collation=collation_text(d.collation), checks=checks or None, comment=d.comment)


def _domain_check(domain: Domain, check: DomainCheck) -> Any:
    derived = naming.make_object_name(domain.name, None, "check")
    body = {"expression": check.expression} | ({} if check.validated else {"not_valid": True})
    if check.name == derived and list(body) == ["expression"] and domain.checks[0] is check:
        return check.expression
    return {"name": check.name, **body}


def _composite(t: CompositeType) -> dict:
    attributes = {a.name: _short(a.type) if a.collation is None else {"type": _short(a.type), "collation": collation_text(a.collation)}
                  for a in t.attributes}
    return _with({"attributes": attributes}, comment=t.comment)


def _range(r: RangeType) -> dict:
    body: dict[str, Any] = {"subtype": _short(r.subtype)}
    multirange = None if r.multirange == default_multirange_name(r.name) else r.multirange
    return _with(body, subtype_opclass=r.subtype_opclass, collation=collation_text(r.collation),
                 subtype_diff=r.subtype_diff, multirange=multirange, canonical=r.canonical, comment=r.comment)


def _with(body: dict, **optional) -> dict:
    return body | {k: v for k, v in optional.items() if v is not None}
