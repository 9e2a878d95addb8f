-- Aggregates of the managed schemas (pg_aggregate joined to their pg_proc row), in one query;
-- not those an extension owns. Support functions as regproc prints them under
-- search_path = public (public's and pg_catalog's unqualified), '-' (none) as NULL.
SELECT n.nspname, p.proname, pg_get_function_arguments(p.oid) AS arguments,
       a.aggkind, a.aggnumdirectargs,
       a.aggtransfn::text, format_type(a.aggtranstype, NULL), a.aggtransspace,
       NULLIF(a.aggfinalfn::text, '-'), a.aggfinalextra, a.aggfinalmodify,
       NULLIF(a.aggcombinefn::text, '-'), NULLIF(a.aggserialfn::text, '-'), NULLIF(a.aggdeserialfn::text, '-'),
       a.agginitval,
       NULLIF(a.aggmtransfn::text, '-'), NULLIF(a.aggminvtransfn::text, '-'),
       CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END, a.aggmtransspace,
       NULLIF(a.aggmfinalfn::text, '-'), a.aggmfinalextra, a.aggminitval,
       CASE WHEN a.aggsortop <> 0 THEN a.aggsortop::regoper::text END,
       p.proparallel,
       obj_description(p.oid, 'pg_proc') AS comment
FROM pg_aggregate a
JOIN pg_proc p ON p.oid = a.aggfnoid
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind = 'a'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
ORDER BY 1, 2, 3
