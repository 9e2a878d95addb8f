-- Partitioned tables and partitions: each partitioned table of the managed schemas with its
-- key, and every partition (whatever its schema: it belongs to its parent) with its parent and
-- its bound. Bounds print in the session's TimeZone, as the file is compared in that session.
SELECT n.nspname                                         AS schema,
       c.relname                                         AS name,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,
       pn.nspname                                        AS parent_schema,
       p.relname                                         AS parent_name,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
       (SELECT d.description FROM pg_description d
        WHERE d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0) AS comment,
       -- a partition's own storage parameters, its TOAST table's as toast.… (as tables.sql reads them)
       CASE WHEN c.relispartition THEN
            coalesce(c.reloptions, '{}') || coalesce(ARRAY(SELECT 'toast.' || o FROM pg_class tc, unnest(tc.reloptions) o
                                                           WHERE tc.oid = c.reltoastrelid), '{}') END AS parameters
,      -- a partition's own column defaults and NOT NULLs: [name, default or null, NOT NULL], where they differ from its parent's
       CASE WHEN c.relispartition THEN
            (SELECT json_agg(json_build_array(a.attname, CASE WHEN own.default_differs THEN pg_get_expr(d.adbin, d.adrelid) END,
                                               own.not_null) ORDER BY a.attnum)
             FROM pg_attribute a
             JOIN pg_attribute pa ON pa.attrelid = p.oid AND pa.attname = a.attname
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             LEFT JOIN pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
             -- a default it lacks while its parent has one is not its own: the unmanaged report names it
             CROSS JOIN LATERAL (SELECT d.oid IS NOT NULL AND pg_get_expr(d.adbin, d.adrelid)
                                        IS DISTINCT FROM pg_get_expr(pd.adbin, pd.adrelid) AS default_differs,
                                        a.attnotnull AND NOT pa.attnotnull AS not_null) own
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
               AND (own.default_differs OR own.not_null))
       END AS own_columns
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND c.relispartition
LEFT JOIN pg_class p ON p.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND (c.relispartition
       OR (c.relkind = 'p' AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = c.oid AND e.classid = 'pg_class'::regclass AND e.deptype = 'e')
ORDER BY n.nspname, c.relname
