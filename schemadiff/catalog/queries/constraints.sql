-- Primary keys, unique, foreign key and check constraints of the tables above.
SELECT n.nspname                AS schema,
       c.relname                AS table_name,
       con.conname              AS name,
       con.contype              AS kind,
       con.convalidated         AS validated,
       con.condeferrable        AS deferrable,
       con.condeferred          AS deferred,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord)    AS columns,
       rn.nspname               AS ref_schema,
       rc.relname               AS ref_table,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord)    AS ref_columns,
       con.confupdtype          AS on_update,
       con.confdeltype          AS on_delete,
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END AS expression
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c')
  AND c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
  AND con.conparentid = 0
ORDER BY n.nspname, c.relname, con.conname
