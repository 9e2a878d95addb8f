"""The part of the catalog fingerprint (``catalog_fingerprint``) that describes the objects built
on top of tables: views and materialized views, functions and procedures, triggers, policies
and privileges. Same rules as there: plain catalog queries, read under ``search_path =
pg_catalog`` (so every name in a definition is schema-qualified), nothing that two databases
built from the same DDL may legitimately hold differently (OIDs, owners, grantors).

Keys are chosen so that ``diff_fingerprints`` prints lines a reader recognises, and so that the
closure tests can match them to the labels of ``inspect``'s report of what it leaves out:
a trigger is ``"audit on public.users"`` ("trigger audit on public.users"), a privilege entry
``"table public.users"`` or ``"column public.users.email"``.
"""

from __future__ import annotations

import catalog_fingerprint as base  # not_from_extension, read at call time (the modules import each other)

# ACL kinds of acldefault() by relkind: sequences have their own default, every other
# relation the table one.
RELATION_LABELS = "CASE c.relkind WHEN 'S' THEN 'sequence ' WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view '" \
                  " WHEN 'f' THEN 'foreign table ' ELSE 'table ' END"
ROUTINE_LABELS = "CASE p.prokind WHEN 'p' THEN 'procedure ' WHEN 'a' THEN 'aggregate ' WHEN 'w' THEN 'window function '" \
                 " ELSE 'function ' END"
ROUTINE_SIGNATURE = "n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'"
# A range type's constructors depend internally on it: they are the type's, not the schema's.
NOT_INTERNAL_ROUTINE = ("NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass"
                        " AND d.objid = p.oid AND d.deptype = 'i')")


def exploded(acl: str) -> str:
    """The rows of ``acl`` but the owner's, as a sorted text[][] of [grantee, privilege, grantable]."""
    grantee = "CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee)::text END"
    return (f"ARRAY(SELECT ARRAY[g.grantee, g.privilege, g.grantable] FROM ("
            f"SELECT {grantee} AS grantee, x.privilege_type AS privilege, x.is_grantable::text AS grantable"
            f" FROM aclexplode({acl}) x WHERE x.grantee <> owner) g ORDER BY g.grantee, g.privilege, g.grantable)")


class DependentsReader:
    """Mixin of the fingerprint's reader: needs ``rows``, ``in_schemas`` and ``table_filter``."""

    # views ------------------------------------------------------------------------------------

    def views(self, relkind: str) -> dict:
        """Views (``relkind`` 'v') or materialized views ('m'): the query as the server prints
        it, storage options (a view's check_option, security_barrier and security_invoker are
        among them), whether a materialized view holds data, columns, comments and, for a
        materialized view, its indexes."""
        rows = self.rows(f"""
            SELECT c.oid, n.nspname || '.' || c.relname, pg_get_viewdef(c.oid),
                   ARRAY(SELECT {base.BOOLEAN_WORDS} FROM unnest(c.reloptions) o ORDER BY 1),
                   c.relispopulated, obj_description(c.oid, 'pg_class')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = '{relkind}' AND {self.table_filter()}""")
        columns, indexes = self.view_columns(relkind), self.view_indexes() if relkind == "m" else {}
        views = {}
        for oid, name, definition, options, populated, comment in rows:
            views[name] = {
                "definition": definition, "reloptions": options, "comment": comment,
                "columns": columns.get(oid, []),
            }
            if relkind == "m":
                views[name] |= {"populated": populated, "indexes": indexes.get(oid, {})}
        return views

    def view_columns(self, relkind: str) -> dict:
        rows = self.rows(f"""
            SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod),
                   CASE WHEN a.attcollation <> t.typcollation THEN
                        (SELECT cn.nspname || '.' || co.collname FROM pg_collation co
                           JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
                   pg_get_expr(ad.adbin, ad.adrelid), col_description(a.attrelid, a.attnum)
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind = '{relkind}' AND {self.table_filter()}
            ORDER BY a.attrelid, a.attnum""")
        columns: dict = {}
        for rel, name, type_, collation, default, comment in rows:
            column = {"name": name, "type": type_}
            column |= {k: v for k, v in (("collation", collation), ("default", default), ("comment", comment)) if v}
            columns.setdefault(rel, []).append(column)
        return columns

    def view_indexes(self) -> dict:
        rows = self.rows(f"""
            SELECT i.indrelid, ic.relname, pg_get_indexdef(i.indexrelid),
                   ARRAY(SELECT {base.BOOLEAN_WORDS} FROM unnest(ic.reloptions) o ORDER BY 1),
                   i.indisclustered, obj_description(i.indexrelid, 'pg_class')
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'm' AND {self.table_filter()}""")
        indexes: dict = {}
        for rel, name, definition, options, clustered, comment in rows:
            indexes.setdefault(rel, {})[name] = {"definition": definition, "reloptions": options,
                                                 "clustered": clustered, "comment": comment}
        return indexes

    # functions and procedures ---------------------------------------------------------------

    def routines(self) -> dict:
        """Functions and procedures by signature: ``pg_get_functiondef`` says everything CREATE
        OR REPLACE can (arguments, result, language, volatility, security, settings, cost, body).
        Aggregates have no such text: they stay under ``uncovered``."""
        rows = self.rows(f"""
            SELECT {ROUTINE_SIGNATURE}, p.prokind, pg_get_functiondef(p.oid), obj_description(p.oid, 'pg_proc')
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE p.prokind <> 'a' AND {self.in_schemas()} AND {base.not_from_extension('pg_proc', 'p.oid')}
              AND {NOT_INTERNAL_ROUTINE}""")
        return {name: {"kind": kind, "definition": definition, "comment": comment}
                for name, kind, definition, comment in rows}

    # triggers and policies ------------------------------------------------------------------

    def triggers(self) -> dict:
        """User triggers (not a foreign key's internal ones, nor a partitioned table's trigger
        as cloned onto each partition), as ``"name on schema.table"``."""
        rows = self.rows(f"""
            SELECT tg.tgname || ' on ' || n.nspname || '.' || c.relname, pg_get_triggerdef(tg.oid),
                   tg.tgenabled, obj_description(tg.oid, 'pg_trigger')
            FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND {self.table_filter()}""")
        return {name: {"definition": definition, "enabled": enabled, "comment": comment}
                for name, definition, enabled, comment in rows}

    def policies(self) -> dict:
        """Row-level security policies as ``"name on schema.table"`` (whether the table enables
        or forces row-level security is the table's ``row_security``)."""
        rows = self.rows(f"""
            SELECT po.polname || ' on ' || n.nspname || '.' || c.relname, po.polcmd, po.polpermissive,
                   ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r)::text END
                           FROM unnest(po.polroles) r ORDER BY 1),
                   pg_get_expr(po.polqual, po.polrelid), pg_get_expr(po.polwithcheck, po.polrelid),
                   obj_description(po.oid, 'pg_policy')
            FROM pg_policy po JOIN pg_class c ON c.oid = po.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE {self.table_filter()}""")
        return {name: {"command": command, "permissive": permissive, "roles": roles, "using": using,
                       "with_check": check, "comment": comment}
                for name, command, permissive, roles, using, check, comment in rows}

    # privileges -----------------------------------------------------------------------------

    def privileges(self) -> dict:
        """What each role other than the owner may do, as sorted ``[grantee, privilege,
        grantable]`` rows, for each object whose privileges are not the default.

        A NULL acl means "the default" (``acldefault``): it is read as that, so that an acl
        granted and then revoked back to the default (explicit, but equal) compares equal to one
        never touched; the two behave the same. The owner's own rows are left out, since owners
        legitimately differ; so are grantors (whoever ran the GRANT)."""
        rows = self.rows(f"""
            WITH objects (label, owner, acl, default_acl) AS (
                SELECT {RELATION_LABELS} || n.nspname || '.' || c.relname, c.relowner, c.relacl,
                       acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {self.table_filter()}
                UNION ALL
                SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname, c.relowner, a.attacl, NULL
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL AND {self.table_filter()}
                UNION ALL
                SELECT 'schema ' || n.nspname, n.nspowner, n.nspacl, acldefault('n', n.nspowner)
                FROM pg_namespace n WHERE {self.in_schemas()} AND {base.not_from_extension('pg_namespace', 'n.oid')}
                UNION ALL
                SELECT {ROUTINE_LABELS} || {ROUTINE_SIGNATURE}, p.proowner, p.proacl, acldefault('f', p.proowner)
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE {self.in_schemas()} AND {base.not_from_extension('pg_proc', 'p.oid')} AND {NOT_INTERNAL_ROUTINE}
                UNION ALL
                SELECT 'type ' || n.nspname || '.' || t.typname, t.typowner, t.typacl, acldefault('T', t.typowner)
                FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE {self.in_schemas()} AND {base.not_from_extension('pg_type', 't.oid')}
                  AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
                  AND (t.typrelid = 0 OR EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c'))
            ), granted AS (
                SELECT label,
                       {exploded('COALESCE(acl, default_acl)')} AS rows, {exploded('default_acl')} AS default_rows
                FROM objects
            )
            SELECT label, rows FROM granted WHERE rows <> default_rows""")
        return {label: rows for label, rows in rows}
