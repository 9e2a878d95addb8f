"""Whether the connected role can carry a plan out, known before anything runs: what each
change needs (ownership of what it alters, CREATE on the schema it creates in, REFERENCES
on what a foreign key points at, CREATE on the database for a schema, a superuser or a
trusted extension for CREATE EXTENSION) and, from the catalog's answer
(``catalog/privileges.py``), the statements the role cannot run and why. `plan` shows them
as a warning; `apply` refuses the plan before its first statement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from ..model import QualifiedName
from ..pg.naming import qualify, quote_ident

OWN_RELATION, OWN_TYPE, OWN_COLLATION, OWN_EXTENSION = "own_relation", "own_type", "own_collation", "own_extension"
CREATE, DATABASE, REFERENCES, EXTENSION, RECORD = "create", "database", "references", "extension", "record"

# The object each kind of change creates, by the attribute holding it.
_CREATES = {"CreateTable": "table", "CreateEnum": "enum", "CreateSequence": "sequence", "CreateDomain": "domain",
            "CreateComposite": "type", "CreateRange": "range", "CreateCollation": "collation",
            "CreatePartition": "partition", "RecreateEnum": "to", "ReplaceDomain": "to", "ReplaceRange": "to",
            "ReplaceCollation": "to"}


@dataclass(frozen=True)
class Need:
    """One privilege a change needs: ``what`` (one of the constants above) on ``schema.name``."""

    what: str
    schema: Optional[str] = None
    name: Optional[str] = None


@dataclass(frozen=True)
class Blocked:
    """A statement of the plan (None: recording the version) the role cannot run, and why."""

    statement: Optional[object]  # plan.Statement
    description: str
    reasons: tuple[str, ...]

    @property
    def line(self) -> str:
        return f"{self.description}: {'; '.join(self.reasons)}"

    def as_dict(self, number: Optional[int]) -> dict:
        return {"statement": number, "description": self.description, "reasons": list(self.reasons)}


def needs(change) -> list[Need]:
    """What running ``change`` needs of the connected role."""
    kind = type(change).__name__
    if kind == "CreateSchema":
        return [Need(DATABASE)]
    if kind == "CreateExtension":
        return [Need(EXTENSION, None, change.extension.name)]
    if kind in ("DropExtension", "UpdateExtension", "SetExtensionSchema"):
        name = change.extension.name if hasattr(change, "extension") else change.name
        return [Need(OWN_EXTENSION, None, name)]
    made = _qualified(getattr(change, _CREATES[kind])) if kind in _CREATES else None
    out = [Need(CREATE, made.schema)] if made is not None else []
    # A new object is no one's yet; a replaced one (same name) is dropped, so must be owned.
    new = made if kind.startswith("Create") else None
    out += [Need(OWN_RELATION, t.schema, t.name) for t in _relations(change, kind) if t != new]
    out += [Need(OWN_TYPE, t.schema, t.name) for t in _types(change, kind) if t != new]
    out += [Need(OWN_COLLATION, c.schema, c.name) for c in _collations(change, kind) if c != new]
    out += [Need(REFERENCES, t.schema, t.name) for t in _referenced(change, kind)]
    return out


def _qualified(obj) -> Optional[QualifiedName]:
    if obj is None or isinstance(obj, QualifiedName):
        return obj
    return getattr(obj, "qualified", None)


def _relations(change, kind: str) -> list[QualifiedName]:
    """The tables and sequences ``change`` alters or drops: it must own them."""
    out = [_qualified(getattr(change, attr, None)) for attr in ("table", "parent")]
    if kind in ("AttachPartition", "DetachPartition", "DropPartition"):
        out.append(change.partition.qualified)
    if kind in ("RenameTable", "RenameSequence"):
        out.append(change.old)
    if kind in ("DropSequence", "AlterSequence"):
        out.append(_qualified(getattr(change, "sequence", None) or change.from_))
    # Columns of the type converted with it (an enum rebuilt, a domain replaced).
    out += [table for table, *_ in getattr(change, "columns", ()) if isinstance(table, QualifiedName)]
    return [t for t in out if t is not None]


def _types(change, kind: str) -> list[QualifiedName]:
    if kind == "RenameEnum":
        return [change.old]
    if kind == "SetTypeComment":
        return [] if change.word == "COLLATION" else [change.name]
    out = [_qualified(getattr(change, attr, None)) for attr in ("enum", "domain", "range", "type")]
    if kind in ("RecreateEnum", "ReplaceDomain", "ReplaceRange"):
        out.append(change.from_.qualified)
    return [t for t in out if t is not None]


def _collations(change, kind: str) -> list[QualifiedName]:
    if kind == "SetTypeComment" and change.word == "COLLATION":
        return [change.name]
    if kind in ("DropCollation", "ReplaceCollation"):
        return [_qualified(getattr(change, "collation", None) or change.from_)]
    return []


def _referenced(change, kind: str) -> list[QualifiedName]:
    """The tables the foreign keys of ``change`` point at: they need REFERENCES."""
    if kind == "CreateTable":
        return [fk.ref_table for fk in change.table.foreign_keys]
    ref = getattr(getattr(change, "constraint", None), "ref_table", None)
    return [ref] if kind.startswith("Add") and ref is not None else []


class Privileges:
    """The catalog's answer (catalog.privileges.read_privileges rows) for a set of needs."""

    def __init__(self, rows: Iterable[tuple]):
        rows = list(rows)
        self.facts = {Need(what, schema, name): (ok, detail, superuser)
                      for what, schema, name, ok, detail, superuser, *_ in rows}
        self.role = rows[0][6] if rows else ""
        self.database = rows[0][7] if rows else ""

    def missing(self, wanted: Iterable[Need]) -> tuple[str, ...]:
        """Why the role cannot do what ``wanted`` needs (empty: it can). An object the
        catalog does not hold yet is created by the plan, by this role, which then owns it."""
        out = []
        for need in dict.fromkeys(wanted):
            ok, detail, superuser = self.facts.get(need, (None, None, None))
            if ok is False:
                out.append(self.reason(need, detail, bool(superuser)))
        return tuple(out)

    def reason(self, need: Need, detail: Optional[str], superuser: bool = False) -> str:
        role = quote_ident(self.role)
        name = qualify(need.schema, need.name) if need.schema and need.name else quote_ident(need.name or need.schema or "")
        if need.what in (OWN_RELATION, OWN_TYPE, OWN_COLLATION, OWN_EXTENSION):
            noun = {OWN_RELATION: "table", OWN_TYPE: "type", OWN_COLLATION: "collation", OWN_EXTENSION: "extension"}[need.what]
            # Membership in a superuser role would let SET ROLE make the role a superuser.
            fix = (f"give it an owner role {role} is a member of" if superuser
                   else f"GRANT {quote_ident(detail)} TO {role}")
            return (f"role {role} does not own {noun} {name} (owned by {detail}; only its owner may alter, index or "
                    f"drop it): run as {quote_ident(detail)}, or {fix}")
        if need.what == CREATE:
            return f"role {role} may not create objects in schema {quote_ident(need.schema)}: GRANT CREATE ON SCHEMA {quote_ident(need.schema)} TO {role}"
        if need.what == DATABASE:
            return f"role {role} may not create schemas: GRANT CREATE ON DATABASE {quote_ident(self.database)} TO {role}"
        if need.what == REFERENCES:
            return f"role {role} may not reference table {name} in a foreign key: GRANT REFERENCES ON {name} TO {role}"
        if need.what == EXTENSION and detail == "trusted":
            return (f"extension {name} is trusted but role {role} may not create in the database: "
                    f"GRANT CREATE ON DATABASE {quote_ident(self.database)} TO {role}, or run as a superuser")
        if need.what == EXTENSION:
            return f"CREATE EXTENSION {name} needs a superuser (the extension is not trusted): run as a superuser, or create it beforehand"
        if detail == "exists":  # RECORD
            return f"role {role} cannot record the version: GRANT SELECT, INSERT ON {name} TO {role}"
        return f"role {role} cannot create the version table {name}: GRANT CREATE ON SCHEMA {quote_ident(need.schema)} TO {role}"


def record_need(version_table: QualifiedName) -> Need:
    return Need(RECORD, version_table.schema, version_table.name)
