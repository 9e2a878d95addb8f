"""Rules that read the desired catalog alone: SD006, SD008, SD009."""

from __future__ import annotations

import re
from typing import Iterable

from ...model import Catalog, Table
from .rules import Raw

MONEY_WORDS = frozenset({
    "amount", "price", "balance", "cost", "total", "fee", "fees", "payout", "salary", "wage",
    "revenue", "tax", "charge", "payment", "money", "subtotal", "discount", "refund", "credit",
    "debit", "bet", "stake", "profit", "commission",
})
_FLOATS = ("real", "double precision")


def file_findings(desired: Catalog) -> Iterable[Raw]:
    """(rule, table, object, message) for the rules that read the desired catalog alone."""
    for table in desired.tables:
        name = str(table.qualified)
        if table.primary_key is None:
            yield "SD009", name, None, f"table {name} has no primary key"
        for fk in table.foreign_keys:
            if not _indexed(table, fk.columns):
                cols = ", ".join(fk.columns)
                yield "SD006", name, fk.name, f"foreign key {fk.name} on {name}({cols}) has no index starting with those columns: deletes on {fk.ref_table} scan {name}"
        for column in table.columns:
            base = column.type.removesuffix("[]")
            words = set(re.split(r"[^a-z0-9]+", column.name.lower()))
            if base in _FLOATS and words & MONEY_WORDS:
                yield "SD008", name, column.name, f"column {name}.{column.name} holds money in {column.type}, which cannot represent most decimal amounts exactly"


def _indexed(table: Table, columns: tuple) -> bool:
    """Whether some index (or key) has ``columns`` as its leading keys, in any order."""
    wanted = set(columns)
    prefixes = [table.primary_key.columns] if table.primary_key else []
    prefixes += [u.columns for u in table.uniques]
    prefixes += [tuple(k.split(" ")[0].strip('"') for k in i.keys) for i in table.indexes if not i.where]
    return any(set(p[:len(wanted)]) == wanted for p in prefixes)
