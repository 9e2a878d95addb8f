"""Splitting a long plan into transactions the server's lock table can hold.

Every relation a transaction creates or alters stays locked until it commits, and the locks of
all sessions share one table of ``max_locks_per_transaction × (max_connections +
max_prepared_transactions)`` slots (6,400 with the defaults). Creating 5,000 tables with their
sequences, indexes and TOAST tables in one transaction needs some 50,000: "out of shared
memory", and nothing is applied. So a run of transactional statements whose estimated locks
exceed a budget — a quarter of that table, leaving the rest to the other sessions — is cut,
at statement boundaries and in plan order, into several transactions.

Each committed transaction is progress: the plan is declarative, so an apply that stops half
way (a failure, a kill) leaves a database that the next apply plans from, and it does only
what is left. The version is recorded with the last transaction, once all of it is done.
"""

from __future__ import annotations

from typing import Sequence

SHARE_OF_LOCK_TABLE = 4  # a transaction may use 1/4 of the server's lock table
DEFAULT_BUDGET = 6400 // SHARE_OF_LOCK_TABLE  # PostgreSQL's defaults: 64 × (100 + 0)


def lock_budget(conn) -> int:
    """The locks one apply transaction may take on this server."""
    row = conn.execute("SELECT current_setting('max_locks_per_transaction')::int,"
                       " current_setting('max_connections')::int,"
                       " current_setting('max_prepared_transactions')::int").fetchone()
    per, connections, prepared = row
    return max(per, per * (connections + prepared) // SHARE_OF_LOCK_TABLE)


def estimated_locks(statement) -> int:
    """A generous count of the relations a new table locks until commit: itself, its TOAST
    table and index, and each sequence, index and referenced table it makes or names."""
    sql = statement.sql.upper()
    return 4 + sum(sql.count(word) for word in ("SERIAL", "IDENTITY", "PRIMARY KEY", "UNIQUE", "REFERENCES", "EXCLUDE"))


_OTHER_RELATIONS = ("INDEX", "REFERENCES", "TRIGGER", "VIEW", "SEQUENCE", "FUNCTION", "PARTITION", "TYPE", "POLICY")


def footprint(statement) -> tuple[frozenset, int]:
    """(the existing table ``statement`` works on, which a transaction locks once however many
    statements touch it; the locks it may add besides: a new table's own, or one for an index,
    referenced table, trigger, view… it names)."""
    sql = statement.sql.lstrip().upper()
    if sql.startswith("CREATE TABLE"):
        return frozenset(), estimated_locks(statement)
    table = ".".join(statement.object.split(".")[:2]) if statement.object else statement.sql
    return frozenset([table]), 1 + sum(1 for word in _OTHER_RELATIONS if word in sql)


def split(statements: Sequence, budget: int) -> list[list]:
    """``statements`` (one transactional group) cut into consecutive runs whose estimated
    locks stay within ``budget`` (a statement over it alone still gets a run of its own)."""
    runs: list[list] = [[]]
    tables: frozenset = frozenset()
    extra = 0
    for statement in statements:
        its_tables, its_extra = footprint(statement)
        if runs[-1] and len(tables | its_tables) + extra + its_extra > budget:
            runs.append([])
            tables, extra = frozenset(), 0
        runs[-1].append(statement)
        tables |= its_tables
        extra += its_extra
    return runs


def transactions(groups: Sequence[tuple[bool, list]], budget: int) -> list[tuple[bool, list]]:
    """``groups`` (deploy.apply.groups) with each transactional group split to fit ``budget``."""
    out: list[tuple[bool, list]] = []
    for transactional, statements in groups:
        if transactional:
            out += [(True, run) for run in split(statements, budget)]
        else:
            out.append((transactional, statements))
    return out


def note(before: int, after: int, budget: int) -> str:
    """What the plan says when it runs in more transactions than its DDL needs."""
    return (f"Runs in {after} transactions instead of {before}: its locks would overflow the server's lock table "
            f"(about {budget} locks per transaction fit: a quarter of max_locks_per_transaction × "
            f"(max_connections + max_prepared_transactions)). Each commits its part; if apply stops, "
            f"running it again does only what is left, and the version is recorded with the last.")
