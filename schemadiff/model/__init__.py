"""The schema model: what a schema is, independent of YAML, SQL and the catalog.

Both the desired-state loader (``desired``) and the catalog inspector (``catalog``) produce
these objects; ``diff`` compares two of them. Everything is frozen and ordered
deterministically so that equal schemas compare (and hash) equal. One module per family of
objects; :class:`Catalog` ties them together.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Optional

from .extensions import Extension
from .names import QualifiedName
from .tables import (
    FK_ACTIONS, IDENTITY_KINDS, CheckConstraint, Column, Constraint, ExclusionConstraint, ForeignKey, Index,
    PrimaryKey, Table, UniqueConstraint,
)
from .types import (
    COLLATION_PROVIDERS, Collation, CompositeAttribute, CompositeType, Domain, DomainCheck, Enum, RangeType,
    default_multirange_name,
)
from .partitions import Partition
from .sequences import Sequence, SequenceOptions
from .text_search import TextSearchConfiguration, TextSearchDictionary
from .functions import Argument, Function
from .aggregates import Aggregate
from .views import View
from .grants import DefaultGrant, Grant, GrantTarget
from .triggers import Trigger
from .security import Policy, RowSecurity
from .sizes import RelationSize

__all__ = [
    "COLLATION_PROVIDERS", "Collation", "CompositeAttribute", "CompositeType", "Domain", "DomainCheck",
    "RangeType", "default_multirange_name",
    "Catalog", "CheckConstraint", "Column", "Constraint", "Enum", "ExclusionConstraint", "Extension", "FK_ACTIONS", "ForeignKey", "IDENTITY_KINDS",
    "Index", "Partition", "PrimaryKey", "QualifiedName", "Sequence", "SequenceOptions", "Table", "UniqueConstraint",
    "TextSearchConfiguration", "TextSearchDictionary", "Argument", "Function", "Aggregate", "View",
    "DefaultGrant", "Grant", "GrantTarget", "Trigger", "Policy", "RowSecurity", "RelationSize",
    "catalog_hash", "sorted_catalog",
]


@dataclass(frozen=True)
class Catalog:
    """A whole managed schema: tables and enums keyed by qualified name."""

    tables: tuple[Table, ...] = ()
    enums: tuple[Enum, ...] = ()
    schemas: tuple[str, ...] = ("public",)
    domains: tuple[Domain, ...] = ()
    composites: tuple[CompositeType, ...] = ()
    ranges: tuple[RangeType, ...] = ()
    collations: tuple[Collation, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    extensions: tuple[Extension, ...] = ()
    # True for a file with an `extensions:` key; without one it leaves installed extensions alone.
    manages_extensions: bool = field(default=False, compare=False)
    # (schema, comment) of each schema with a comment, sorted; public's initdb comment reads as none.
    schema_comments: tuple[tuple[str, str], ...] = ()
    ts_dictionaries: tuple[TextSearchDictionary, ...] = ()
    ts_configurations: tuple[TextSearchConfiguration, ...] = ()
    # True for a file with a `text_search:` key; without one, those in the database are left alone.
    manages_text_search: bool = field(default=False, compare=False)
    functions: tuple[Function, ...] = ()  # functions and procedures, by (schema, name, identity)
    # True for a file with a `functions:` (`procedures:`) key; without one, those live are left alone.
    manages_functions: bool = field(default=False, compare=False)
    manages_procedures: bool = field(default=False, compare=False)

    def function_map(self) -> dict[tuple, Function]:
        return {f.key: f for f in self.functions}
    aggregates: tuple[Aggregate, ...] = ()  # by (schema, name, identity)
    # True for a file with an `aggregates:` key; without one, those live are left alone.
    manages_aggregates: bool = field(default=False, compare=False)

    def aggregate_map(self) -> dict[tuple, Aggregate]:
        return {a.key: a for a in self.aggregates}
    views: tuple[View, ...] = ()  # views and materialized views
    # True for a file with a `views:` or `materialized_views:` key; without one, views are left alone.
    manages_views: bool = field(default=False, compare=False)
    # (object, grantee) privileges where they differ from the default (model/grants.py).
    grants: tuple[Grant, ...] = ()
    # True for a file with a `privileges:` key; without one, grants in the database are left alone.
    manages_grants: bool = field(default=False, compare=False)
    # ALTER DEFAULT PRIVILEGES rules where they differ from the built-in defaults.
    default_grants: tuple[DefaultGrant, ...] = ()
    # True for a file with a `default_privileges:` key; without one, those rules are left alone.
    manages_default_grants: bool = field(default=False, compare=False)
    triggers: tuple[Trigger, ...] = ()
    # True for a file with a `triggers:` key; without one, triggers in the database are left alone.
    manages_triggers: bool = field(default=False, compare=False)
    # Tables with row-level security on, and policies. A file that never mentions row-level
    # security (no table's `row_level_security:`, no `policies:`) leaves both alone: turning
    # it off unasked would open every row.
    row_security: tuple[RowSecurity, ...] = ()
    manages_row_security: bool = field(default=False, compare=False)
    policies: tuple[Policy, ...] = ()
    manages_policies: bool = field(default=False, compare=False)
    # How big each live table is (read with the tables, never from a file): what a plan's cost
    # estimates are made of. Not part of the schema: equal schemas of different sizes compare
    # and hash equal.
    sizes: tuple[RelationSize, ...] = field(default=(), compare=False, metadata={"hash": False})

    def size_map(self) -> dict[QualifiedName, RelationSize]:
        """By qualified name; built once per catalog (the planner asks for it per statement:
        rebuilding it each time made a 5,000-table plan quadratic). Read-only."""
        found = self.__dict__.get("_size_map")
        if found is None:
            found = {s.qualified: s for s in self.sizes}
            object.__setattr__(self, "_size_map", found)  # a cache, not a field: equality and hashes ignore it
        return found

    def schema_comment(self, schema: str) -> Optional[str]:
        return dict(self.schema_comments).get(schema)

    def table(self, qualified: QualifiedName) -> Optional[Table]:
        return self.table_map().get(qualified)

    def table_map(self) -> dict[QualifiedName, Table]:
        return {t.qualified: t for t in self.tables}

    def sequence_map(self) -> dict[QualifiedName, Sequence]:
        return {s.qualified: s for s in self.sequences}

    def enum_map(self) -> dict[QualifiedName, Enum]:
        return {e.qualified: e for e in self.enums}

    def user_type_map(self) -> dict:
        """Domains, composite and range types by qualified name."""
        return {t.qualified: t for t in (*self.domains, *self.composites, *self.ranges)}

    def view_map(self) -> dict[QualifiedName, View]:
        return {v.qualified: v for v in self.views}

    def extension_map(self) -> dict[str, Extension]:
        return {e.name: e for e in self.extensions}

    @property
    def index_count(self) -> int:
        return sum(len(t.indexes) for t in self.tables)


def sorted_catalog(tables, enums=(), schemas=(), *, sequences=(), domains=(), composites=(), ranges=(),
                   collations=(), extensions=(), manages_extensions: bool = False, schema_comments=(),
                   ts_dictionaries=(), ts_configurations=(), manages_text_search: bool = False,
                   functions=(), manages_functions: bool = False, manages_procedures: bool = False, views=(),
                   manages_views: bool = False, grants=(), manages_grants: bool = False, default_grants=(),
                   manages_default_grants: bool = False, triggers=(), manages_triggers: bool = False,
                   row_security=(), manages_row_security: bool = False, policies=(),
                   manages_policies: bool = False, aggregates=(), manages_aggregates: bool = False) -> Catalog:
    """Build a Catalog with a deterministic order of tables, types, sequences, extensions and schemas."""
    def by_name(objects) -> tuple:
        return tuple(sorted(objects, key=lambda o: (o.schema, o.name)))

    tables, enums = by_name(tables), by_name(enums)
    kinds = {"sequences": by_name(sequences), "domains": by_name(domains), "composites": by_name(composites),
             "ranges": by_name(ranges), "collations": by_name(collations),
             "ts_dictionaries": by_name(ts_dictionaries), "ts_configurations": by_name(ts_configurations),
             "views": by_name(views)}
    all_schemas = set(schemas) | {o.schema for o in (*tables, *enums, *functions, *aggregates, *(o for group in kinds.values() for o in group))}
    return Catalog(tables=tables, enums=enums, schemas=tuple(sorted(all_schemas)), **kinds,
                   extensions=tuple(sorted(extensions, key=lambda e: e.name)), manages_extensions=manages_extensions,
                   schema_comments=tuple(sorted(dict(schema_comments).items())), manages_text_search=manages_text_search,
                   functions=tuple(sorted(functions, key=lambda f: f.key)), manages_functions=manages_functions,
                   manages_procedures=manages_procedures,
                   aggregates=tuple(sorted(aggregates, key=attrgetter("key"))), manages_aggregates=manages_aggregates,
                   manages_views=manages_views,
                   grants=tuple(sorted(grants)), manages_grants=manages_grants,
                   default_grants=tuple(sorted(default_grants)), manages_default_grants=manages_default_grants,
                   triggers=tuple(sorted(triggers, key=attrgetter("key"))), manages_triggers=manages_triggers,
                   row_security=by_name(row_security), manages_row_security=manages_row_security,
                   policies=tuple(sorted(policies, key=attrgetter("key"))), manages_policies=manages_policies)


def catalog_hash(catalog: Catalog) -> str:
    """A content hash of a catalog: equal models hash equal, whatever file they came from."""
    import hashlib

    digest = hashlib.sha256()
    for chunk in _json_chunks(catalog):
        digest.update(chunk.encode())
    return digest.hexdigest()


def _json_chunks(catalog: Catalog):
    """``json.dumps(_plain(catalog), sort_keys=True, default=str)`` in pieces, one object of a
    top-level list at a time: the whole text (and the plain tree behind it) of a catalog of
    thousands of tables would be the biggest thing a check holds."""
    import json

    dumps = json.JSONEncoder(sort_keys=True, default=str).encode
    top = _plain_fields(catalog)
    yield "{"
    for i, key in enumerate(sorted(top)):
        yield (", " if i else "") + dumps(key) + ": "
        value = top[key]
        if value.__class__ in (tuple, list) and value and not all(v.__class__ in _SCALARS for v in value):
            yield "[" + ", ".join(dumps(_plain(item)) for item in value[:1])
            for item in value[1:]:
                yield ", " + dumps(_plain(item))
            yield "]"
        else:
            yield dumps(_plain(value))
    yield "}"


# The fields each class had when hashes were first recorded (schemadiff 0.1.0). A field added
# since is left out of the hash while it holds its default, so that a file using none of the
# newer features keeps the hash an earlier schemadiff recorded for it (else `check` would call
# every database "behind" after an upgrade).
FIRST_FIELDS = {
    "QualifiedName": ("schema", "name"),
    "Column": ("name", "type", "nullable", "default", "identity", "serial", "comment", "using", "renamed_from"),
    "PrimaryKey": ("name", "columns", "renamed_from"),
    "UniqueConstraint": ("name", "columns", "renamed_from"),
    "ForeignKey": ("name", "columns", "ref_table", "ref_columns", "on_delete", "on_update", "deferrable",
                   "initially_deferred", "validated", "renamed_from"),
    "CheckConstraint": ("name", "expression", "validated", "renamed_from"),
    "Index": ("name", "keys", "unique", "method", "where", "include", "valid", "renamed_from"),
    "Table": ("schema", "name", "columns", "primary_key", "uniques", "foreign_keys", "checks", "indexes", "comment",
              "renamed_from"),
    "Enum": ("schema", "name", "values", "renamed_from", "value_renames"),
    "Catalog": ("tables", "enums", "schemas"),
}


def _plain(value):
    """What ``dataclasses.asdict`` gives (as JSON sees it), without its deep copies: several
    times faster on a big catalog, and the same hash as before."""
    cls = value.__class__
    if cls in _SCALARS:
        return value
    spec = _SPECS.get(cls)
    if spec is None and hasattr(cls, "__dataclass_fields__"):
        spec = _SPECS[cls] = _spec(cls)
    if spec is not None:
        out = _plain_fields(value, spec)
        for key, item in out.items():
            if item.__class__ not in _SCALARS:
                out[key] = _plain(item)
        return out
    if isinstance(value, (tuple, list)):
        if all(v.__class__ in _SCALARS for v in value):
            return value  # json writes a tuple of strings as the list asdict would give
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


def _plain_fields(value, spec=None) -> dict:
    """The hashed fields of a dataclass ``value`` by name, values as they are."""
    names, get, later = spec or _SPECS.get(value.__class__) or _SPECS.setdefault(value.__class__, _spec(value.__class__))
    out = dict(zip(names, get(value)))
    for key, default in later:
        if out[key] == default:
            del out[key]
    return out


def _spec(cls) -> tuple:
    """(field names, a getter of their values, (name, default) of the fields added since 0.1.0)."""
    from dataclasses import MISSING

    names = tuple(f.name for f in fields(cls) if f.metadata.get("hash", True))
    get = attrgetter(*names) if len(names) > 1 else (lambda v, n=names[0]: (getattr(v, n),))
    first = FIRST_FIELDS.get(cls.__name__)
    later = () if first is None else tuple(
        (f.name, f.default if f.default is not MISSING else f.default_factory())
        for f in fields(cls) if f.name in names and f.name not in first and (f.default is not MISSING or f.default_factory is not MISSING))
    return names, get, later


_SCALARS = frozenset({str, int, float, bool, type(None)})
_SPECS: dict = {}
