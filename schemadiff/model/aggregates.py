"""Aggregates (``CREATE AGGREGATE``).

Known, like functions, by schema, name and the types of their arguments (an ordered-set
aggregate's direct arguments, then those after ``ORDER BY``). Function names (``sfunc`` …) are
spelled as ``regproc`` prints them under ``search_path = public``, without ``public.`` or
``pg_catalog.``; types as ``format_type`` prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .functions import Argument
from .names import QualifiedName

FINAL_MODIFY = ("read_only", "shareable", "read_write")


@dataclass(frozen=True)
class Aggregate:
    """An aggregate. ``direct`` is None for a plain aggregate, else the number of arguments
    before ``ORDER BY`` (an ordered-set aggregate; ``hypothetical`` for a hypothetical-set
    one). ``finalfunc_modify`` is None at PostgreSQL's default for the kind."""

    schema: str
    name: str
    arguments: tuple[Argument, ...] = ()
    sfunc: str = ""
    stype: str = ""
    direct: Optional[int] = None
    hypothetical: bool = False
    sspace: Optional[int] = None
    finalfunc: Optional[str] = None
    finalfunc_extra: bool = False
    finalfunc_modify: Optional[str] = None
    combinefunc: Optional[str] = None
    serialfunc: Optional[str] = None
    deserialfunc: Optional[str] = None
    initcond: Optional[str] = None
    msfunc: Optional[str] = None
    minvfunc: Optional[str] = None
    mstype: Optional[str] = None
    msspace: Optional[int] = None
    mfinalfunc: Optional[str] = None
    mfinalfunc_extra: bool = False
    minitcond: Optional[str] = None
    sortop: Optional[str] = None
    parallel: str = "unsafe"
    comment: Optional[str] = None

    @property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)

    @property
    def identity(self) -> tuple[str, ...]:
        return tuple(a.type for a in self.arguments)

    @property
    def key(self) -> tuple:
        return (self.schema, self.name, self.identity)

    @property
    def signature(self) -> str:
        """``name(text)``: how a Reference (a view's depends_on) names it."""
        return f"{self.name}({', '.join(self.identity)})"

    @property
    def label(self) -> str:
        schema = "" if self.schema == "public" else f"{self.schema}."
        return f"aggregate {schema}{self.signature}"
