"""What settling a desired text with the server is made of: run a statement on a scratch
object that may fail (a savepoint keeps the surrounding always-rolled-back transaction alive),
and read one value back."""

from __future__ import annotations

from typing import Callable, Optional, Sequence


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


class _RolledBack(Exception):
    pass


def rolled_back(conn, work: Sequence, probe: Callable) -> dict:
    """``probe(i, item)`` for each item of ``work``, in one transaction that is always rolled
    back, so that no scratch object outlives the question; the answers by position."""
    answers: dict = {}
    try:
        with conn.transaction():
            for i, item in enumerate(work):
                answers[i] = probe(i, item)
            raise _RolledBack()
    except _RolledBack:
        pass
    return answers
