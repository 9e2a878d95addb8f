"""Sequences and identity options against a real server: standalone and shared sequences,
nextval() defaults, serial read only where the sequence is exactly serial's, conversions
between serial and explicit sequences that keep the position, identity options changed in
place, and a drop that counts as destructive."""

from __future__ import annotations

from prodsafe_helpers import apply, converged, dedent, plan

from schemadiff import desired
from schemadiff.desired.dump import dump
from reliability import live

SHARED = """
sequences:
  billing.document_number_seq: {start: 100000, comment: numbering of invoices and credit notes}
  public_id_seq: {start: 1000, increment: 10, min: 1000, max: 9000000000000, cache: 20}
tables:
  billing.invoices:
    columns:
      id: {type: bigint, identity: {kind: always, start: 1000, increment: 5}}
      number: {type: bigint, nullable: false, default: "nextval('billing.document_number_seq')"}
    primary_key: id
  billing.credit_notes:
    columns:
      id: {type: bigint, identity: always}
      number: {type: bigint, nullable: false, default: "nextval('billing.document_number_seq'::regclass)"}
    primary_key: id
  accounts:
    columns:
      id: bigserial
      public_id: {type: bigint, default: "nextval('public.public_id_seq')"}
    primary_key: id
"""


def sequence_row(sql, name: str) -> tuple:
    return sql("SELECT format_type(seqtypid, NULL), seqstart, seqincrement, seqmin, seqmax, seqcache, seqcycle"
               " FROM pg_sequence WHERE seqrelid = %s::regclass", name)[0]


def owner_of(sql, name: str):
    rows = sql("SELECT d.refobjid::regclass::text || '.' || a.attname FROM pg_depend d JOIN pg_attribute a"
               " ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid WHERE d.objid = %s::regclass"
               " AND d.classid = 'pg_class'::regclass AND d.deptype = 'a'", name)
    return rows[0][0] if rows else None


def test_shared_sequences_and_identity_options_are_built_and_converge(database_url, sql):
    apply(database_url, SHARED)
    assert sequence_row(sql, "billing.document_number_seq") == ("bigint", 100000, 1, 1, 9223372036854775807, 1, False)
    assert sequence_row(sql, "public_id_seq") == ("bigint", 1000, 10, 1000, 9000000000000, 20, False)
    assert sequence_row(sql, "billing.invoices_id_seq")[1:3] == (1000, 5)
    sql("INSERT INTO billing.invoices DEFAULT VALUES")
    sql("INSERT INTO billing.credit_notes DEFAULT VALUES")
    assert sql("SELECT number FROM billing.invoices UNION ALL SELECT number FROM billing.credit_notes") == [(100000,), (100001,)]
    assert converged(database_url, SHARED)


def test_inspect_writes_sequences_and_identity_options_that_load_back(database_url, sql):
    apply(database_url, SHARED)
    catalog = desired.loads(dedent(SHARED))
    text = dump(live(database_url, catalog))
    assert "identity: {kind: always, start: 1000, increment: 5}" in text, text
    assert "default: nextval('billing.document_number_seq')}" in text
    assert "billing.document_number_seq:" in text and "start: 100000" in text
    assert desired.loads(text) == live(database_url, catalog)
    assert converged(database_url, text)


def test_a_pg_dump_style_sequence_of_another_type_is_not_read_as_serial(database_url, sql):
    """pg_dump writes a plain CREATE SEQUENCE (bigint) owned by an integer column: that is not
    what serial makes, so inspect writes the sequence and the nextval() default."""
    sql("CREATE TABLE payment (payment_id integer NOT NULL, amount numeric)")
    sql("CREATE SEQUENCE payment_payment_id_seq")
    sql("ALTER SEQUENCE payment_payment_id_seq OWNED BY payment.payment_id")
    sql("ALTER TABLE payment ALTER COLUMN payment_id SET DEFAULT nextval('payment_payment_id_seq'::regclass)")
    catalog = live(database_url, desired.loads("tables: {}"))
    [table] = catalog.tables
    assert not table.columns[0].serial
    assert table.columns[0].default == "nextval('payment_payment_id_seq'::regclass)"
    [sequence] = catalog.sequences
    assert (sequence.type, sequence.owned_by) == ("bigint", ("public", "payment", "payment_id"))
    text = dump(catalog)
    assert "  payment_payment_id_seq:\n    owned_by: payment.payment_id\n" in text


def test_a_sequence_with_options_owned_by_a_column_is_not_read_as_serial(database_url, sql):
    sql("CREATE TABLE t (id integer NOT NULL)")
    sql("CREATE SEQUENCE t_id_seq AS integer CACHE 20 OWNED BY t.id")
    sql("ALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('t_id_seq')")
    catalog = live(database_url, desired.loads("tables: {}"))
    assert not catalog.tables[0].columns[0].serial
    assert catalog.sequences[0].options.cache == 20


def test_exactly_what_serial_makes_is_read_as_serial(database_url, sql):
    sql("CREATE TABLE t (id serial, big bigserial, small smallserial)")
    catalog = live(database_url, desired.loads("tables: {}"))
    assert [c.serial for c in catalog.tables[0].columns] == [True, True, True]
    assert catalog.sequences == ()


NEXTVAL = """
sequences:
  items_id_seq: {as: integer, owned_by: items.id, max: 1000000}
tables:
  items:
    columns:
      id: {type: integer, nullable: false, default: "nextval('items_id_seq')"}
      name: text
    primary_key: id
"""
SERIAL = """
tables:
  items:
    columns:
      id: serial
      name: text
    primary_key: id
"""


def test_nextval_defaults_turned_serial_reach_a_fixpoint_and_keep_the_position(database_url, sql):
    """Regression: the sequence existed, so CREATE SEQUENCE IF NOT EXISTS … OWNED BY was
    skipped and every later plan proposed the same statements again."""
    sql("CREATE TABLE items (id integer NOT NULL PRIMARY KEY, name text)")
    sql("CREATE SEQUENCE items_id_seq AS integer")  # not owned by the column
    sql("ALTER TABLE items ALTER COLUMN id SET DEFAULT nextval('items_id_seq')")
    sql("INSERT INTO items (name) SELECT 'n' || g FROM generate_series(1, 5) g")
    apply(database_url, SERIAL)
    assert owner_of(sql, "items_id_seq") == "items.id"
    assert converged(database_url, SERIAL), plan(database_url, SERIAL).statements
    sql("INSERT INTO items (name) VALUES ('next')")
    assert sql("SELECT max(id) FROM items") == [(6,)]


def test_serial_and_explicit_sequence_convert_both_ways_keeping_the_position(database_url, sql):
    apply(database_url, SERIAL)
    sql("INSERT INTO items (name) SELECT 'n' || g FROM generate_series(1, 5) g")
    the_plan = plan(database_url, NEXTVAL)
    assert not the_plan.destructive
    apply(database_url, NEXTVAL)
    assert sequence_row(sql, "items_id_seq")[4] == 1000000 and owner_of(sql, "items_id_seq") == "items.id"
    assert converged(database_url, NEXTVAL)
    sql("INSERT INTO items (name) VALUES ('six')")
    apply(database_url, SERIAL)
    assert sequence_row(sql, "items_id_seq")[4] == 2147483647
    assert converged(database_url, SERIAL)
    sql("INSERT INTO items (name) VALUES ('seven')")
    assert sql("SELECT id FROM items ORDER BY id DESC LIMIT 2") == [(7,), (6,)]


def test_changing_sequence_options_never_restarts_it(database_url, sql):
    apply(database_url, SHARED)
    sql("SELECT nextval('public_id_seq') FROM generate_series(1, 3)")
    changed = SHARED.replace("increment: 10, min: 1000", "increment: 100, min: 1000").replace("cache: 20", "cache: 1, cycle: true")
    statements = [s.sql for s in plan(database_url, changed).statements]
    assert statements == ["ALTER SEQUENCE public.public_id_seq INCREMENT BY 100 CACHE 1 CYCLE"]
    apply(database_url, changed)
    # the three values taken with CACHE 20 reserved 1000 to 1190: numbering goes on from there
    assert sql("SELECT nextval('public_id_seq')") == [(1290,)]
    assert converged(database_url, changed)


def test_identity_options_change_in_place_without_restart(database_url, sql):
    apply(database_url, SHARED)
    sql("INSERT INTO billing.invoices DEFAULT VALUES")
    changed = SHARED.replace("{kind: always, start: 1000, increment: 5}", "{kind: always, start: 1000, increment: 50}")
    [statement] = plan(database_url, changed).statements
    assert "SET INCREMENT BY 50" in statement.sql and "RESTART" not in statement.sql
    apply(database_url, changed)
    sql("INSERT INTO billing.invoices DEFAULT VALUES")
    assert sql("SELECT id FROM billing.invoices ORDER BY id") == [(1000,), (1050,)]
    assert converged(database_url, changed)
    short = changed.replace("{kind: always, start: 1000, increment: 50}", "always")
    apply(database_url, short)
    assert sequence_row(sql, "billing.invoices_id_seq")[1:3] == (1, 1)
    assert converged(database_url, short)


def test_dropping_a_sequence_is_destructive(database_url, sql):
    apply(database_url, SHARED)
    without = SHARED.replace("      public_id: {type: bigint, default: \"nextval('public.public_id_seq')\"}\n", "")
    without = without.replace("  public_id_seq: {start: 1000, increment: 10, min: 1000, max: 9000000000000, cache: 20}\n", "")
    the_plan = plan(database_url, without)
    [drop] = [s for s in the_plan.statements if s.kind == "DropSequence"]
    assert [h.code for h in drop.hazards] == ["DELETES_DATA"] and the_plan.destructive
    assert drop.sql == "DROP SEQUENCE IF EXISTS public.public_id_seq"
    apply(database_url, without, allow_destructive=True)
    assert converged(database_url, without)


def test_a_missing_sequence_is_critical_and_different_options_a_warning(database_url, sql):
    from schemadiff import engine
    from schemadiff.monitor.check import check_on

    apply(database_url, SHARED)
    sql("ALTER SEQUENCE public_id_seq CACHE 1")
    sql("ALTER TABLE billing.invoices ALTER COLUMN id SET INCREMENT BY 1")
    catalog = desired.loads(dedent(SHARED))
    target = engine.Target(database_url)
    with engine.connection(target) as conn:
        report = check_on(conn, target, engine.read_live(conn, target, catalog), catalog)
    found = {(f.severity, f.kind, f.problem, f.object) for f in report.findings if f.kind != "version"}
    assert found == {("warning", "sequence", "differs", "public.public_id_seq"),
                     ("warning", "column", "differs", "billing.invoices.id")}
    sql("ALTER TABLE billing.invoices ALTER COLUMN number DROP DEFAULT")
    sql("ALTER TABLE billing.credit_notes ALTER COLUMN number DROP DEFAULT")
    sql("DROP SEQUENCE billing.document_number_seq")
    with engine.connection(target) as conn:
        report = check_on(conn, target, engine.read_live(conn, target, catalog), catalog)
    assert ("critical", "sequence", "missing", "billing.document_number_seq") in {
        (f.severity, f.kind, f.problem, f.object) for f in report.findings}


def test_a_raised_minimum_moves_the_position_forward_never_back(database_url, sql):
    apply(database_url, SHARED)
    raised = SHARED.replace("min: 1000, max", "min: 5000, max").replace("start: 1000, increment: 10", "start: 5000, increment: 10")
    apply(database_url, raised)
    assert sql("SELECT nextval('public_id_seq')") == [(5000,)]
    assert converged(database_url, raised)
    sql("SELECT setval('public_id_seq', 7000)")
    apply(database_url, raised.replace("min: 5000", "min: 6000").replace("start: 5000", "start: 6000"))
    assert sql("SELECT nextval('public_id_seq')") == [(7010,)]


def test_a_renamed_sequence_keeps_its_position_and_the_hint_is_then_a_no_op(database_url, sql):
    apply(database_url, SHARED)
    sql("SELECT nextval('billing.document_number_seq')")
    renamed = SHARED.replace("billing.document_number_seq: {start", "billing.numbers: {renamed_from: document_number_seq, start")
    renamed = renamed.replace("nextval('billing.document_number_seq'", "nextval('billing.numbers'")
    assert [s.kind for s in plan(database_url, renamed).statements] == ["RenameSequence"]
    apply(database_url, renamed)
    assert sql("SELECT nextval('billing.numbers')") == [(100001,)]
    assert converged(database_url, renamed)


def test_serial_is_read_as_serial_whatever_the_table_name(database_url, sql):
    text = "tables:\n  'it''s \"Odd\".x':\n    schema: public\n    columns:\n      id: serial\n"
    apply(database_url, text)
    [table] = live(database_url, desired.loads(text)).tables
    assert table.columns[0].serial
    assert converged(database_url, text)


def test_an_identity_whose_minimum_rises_past_its_position_moves_forward_into_the_range(database_url, sql):
    """Found by the convergence suite: MINVALUE 10 on an identity still at 1 made PostgreSQL
    refuse the ALTER ("RESTART value (1) cannot be less than MINVALUE (10)")."""
    before = "tables: {t: {columns: {id: {type: smallint, identity: always}, v: text}}}"
    after = ("tables: {t: {columns: {id: {type: integer, identity: {kind: always, start: 10, min: 10, cache: 5}},"
             " v: text}}}")
    apply(database_url, before)
    sql("INSERT INTO t (v) VALUES ('a'), ('b')")
    apply(database_url, after)
    assert converged(database_url, after)
    assert sql("INSERT INTO t (v) VALUES ('c') RETURNING id") == [(10,)]


def test_an_identity_already_inside_its_new_range_keeps_its_position(database_url, sql):
    apply(database_url, "tables: {t: {columns: {id: {type: bigint, identity: always}, v: text}}}")
    sql("INSERT INTO t (v) SELECT 'x' FROM generate_series(1, 20)")
    after = "tables: {t: {columns: {id: {type: bigint, identity: {kind: always, min: 5}}, v: text}}}"
    apply(database_url, after)
    assert converged(database_url, after)
    assert sql("INSERT INTO t (v) VALUES ('c') RETURNING id") == [(21,)]
