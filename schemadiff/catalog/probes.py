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


def run_each(conn, statements: Sequence[str]) -> None:
    """Run every statement in one round trip, each in a subtransaction of its own: one the
    server refuses is skipped and leaves the others (which object it was shows by its
    absence when the results are read back)."""
    if not statements:
        return
    blocks = []
    for i, sql in enumerate(statements):
        tag = _tag(f"p{i}", sql)
        blocks.append(f"BEGIN EXECUTE {tag}{sql}{tag}; EXCEPTION WHEN OTHERS THEN NULL; END;")
    body = "\n".join(blocks)
    outer = _tag("schemadiff_probe", body)
    conn.execute(f"DO {outer}BEGIN\n{body}\nEND{outer}")


def _tag(stem: str, text: str) -> str:
    """A dollar-quote tag that does not occur in ``text``."""
    tag, n = f"${stem}$", 0
    while tag in text:
        n += 1
        tag = f"${stem}_{n}$"
    return tag


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
