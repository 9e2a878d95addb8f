-- Functions and procedures of the managed schemas, in one query: not aggregates or window
-- functions, not those an extension owns, and not the ones schemadiff cannot write back
-- (C or internal language, TRANSFORM FOR TYPE, SUPPORT: the unmanaged report names those).
-- The SQL-standard body (BEGIN ATOMIC … END / RETURN …, PostgreSQL 14+) is cut from
-- pg_get_functiondef, which prints it at the start of a line after the header, so that the
-- query also runs on servers without pg_get_function_sqlbody.
-- depends_on: [what, schema, name, column] of each type, relation, column, sequence and
-- function it uses (pg_depend 'n'); used_by: pg_describe_object of each object using it;
-- default_users: [schema, table, column] of each column default (not generation) calling it;
-- table_users: ['constraint' | 'index' | 'domain check', schema, table or domain, name] of each
-- table check or exclusion constraint (found through its index), index of no constraint and
-- domain check calling it. An index attached to a partitioned index is left out: the parent's
-- drop and build carry it along.
SELECT n.nspname, p.proname, p.prokind = 'p' AS procedure,
       pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result,
       l.lanname,
       p.prosrc,
       CASE WHEN to_jsonb(p) ->> 'prosqlbody' IS NOT NULL
            THEN substring(pg_get_functiondef(p.oid) FROM '\n((?:BEGIN ATOMIC|RETURN )[\s\S]*)$') END AS sql_body,
       p.provolatile, p.proisstrict, p.prosecdef, p.proleakproof, p.proparallel,
       p.procost, p.prorows, p.proretset,
       COALESCE(p.proconfig, '{}') AS config,
       obj_description(p.oid, 'pg_proc') AS comment,
       COALESCE((
           SELECT json_agg(DISTINCT jsonb_build_array(r.what, r.schema, r.name, r.col))
           FROM (
               SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' WHEN d.refobjsubid > 0 THEN 'column' ELSE 'relation' END AS what,
                      cn.nspname AS schema, c.relname AS name, a.attname AS col
               FROM pg_depend d
               JOIN pg_class c ON c.oid = d.refobjid
               JOIN pg_namespace cn ON cn.oid = c.relnamespace
               LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
               WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'n'
               UNION ALL
               SELECT 'type', tn.nspname, t.typname, NULL
               FROM pg_depend d
               JOIN pg_type dt ON dt.oid = d.refobjid
               JOIN pg_type t ON t.oid = CASE WHEN dt.typcategory = 'A' AND dt.typelem <> 0 THEN dt.typelem ELSE dt.oid END
               JOIN pg_namespace tn ON tn.oid = t.typnamespace
               WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_type'::regclass AND d.deptype = 'n'
                 AND tn.nspname NOT IN ('pg_catalog', 'information_schema')
               UNION ALL
               SELECT 'function', fn.nspname, f.proname || '(' || oidvectortypes(f.proargtypes) || ')', NULL
               FROM pg_depend d
               JOIN pg_proc f ON f.oid = d.refobjid
               JOIN pg_namespace fn ON fn.oid = f.pronamespace
               WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_proc'::regclass AND d.deptype = 'n'
                 AND f.oid <> p.oid AND fn.nspname NOT IN ('pg_catalog', 'information_schema')
           ) r), '[]') AS depends_on,
       COALESCE((
           SELECT json_agg(DISTINCT pg_describe_object(u.classid, u.objid, u.objsubid))
           FROM pg_depend u
           WHERE u.refclassid = 'pg_proc'::regclass AND u.refobjid = p.oid AND u.deptype = 'n'
             AND NOT (u.classid = 'pg_proc'::regclass AND u.objid = p.oid)
             AND NOT (u.classid = 'pg_attrdef'::regclass AND EXISTS (
                 SELECT 1 FROM pg_attrdef ad JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
                 WHERE ad.oid = u.objid AND a.attgenerated = ''))
             AND NOT (u.classid = 'pg_constraint'::regclass AND EXISTS (
                 SELECT 1 FROM pg_constraint k WHERE k.oid = u.objid AND k.contype = 'c'))
             AND NOT (u.classid = 'pg_class'::regclass AND EXISTS (
                 SELECT 1 FROM pg_index x WHERE x.indexrelid = u.objid))), '[]') AS used_by,
       COALESCE((
           SELECT json_agg(DISTINCT jsonb_build_array(un.nspname, uc.relname, ua.attname))
           FROM pg_depend u
           JOIN pg_attrdef ad ON ad.oid = u.objid
           JOIN pg_class uc ON uc.oid = ad.adrelid
           JOIN pg_namespace un ON un.oid = uc.relnamespace
           JOIN pg_attribute ua ON ua.attrelid = ad.adrelid AND ua.attnum = ad.adnum
           WHERE u.classid = 'pg_attrdef'::regclass AND u.refclassid = 'pg_proc'::regclass
             AND u.refobjid = p.oid AND u.deptype = 'n' AND ua.attgenerated = ''), '[]') AS default_users,
       COALESCE((
           SELECT json_agg(DISTINCT jsonb_build_array(w.what, wn.nspname, w.owner, w.name))
           FROM pg_depend u
           JOIN LATERAL (
               SELECT 'constraint' AS what, t.relnamespace AS ns, t.relname AS owner, k.conname AS name
               FROM pg_constraint k
               JOIN pg_class t ON t.oid = k.conrelid
               WHERE u.classid = 'pg_constraint'::regclass AND k.oid = u.objid AND k.contype = 'c'
               UNION ALL
               SELECT 'domain check', d.typnamespace, d.typname, k.conname
               FROM pg_constraint k
               JOIN pg_type d ON d.oid = k.contypid
               WHERE u.classid = 'pg_constraint'::regclass AND k.oid = u.objid AND k.contype = 'c'
               UNION ALL
               SELECT CASE WHEN k.oid IS NULL THEN 'index' ELSE 'constraint' END, t.relnamespace, t.relname,
                      COALESCE(k.conname, ic.relname)
               FROM pg_index x
               JOIN pg_class ic ON ic.oid = x.indexrelid
               JOIN pg_class t ON t.oid = x.indrelid
               -- its constraint through pg_depend, which is indexed by the index (conindid is not)
               LEFT JOIN pg_depend di ON di.classid = 'pg_class'::regclass AND di.objid = x.indexrelid
                                     AND di.refclassid = 'pg_constraint'::regclass AND di.deptype = 'i'
               LEFT JOIN pg_constraint k ON k.oid = di.refobjid AND k.contype = 'x'
               WHERE u.classid = 'pg_class'::regclass AND x.indexrelid = u.objid
                 AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = x.indexrelid)
           ) w ON true
           JOIN pg_namespace wn ON wn.oid = w.ns
           WHERE u.refclassid = 'pg_proc'::regclass AND u.refobjid = p.oid AND u.deptype = 'n'), '[]') AS table_users
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE p.prokind IN ('f', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
  AND l.lanname NOT IN ('c', 'internal')
  AND p.prosupport = 0
  AND p.protrftypes IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
ORDER BY 1, 2, 4
