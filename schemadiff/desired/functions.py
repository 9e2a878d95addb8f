"""The file's ``functions:`` and ``procedures:``, and their writer for ``inspect``.

    functions:
      touch_updated_at:                      # no parentheses: no arguments
        returns: trigger
        language: plpgsql
        body: |
          BEGIN NEW.updated_at := now(); RETURN NEW; END
      app.add(a integer, b integer DEFAULT 1):   # overloads differ by their argument list
        returns: integer
        volatility: immutable
        sql_body: RETURN a + b               # SQL-standard body (PostgreSQL 14+)
    procedures:
      app.archive(days integer):
        language: plpgsql
        body_file: sql/archive.sql           # relative to the schema file's folder

The key is the name (``schema.name``, public when unqualified) and the argument list as
CREATE FUNCTION takes it (modes, names, types, DEFAULTs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ..model import Catalog, Function
from ..model.functions import LIST_SETTINGS, PARALLEL, VOLATILITIES
from ..pg import naming
from ..pg.routines import SignatureError, arguments_text, parse_signature, split_key
from .reader import Reader, describe_value, split_qualified

FUNCTION_KEYS = ("returns", "language", "body", "body_file", "sql_body", "sql_body_file", "volatility", "strict",
                 "security_definer", "leakproof", "parallel", "cost", "rows", "set", "comment")
PROCEDURE_KEYS = ("language", "body", "body_file", "sql_body", "sql_body_file", "security_definer", "set", "comment")


class FunctionsReader(Reader):
    """Reads ``functions:`` and ``procedures:``."""

    def functions(self, doc: dict) -> list:
        out: dict = {}
        for top, procedure in (("functions", False), ("procedures", True)):
            for key, body in self.mapping(doc.get(top), (top,), top).items():
                function = self.function(top, key, body, procedure)
                if function is None:
                    continue
                if function.key in out:
                    self.error((top, key), f"{function.label} is declared twice (same name and argument types)")
                out[function.key] = function
        return list(out.values())

    def function(self, top: str, key: Any, body: Any, procedure: bool) -> Optional[Function]:
        path = (top, key)
        what = f"{'procedure' if procedure else 'function'} {key!r}"
        body = self.mapping(body, path, what)
        self.expect_keys(body, PROCEDURE_KEYS if procedure else FUNCTION_KEYS, path, what)
        try:
            name, args_text = split_key(str(key))
            returns = self.text(body.get("returns"), path + ("returns",), "returns")
            arguments, result = parse_signature(args_text or "", returns, procedure)
        except SignatureError as exc:
            self.error(path, f"cannot read the arguments or result of {what}: {exc}")
            return None
        if not procedure and result is None:
            self.error(path, f"{what} needs returns: (a type, SETOF type, TABLE(...), void or trigger)")
            return None
        schema, name = split_qualified(name)
        texts = self.function_bodies(body, path, what)
        if texts is None:
            return None
        code, sql_body = texts
        language = (self.text(body.get("language"), path + ("language",), "language") or "sql").lower()
        if sql_body is not None and language != "sql":
            self.error(path + ("language",), f"a sql_body is SQL: {what} cannot be in language {language}")
        return Function(
            schema, naming.truncate_identifier(name), arguments, result, language, code, sql_body, procedure,
            volatility=self.function_choice(body, "volatility", VOLATILITIES, path, "volatile"),
            strict=self.boolean(body.get("strict"), path + ("strict",), "strict", False),
            security_definer=self.boolean(body.get("security_definer"), path + ("security_definer",), "security_definer", False),
            leakproof=self.boolean(body.get("leakproof"), path + ("leakproof",), "leakproof", False),
            parallel=self.function_choice(body, "parallel", PARALLEL, path, "unsafe"),
            cost=self.positive_number(body.get("cost"), path + ("cost",), "cost"),
            rows=self.positive_number(body.get("rows"), path + ("rows",), "rows"),
            config=self.function_settings(body.get("set"), path + ("set",)), **self.comment_of(body, path))

    def function_bodies(self, body: dict, path: tuple, what: str) -> Optional[tuple]:
        """(body, sql_body): exactly one of body, body_file, sql_body, sql_body_file."""
        given = [k for k in ("body", "body_file", "sql_body", "sql_body_file") if body.get(k) is not None]
        if len(given) != 1:
            self.error(path, f"{what} needs exactly one of body, body_file, sql_body or sql_body_file"
                             + (f", not {' and '.join(given)}" if given else ""))
            return None
        [key] = given
        text = self.text(body[key], path + (key,), key)
        if text is None:
            return None
        if key.endswith("_file"):
            text = self.body_file(text, path + (key,))
            if text is None:
                return None
        if key.startswith("sql_body"):
            return None, text.strip()
        return text, None

    def body_file(self, name: str, path: tuple) -> Optional[str]:
        file = self.source.file
        base = Path(file).parent if file and not file.startswith("<") else Path.cwd()
        target = base / name
        try:
            return target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = "not found" if isinstance(exc, FileNotFoundError) else str(exc)
            self.error(path, f"cannot read body file {str(target)!r}: {reason}")
            return None

    def function_choice(self, body: dict, key: str, allowed: tuple, path: tuple, default: str) -> str:
        value = self.text(body.get(key), path + (key,), key)
        if value is None:
            return default
        if value.lower() not in allowed:
            self.error(path + (key,), f"{key} must be one of {', '.join(allowed)}, not {value!r}")
            return default
        return value.lower()

    def positive_number(self, value: Any, path: tuple, what: str) -> Optional[float]:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            self.error(path, f"{what} must be a positive number, not {describe_value(value)}")
            return None
        return float(value)

    def function_settings(self, value: Any, path: tuple) -> tuple:
        out = []
        for name, setting in self.mapping(value, path, "set").items():
            name = str(name).lower()
            if isinstance(setting, list) and name in LIST_SETTINGS:
                setting = ", ".join(str(s) for s in setting)
            text = self.text(setting, path + (name,), f"setting {name!r}")
            if text is not None and name in LIST_SETTINGS:
                # An empty element (search_path = '', the safe setting for SECURITY DEFINER)
                # is spelled as the catalog keeps it: "".
                text = ", ".join('""' if part.strip() in ("", "''") else part.strip() for part in text.split(","))
            if text is None:
                self.error(path + (name,), f"setting {name!r} needs a value")
                continue
            out.append((name, text))
        return tuple(out)


class Block(str):
    """A body written as a YAML literal block (``|``) where YAML can keep it exactly so."""


def dump_functions(catalog: Catalog) -> dict:
    """``functions:`` and ``procedures:`` as inspect writes them."""
    out: dict = {}
    for f in catalog.functions:
        out.setdefault("procedures" if f.procedure else "functions", {})[function_key(f)] = _function(f)
    return out


def function_key(f: Function) -> str:
    name = f.name if f.schema == "public" and "." not in f.name else f"{f.schema}.{f.name}"
    return f"{name}({arguments_text(f.arguments)})" if f.arguments else name


def _function(f: Function) -> dict:
    body: dict = {}
    if not f.procedure and f.returns != _derived_result(f):
        body["returns"] = f.returns
    if f.sql_body is None or f.language != "sql":
        body["language"] = f.language
    text = f.body if f.sql_body is None else f.sql_body
    body["body" if f.sql_body is None else "sql_body"] = Block(text) if text and "\n" in text else text
    defaults = {"volatility": "volatile", "strict": False, "security_definer": False, "leakproof": False,
                "parallel": "unsafe", "cost": None, "rows": None}
    for key, default in defaults.items():
        value = getattr(f, key)
        if value != default:
            body[key] = int(value) if isinstance(value, float) and value.is_integer() else value
    if f.config:
        body["set"] = dict(f.config)
    if f.comment is not None:
        body["comment"] = f.comment
    return body


def _derived_result(f: Function) -> Optional[str]:
    outs = [a for a in f.arguments if a.mode in ("out", "inout")]
    return outs[0].type if len(outs) == 1 else "record" if outs else None
