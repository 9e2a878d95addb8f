"""Empty a database again, so that one database serves every stage of a pair case: creating a
database costs about as much as all the stages of a case together.

``reset`` drops what a schema file or SQL script may have put in a database (extensions,
schemas, everything in ``public``, event triggers, publications) and restores ``public``'s
comment and owner. It checks itself: the database must then look exactly as it did when it was
created (``pristine``: the catalog fingerprint and the database-wide objects the fingerprint
does not read); when it does not, ``reset`` says so and the caller takes a fresh database.
"""

from __future__ import annotations

import psycopg

from catalog_fingerprint import fingerprint

DROP_EVERYTHING = r"""
DO $reset$
DECLARE
    statement text;
BEGIN
    FOREACH statement IN ARRAY ARRAY(
        SELECT format('DROP EVENT TRIGGER IF EXISTS %I CASCADE', evtname) FROM pg_event_trigger
        UNION ALL SELECT format('DROP PUBLICATION IF EXISTS %I', pubname) FROM pg_publication
        UNION ALL SELECT format('DROP EXTENSION IF EXISTS %I CASCADE', extname) FROM pg_extension WHERE extname <> 'plpgsql'
    ) LOOP EXECUTE statement; END LOOP;
    FOREACH statement IN ARRAY ARRAY(
        SELECT format('DROP SCHEMA IF EXISTS %I CASCADE', nspname) FROM pg_namespace
        WHERE nspname NOT IN ('public', 'pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_|toast_temp_)'
    ) LOOP EXECUTE statement; END LOOP;
    -- What is left in public, by kind; names are computed before anything is dropped.
    FOREACH statement IN ARRAY ARRAY(
        SELECT format('DROP %s IF EXISTS public.%I CASCADE',
                      CASE relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                                   WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, relname)
        FROM pg_class c WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND NOT (relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                   AND d.objid = c.oid AND d.deptype = 'i'))  -- an identity column's sequence goes with its table
        UNION ALL
        SELECT format('DROP ROUTINE IF EXISTS public.%I(%s) CASCADE', proname, pg_get_function_identity_arguments(oid))
        FROM pg_proc WHERE pronamespace = 'public'::regnamespace
        UNION ALL
        SELECT format('DROP %s IF EXISTS public.%I CASCADE', CASE typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, typname)
        FROM pg_type t WHERE typnamespace = 'public'::regnamespace AND typtype IN ('b', 'c', 'd', 'e', 'p', 'r')
          AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
          AND (typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = typrelid) = 'c')
        UNION ALL SELECT format('DROP COLLATION IF EXISTS public.%I CASCADE', collname) FROM pg_collation WHERE collnamespace = 'public'::regnamespace
        UNION ALL SELECT format('DROP TEXT SEARCH CONFIGURATION IF EXISTS public.%I CASCADE', cfgname) FROM pg_ts_config WHERE cfgnamespace = 'public'::regnamespace
        UNION ALL SELECT format('DROP TEXT SEARCH DICTIONARY IF EXISTS public.%I CASCADE', dictname) FROM pg_ts_dict WHERE dictnamespace = 'public'::regnamespace
        UNION ALL SELECT format('DROP OPERATOR FAMILY IF EXISTS public.%I USING %I CASCADE', opfname, amname) FROM pg_opfamily JOIN pg_am am ON am.oid = opfmethod WHERE opfnamespace = 'public'::regnamespace
        UNION ALL SELECT format('DROP OPERATOR IF EXISTS %s CASCADE', oid::regoperator) FROM pg_operator WHERE oprnamespace = 'public'::regnamespace
        UNION ALL SELECT format('DROP STATISTICS IF EXISTS public.%I', stxname) FROM pg_statistic_ext WHERE stxnamespace = 'public'::regnamespace
    ) LOOP EXECUTE statement; END LOOP;
END
$reset$;
COMMENT ON SCHEMA public IS 'standard public schema';
ALTER SCHEMA public OWNER TO pg_database_owner;
"""

# What the fingerprint does not read but a script may leave behind, database-wide.
LEFTOVERS = """
SELECT (SELECT count(*) FROM pg_default_acl), (SELECT count(*) FROM pg_event_trigger),
       (SELECT count(*) FROM pg_publication), (SELECT count(*) FROM pg_extension),
       (SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
         WHERE d.datname = current_database()),
       (SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'),
       (SELECT count(*) FROM pg_init_privs WHERE classoid = 'pg_namespace'::regclass
         AND objoid = 'public'::regnamespace)
"""


def pristine(url: str) -> tuple:
    """What an empty database looks like, to be compared after each ``reset``."""
    with psycopg.connect(url, autocommit=True) as conn:
        return fingerprint(conn), conn.execute(LEFTOVERS).fetchone()


def reset(url: str, expected: tuple) -> bool:
    """Empty the database at ``url``; whether it now looks like ``expected`` (from ``pristine``)."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(DROP_EVERYTHING)
    except psycopg.Error:
        return False
    return pristine(url) == expected
