"""What every part of the schema-file loader shares: the parsed source, the problems found so
far (each with its file, line and YAML path), and typed reads of YAML values that report a
wrong shape instead of failing."""

from __future__ import annotations

import difflib
import re
from typing import Any, Optional

from ..errors import Problem
from ..pg import naming, types as pgtypes
from .yamlsource import Source

class Reader:
    """Reads values out of the parsed file, collecting problems rather than stopping at the first."""

    def __init__(self, source: Source):
        self.source = source
        self.problems: list[Problem] = []
        self.with_extensions = False  # the file declares extensions: unknown types may be theirs
        self.names: dict = {}  # schema -> names.Names taken there
        self._keys: Optional[tuple] = None

    def error(self, path: tuple, message: str) -> None:
        self.problems.append(self.source.problem(path, message))

    def expect_keys(self, value: dict, allowed: tuple, path: tuple, what: str) -> None:
        for key in value:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else f"; expected one of: {', '.join(allowed)}"
                self.error(path + (key,), f"unknown key {key!r} in {what}{suggestion}")

    def mapping(self, value: Any, path: tuple, what: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, f"{what} must be a mapping, not {describe_value(value)}")
            return {}
        return value

    def listing(self, value: Any, path: tuple, what: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, f"{what} must be a list, not {describe_value(value)}")
            return []
        return value

    def text(self, value: Any, path: tuple, what: str) -> Optional[str]:
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            self.error(path, f"{what} must be text, not {describe_value(value)}")
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def name_list(self, value: Any, path: tuple, what: str) -> tuple[str, ...]:
        if isinstance(value, str):
            return (naming.truncate_identifier(value),)
        items = self.listing(value, path, what)
        out = []
        for i, item in enumerate(items):
            if isinstance(item, (dict, list)) or item is None:
                self.error(path + (i,), f"{what} must be names")
                continue
            out.append(naming.truncate_identifier(str(item)))
        return tuple(out)

    def comment_of(self, item: dict, path: tuple) -> dict:
        """``comment`` of an object written as a mapping, as keyword arguments of its model."""
        return {"comment": self.text(item.get("comment"), path + ("comment",), "comment")}

    def boolean(self, value: Any, path: tuple, what: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(path, f"{what} must be true or false, not {value!r}")
            return default
        return value

    def parse_type(self, type_text: str, path: tuple, what: str, user_types) -> Optional["pgtypes.ParsedType"]:
        """A type as PostgreSQL spells it; one schemadiff does not know (an extension's:
        citext, geometry(Point,4326)) is taken as written once the file declares an extension,
        or when schema-qualified, while a close misspelling of a known type stays an error."""
        try:
            return pgtypes.canonical_type(type_text, user_types)
        except pgtypes.UnknownType as exc:
            qualified = pgtypes.is_qualified(type_text)
            parsed = pgtypes.extension_type(type_text)
            typo = None if qualified else pgtypes.misspelled_builtin(type_text, user_types)
            if parsed is not None and not typo and (qualified or self.with_extensions):
                return parsed
            suggestions = [typo] if typo else exc.suggestions
            hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
            if not typo and parsed is not None:
                hint += (" If an extension provides it, declare that extension under 'extensions:' "
                         "(or write the type schema-qualified).")
            self.error(path, f"unknown type {type_text!r} for {what}{hint}")
            return None


def split_qualified(text: str, default_schema: Optional[str] = "public") -> tuple:
    text = str(text)
    if "." in text and not text.startswith('"'):
        schema, name = text.split(".", 1)
        return schema, name
    return default_schema, text


def type_name(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def is_identifier(text: str) -> bool:
    return bool(re.match(r'^([A-Za-z_][A-Za-z0-9_$]*|"([^"]|"")+")$', text))


def unquote_ident(text: str) -> str:
    return text[1:-1].replace('""', '"') if text.startswith('"') else text.lower()


def did_you_mean(name: str, known) -> str:
    hint = difflib.get_close_matches(name, sorted(known), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


def describe_value(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"
