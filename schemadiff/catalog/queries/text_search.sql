-- Text search dictionaries and configurations made in the managed schemas (not the built-in
-- ones in pg_catalog, nor those an extension owns), in one query: a configuration's mappings
-- as [[token type, [dictionary, ...]], ...] by token type, its dictionaries in the order tried.
-- Templates, parsers and dictionaries are named bare in pg_catalog and public, else schema.name.
WITH ts AS (
    SELECT 'dictionary' AS kind, n.nspname, d.dictname AS name,
           CASE WHEN tn.nspname IN ('pg_catalog', 'public') THEN t.tmplname ELSE tn.nspname || '.' || t.tmplname END AS base,
           d.dictinitoption AS options, NULL::jsonb AS mappings, obj_description(d.oid, 'pg_ts_dict') AS comment,
           d.oid, 'pg_ts_dict'::regclass AS classid
    FROM pg_ts_dict d
    JOIN pg_namespace n ON n.oid = d.dictnamespace
    JOIN pg_ts_template t ON t.oid = d.dicttemplate
    JOIN pg_namespace tn ON tn.oid = t.tmplnamespace
    UNION ALL
    SELECT 'configuration', n.nspname, c.cfgname,
           CASE WHEN pn.nspname IN ('pg_catalog', 'public') THEN p.prsname ELSE pn.nspname || '.' || p.prsname END,
           NULL,
           (SELECT COALESCE(jsonb_agg(jsonb_build_array(tt.alias, m.dicts) ORDER BY tt.alias), '[]')
            FROM (SELECT maptokentype,
                         jsonb_agg(CASE WHEN dn.nspname IN ('pg_catalog', 'public') THEN md.dictname
                                        ELSE dn.nspname || '.' || md.dictname END ORDER BY mapseqno) AS dicts
                  FROM pg_ts_config_map
                  JOIN pg_ts_dict md ON md.oid = mapdict
                  JOIN pg_namespace dn ON dn.oid = md.dictnamespace
                  WHERE mapcfg = c.oid
                  GROUP BY maptokentype) m
            JOIN ts_token_type(c.cfgparser) tt ON tt.tokid = m.maptokentype),
           obj_description(c.oid, 'pg_ts_config'), c.oid, 'pg_ts_config'::regclass
    FROM pg_ts_config c
    JOIN pg_namespace n ON n.oid = c.cfgnamespace
    JOIN pg_ts_parser p ON p.oid = c.cfgparser
    JOIN pg_namespace pn ON pn.oid = p.prsnamespace
)
SELECT kind, nspname, name, base, options, mappings, comment
FROM ts
WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_)'
  AND (%(schemas)s::text[] IS NULL OR nspname = ANY (%(schemas)s::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = ts.oid AND e.classid = ts.classid AND e.deptype = 'e')
ORDER BY 1, 2, 3
