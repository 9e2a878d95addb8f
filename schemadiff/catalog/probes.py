"""What settling a desired text with the server is made of: run a statement on a scratch
object that may fail (a savepoint keeps the surrounding always-rolled-back transaction alive),
and read one value back."""

from __future__ import annotations

from typing import Optional


def succeeds(conn, sql: str) -> bool:
    """Run ``sql`` in a savepoint; whether the server accepted it."""
    try:
        with conn.transaction():
            conn.execute(sql)
        return True
    except Exception:
        return False


def first_value(conn, sql: str, params) -> Optional[str]:
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None
