-- Installed extensions, whatever the managed schemas: an extension is database-wide, and one
-- the file declares must be found wherever it was installed. Those in pg_catalog (plpgsql,
-- which initdb installs everywhere) are the server's, not the schema's.
SELECT x.extname AS name, n.nspname AS schema, x.extversion AS version
FROM pg_extension x
JOIN pg_namespace n ON n.oid = x.extnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY x.extname
