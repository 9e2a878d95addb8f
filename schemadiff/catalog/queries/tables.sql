-- One row per column of every ordinary or partitioned table (tables without columns
-- appear once with NULL column fields). Extension-owned tables are left out. Only a table's own
-- columns (attislocal): those an inheritance child only inherits belong to its parents.
-- Comments are scalar subqueries on pg_description's unique index: as joins, the planner
-- (misled by catalog statistics that are rarely analyzed) nested-looped them, O(columns²).
SELECT n.nspname                                   AS schema,
       c.relname                                   AS name,
       (SELECT td.description FROM pg_description td
        WHERE td.objoid = c.oid AND td.classoid = 'pg_class'::regclass AND td.objsubid = 0) AS table_comment,
       a.attname                                   AS column_name,
       format_type(a.atttypid, a.atttypmod)        AS column_type,
       a.attnotnull                                AS not_null,
       pg_get_expr(ad.adbin, ad.adrelid)           AS column_default,
       a.attidentity                               AS identity,
       a.attgenerated                              AS generated,
       (SELECT cd.description FROM pg_description cd
        WHERE cd.objoid = c.oid AND cd.classoid = 'pg_class'::regclass AND cd.objsubid = a.attnum) AS column_comment,
       owned.seq                                   AS owned_sequence,
       -- Table and column details, repeated on each column row of the table.
       c.relpersistence = 'u'                      AS unlogged,
       coalesce(c.reloptions, '{}') || coalesce(ARRAY(SELECT 'toast.' || o FROM pg_class tc, unnest(tc.reloptions) o
                                                      WHERE tc.oid = c.reltoastrelid), '{}') AS parameters,
       c.relreplident                              AS replica_identity,
       (SELECT ri.relname FROM pg_index ix JOIN pg_class ri ON ri.oid = ix.indexrelid
        WHERE ix.indrelid = c.oid AND ix.indisreplident)            AS replica_index,
       CASE WHEN a.attcollation <> ty.typcollation THEN co_ns.nspname END AS collation_schema,
       CASE WHEN a.attcollation <> ty.typcollation THEN co.collname END  AS collation_name,
       CASE WHEN a.attstorage <> ty.typstorage THEN a.attstorage END     AS storage,
       nullif(a.attcompression, '')                AS compression,
       -- INHERITS parents (partitions are not read here), in order; an index probe per row
       (SELECT jsonb_agg(jsonb_build_array(pn.nspname, p.relname) ORDER BY i.inhseqno)
        FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
        WHERE i.inhrelid = c.oid)                  AS inherits,
       -- The table's size, for the plan's cost estimates: on its first row only, so that
       -- pg_table_size (a few file-system calls) runs once per table, not once per column.
       -- A partitioned table holds nothing itself: its size is its leaf partitions'.
       CASE WHEN first AND c.relkind = 'p' THEN (SELECT sum(nullif(lc.reltuples, -1)) FROM pg_partition_tree(c.oid) pt
                                                 JOIN pg_class lc ON lc.oid = pt.relid WHERE pt.isleaf)
            WHEN first THEN nullif(c.reltuples, -1) END                    AS est_rows,
       CASE WHEN first AND c.relkind = 'p' THEN (SELECT coalesce(sum(pg_table_size(pt.relid)), 0)
                                                 FROM pg_partition_tree(c.oid) pt WHERE pt.isleaf)
            WHEN first THEN pg_table_size(c.oid) END                      AS heap_bytes,
       CASE WHEN first AND c.relkind = 'p' THEN (SELECT coalesce(sum(pg_indexes_size(pt.relid)), 0)
                                                 FROM pg_partition_tree(c.oid) pt WHERE pt.isleaf)
            WHEN first THEN pg_indexes_size(c.oid) END                    AS index_bytes,
       CASE WHEN first THEN (SELECT count(*) FROM pg_index ix WHERE ix.indrelid = c.oid) END AS index_count,
       CASE WHEN first THEN coalesce(pg_stat_get_last_analyze_time(c.oid), pg_stat_get_last_autoanalyze_time(c.oid))
                           IS NOT NULL END                                 AS analyzed
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attislocal
LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
LEFT JOIN pg_type ty ON ty.oid = a.atttypid
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace co_ns ON co_ns.oid = co.collnamespace
LEFT JOIN LATERAL (
    SELECT d.objid::regclass::text AS seq
    FROM pg_depend d
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'  -- indexes depend on columns with 'a' too
    WHERE d.refobjid = c.oid AND d.refobjsubid = a.attnum AND d.deptype = 'a'
      AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
    LIMIT 1
) owned ON a.attnum IS NOT NULL
CROSS JOIN LATERAL (
    SELECT a.attnum IS NULL OR a.attnum = (SELECT min(f.attnum) FROM pg_attribute f
                                           WHERE f.attrelid = c.oid AND f.attnum > 0 AND NOT f.attisdropped) AS first
) row_of
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = c.oid AND e.classid = 'pg_class'::regclass AND e.deptype = 'e')
ORDER BY n.nspname, c.relname, a.attnum
