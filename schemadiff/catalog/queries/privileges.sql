-- Whether the connected role may do what a plan needs, in one query whatever the plan's
-- size: one row per (what, schema, name) asked, with `ok` NULL when the object does not
-- exist (yet: the plan creates it, and its creator owns it) and `detail` the owner of an
-- object (`superuser`: whether that owner is one), or the kind of an extension, for the message.
--   own_relation, own_type, own_collation, own_extension: pg_has_role(owner) (superusers own all)
--   create: CREATE on the schema; database: CREATE on the database
--   references: REFERENCES on the table a foreign key points at
--   extension: superuser, or an extension that needs none, or a trusted one and CREATE on the database
--   record: SELECT and INSERT on the version table, or CREATE on its schema (on the database
--     when the schema is missing too) when the table is missing
SELECT w.what, w.schema, w.name, f.ok, f.detail, f.superuser, current_user::text, current_database()::text
FROM unnest(%(what)s::text[], %(schema)s::text[], %(name)s::text[]) AS w(what, schema, name)
LEFT JOIN LATERAL (
    SELECT pg_has_role(c.relowner, 'USAGE'), pg_get_userbyid(c.relowner)::text, (SELECT r.rolsuper FROM pg_roles r WHERE r.oid = c.relowner)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE w.what = 'own_relation' AND n.nspname = w.schema AND c.relname = w.name
    UNION ALL
    SELECT pg_has_role(t.typowner, 'USAGE'), pg_get_userbyid(t.typowner)::text, (SELECT r.rolsuper FROM pg_roles r WHERE r.oid = t.typowner)
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE w.what = 'own_type' AND n.nspname = w.schema AND t.typname = w.name
    UNION ALL
    SELECT pg_has_role(co.collowner, 'USAGE'), pg_get_userbyid(co.collowner)::text, (SELECT r.rolsuper FROM pg_roles r WHERE r.oid = co.collowner)
    FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace
    WHERE w.what = 'own_collation' AND n.nspname = w.schema AND co.collname = w.name
    UNION ALL
    SELECT pg_has_role(e.extowner, 'USAGE'), pg_get_userbyid(e.extowner)::text, (SELECT r.rolsuper FROM pg_roles r WHERE r.oid = e.extowner)
    FROM pg_extension e
    WHERE w.what = 'own_extension' AND e.extname = w.name
    UNION ALL
    SELECT has_schema_privilege(n.oid, 'CREATE'), pg_get_userbyid(n.nspowner)::text, NULL::bool
    FROM pg_namespace n
    WHERE w.what = 'create' AND n.nspname = w.schema
    UNION ALL
    SELECT has_table_privilege(c.oid, 'REFERENCES'), pg_get_userbyid(c.relowner)::text, NULL
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE w.what = 'references' AND n.nspname = w.schema AND c.relname = w.name
    UNION ALL
    SELECT has_database_privilege(current_database(), 'CREATE'), NULL, NULL
    WHERE w.what = 'database'
    UNION ALL
    SELECT r.rolsuper OR NOT v.superuser OR (v.trusted AND has_database_privilege(current_database(), 'CREATE')),
           CASE WHEN v.trusted THEN 'trusted' ELSE 'untrusted' END, NULL
    FROM pg_roles r, pg_available_extensions a
    JOIN pg_available_extension_versions v ON v.name = a.name AND v.version = a.default_version
    WHERE w.what = 'extension' AND r.rolname = current_user AND a.name = w.name
    UNION ALL
    SELECT CASE WHEN c.oid IS NOT NULL
                THEN has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT')
                WHEN n.oid IS NOT NULL THEN has_schema_privilege(n.oid, 'CREATE')
                ELSE has_database_privilege(current_database(), 'CREATE') END,
           CASE WHEN c.oid IS NOT NULL THEN 'exists' ELSE 'missing' END, NULL
    FROM (SELECT 1) one
    LEFT JOIN pg_namespace n ON n.nspname = w.schema
    LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.name
    WHERE w.what = 'record'
) AS f(ok, detail, superuser) ON true
