"""The apply process killed with SIGKILL in the middle of a long apply: the open transaction is
all-or-nothing, no version row is written for the killed apply, and rerunning apply converges.
Its backend terminated by the server (during a concurrent index build among other moments) and
the server restarted mid-apply are in tests/test_faults_server.py."""

from __future__ import annotations

import signal

from prodsafe_helpers import (apply, cli, cli_background, column_type, connect, converged, index_valid, plan,
                              schemadiff_backends, version_count, wait_for, write)

V1 = """
tables:
  ledger:
    columns:
      id: bigserial
      amount: {type: integer, nullable: false}
      ref: varchar(20)
      memo: varchar(40)
    primary_key: id
"""
# Several type changes (two rewrites), a new column and two index builds.
V2 = V1.replace("amount: {type: integer", "amount: {type: bigint") \
    .replace("ref: varchar(20)", "ref: varchar(80)").replace("memo: varchar(40)", "memo: text") + """
    indexes:
      - name: ledger_amount_idx
        columns: [amount]
      - name: ledger_ref_idx
        columns: [ref]
""".replace("    primary_key: id\n", "")
V2 = V2.replace("      memo: text\n", "      memo: text\n      booked_at: {type: timestamptz, default: now()}\n")


def _load(sql, rows: int = 200_000) -> None:
    sql("INSERT INTO ledger (amount, ref, memo) SELECT g, 'r' || g, 'm' FROM generate_series(1, %s) g", rows)


def _constraint_valid(sql, name: str):
    return sql("SELECT convalidated FROM pg_constraint WHERE conname = %s", name)[0][0]


def _waiting_on_lock(sql, fragment: str):
    return [pid for pid, wait, query in schemadiff_backends(sql) if wait == "Lock" and fragment in query]


def test_sigkill_in_the_middle_leaves_the_old_state_and_the_next_apply_converges(database_url, sql, tmp_path):
    apply(database_url, V1)
    _load(sql)
    schema = write(tmp_path, V2)
    reader = connect(database_url)  # a long report keeps the table busy, so the apply is mid-way for a while
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM ledger")
    try:
        process = cli_background(database_url, schema, "apply", "--lock-timeout", "30")
        wait_for(lambda: _waiting_on_lock(sql, "ledger"), timeout=15, what="the apply to be mid-transaction")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        reader.execute("COMMIT")
        reader.close()
    # The orphaned backend finds its client gone and rolls the open transaction back.
    wait_for(lambda: not schemadiff_backends(sql), timeout=15, what="the killed apply's session to end")
    assert process.returncode == -signal.SIGKILL
    assert column_type(sql, "ledger", "amount") == "integer", "half a transaction was committed"
    assert sql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'ledger'::regclass AND attname = 'booked_at'") == [(0,)]
    assert version_count(sql) == 1
    assert sql("SELECT count(*) FROM ledger") == [(200_000,)]

    rerun = cli(database_url, schema, "apply", "--lock-timeout", "30")
    assert rerun.returncode == 0, rerun.stderr
    assert column_type(sql, "ledger", "amount") == "bigint"
    assert index_valid(sql, "ledger_amount_idx") is True and index_valid(sql, "ledger_ref_idx") is True
    assert version_count(sql) == 2
    assert converged(database_url, V2)


def test_apply_killed_between_add_not_valid_and_validate_is_finished_by_the_next_apply(database_url, sql, tmp_path):
    with_check = V1.replace("    primary_key: id\n", "    primary_key: id\n    checks:\n      - amount >= 0\n")
    apply(database_url, V1)
    _load(sql, rows=1000)
    add, validate = plan(database_url, with_check).statements
    assert "NOT VALID" in add.sql and "VALIDATE" in validate.sql
    sql(add.sql)  # what a kill between the two leaves: the ADD committed, the VALIDATE never ran
    assert _constraint_valid(sql, "ledger_amount_check") is False

    rerun = cli(database_url, write(tmp_path, with_check), "apply")
    assert rerun.returncode == 0, rerun.stderr
    assert _constraint_valid(sql, "ledger_amount_check") is True
    assert converged(database_url, with_check)
