-- One row per column of every ordinary or partitioned table (tables without columns
-- appear once with NULL column fields). Extension-owned tables are left out. Only a table's own
-- columns (attislocal): those an inheritance child only inherits belong to its parents.
-- What belongs to the table (its comment, storage parameters, replica identity, size) is read once
-- per table in `t`, not once per column row; the sequences columns own are read in one pass
-- over pg_depend (`owned`) and hash-joined, instead of a lookup per column.
-- Comments are scalar subqueries on pg_description's unique index: as joins, the planner
-- (misled by catalog statistics that are rarely analyzed) nested-looped them, O(columns²).
WITH t AS MATERIALIZED (
    SELECT c.oid, n.nspname, c.relname,
           (SELECT td.description FROM pg_description td
            WHERE td.objoid = c.oid AND td.classoid = 'pg_class'::regclass AND td.objsubid = 0) AS table_comment,
           c.relpersistence = 'u'                      AS unlogged,
           coalesce(c.reloptions, '{}') || coalesce(ARRAY(SELECT 'toast.' || o FROM pg_class tc, unnest(tc.reloptions) o
                                                          WHERE tc.oid = c.reltoastrelid), '{}') AS parameters,
           c.relreplident                              AS replica_identity,
           CASE WHEN c.relreplident = 'i' THEN
               (SELECT ri.relname FROM pg_index ix JOIN pg_class ri ON ri.oid = ix.indexrelid
                WHERE ix.indrelid = c.oid AND ix.indisreplident) END AS replica_index,
           -- INHERITS parents (partitions are not read here), in order
           (SELECT jsonb_agg(jsonb_build_array(pn.nspname, p.relname) ORDER BY i.inhseqno)
            FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
            WHERE i.inhrelid = c.oid)                  AS inherits,
           -- The table's size, for the plan's cost estimates (pg_table_size makes a few
           -- file-system calls), shown on its first column row only.
           (SELECT min(f.attnum) FROM pg_attribute f
            WHERE f.attrelid = c.oid AND f.attnum > 0 AND NOT f.attisdropped AND f.attislocal) AS first_attnum,
           -- A partitioned table holds nothing itself: its size is its leaf partitions'.
           CASE WHEN c.relkind = 'p' THEN (SELECT sum(nullif(lc.reltuples, -1)) FROM pg_partition_tree(c.oid) pt
                                           JOIN pg_class lc ON lc.oid = pt.relid WHERE pt.isleaf)
                ELSE nullif(c.reltuples, -1) END      AS est_rows,
           CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_table_size(pt.relid)), 0)
                                           FROM pg_partition_tree(c.oid) pt WHERE pt.isleaf)
                ELSE pg_table_size(c.oid) END         AS heap_bytes,
           CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_indexes_size(pt.relid)), 0)
                                           FROM pg_partition_tree(c.oid) pt WHERE pt.isleaf)
                ELSE pg_indexes_size(c.oid) END       AS index_bytes,
           (SELECT count(*) FROM pg_index ix WHERE ix.indrelid = c.oid) AS index_count,
           coalesce(pg_stat_get_last_analyze_time(c.oid), pg_stat_get_last_autoanalyze_time(c.oid)) IS NOT NULL AS analyzed
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND NOT c.relispartition
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_)'
      AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
      AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = c.oid AND e.classid = 'pg_class'::regclass AND e.deptype = 'e')
), owned AS MATERIALIZED (
    SELECT DISTINCT ON (d.refobjid, d.refobjsubid) d.refobjid, d.refobjsubid, d.objid::regclass::text AS seq
    FROM pg_depend d
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'  -- indexes depend on columns with 'a' too
    WHERE d.deptype = 'a' AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.refobjsubid > 0
    ORDER BY d.refobjid, d.refobjsubid, d.objid
)
SELECT t.nspname                                   AS schema,
       t.relname                                   AS name,
       t.table_comment,
       a.attname                                   AS column_name,
       format_type(a.atttypid, a.atttypmod)        AS column_type,
       a.attnotnull                                AS not_null,
       pg_get_expr(ad.adbin, ad.adrelid)           AS column_default,
       a.attidentity                               AS identity,
       a.attgenerated                              AS generated,
       (SELECT cd.description FROM pg_description cd
        WHERE cd.objoid = t.oid AND cd.classoid = 'pg_class'::regclass AND cd.objsubid = a.attnum) AS column_comment,
       owned.seq                                   AS owned_sequence,
       -- Table and column details, repeated on each column row of the table.
       t.unlogged,
       t.parameters,
       t.replica_identity,
       t.replica_index,
       CASE WHEN a.attcollation <> ty.typcollation THEN co_ns.nspname END AS collation_schema,
       CASE WHEN a.attcollation <> ty.typcollation THEN co.collname END  AS collation_name,
       CASE WHEN a.attstorage <> ty.typstorage THEN a.attstorage END     AS storage,
       nullif(a.attcompression, '')                AS compression,
       t.inherits,
       CASE WHEN first THEN t.est_rows END         AS est_rows,
       CASE WHEN first THEN t.heap_bytes END       AS heap_bytes,
       CASE WHEN first THEN t.index_bytes END      AS index_bytes,
       CASE WHEN first THEN t.index_count END      AS index_count,
       CASE WHEN first THEN t.analyzed END         AS analyzed
FROM t
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attislocal
LEFT JOIN pg_attrdef ad ON ad.adrelid = t.oid AND ad.adnum = a.attnum
LEFT JOIN pg_type ty ON ty.oid = a.atttypid
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace co_ns ON co_ns.oid = co.collnamespace
LEFT JOIN owned ON owned.refobjid = t.oid AND owned.refobjsubid = a.attnum
CROSS JOIN LATERAL (SELECT a.attnum IS NULL OR a.attnum = t.first_attnum AS first) row_of
ORDER BY t.nspname, t.relname, a.attnum
