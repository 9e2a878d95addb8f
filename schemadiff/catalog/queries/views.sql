-- Views and materialized views of the managed schemas (not those an extension owns), in one
-- query. The query text is pg_get_viewdef under the connection's search_path (public): public
-- names come out bare, others qualified. columns: [[name, type], ...] in order; column_comments:
-- [[column, comment], ...]; depends_on: [[what, schema, name, column], ...] from pg_depend of the
-- view's _RETURN rule: columns it reads ('column'), relations ('relation'), functions
-- ('function', name with its identity argument types, as Function.signature) and types ('type', arrays as their element),
-- leaving out pg_catalog's and information_schema's.
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relkind = 'm' AS materialized,
       pg_get_viewdef(c.oid) AS query,
       c.reloptions AS options,
       c.relispopulated AS populated,
       obj_description(c.oid, 'pg_class') AS comment,
       (SELECT COALESCE(json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum), '[]')
        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT COALESCE(json_agg(json_build_array(a.attname, d.description) ORDER BY a.attname), '[]')
        FROM pg_description d
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
        WHERE d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid > 0) AS column_comments,
       (SELECT COALESCE(json_agg(DISTINCT jsonb_build_array(r.what, r.schema, r.name, r.col)), '[]')
        FROM pg_rewrite rw
        JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid AND d.deptype = 'n'
        CROSS JOIN LATERAL (
            SELECT CASE WHEN d.refobjsubid > 0 THEN 'column' ELSE 'relation' END AS what,
                   rn.nspname AS schema, rc.relname AS name, ra.attname AS col
            FROM pg_class rc
            JOIN pg_namespace rn ON rn.oid = rc.relnamespace
            LEFT JOIN pg_attribute ra ON ra.attrelid = rc.oid AND ra.attnum = d.refobjsubid AND d.refobjsubid > 0
            WHERE d.refclassid = 'pg_class'::regclass AND rc.oid = d.refobjid AND rc.oid <> c.oid
            UNION ALL
            SELECT 'function', pn.nspname, p.proname || '(' || oidvectortypes(p.proargtypes) || ')', NULL
            FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace
            WHERE d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid
            UNION ALL
            SELECT 'type', tn.nspname, t.typname, NULL
            FROM pg_type dt
            JOIN pg_type t ON t.oid = CASE WHEN dt.typcategory = 'A' AND dt.typelem <> 0 THEN dt.typelem ELSE dt.oid END
            JOIN pg_namespace tn ON tn.oid = t.typnamespace
            WHERE d.refclassid = 'pg_type'::regclass AND dt.oid = d.refobjid
        ) r
        WHERE rw.ev_class = c.oid AND rw.rulename = '_RETURN'
          AND r.schema NOT IN ('pg_catalog', 'information_schema')) AS depends_on
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1, 2
