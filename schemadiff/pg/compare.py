"""Equality of the expressions the catalog reader and the differ both compare: an index, a
partition key, a partition bound. Here rather than in ``diff`` so that reading and settling
the catalog (``catalog``) do not import the whole differ, which ``check`` of an unchanged
database never needs."""

from __future__ import annotations

from typing import Optional

from . import normalize
from .index_keys import comparable


def same_index(a, b) -> bool:
    return (
        tuple(normalize.index_key(k) for k in a.keys) == tuple(normalize.index_key(k) for k in b.keys)
        and a.unique == b.unique and a.method == b.method and a.include == b.include
        and normalize.expression(a.where) == normalize.expression(b.where)
        and a.nulls_not_distinct == b.nulls_not_distinct and comparable(a.parameters) == comparable(b.parameters)
    )


def same_key(a: Optional[str], b: Optional[str]) -> bool:
    return normalize.expression(a) == normalize.expression(b)


def same_bound(a: str, b: str) -> bool:
    return normalize.expression(a) == normalize.expression(b)
