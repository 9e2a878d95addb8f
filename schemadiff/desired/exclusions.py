"""A table's ``exclusions:`` (EXCLUDE constraints), read from the file and written back for
``inspect``.

```yaml
exclusions:
  - name: bookings_no_overlap          # optional: PostgreSQL's default name otherwise
    using: gist                        # default gist
    elements: ["room_id WITH =", "during WITH &&"]   # or {column: room_id, with: "="},
    where: "status <> 'cancelled'"                   #    {expression: "tstzrange(a, b)", with: "&&"}
    deferrable: true
```
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ..model import ExclusionConstraint
from ..pg import naming
from .reader import Reader, describe_value

EXCLUSION_KEYS = ("name", "using", "elements", "where", "include", "with", "deferrable", "initially_deferred",
                  "renamed_from", "comment")
ELEMENT_KEYS = ("column", "expression", "with")
EXCLUSION_METHODS = ("gist", "spgist", "btree", "hash")  # those that can enforce an exclusion
_WITH = re.compile(r"\s+WITH\s+", re.IGNORECASE)


class ExclusionsReader(Reader):
    """Reads ``exclusions:`` of one table (mixed into TablesReader, whose key reading it uses)."""

    def exclusions(self, table_key: str, spec: Any, known: set) -> tuple:
        path = ("tables", table_key, "exclusions")
        out = []
        for i, item in enumerate(self.listing(spec, path, "exclusions")):
            ipath = path + (i,)
            if not isinstance(item, dict):
                self.error(ipath, "an exclusion constraint must be a mapping with 'elements'")
                continue
            self.expect_keys(item, EXCLUSION_KEYS, ipath, "exclusion constraint")
            method = (self.text(item.get("using"), ipath + ("using",), "using") or "gist").lower()
            if method not in EXCLUSION_METHODS:
                self.error(ipath + ("using",), f"index method {method!r} cannot enforce an exclusion constraint; "
                                               f"expected one of: {', '.join(EXCLUSION_METHODS)}")
            elements = [self.element(e, known, ipath + ("elements", j))
                        for j, e in enumerate(self.listing(item.get("elements"), ipath + ("elements",), "elements"))]
            if not elements:
                self.error(ipath, "an exclusion constraint needs elements, e.g. [\"room_id WITH =\", \"during WITH &&\"]")
                continue
            include = self.name_list(item.get("include"), ipath + ("include",), "include") if item.get("include") else ()
            self.require_columns(include, known, ipath, "exclusion include")
            where = self.text(item.get("where"), ipath + ("where",), "where")
            out.append(ExclusionConstraint(
                name=naming.truncate_identifier(self.text(item.get("name"), ipath + ("name",), "name") or ""),
                elements=tuple(e for e in elements if e), method=method,
                where=where.strip() if where else None, include=include,
                parameters=self.index_parameters(item.get("with"), method, ipath + ("with",)),
                renamed_from=self.text(item.get("renamed_from"), ipath + ("renamed_from",), "renamed_from"),
                **self.timing(item, ipath), **self.comment_of(item, ipath),
            ))
        return tuple(out)

    def element(self, spec: Any, known: set, path: tuple) -> Optional[tuple]:
        """``"key WITH op"`` or ``{column|expression: key, with: op}`` → (key, operator)."""
        if isinstance(spec, dict):
            self.expect_keys(spec, ELEMENT_KEYS, path, "exclusion element")
            if ("column" in spec) == ("expression" in spec):
                self.error(path, "an exclusion element needs exactly one of 'column' and 'expression'")
                return None
            key = self.text(spec.get("column", spec.get("expression")), path, "element")
            operator = self.text(spec.get("with"), path + ("with",), "with")
        elif isinstance(spec, str) and _WITH.search(spec):
            key, operator = _last_with(spec)
        else:
            self.error(path, f"an exclusion element is \"column WITH operator\" or a mapping, not {describe_value(spec)}")
            return None
        if not key or not operator or not operator.strip():
            self.error(path, "an exclusion element needs a column or expression and an operator ('with')")
            return None
        if isinstance(spec, dict) and "column" in spec:
            key = naming.quote_ident(naming.truncate_identifier(key.strip()))
        return self.index_key(key, known, path), operator.strip()


def _last_with(text: str) -> tuple:
    """Split at the last ``WITH`` (an expression may hold one, as in a string)."""
    matches = list(_WITH.finditer(text))
    last = matches[-1]
    return text[:last.start()].strip(), text[last.end():].strip()


def exclusion_document(x: ExclusionConstraint, explicit: bool) -> dict:
    """The file's form of one exclusion constraint, for ``inspect``."""
    body: dict[str, Any] = {"name": x.name} if explicit else {}
    if x.method != "gist":
        body["using"] = x.method
    body["elements"] = [f"{key} WITH {operator}" for key, operator in x.elements]
    if x.include:
        body["include"] = list(x.include)
    if x.parameters:
        body["with"] = parameters_document(x.parameters)
    if x.where:
        body["where"] = x.where
    return body | timing_document(x) | comment_document(x)


def parameters_document(parameters) -> dict:
    """Storage parameters as YAML values: numbers as numbers, true/false as booleans, the
    rest (``on``) as the text PostgreSQL keeps."""
    def value(text: str):
        if text in ("true", "false"):
            return text == "true"
        return int(text) if text.isdigit() else text
    return {name: value(text) for name, text in parameters}


def comment_document(obj) -> dict:
    return {} if obj.comment is None else {"comment": obj.comment}


def timing_document(constraint) -> dict:
    if not constraint.deferrable:
        return {}
    return {"deferrable": True} | ({"initially_deferred": True} if constraint.initially_deferred else {})
