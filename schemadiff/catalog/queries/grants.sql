-- Privileges granted on the objects of the managed schemas (and on those schemas), in one
-- query: one row per object whose access list is not the default (acl IS NULL means the
-- default), with its entries [grantee, privilege, grantable] other than the owner's own.
-- Kinds: schema; table (also views, materialized views, foreign tables); sequence; column;
-- function (also procedures, aggregates); type (not array, multirange or table row types);
-- and the default privileges (pg_default_acl) of every schema or a managed one.
-- The public schema's access list as initdb left it (pg_init_privs) counts as the default.
-- Objects an extension owns are left out. A function is named by its identity signature
-- f(integer, text), types as format_type prints them under search_path = public.
WITH managed_ns AS (
    SELECT n.oid, n.nspname, n.nspacl, n.nspowner FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
      AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
),
objects (kind, schema, name, col, owner, acl, classid, objid) AS (
    SELECT 'schema', n.nspname, '', NULL::text, n.nspowner, n.nspacl, 'pg_namespace'::regclass, n.oid
    FROM managed_ns n
    WHERE n.nspacl IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM pg_init_privs ip WHERE ip.classoid = 'pg_namespace'::regclass
                        AND ip.objoid = n.oid AND ip.initprivs = n.nspacl)
    UNION ALL
    SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, n.nspname, c.relname, NULL, c.relowner,
           c.relacl, 'pg_class'::regclass, c.oid
    FROM pg_class c JOIN managed_ns n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.relacl IS NOT NULL
    UNION ALL
    SELECT 'column', n.nspname, c.relname, a.attname, c.relowner, a.attacl, 'pg_class'::regclass, c.oid
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN managed_ns n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL
    UNION ALL
    SELECT 'function', n.nspname, p.proname || '(' || oidvectortypes(p.proargtypes) || ')', NULL, p.proowner,
           p.proacl, 'pg_proc'::regclass, p.oid
    FROM pg_proc p JOIN managed_ns n ON n.oid = p.pronamespace
    WHERE p.proacl IS NOT NULL
    UNION ALL
    SELECT 'type', n.nspname, t.typname, NULL, t.typowner, t.typacl, 'pg_type'::regclass, t.oid
    FROM pg_type t JOIN managed_ns n ON n.oid = t.typnamespace
    WHERE t.typacl IS NOT NULL AND t.typtype IN ('b', 'c', 'd', 'e', 'r')
      AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
      AND (t.typrelid = 0 OR EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c'))
    UNION ALL
    -- ALTER DEFAULT PRIVILEGES rules: kind 'default tables' …, schema '' for every schema, name the
    -- role whose new objects get them (FOR ROLE); its own entries are left out like an owner's.
    SELECT 'default ' || CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
                                              WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' END,
           COALESCE(n.nspname, ''), pg_get_userbyid(d.defaclrole), NULL, d.defaclrole, d.defaclacl,
           'pg_default_acl'::regclass, d.oid
    FROM pg_default_acl d
    LEFT JOIN managed_ns n ON n.oid = d.defaclnamespace
    WHERE d.defaclnamespace = 0 OR n.oid IS NOT NULL
)
SELECT o.kind, o.schema, o.name, o.col,
       COALESCE((SELECT jsonb_agg(jsonb_build_array(CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(e.grantee) END,
                                                    e.privilege_type, e.is_grantable)
                                  ORDER BY 1)
                 FROM aclexplode(o.acl) e WHERE e.grantee <> o.owner), '[]'::jsonb) AS entries
FROM objects o
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = o.classid AND d.objid = o.objid AND d.deptype = 'e')
ORDER BY 1, 2, 3, 4
