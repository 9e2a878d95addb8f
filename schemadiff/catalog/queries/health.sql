-- The extra health facts `check` reports beyond the diff, in one query so that `check`
-- stays a constant number of round trips:
--   * kind 'sequence': every sequence that feeds a column (serial, identity, or a standalone
--     sequence a nextval() default uses) with its last value and the largest value it can reach. The limit is the smaller of the sequence's
--     own maximum and the column type's, because an integer column fed by a bigint sequence
--     overflows at the integer's maximum. Its last value is NULL when the role may not read
--     the sequence (neither SELECT nor USAGE), which `readable` tells apart from a sequence
--     never used.
--   * kind 'unindexed_fk': foreign keys whose columns no valid, non-partial index leads with
--     (in any order), so deletes on the referenced table scan the referencing one.
SELECT 'sequence'                                   AS kind,
       tn.nspname                                   AS schema,
       t.relname                                    AS table_name,
       a.attname                                    AS name,
       sc.oid::regclass::text                       AS detail,
       CASE WHEN has_sequence_privilege(sc.oid, 'SELECT,USAGE')
            THEN pg_sequence_last_value(sc.oid) END::numeric AS used,
       LEAST(s.seqmax, CASE a.atttypid WHEN 'int2'::regtype THEN 32767
                                       WHEN 'int4'::regtype THEN 2147483647
                                       ELSE 9223372036854775807 END)::numeric AS maximum,
       has_sequence_privilege(sc.oid, 'SELECT,USAGE') AS readable
FROM (SELECT d.objid AS seq, d.refobjid AS rel, d.refobjsubid AS attnum  -- owned (serial) or identity
      FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
      UNION  -- used by a default: a shared sequence is owned by no column
      SELECT d.refobjid, ad.adrelid, ad.adnum
      FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
      WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'n') feeds
JOIN pg_sequence s ON s.seqrelid = feeds.seq
JOIN pg_class sc ON sc.oid = s.seqrelid
JOIN pg_class t ON t.oid = feeds.rel
JOIN pg_namespace tn ON tn.oid = t.relnamespace
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = feeds.attnum
WHERE s.seqincrement > 0
  AND t.relkind IN ('r', 'p')
  AND (%(schemas)s::text[] IS NULL OR tn.nspname = ANY (%(schemas)s::text[]))
UNION ALL
SELECT 'unindexed_fk',
       n.nspname,
       c.relname,
       con.conname,
       array_to_string(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
                             ORDER BY k.ord), ', '),
       NULL,
       NULL,
       NULL
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype = 'f'
  AND c.relkind = 'r'
  AND NOT c.relispartition
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
  AND NOT EXISTS (
      SELECT 1 FROM pg_index i
      WHERE i.indrelid = con.conrelid AND i.indisvalid AND i.indpred IS NULL
        AND i.indnkeyatts >= cardinality(con.conkey)
        AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)] @> con.conkey
        AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)] <@ con.conkey)
ORDER BY 1, 2, 3, 4
