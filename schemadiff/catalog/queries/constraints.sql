-- Primary keys, unique, foreign key, check and exclusion constraints of the tables above;
-- for keys and exclusions, the details of the index behind them (see indexes.sql).
-- Column names are looked up per key on pg_attribute's unique index (as a join, the planner
-- hashed every column of the table for each constraint).
SELECT n.nspname                AS schema,
       c.relname                AS table_name,
       con.conname              AS name,
       con.contype              AS kind,
       con.convalidated         AS validated,
       con.condeferrable        AS deferrable,
       con.condeferred          AS deferred,
       ARRAY(SELECT (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = k.num)
             FROM unnest(con.conkey) WITH ORDINALITY k(num, ord) ORDER BY k.ord)    AS columns,
       rn.nspname               AS ref_schema,
       rc.relname               AS ref_table,
       ARRAY(SELECT (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = con.confrelid AND a.attnum = k.num)
             FROM unnest(con.confkey) WITH ORDINALITY k(num, ord) ORDER BY k.ord)    AS ref_columns,
       con.confupdtype          AS on_update,
       con.confdeltype          AS on_delete,
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END AS expression,
       con.connoinherit         AS no_inherit,
       -- to_jsonb prints the whole row: only for a unique constraint, the one kind that may say
       -- NULLS NOT DISTINCT
       CASE WHEN con.contype = 'u' THEN (to_jsonb(ci) ->> 'indnullsnotdistinct')::boolean IS TRUE ELSE false END AS nulls_not_distinct,
       am.amname                AS method,
       CASE WHEN con.contype = 'x' THEN pg_get_indexdef(ci.indexrelid, 0, true) END AS definition,
       ARRAY(SELECT pg_get_indexdef(ci.indexrelid, k, true)
             FROM generate_series(1, ci.indnkeyatts) k WHERE con.contype = 'x' ORDER BY k) AS bare_keys,
       ARRAY(SELECT CASE WHEN pg_operator_is_visible(o.oid) THEN o.oprname
                         ELSE format('OPERATOR(%%I.%%s)', opn.nspname, o.oprname) END
             FROM unnest(con.conexclop) WITH ORDINALITY x(op, ord)
             JOIN pg_operator o ON o.oid = x.op JOIN pg_namespace opn ON opn.oid = o.oprnamespace
             ORDER BY x.ord)    AS operators,
       CASE WHEN con.contype = 'x' THEN pg_get_expr(ci.indpred, ci.indrelid, true) END AS predicate,
       ARRAY(SELECT a.attname FROM generate_series(ci.indnkeyatts + 1, ci.indnatts) k
             JOIN pg_attribute a ON a.attrelid = ci.indrelid AND a.attnum = ci.indkey[k - 1] ORDER BY k) AS include,
       ic.reloptions            AS parameters,
       -- ON DELETE SET NULL/DEFAULT (columns): confdelsetcols exists from PostgreSQL 15 on
       ARRAY(SELECT a.attname FROM jsonb_array_elements_text(CASE WHEN con.contype = 'f' AND con.confdeltype IN ('n', 'd') THEN NULLIF(to_jsonb(con) -> 'confdelsetcols', 'null') END)
                                   WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num::int2
             ORDER BY k.ord)    AS on_delete_columns,
       (SELECT d.description FROM pg_description d
        WHERE d.objoid = con.oid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0) AS comment
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
-- conindid of a foreign key is the referenced table's index: only keys and exclusions own one
LEFT JOIN pg_index ci ON ci.indexrelid = con.conindid AND con.contype IN ('p', 'u', 'x')
LEFT JOIN pg_class ic ON ic.oid = ci.indexrelid
LEFT JOIN pg_am am ON am.oid = ic.relam
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  -- an inheritance child's own checks, not those it only inherits (conislocal)
  AND ((NOT c.relispartition AND con.conislocal AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[])))
       -- a partition's own check (whatever its schema: it belongs to its parent), not one it inherits
       OR (c.relispartition AND con.contype = 'c' AND con.coninhcount = 0))
  AND con.conparentid = 0
ORDER BY n.nspname, c.relname, con.conname
