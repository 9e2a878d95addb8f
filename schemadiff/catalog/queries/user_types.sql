-- Domains, composite and range types, one row each: (kind, schema, name, comment, details).
-- Names of types and collations are format_type's / qualified only outside pg_catalog and public.
WITH types AS (
  SELECT t.*, n.nspname, obj_description(t.oid, 'pg_type') AS comment
  FROM pg_type t
  JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE t.typtype IN ('d', 'c', 'r')
    AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
    AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
    AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = t.oid AND e.classid = 'pg_type'::regclass AND e.deptype = 'e')
), collation_names AS (
  SELECT co.oid, jsonb_build_array(cn.nspname, co.collname) AS name
  FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
)
SELECT 'domain', t.nspname, t.typname, t.comment,
       jsonb_build_object(
         'base_type', format_type(t.typbasetype, t.typtypmod), 'default', t.typdefault, 'not_null', t.typnotnull,
         'collation', CASE WHEN t.typcollation <> b.typcollation THEN (SELECT name FROM collation_names WHERE oid = t.typcollation) END,
         'checks', COALESCE((SELECT jsonb_agg(jsonb_build_array(con.conname, pg_get_expr(con.conbin, 0), con.convalidated) ORDER BY con.oid)
                             FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c'), '[]'::jsonb))
FROM types t JOIN pg_type b ON b.oid = t.typbasetype
WHERE t.typtype = 'd'
UNION ALL
SELECT 'composite', t.nspname, t.typname, t.comment,
       jsonb_build_object('attributes', COALESCE((
         SELECT jsonb_agg(jsonb_build_array(a.attname, format_type(a.atttypid, a.atttypmod),
                          CASE WHEN a.attcollation <> at.typcollation THEN (SELECT name FROM collation_names WHERE oid = a.attcollation) END)
                          ORDER BY a.attnum)
         FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
         WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::jsonb))
FROM types t
WHERE t.typtype = 'c'
UNION ALL
SELECT 'range', t.nspname, t.typname, t.comment,
       jsonb_build_object(
         'subtype', format_type(r.rngsubtype, NULL),
         'subtype_opclass', (SELECT opc.opcname FROM pg_opclass opc WHERE opc.oid = r.rngsubopc AND NOT opc.opcdefault),
         'collation', CASE WHEN r.rngcollation <> st.typcollation THEN (SELECT name FROM collation_names WHERE oid = r.rngcollation) END,
         'canonical', NULLIF(r.rngcanonical::regproc::text, '-'),
         'subtype_diff', NULLIF(r.rngsubdiff::regproc::text, '-'),
         'multirange', (SELECT m.typname FROM pg_type m WHERE m.oid = r.rngmultitypid))
FROM types t JOIN pg_range r ON r.rngtypid = t.oid JOIN pg_type st ON st.oid = r.rngsubtype
WHERE t.typtype = 'r'
ORDER BY 2, 3
