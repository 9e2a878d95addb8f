"""``schema.yaml`` → :class:`~schemadiff.model.Catalog`.

Everything is validated before any database is touched; every problem found is reported
with its file, line and YAML path (see ``README.md`` → "The schema file" for the format).
"""

from __future__ import annotations

from pathlib import Path as FsPath

from ..errors import Problem, SchemaFileError
from ..model import Catalog, sorted_catalog
from ..model.partitions import all_partitions  # not from diff: loading a file must not import the differ
from .extensions import ExtensionsReader
from .functions import FunctionsReader
from .aggregates import AggregatesReader
from .default_grants import DefaultGrantsReader
from .names import NamesReader
from .partitions import PartitionsReader
from .reader import describe_value, type_name
from .references import ReferencesReader
from .schemas import SchemasReader
from .sequences import SequencesReader
from .tables import TablesReader
from .security import SecurityReader
from .text_search import TextSearchReader
from .triggers import TriggersReader
from .types import TypesReader
from .user_types import UserTypesReader
from .views import ViewsReader
from .yamlsource import DECLARE_EMPTY, Source, parse

TOP_KEYS = ("tables", "enums", "schemas", "extensions", "sequences", "domains", "composite_types", "range_types",
            "collations", "text_search", "functions", "procedures", "aggregates", "views", "materialized_views", "triggers",
            "policies", "privileges", "default_privileges", "lint")  # lint: silencing entries, read by plan/lint/silencing.py


def load(path: str | FsPath) -> Catalog:
    """Load and validate a schema file."""
    return load_with_source(path)[0]


def load_with_source(path: str | FsPath) -> tuple[Catalog, str]:
    """Load a schema file; also return its text (recorded as the applied snapshot)."""
    file = str(path)
    try:
        text = FsPath(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaFileError([Problem("file not found", file)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaFileError([Problem(f"cannot read file: {exc}", file)]) from None
    return loads(text, file), text


def loads(text: str, file: str = "<schema>") -> Catalog:
    """Parse and validate schema text."""
    source = parse(text, file)
    return _Loader(source).catalog()


def load_document(document: dict, file: str = "<document>") -> Catalog:
    """Validate a schema already in plain data (what the YAML parses to); errors carry no line."""
    return _Loader(Source(file, document)).catalog()


class _Loader(TablesReader, PartitionsReader, TypesReader, UserTypesReader, SequencesReader, ReferencesReader,
              NamesReader, ExtensionsReader, SchemasReader, TextSearchReader, FunctionsReader, AggregatesReader,
              ViewsReader,
              DefaultGrantsReader, TriggersReader, SecurityReader):
    """The whole file: each top-level key read by its part, then what spans tables."""

    def catalog(self) -> Catalog:
        doc = self.source.data
        if not isinstance(doc, dict):
            raise SchemaFileError([self.source.problem((), f"the document must be a mapping with 'tables', not {describe_value(doc)}; {DECLARE_EMPTY}")])
        self.expect_keys(doc, TOP_KEYS, (), "the document")
        schemas, schema_comments = self.schema_entries(doc.get("schemas"))
        extensions = self.extensions(doc.get("extensions"))
        self.with_extensions = bool(extensions)
        enums = self.enums(self.mapping(doc.get("enums"), ("enums",), "enums"))
        user_types = frozenset(type_name(e.schema, e.name) for e in enums) | self.declared_types(doc)
        kinds = {"collations": self.collations(self.mapping(doc.get("collations"), ("collations",), "collations")),
                 "domains": self.domains(self.mapping(doc.get("domains"), ("domains",), "domains"), user_types),
                 "composites": self.composites(self.mapping(doc.get("composite_types"), ("composite_types",), "composite_types"), user_types),
                 "ranges": self.ranges(self.mapping(doc.get("range_types"), ("range_types",), "range_types"), user_types),
                 **self.text_search(doc.get("text_search"))}
        sequences = self.sequences(self.mapping(doc.get("sequences"), ("sequences",), "sequences"))
        functions = self.functions(doc)
        kinds["aggregates"] = self.aggregates(doc)
        tables = self.tables(self.mapping(doc.get("tables"), ("tables",), "tables"), user_types)
        self.check_partition_names(tables)
        self.check_inheritance(tables)
        views = self.views(doc)
        self.check_view_names(views)
        grants = self.grants(doc.get("privileges"))
        default_grants = self.default_grants(doc.get("default_privileges"))
        kinds["triggers"] = self.triggers(doc.get("triggers"))
        kinds["row_security"], mentions_rls = self.row_security(doc.get("tables"))
        # A policy may be on a partition (declared under its parent's partitions:) as on a table.
        kinds["policies"] = self.policies(doc.get("policies"), {t.qualified for t in tables} | set(all_partitions(tables)))
        if not self.problems:
            tables = self.resolve_foreign_keys(tables)
            tables, sequences = self.tie_sequences(tables, sequences)
        if self.problems:
            raise SchemaFileError(self.problems)
        schemas += tuple(e.schema for e in extensions)  # an extension's schema is the file's to create
        catalog = sorted_catalog(tables, enums, schemas, sequences=sequences, extensions=extensions,
                                 manages_extensions="extensions" in doc, schema_comments=schema_comments,
                                 manages_text_search="text_search" in doc, functions=functions,
                                 manages_functions="functions" in doc, manages_procedures="procedures" in doc, views=views,
                                 manages_views="views" in doc or "materialized_views" in doc, grants=grants,
                                 manages_grants="privileges" in doc, default_grants=default_grants,
                                 manages_default_grants="default_privileges" in doc, manages_triggers="triggers" in doc,
                                 manages_row_security=mentions_rls or "policies" in doc,
                                 manages_policies="policies" in doc,
                                 manages_aggregates="aggregates" in doc, **kinds)
        self.check_grant_schemas(grants, set(catalog.schemas) | {"public"})
        self.check_default_grant_schemas(default_grants, set(catalog.schemas) | {"public"})
        if self.problems:
            raise SchemaFileError(self.problems)
        return catalog


