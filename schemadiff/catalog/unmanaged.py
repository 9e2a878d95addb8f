"""What the managed schemas hold that schemadiff does not model: views, functions, triggers,
policies, privileges, … read in one query whatever their number (``queries/unmanaged.sql``,
one branch per kind), so that nothing is left out silently: `inspect` lists them, `plan` names
those a change would break or drop, `check` reports them as information."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Iterable, Optional, Sequence

from ..model import QualifiedName


@dataclass(frozen=True)
class Dependency:
    """A managed object that an unmanaged one depends on."""

    what: str  # "table", "type" (an enum) or "constraint"
    target: QualifiedName  # the table (also of a constraint) or the type
    sub: Optional[str]  # a table's column (None: the whole table), or the constraint's name
    goes_with_it: bool  # dropped along with the target (pg_depend 'a'), rather than blocking it ('n')


@dataclass(frozen=True)
class Unmanaged:
    """One object (or feature of a table) that schemadiff leaves out, and why."""

    kind: str  # "view", "trigger", "privileges", … (the `-- kind:` of its branch in the query)
    schema: Optional[str]
    name: Optional[str]
    on: Optional[QualifiedName]  # the relation it belongs to (a trigger's table), if any
    why: str
    depends: tuple[Dependency, ...] = ()

    @property
    def label(self) -> str:
        """How it is named in messages: "view public.v", "trigger audit on public.users",
        "row-level security on public.users", "event trigger log_ddl"."""
        own = ".".join(p for p in (self.schema, self.name) if p)
        text = " ".join(p for p in (self.kind, own) if p)
        return _one_line(f"{text} on {self.on}" if self.on else text)

    @property
    def line(self) -> str:
        return f"{self.label}: {_one_line(self.why)}"

    def depends_on(self, what: str, target: QualifiedName, sub: Optional[str] = None) -> list[Dependency]:
        """Its dependencies on ``target`` (on its column or constraint ``sub``, when given)."""
        return [d for d in self.depends if d.what == what and d.target == target and (sub is None or d.sub == sub)]

    def as_dict(self) -> dict:
        return {"kind": self.kind, "schema": self.schema, "name": self.name,
                "on": str(self.on) if self.on else None, "why": self.why}


def read_unmanaged(conn, schemas: Optional[Sequence[str]] = None,
                   exclude: Iterable[QualifiedName] = (), ignore: Sequence[str] = ()) -> tuple[Unmanaged, ...]:
    """Every unmanaged object of ``schemas`` (all user schemas when None), in one query; those
    on or named as a table of ``exclude`` (schemadiff's own) or of the ``ignore`` patterns
    (tables the project told schemadiff to leave alone) are not reported."""
    from .inspect import _fetch, query

    rows = _fetch(conn, query("unmanaged"), {"schemas": list(schemas) if schemas is not None else None})
    objects = [_from_row(*row) for row in rows]
    skipped = set(exclude)
    return tuple(o for o in objects if not _skipped(o, skipped, ignore))


def managed_kinds(catalog) -> frozenset[str]:
    """The kinds of the unmanaged report that ``catalog`` (a schema file) manages: those rows
    are left out of the report, since the file creates, changes and drops such objects."""
    kinds = set()
    if catalog.manages_functions:
        kinds.add("function")
    if catalog.manages_procedures:
        kinds.add("procedure")
    if catalog.manages_aggregates:
        kinds.add("aggregate")
    if catalog.manages_views:
        kinds |= {"view", "materialized view"}
    if catalog.manages_grants:
        kinds |= {"privileges", "schema privileges", "type privileges"}
    if catalog.manages_default_grants:
        kinds.add("default privileges")
    if catalog.manages_triggers:
        kinds.add("trigger")
    if catalog.manages_row_security:
        kinds.add("row-level security")
    if catalog.manages_policies:
        kinds.add("policy")
    return frozenset(kinds)


def without_managed(objects: Sequence[Unmanaged], catalog) -> tuple[Unmanaged, ...]:
    kinds = managed_kinds(catalog)
    return tuple(o for o in objects if o.kind not in kinds)


def migration_tool_tables(catalog, names: Iterable[QualifiedName]) -> tuple[Unmanaged, ...]:
    """The tables of ``names`` (other migration tools' version tables) that ``catalog`` holds:
    schemadiff leaves them alone, and says so."""
    wanted = set(names)
    return tuple(Unmanaged("table", t.schema, t.name, None,
                           "the version table of another migration tool (Rails, Alembic, Flyway, Django, …) is left alone: "
                           "neither written to the file nor created, changed or dropped by schemadiff")
                 for t in catalog.tables if QualifiedName(t.schema, t.name) in wanted)


def _from_row(kind, schema, name, on_schema, on_name, why, depends) -> Unmanaged:
    on = QualifiedName(on_schema, on_name) if on_name is not None else None
    return Unmanaged(kind, schema, name, on, why, _dependencies(depends))


def _dependencies(rows) -> tuple[Dependency, ...]:
    """One Dependency per target; a target it both depends on and goes with (a rule on its
    table) counts as going with it, as PostgreSQL drops it then."""
    by_target: dict = {}
    for what, schema, name, sub, deptype in rows:
        key = (what, QualifiedName(schema, name), sub)
        by_target[key] = by_target.get(key, False) or deptype in ("a", "i")
    return tuple(Dependency(what, target, sub, goes) for (what, target, sub), goes in by_target.items())


def _skipped(obj: Unmanaged, excluded: set, patterns: Sequence[str]) -> bool:
    tables = [obj.on] if obj.on else []
    if obj.schema and obj.name:
        tables.append(QualifiedName(obj.schema, obj.name))
    return any(t in excluded or any(fnmatchcase(str(t), p) or fnmatchcase(t.name, p) for p in patterns)
               for t in tables)


def _one_line(text: str) -> str:
    """Names may hold newlines and other control characters: shown escaped, so that each
    object stays one line (and a YAML comment stays a comment)."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)

