-- Secondary indexes (of tables and materialized views): every index not created by a primary key, unique or exclusion
-- constraint. Key texts are cut out of the whole pg_get_indexdef (the only place that prints
-- a key's COLLATE) along the bare per-column texts (bare_keys); ``keys`` appends the operator
-- class and ordering by hand, for a definition that cannot be walked.
SELECT n.nspname               AS schema,
       t.relname               AS table_name,
       ic.relname              AS name,
       i.indisunique           AS is_unique,
       i.indisvalid            AS is_valid,
       am.amname               AS method,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       kk.keys,
       -- INCLUDE columns by name (pg_get_indexdef would quote them: "Title")
       ARRAY(SELECT a.attname FROM generate_series(i.indnkeyatts + 1, i.indnatts) k
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1] ORDER BY k) AS include,
       kk.bare_keys,
       kk.definition,
       -- indnullsnotdistinct exists from PostgreSQL 15 on; NULL (false) before. to_jsonb prints
       -- the whole row (expression trees too): only for a definition that says NULLS NOT DISTINCT.
       CASE WHEN strpos(kk.definition, ' NULLS NOT DISTINCT') > 0
            THEN (to_jsonb(i) ->> 'indnullsnotdistinct')::boolean IS TRUE ELSE false END AS nulls_not_distinct,
       ic.reloptions           AS parameters,
       (SELECT d.description FROM pg_description d
        WHERE d.objoid = ic.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0) AS comment
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = ic.relam
-- Each key's text is printed once and serves both arrays; a plain column's is its quoted name
-- (what pg_get_indexdef(oid, k, true) prints for it, without deparsing and re-reading the
-- catalog per call); OFFSET 0 keeps the definition from being printed once per reference.
CROSS JOIN LATERAL (
    SELECT pg_get_indexdef(i.indexrelid, 0, true) AS definition,
           coalesce(array_agg(b.bare ORDER BY b.k), '{}') AS bare_keys,
           coalesce(array_agg(b.bare
                || CASE WHEN opc.opcdefault THEN '' ELSE ' ' || opc.opcname END
                || CASE WHEN pg_indexam_has_property(am.oid, 'can_order') AND (i.indoption[b.k - 1] & 1) = 1
                        THEN ' DESC' || CASE WHEN (i.indoption[b.k - 1] & 2) = 0 THEN ' NULLS LAST' ELSE '' END
                        WHEN pg_indexam_has_property(am.oid, 'can_order') AND (i.indoption[b.k - 1] & 2) = 2 THEN ' NULLS FIRST'
                        ELSE '' END
                ORDER BY b.k) FILTER (WHERE opc.oid IS NOT NULL), '{}') AS keys
    FROM (SELECT k, CASE WHEN i.indkey[k - 1] = 0 THEN pg_get_indexdef(i.indexrelid, k, true)
                         ELSE (SELECT quote_ident(a.attname) FROM pg_attribute a
                               WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]) END AS bare
          FROM generate_series(1, i.indnkeyatts) k) b
    LEFT JOIN pg_opclass opc ON opc.oid = i.indclass[b.k - 1]
    OFFSET 0
) kk
WHERE ((t.relkind IN ('r', 'p', 'm') AND NOT t.relispartition
        AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[])))
       -- a leaf partition's own index (whatever its schema: it belongs to its parent), not a clone of its parent's
       OR (t.relkind = 'r' AND t.relispartition AND NOT ic.relispartition))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                    AND con.contype IN ('p', 'u', 'x'))
ORDER BY n.nspname, t.relname, ic.relname
