-- Collations made with CREATE COLLATION in the managed schemas (not the built-in ones in
-- pg_catalog). colliculocale is colllocale from PostgreSQL 17 on: read whichever exists.
SELECT n.nspname, co.collname, co.collprovider, co.collcollate, co.collctype,
       COALESCE(to_jsonb(co) ->> 'colllocale', to_jsonb(co) ->> 'colliculocale'), co.collisdeterministic,
       obj_description(co.oid, 'pg_collation')
FROM pg_collation co
JOIN pg_namespace n ON n.oid = co.collnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = co.oid AND e.classid = 'pg_collation'::regclass AND e.deptype = 'e')
ORDER BY 1, 2
