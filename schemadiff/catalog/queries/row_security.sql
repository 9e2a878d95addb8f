-- Row-level security and policies of the relations of the managed schemas, in one query:
-- a 'table' row for each table with ENABLE or FORCE ROW LEVEL SECURITY, a 'policy' row for each
-- policy (its expressions by pg_get_expr, as under search_path = public; roles by name,
-- 'public' for PUBLIC, sorted). Relations an extension owns are left out.
-- deps: [what, schema, name, column] for the relations, columns and functions a policy uses
-- (a function named by its argument types, `f(integer)`, as Function.signature names it).
WITH rels AS (
    SELECT c.oid, n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity, c.relkind
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
      AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
      AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
)
SELECT 'table' AS kind, r.nspname, r.relname, NULL AS name, r.relrowsecurity, r.relforcerowsecurity,
       NULL AS cmd, NULL::boolean AS permissive, NULL::text[] AS roles, NULL AS using, NULL AS with_check,
       NULL AS comment, NULL::json AS deps
FROM rels r
WHERE r.relkind IN ('r', 'p') AND (r.relrowsecurity OR r.relforcerowsecurity)
UNION ALL
SELECT 'policy', r.nspname, r.relname, p.polname, NULL, NULL, p.polcmd::text, p.polpermissive,
       ARRAY(SELECT CASE WHEN o = 0 THEN 'public' ELSE pg_get_userbyid(o)::text END
             FROM unnest(p.polroles) o ORDER BY 1),
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid),
       obj_description(p.oid, 'pg_policy'),
       (SELECT COALESCE(json_agg(DISTINCT jsonb_build_array(
                   CASE WHEN d.refclassid = 'pg_proc'::regclass THEN 'function'
                        WHEN d.refobjsubid > 0 THEN 'column' ELSE 'relation' END,
                   COALESCE(dn.nspname, fn.nspname),
                   COALESCE(dc.relname, f.proname || '(' || oidvectortypes(f.proargtypes) || ')'),
                   da.attname)), '[]')
        FROM pg_depend d
        LEFT JOIN pg_class dc ON d.refclassid = 'pg_class'::regclass AND dc.oid = d.refobjid
        LEFT JOIN pg_namespace dn ON dn.oid = dc.relnamespace
        LEFT JOIN pg_attribute da ON da.attrelid = dc.oid AND da.attnum = d.refobjsubid AND d.refobjsubid > 0
        LEFT JOIN pg_proc f ON d.refclassid = 'pg_proc'::regclass AND f.oid = d.refobjid
        LEFT JOIN pg_namespace fn ON fn.oid = f.pronamespace
        WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid AND (dc.oid IS NOT NULL OR f.oid IS NOT NULL)
       )
FROM pg_policy p
JOIN rels r ON r.oid = p.polrelid
ORDER BY 1, 2, 3, 4
