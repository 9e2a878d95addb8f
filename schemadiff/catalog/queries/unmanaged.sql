-- Everything in the managed schemas (and the database-wide objects they use) that schemadiff
-- does not model, so that `inspect` can say what it leaves out and `plan` what a change would
-- break. One UNION ALL branch per kind, each headed `-- kind: …`: when a kind becomes
-- modelled, delete its branch, or its row of a branch's `k` list (and nothing else).
-- Objects owned by an extension, or internal parts of another object, are left out.
--
-- Columns: kind; schema and name of the object (either may be NULL; a trigger's, rule's or
-- policy's name is not schema-qualified, so its schema is NULL); on_schema and on_name,
-- the relation it belongs to; why it is left out; depends, a JSON array of
-- [what, schema, name, sub, deptype] for each managed object it depends on: what is 'table'
-- (sub: a column or NULL for the whole table), 'type' (an enum) or 'constraint' (sub: its
-- name); deptype 'n' makes a DROP or ALTER TYPE of the target fail, 'a' means it is dropped
-- along with it.
-- Inside `objects`, classid and objid name the catalog row of an object that stands on its own
-- (NULL for a feature of a table, such as its privileges): it is left out when an extension
-- owns it, and its `why` says so when the schema file uses it. dep_classid and dep_objids are
-- the rows whose pg_depend entries are its dependencies (a view's are its _RETURN rule's).
WITH managed_ns AS (
    SELECT n.oid, n.nspname FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_)'
      AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
),
relations AS (  -- every relation of the managed schemas not owned by an extension
    SELECT n.nspname, c.*
    FROM pg_class c
    JOIN managed_ns n ON n.oid = c.relnamespace
    WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
),
tables AS (SELECT * FROM relations WHERE relkind IN ('r', 'p')),
objects (kind, schema, name, on_schema, on_name, why, classid, objid, dep_classid, dep_objids) AS (
    -- kind: view, materialized view, foreign table (one row of `k` each)
    SELECT k.kind, r.nspname, r.relname, NULL, NULL, k.kind || 's are not managed',
           'pg_class'::regclass, r.oid,
           'pg_rewrite'::regclass, ARRAY(SELECT rw.oid FROM pg_rewrite rw WHERE rw.ev_class = r.oid AND rw.rulename = '_RETURN')
    FROM relations r
    JOIN (VALUES ('v', 'view'), ('m', 'materialized view'), ('f', 'foreign table')) k (relkind, kind) ON k.relkind = r.relkind::text
    UNION ALL
    -- kind: function, procedure, aggregate, window function (one row of `k` each); functions and
    -- procedures a functions: (procedures:) key cannot write are kinds of their own:
    -- kind: C-language function, function with TRANSFORM, function with SUPPORT
    SELECT CASE WHEN p.prokind NOT IN ('f', 'p') THEN k.kind
                WHEN l.lanname IN ('c', 'internal') THEN 'C-language ' || k.kind
                WHEN p.protrftypes IS NOT NULL THEN k.kind || ' with TRANSFORM'
                WHEN p.prosupport <> 0 THEN k.kind || ' with SUPPORT'
                ELSE k.kind END,
           n.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', NULL, NULL,
           CASE WHEN p.prokind IN ('f', 'p') AND l.lanname IN ('c', 'internal')
                THEN 'functions in C (or internal) are not managed: a database built from the file lacks it'
                WHEN p.prokind IN ('f', 'p') AND (p.protrftypes IS NOT NULL OR p.prosupport <> 0)
                THEN 'TRANSFORM FOR TYPE and SUPPORT are not managed: a database built from the file lacks it'
                ELSE k.kind || 's are not managed' END,
           'pg_proc'::regclass, p.oid, 'pg_proc'::regclass, ARRAY[p.oid]
    FROM pg_proc p
    JOIN managed_ns n ON n.oid = p.pronamespace
    JOIN pg_language l ON l.oid = p.prolang
    JOIN (VALUES ('f', 'function'), ('p', 'procedure'), ('a', 'aggregate'), ('w', 'window function')) k (prokind, kind)
      ON k.prokind = p.prokind::text
    UNION ALL
    -- kind: trigger (not the internal ones of foreign keys, nor the clones on partitions)
    SELECT 'trigger', NULL, t.tgname, r.nspname, r.relname, 'triggers are not managed',
           'pg_trigger'::regclass, t.oid, 'pg_trigger'::regclass, ARRAY[t.oid]
    FROM pg_trigger t
    JOIN relations r ON r.oid = t.tgrelid
    WHERE NOT t.tgisinternal AND t.tgparentid = 0
    UNION ALL
    -- kind: event trigger (database-wide)
    SELECT 'event trigger', NULL, e.evtname, NULL, NULL, 'event triggers are not managed (they are database-wide)',
           'pg_event_trigger'::regclass, e.oid, NULL, NULL
    FROM pg_event_trigger e
    UNION ALL
    -- kind: rule (not the _RETURN rule that is a view's query)
    SELECT 'rule', NULL, rw.rulename, r.nspname, r.relname, 'rules are not managed',
           'pg_rewrite'::regclass, rw.oid, 'pg_rewrite'::regclass, ARRAY[rw.oid]
    FROM pg_rewrite rw
    JOIN relations r ON r.oid = rw.ev_class
    WHERE rw.rulename <> '_RETURN'
    UNION ALL
    -- kind: row-level security
    SELECT 'row-level security', NULL, NULL, r.nspname, r.relname,
           CASE WHEN r.relrowsecurity THEN 'ENABLE' ELSE '' END
           || CASE WHEN r.relrowsecurity AND r.relforcerowsecurity THEN ' and ' ELSE '' END
           || CASE WHEN r.relforcerowsecurity THEN 'FORCE' ELSE '' END
           || ' ROW LEVEL SECURITY is not managed: a database built from the file has it off',
           NULL, NULL, NULL, NULL
    FROM tables r
    WHERE r.relrowsecurity OR r.relforcerowsecurity
    UNION ALL
    -- kind: policy
    SELECT 'policy', NULL, p.polname, r.nspname, r.relname, 'policies are not managed',
           'pg_policy'::regclass, p.oid, 'pg_policy'::regclass, ARRAY[p.oid]
    FROM pg_policy p
    JOIN relations r ON r.oid = p.polrelid
    UNION ALL
    -- kind: foreign server (those the foreign tables of the managed schemas use; database-wide)
    SELECT 'foreign server', NULL, s.srvname, NULL, NULL, 'foreign servers are not managed (they are database-wide)',
           'pg_foreign_server'::regclass, s.oid, NULL, NULL
    FROM pg_foreign_server s
    WHERE EXISTS (SELECT 1 FROM pg_foreign_table ft JOIN relations r ON r.oid = ft.ftrelid WHERE ft.ftserver = s.oid)
    UNION ALL
    -- kind: foreign-data wrapper (of those servers, unless an extension owns it; database-wide)
    SELECT 'foreign-data wrapper', NULL, w.fdwname, NULL, NULL, 'foreign-data wrappers are not managed (they are database-wide)',
           'pg_foreign_data_wrapper'::regclass, w.oid, NULL, NULL
    FROM pg_foreign_data_wrapper w
    WHERE EXISTS (SELECT 1 FROM pg_foreign_server s JOIN pg_foreign_table ft ON ft.ftserver = s.oid
                  JOIN relations r ON r.oid = ft.ftrelid WHERE s.srvfdw = w.oid)
    UNION ALL
    -- kind: text search parser
    SELECT 'text search parser', n.nspname, p.prsname, NULL, NULL, 'text search parsers are not managed',
           'pg_ts_parser'::regclass, p.oid, NULL, NULL
    FROM pg_ts_parser p JOIN managed_ns n ON n.oid = p.prsnamespace
    UNION ALL
    -- kind: text search template
    SELECT 'text search template', n.nspname, t.tmplname, NULL, NULL, 'text search templates are not managed',
           'pg_ts_template'::regclass, t.oid, NULL, NULL
    FROM pg_ts_template t JOIN managed_ns n ON n.oid = t.tmplnamespace
    UNION ALL
    -- kind: operator
    SELECT 'operator', n.nspname,
           o.oprname || ' (' || COALESCE(format_type(NULLIF(o.oprleft, 0), NULL), 'NONE') || ', '
           || COALESCE(format_type(NULLIF(o.oprright, 0), NULL), 'NONE') || ')',
           NULL, NULL, 'operators are not managed', 'pg_operator'::regclass, o.oid, NULL, NULL
    FROM pg_operator o JOIN managed_ns n ON n.oid = o.oprnamespace
    UNION ALL
    -- kind: operator class
    SELECT 'operator class', n.nspname, c.opcname || ' USING ' || am.amname, NULL, NULL, 'operator classes are not managed',
           'pg_opclass'::regclass, c.oid, NULL, NULL
    FROM pg_opclass c JOIN managed_ns n ON n.oid = c.opcnamespace JOIN pg_am am ON am.oid = c.opcmethod
    UNION ALL
    -- kind: operator family (not the one CREATE OPERATOR CLASS makes implicitly, of the same name)
    SELECT 'operator family', n.nspname, f.opfname || ' USING ' || am.amname, NULL, NULL, 'operator families are not managed',
           'pg_opfamily'::regclass, f.oid, NULL, NULL
    FROM pg_opfamily f JOIN managed_ns n ON n.oid = f.opfnamespace JOIN pg_am am ON am.oid = f.opfmethod
    WHERE NOT EXISTS (SELECT 1 FROM pg_opclass c WHERE c.opcfamily = f.oid AND c.opcname = f.opfname
                        AND c.opcnamespace = f.opfnamespace)
    UNION ALL
    -- kind: cast (user-defined: on a type, or through a function, of the managed schemas)
    SELECT 'cast', NULL, format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL), NULL, NULL,
           'casts are not managed', 'pg_cast'::regclass, c.oid, NULL, NULL
    FROM pg_cast c
    WHERE c.oid >= 16384  -- FirstNormalObjectId: not the built-in casts
      AND (EXISTS (SELECT 1 FROM pg_type t JOIN managed_ns n ON n.oid = t.typnamespace WHERE t.oid IN (c.castsource, c.casttarget))
           OR EXISTS (SELECT 1 FROM pg_proc p JOIN managed_ns n ON n.oid = p.pronamespace WHERE p.oid = c.castfunc))
    UNION ALL
    -- kind: conversion
    SELECT 'conversion', n.nspname, c.conname, NULL, NULL, 'conversions are not managed',
           'pg_conversion'::regclass, c.oid, NULL, NULL
    FROM pg_conversion c JOIN managed_ns n ON n.oid = c.connamespace
    UNION ALL
    -- kind: statistics object (CREATE STATISTICS)
    SELECT 'statistics object', n.nspname, s.stxname, r.nspname, r.relname, 'statistics objects are not managed',
           'pg_statistic_ext'::regclass, s.oid, 'pg_statistic_ext'::regclass, ARRAY[s.oid]
    FROM pg_statistic_ext s
    JOIN managed_ns n ON n.oid = s.stxnamespace
    LEFT JOIN relations r ON r.oid = s.stxrelid
    UNION ALL
    -- kind: base type (CREATE TYPE with input and output functions, or a shell type; not arrays)
    SELECT CASE t.typtype WHEN 'p' THEN 'shell type' ELSE 'base type' END, n.nspname, t.typname, NULL, NULL,
           'base types are not managed', 'pg_type'::regclass, t.oid, NULL, NULL
    FROM pg_type t JOIN managed_ns n ON n.oid = t.typnamespace
    WHERE t.typtype IN ('b', 'p') AND NOT EXISTS (SELECT 1 FROM pg_type a WHERE a.typarray = t.oid)
    UNION ALL
    -- kind: publication (those that publish a table of the managed schemas; database-wide)
    SELECT 'publication', NULL, p.pubname, NULL, NULL,
           'publications are not managed (they are database-wide)' || CASE WHEN p.puballtables THEN '; it is FOR ALL TABLES' ELSE '' END,
           'pg_publication'::regclass, p.oid,
           'pg_publication_rel'::regclass, ARRAY(SELECT pr.oid FROM pg_publication_rel pr WHERE pr.prpubid = p.oid)
    FROM pg_publication p
    WHERE EXISTS (SELECT 1 FROM pg_publication_tables pt JOIN managed_ns n ON n.nspname = pt.schemaname
                  WHERE pt.pubname = p.pubname)
    UNION ALL
    -- kind: subscription (those that feed a table of the managed schemas)
    SELECT 'subscription', NULL, s.subname, NULL, NULL, 'subscriptions are not managed (they are database-wide)',
           'pg_subscription'::regclass, s.oid, NULL, NULL
    FROM pg_subscription s
    WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND EXISTS (SELECT 1 FROM pg_subscription_rel sr JOIN relations r ON r.oid = sr.srrelid WHERE sr.srsubid = s.oid)
    UNION ALL
    -- kind: large objects (database-wide; counted, not listed)
    SELECT 'large objects', NULL, NULL, NULL, NULL, count(*) || ' large object(s), not managed',
           NULL, NULL, NULL, NULL
    FROM pg_largeobject_metadata
    HAVING count(*) > 0
    UNION ALL
    -- kind: privileges (non-default GRANTs on a table or sequence, its columns included)
    SELECT 'privileges', NULL, NULL, r.nspname, r.relname,
           'privileges are not managed (' || COALESCE('granted to ' || g.grantees, 'the owner''s own privileges were changed') || ')',
           NULL, NULL, NULL, NULL
    FROM relations r
    CROSS JOIN LATERAL (
        SELECT string_agg(DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, ', ') AS grantees
        FROM (SELECT (aclexplode(r.relacl)).grantee
              UNION ALL
              SELECT (aclexplode(att.attacl)).grantee FROM pg_attribute att WHERE att.attrelid = r.oid AND att.attacl IS NOT NULL) a
        WHERE a.grantee <> r.relowner
    ) g
    WHERE r.relkind IN ('r', 'p', 'S')
      AND (r.relacl <> acldefault(CASE WHEN r.relkind = 'S' THEN 's' ELSE 'r' END::"char", r.relowner)
           OR EXISTS (SELECT 1 FROM pg_attribute att WHERE att.attrelid = r.oid AND att.attacl IS NOT NULL))
    UNION ALL
    -- kind: schema privileges (non-default GRANTs on a managed schema; public's initial ones are default)
    SELECT 'schema privileges', n.nspname, NULL, NULL, NULL, 'privileges are not managed',
           NULL, NULL, NULL, NULL
    FROM pg_namespace n JOIN managed_ns m ON m.oid = n.oid
    WHERE n.nspacl <> acldefault('n', n.nspowner)
      AND NOT EXISTS (SELECT 1 FROM pg_init_privs ip WHERE ip.classoid = 'pg_namespace'::regclass AND ip.objoid = n.oid
                        AND ip.initprivs = n.nspacl)
    UNION ALL
    -- kind: type privileges (non-default GRANTs on a type of the managed schemas, not a table's row type)
    SELECT 'type privileges', n.nspname, t.typname, NULL, NULL, 'privileges are not managed',
           NULL, NULL, NULL, NULL
    FROM pg_type t JOIN managed_ns n ON n.oid = t.typnamespace
    WHERE t.typacl <> acldefault('T', t.typowner)
      AND (t.typrelid = 0 OR EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
    UNION ALL
    -- kind: default privileges (ALTER DEFAULT PRIVILEGES, in a managed schema or for all schemas)
    SELECT 'default privileges', NULL,
           'FOR ROLE ' || quote_ident(pg_get_userbyid(d.defaclrole)) || COALESCE(' IN SCHEMA ' || quote_ident(n.nspname), '') || ' ON '
           || CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS'
                                   WHEN 'T' THEN 'TYPES' WHEN 'n' THEN 'SCHEMAS' ELSE d.defaclobjtype::text END,
           NULL, NULL, 'default privileges are not managed', 'pg_default_acl'::regclass, d.oid, NULL, NULL
    FROM pg_default_acl d
    LEFT JOIN managed_ns n ON n.oid = d.defaclnamespace
    WHERE d.defaclnamespace = 0 OR n.oid IS NOT NULL
    UNION ALL
    -- kind: typed table (CREATE TABLE … OF type)
    SELECT 'typed table', r.nspname, r.relname, NULL, NULL,
           'OF ' || format_type(r.reloftype, NULL) || ' is not managed: the file declares the columns instead',
           NULL, NULL, NULL, NULL
    FROM tables r
    WHERE r.reloftype <> 0
    UNION ALL
    -- kind: tablespace (of a table or an index of one)
    SELECT 'tablespace', NULL, NULL, r.nspname, r.relname,
           'TABLESPACE ' || quote_ident(ts.spcname) || ' is not managed: a database built from the file uses the default',
           NULL, NULL, NULL, NULL
    FROM relations r JOIN pg_tablespace ts ON ts.oid = r.reltablespace
    WHERE r.relkind IN ('r', 'p', 'i', 'I', 'm')
    UNION ALL
    -- kind: table access method (other than heap)
    SELECT 'table access method', NULL, NULL, r.nspname, r.relname,
           'USING ' || quote_ident(am.amname) || ' is not managed: a database built from the file uses heap',
           NULL, NULL, NULL, NULL
    FROM tables r JOIN pg_am am ON am.oid = r.relam
    WHERE am.amname <> 'heap'
    UNION ALL
    -- kind: clustered index (ALTER TABLE … CLUSTER ON)
    SELECT 'clustered index', NULL, ic.relname, r.nspname, r.relname, 'CLUSTER ON is not managed',
           NULL, NULL, NULL, NULL
    FROM pg_index i JOIN tables r ON r.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE i.indisclustered
    UNION ALL
    -- kind: column statistics target (ALTER COLUMN … SET STATISTICS)
    SELECT 'column statistics target', NULL, a.attname, r.nspname, r.relname,
           'SET STATISTICS ' || a.attstattarget || ' is not managed', NULL, NULL, NULL, NULL
    FROM pg_attribute a JOIN tables r ON r.oid = a.attrelid
    WHERE a.attnum > 0 AND NOT a.attisdropped AND COALESCE(a.attstattarget, -1) >= 0
    UNION ALL
    -- kind: column options (ALTER COLUMN … SET (n_distinct = …))
    SELECT 'column options', NULL, a.attname, r.nspname, r.relname,
           'SET (' || array_to_string(a.attoptions, ', ') || ') is not managed', NULL, NULL, NULL, NULL
    FROM pg_attribute a JOIN tables r ON r.oid = a.attrelid
    WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attoptions IS NOT NULL
    UNION ALL
    -- kind: partition index (an index of its own on a partition that is partitioned in turn: the file
    -- models those of leaf partitions only)
    SELECT 'partition index', NULL, ic.relname, r.nspname, r.relname,
           'an index of a partition''s own on a partition that is partitioned in turn is not managed: '
           || 'a database built from the file has those of its partitioned table only',
           NULL, NULL, NULL, NULL
    FROM pg_index i JOIN tables r ON r.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE r.relispartition AND r.relkind = 'p' AND NOT ic.relispartition
      AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ic.oid AND con.conrelid = r.oid)
    UNION ALL
    -- kind: partition constraint (a key or foreign key of a partition's own; its own checks are modelled)
    SELECT 'partition constraint', NULL, con.conname, r.nspname, r.relname,
           'a key or foreign key of a partition''s own is not managed: a database built from the file has those of its partitioned table only',
           NULL, NULL, NULL, NULL
    FROM pg_constraint con JOIN tables r ON r.oid = con.conrelid
    WHERE r.relispartition AND con.conparentid = 0 AND con.coninhcount = 0 AND con.contype <> 'c'
    UNION ALL
    -- kind: partition column default (a partition without the default its parent has; one of its own is modelled)
    SELECT 'partition column default', NULL, a.attname, r.nspname, r.relname,
           'a partition without its partitioned table''s DEFAULT is not managed: a database built from the file has the default',
           NULL, NULL, NULL, NULL
    FROM tables r
    JOIN pg_inherits inh ON inh.inhrelid = r.oid
    JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    JOIN pg_attribute pa ON pa.attrelid = inh.inhparent AND pa.attname = a.attname
    JOIN pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
    WHERE r.relispartition
      AND NOT EXISTS (SELECT 1 FROM pg_attrdef d WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum)
    UNION ALL
    -- kind: partition column comment (partitions do not take their parent's column comments)
    SELECT 'partition column comment', NULL, a.attname, r.nspname, r.relname,
           'comments on the columns of a partition are not managed',
           NULL, NULL, NULL, NULL
    FROM tables r
    JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_description d ON d.classoid = 'pg_class'::regclass AND d.objoid = r.oid AND d.objsubid = a.attnum
    WHERE r.relispartition
    UNION ALL
    -- kind: index comment (only those the file cannot say: on the index behind a key or an
    -- exclusion constraint, whose `comment:` is the constraint's, and on a partition's index)
    SELECT 'index comment', NULL, ic.relname, r.nspname, r.relname,
           CASE WHEN r.relispartition THEN 'comments on the indexes of partitions are not managed'
                ELSE 'comments on the index behind a constraint are not managed (the file''s comment: is the constraint''s)' END,
           NULL, NULL, NULL, NULL
    FROM pg_index i JOIN tables r ON r.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_description d ON d.classoid = 'pg_class'::regclass AND d.objoid = ic.oid AND d.objsubid = 0
    WHERE r.relispartition OR EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                                      AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
    UNION ALL
    -- kind: constraint comment (only on constraints the file does not declare: a partition's)
    SELECT 'constraint comment', NULL, con.conname, r.nspname, r.relname, 'comments on the constraints of partitions are not managed',
           NULL, NULL, NULL, NULL
    FROM pg_constraint con JOIN tables r ON r.oid = con.conrelid
    JOIN pg_description d ON d.classoid = 'pg_constraint'::regclass AND d.objoid = con.oid
    WHERE r.relispartition OR con.conparentid <> 0
)
SELECT o.kind, o.schema, o.name, o.on_schema, o.on_name,
       o.why || CASE WHEN needed.yes THEN '; the schema file uses it (in a default, check, index or column type),'
                                          ' so a database built from the file needs it created first' ELSE '' END AS why,
       COALESCE(deps.list, '[]'::json) AS depends
FROM objects o
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_array(t.what, t.schema, t.name, t.sub, t.deptype) ORDER BY t.schema, t.name, t.sub) AS list
    FROM (
        SELECT 'table' AS what, tb.nspname AS schema, tb.relname AS name, a.attname AS sub, d.deptype
        FROM pg_depend d
        JOIN tables tb ON tb.oid = d.refobjid
        LEFT JOIN pg_attribute a ON a.attrelid = tb.oid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
        WHERE d.classid = o.dep_classid AND d.objid = ANY (o.dep_objids) AND d.refclassid = 'pg_class'::regclass
        UNION
        -- a type: an enum, or a table's row type (which is the table); arrays count as their element
        SELECT CASE WHEN ty.typrelid <> 0 THEN 'table' ELSE 'type' END, n.nspname, COALESCE(tb.relname, ty.typname), NULL, d.deptype
        FROM pg_depend d
        JOIN pg_type dt ON dt.oid = d.refobjid
        JOIN pg_type ty ON ty.oid = CASE WHEN dt.typcategory = 'A' AND dt.typelem <> 0 THEN dt.typelem ELSE dt.oid END
        JOIN managed_ns n ON n.oid = ty.typnamespace
        LEFT JOIN tables tb ON tb.oid = ty.typrelid
        WHERE d.classid = o.dep_classid AND d.objid = ANY (o.dep_objids) AND d.refclassid = 'pg_type'::regclass
          AND (ty.typtype = 'e' OR tb.oid IS NOT NULL)
        UNION
        SELECT 'constraint', tb.nspname, tb.relname, con.conname, d.deptype
        FROM pg_depend d
        JOIN pg_constraint con ON con.oid = d.refobjid
        JOIN tables tb ON tb.oid = con.conrelid
        WHERE d.classid = o.dep_classid AND d.objid = ANY (o.dep_objids) AND d.refclassid = 'pg_constraint'::regclass
    ) t
) deps ON o.dep_classid IS NOT NULL
LEFT JOIN LATERAL (
    -- whether something the schema file declares (a default, a check, an index, a column's type) uses it
    SELECT true AS yes
    FROM pg_depend u
    LEFT JOIN pg_attrdef ad ON u.classid = 'pg_attrdef'::regclass AND ad.oid = u.objid
    LEFT JOIN pg_constraint con ON u.classid = 'pg_constraint'::regclass AND con.oid = u.objid
    LEFT JOIN pg_index ix ON u.classid = 'pg_class'::regclass AND ix.indexrelid = u.objid
    WHERE u.refclassid = o.classid AND u.refobjid = o.objid AND u.deptype = 'n'
      AND (ad.adrelid IN (SELECT oid FROM tables) OR con.conrelid IN (SELECT oid FROM tables) OR con.contypid <> 0
           OR ix.indrelid IN (SELECT oid FROM tables)
           OR (u.classid = 'pg_class'::regclass AND u.objid IN (SELECT oid FROM tables)))
    LIMIT 1
) needed ON o.classid IS NOT NULL
WHERE o.classid IS NULL  -- neither an extension's member nor an internal part of another object (a
   OR NOT EXISTS (SELECT 1 FROM pg_depend e  -- range type's constructors and cast come and go with it)
                  WHERE e.classid = o.classid AND e.objid = o.objid AND e.deptype IN ('e', 'i'))
ORDER BY o.kind, o.on_schema NULLS FIRST, o.on_name NULLS FIRST, o.schema NULLS FIRST, o.name NULLS FIRST
