"""How big a live table is, as the catalog estimates it: what a plan's cost is made of."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .names import QualifiedName


@dataclass(frozen=True)
class RelationSize:
    """A table's estimated rows (``pg_class.reltuples``; None when never vacuumed or analyzed),
    its heap (with TOAST) and index sizes in bytes, its number of indexes, and whether it has
    been analyzed (else the row count is a guess from the heap size)."""

    schema: str
    name: str
    rows: Optional[float]
    heap_bytes: int
    index_bytes: int
    indexes: int = 0
    analyzed: bool = False

    @property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)

    @property
    def empty(self) -> bool:
        """No data page at all: whatever a statement does to it is instant."""
        return self.heap_bytes <= 8192 * 2 and not self.rows


def human_bytes(n: float) -> str:
    """1536 → "1.5 kB", in PostgreSQL's pg_size_pretty units (1 kB = 1024 bytes)."""
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def human_rows(n: Optional[float]) -> str:
    if n is None:
        return "? rows"
    for limit, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= limit:
            return f"~{n / limit:.1f}{unit} rows"
    return f"~{n:.0f} rows"
