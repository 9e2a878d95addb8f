"""The file's ``aggregates:``, and their writer for ``inspect``.

    aggregates:
      group_concat(text):                  # name(argument types), public when unqualified
        sfunc: _group_concat
        stype: text
      app.median(float8 ORDER BY float8):  # an ordered-set aggregate
        sfunc: app.median_step
        stype: internal
        finalfunc: app.median_final
        finalfunc_extra: true

The key is the name and the argument list as CREATE AGGREGATE takes it (``*`` or nothing for
none); the other keys are CREATE AGGREGATE's options, lower case.
"""

from __future__ import annotations

from typing import Any, Optional

from ..model import Aggregate, Catalog
from ..model.aggregates import FINAL_MODIFY
from ..model.functions import PARALLEL
from ..pg import naming
from ..pg.aggregates import aggregate_arguments_text, parse_aggregate_arguments, state_type, support_function
from ..pg.routines import SignatureError, split_key
from ..catalog.aggregates import default_modify
from .reader import Reader, describe_value, split_qualified

FUNCTION_KEYS = ("sfunc", "finalfunc", "combinefunc", "serialfunc", "deserialfunc", "msfunc", "minvfunc", "mfinalfunc")
TYPE_KEYS = ("stype", "mstype")
TEXT_KEYS = ("initcond", "minitcond", "sortop")
FLAG_KEYS = ("finalfunc_extra", "mfinalfunc_extra")
SIZE_KEYS = ("sspace", "msspace")
AGGREGATE_KEYS = FUNCTION_KEYS + TYPE_KEYS + TEXT_KEYS + FLAG_KEYS + SIZE_KEYS + (
    "finalfunc_modify", "hypothetical", "parallel", "comment")


class AggregatesReader(Reader):
    """Reads ``aggregates:``."""

    def aggregates(self, doc: dict) -> list:
        out: dict = {}
        for key, body in self.mapping(doc.get("aggregates"), ("aggregates",), "aggregates").items():
            aggregate = self.aggregate(key, body)
            if aggregate is None:
                continue
            if aggregate.key in out:
                self.error(("aggregates", key), f"{aggregate.label} is declared twice (same name and argument types)")
            out[aggregate.key] = aggregate
        return list(out.values())

    def aggregate(self, key: Any, body: Any) -> Optional[Aggregate]:
        path, what = ("aggregates", key), f"aggregate {key!r}"
        body = self.mapping(body, path, what)
        self.expect_keys(body, AGGREGATE_KEYS, path, what)
        try:
            name, args_text = split_key(str(key))
            arguments, direct = parse_aggregate_arguments(args_text)
        except SignatureError as exc:
            self.error(path, f"cannot read the arguments of {what}: {exc}")
            return None
        values: dict = {k: self.text(body.get(k), path + (k,), k) for k in FUNCTION_KEYS + TYPE_KEYS + TEXT_KEYS}
        if not values["sfunc"] or not values["stype"]:
            self.error(path, f"{what} needs sfunc: (its state transition function) and stype: (its state type)")
            return None
        for k in TYPE_KEYS:
            try:
                values[k] = state_type(values[k])
            except SignatureError as exc:
                self.error(path + (k,), f"{k} is not a type: {exc}")
                return None
        values.update({k: support_function(values[k]) for k in FUNCTION_KEYS})
        values.update({k: self.boolean(body.get(k), path + (k,), k, False) for k in FLAG_KEYS + ("hypothetical",)})
        values.update({k: self.aggregate_size(body.get(k), path + (k,), k) for k in SIZE_KEYS})
        if values["hypothetical"] and direct is None:
            self.error(path + ("hypothetical",), "only an ordered-set aggregate (ORDER BY in its arguments) is hypothetical")
        modify = self.aggregate_choice(body, "finalfunc_modify", FINAL_MODIFY, path)
        schema, name = split_qualified(name)
        return Aggregate(schema, naming.truncate_identifier(name), arguments, direct=direct,
                         finalfunc_modify=None if modify == default_modify(direct) else modify,
                         parallel=self.aggregate_choice(body, "parallel", PARALLEL, path) or "unsafe",
                         **values, **self.comment_of(body, path))

    def aggregate_size(self, value: Any, path: tuple, what: str) -> Optional[int]:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.error(path, f"{what} must be a number of bytes, not {describe_value(value)}")
            return None
        return value or None

    def aggregate_choice(self, body: dict, key: str, allowed: tuple, path: tuple) -> Optional[str]:
        value = self.text(body.get(key), path + (key,), key)
        if value is None:
            return None
        if value.lower() not in allowed:
            self.error(path + (key,), f"{key} must be one of {', '.join(allowed)}, not {value!r}")
            return None
        return value.lower()


def dump_aggregates(catalog: Catalog) -> dict:
    """``aggregates:`` as inspect writes it."""
    return {aggregate_key(a): _aggregate(a) for a in catalog.aggregates}


def aggregate_key(a: Aggregate) -> str:
    name = a.name if a.schema == "public" and "." not in a.name else f"{a.schema}.{a.name}"
    return f"{name}({aggregate_arguments_text(a.arguments, a.direct)})"


def _aggregate(a: Aggregate) -> dict:
    body: dict = {"sfunc": a.sfunc, "stype": a.stype}
    for key in AGGREGATE_KEYS:
        value = getattr(a, key)
        if key in body or value in (None, False) or (key == "parallel" and value == "unsafe"):
            continue
        body[key] = value
    return body
