"""Functions and procedures (``CREATE FUNCTION`` / ``CREATE PROCEDURE``).

A routine is known by its schema, name and the types of its input arguments (PostgreSQL's
own rule: ``add(integer, integer)`` and ``add(numeric, numeric)`` are two functions). Types
are spelled as ``format_type`` prints them under ``search_path = public``, without type
modifiers (PostgreSQL keeps none for arguments and results).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .dependencies import Reference
from .names import QualifiedName

ARGUMENT_MODES = ("in", "out", "inout", "variadic")
VOLATILITIES = ("volatile", "stable", "immutable")
PARALLEL = ("unsafe", "restricted", "safe")
# Settings whose value is a list of names, written unquoted (PostgreSQL's GUC_LIST_QUOTE ones).
LIST_SETTINGS = ("search_path", "temp_tablespaces", "session_preload_libraries", "shared_preload_libraries",
                 "local_preload_libraries")


@dataclass(frozen=True)
class Argument:
    """One argument: its mode, name (None when unnamed), type and default expression."""

    name: Optional[str]
    type: str
    mode: str = "in"
    default: Optional[str] = None

    @property
    def is_input(self) -> bool:
        return self.mode != "out"


@dataclass(frozen=True)
class Function:
    """A function or procedure. ``body`` is the text of ``AS '…'``; ``sql_body`` the
    SQL-standard body (``BEGIN ATOMIC … END`` or ``RETURN expr``) as the server prints it.
    ``returns`` is None for a procedure, else ``integer``, ``SETOF text``, ``TABLE(a integer)``.
    ``cost`` and ``rows`` are None at PostgreSQL's default for the function."""

    schema: str
    name: str
    arguments: tuple[Argument, ...] = ()
    returns: Optional[str] = None
    language: str = "sql"
    body: Optional[str] = None
    sql_body: Optional[str] = None
    procedure: bool = False
    volatility: str = "volatile"
    strict: bool = False
    security_definer: bool = False
    leakproof: bool = False
    parallel: str = "unsafe"
    cost: Optional[float] = None
    rows: Optional[float] = None
    config: tuple[tuple[str, str], ...] = ()  # SET name = value, in the order given
    comment: Optional[str] = None
    # The live catalog's: what it uses (types, tables of an atomic body, other functions) and
    # what uses it ("column default of public.users.code", "view public.v"). Empty when desired.
    depends_on: tuple[Reference, ...] = field(default=(), compare=False)
    used_by: tuple[str, ...] = field(default=(), compare=False)
    # (schema, table, column) of each column default that calls it (live catalog only).
    default_users: tuple[tuple[str, str, str], ...] = field(default=(), compare=False)
    # ("constraint" | "index" | "domain check", schema, table or domain, name) of each table
    # check, exclusion constraint, index and domain check that calls it (live catalog only).
    table_users: tuple[tuple[str, str, str, str], ...] = field(default=(), compare=False)

    @property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)

    @property
    def identity(self) -> tuple[str, ...]:
        """The types of the input arguments: with schema and name, what tells overloads apart."""
        return tuple(a.type for a in self.arguments if a.is_input)

    @property
    def key(self) -> tuple:
        return (self.schema, self.name, self.identity)

    @property
    def signature(self) -> str:
        """``name(integer, text)``: how a Reference names it."""
        return f"{self.name}({', '.join(self.identity)})"

    @property
    def word(self) -> str:
        return "PROCEDURE" if self.procedure else "FUNCTION"

    @property
    def label(self) -> str:
        """``function app.add(integer, integer)``"""
        schema = "" if self.schema == "public" else f"{self.schema}."
        return f"{self.word.lower()} {schema}{self.signature}"
