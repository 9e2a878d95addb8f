-- Triggers on the relations of the managed schemas, in one query: not the internal ones (of
-- foreign keys), nor the clones a trigger on a partitioned table makes on its partitions
-- (tgparentid, PostgreSQL 13+), nor those on a relation an extension owns. tgtype's bits are
-- decoded by catalog/triggers.py; the WHEN text is cut out of pg_get_triggerdef there (the
-- server prints it as under search_path = public, which the connection pins).
-- deps: [what, schema, name, column] for the function, the relations and the columns it uses
-- (a function named by its argument types, `f(integer)`, as Function.signature names it).
SELECT n.nspname, c.relname, t.tgname, t.tgtype::int,
       ARRAY(SELECT a.attname FROM unnest(t.tgattr::int2[]) WITH ORDINALITY k(num, pos)
             JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.num ORDER BY k.pos) AS update_columns,
       pn.nspname AS function_schema, p.proname AS function_name, t.tgargs, t.tgnargs,
       t.tgconstraint <> 0 AS is_constraint, t.tgdeferrable, t.tginitdeferred,
       rn.nspname AS ref_schema, r.relname AS ref_name, t.tgoldtable, t.tgnewtable, t.tgenabled::text,
       pg_get_triggerdef(t.oid), obj_description(t.oid, 'pg_trigger'),
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
        WHERE d.classid = 'pg_trigger'::regclass AND d.objid = t.oid AND (dc.oid IS NOT NULL OR f.oid IS NOT NULL)
       ) AS deps
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
LEFT JOIN pg_class r ON r.oid = t.tgconstrrelid
LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1, 2, 3
