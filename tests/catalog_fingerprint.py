"""A catalog fingerprint: every table-level object of some schemas, read with plain catalog
queries into plain dicts and lists that compare equal for two databases built from the same
DDL. It is the judge of the closure tests, so it reads the catalog on its own and shares no
code with schemadiff's inspector.

Left out on purpose, because they legitimately differ between two such databases: OIDs,
relfilenodes, statistics, sequence positions (last_value, is_called) and owners. Extension
versions are kept apart (``extension_versions``) so a caller may ignore them. Expressions and
definitions are read with ``search_path`` set to ``pg_catalog`` alone, so every name in them is
schema-qualified the same way whatever the connection's own search_path.

Views, materialized views, functions and procedures, triggers, policies and privileges are
described by ``fingerprint_dependents``. Objects of kinds described nowhere (aggregates, rules,
statistics objects, foreign tables) are listed by name under ``uncovered``, so that at least
their presence is compared.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

from fingerprint_dependents import DependentsReader

SYSTEM_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'"
# A boolean storage option as a value, not a spelling: the catalog keeps what was written
# (security_invoker = 'on', autovacuum_enabled = off), and a rebuilt database may say true/false.
BOOLEAN_WORDS = ("regexp_replace(regexp_replace(o, '=(on|yes|true)$', '=true', 'i'),"
                 " '=(off|no|false)$', '=false', 'i')")


def not_from_extension(catalog: str, oid: str) -> str:
    """Objects an extension created belong to the extension, not to the schema."""
    return (f"NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{catalog}'::regclass"
            f" AND e.objid = {oid} AND e.deptype = 'e')")


def fingerprint(conn, schemas: Optional[Sequence[str]] = None, ignore_tables: Iterable[str] = ()) -> dict:
    """The fingerprint of ``schemas`` (every user schema when None) on ``conn`` (psycopg 3).
    ``ignore_tables`` ("schema.name") are left out with what belongs to them (a tool's own
    bookkeeping table, say)."""
    ignored = sorted(set(ignore_tables))
    with conn.transaction():
        conn.execute("SET LOCAL search_path = pg_catalog")
        reader = _Reader(conn, list(schemas) if schemas is not None else None, ignored)
        result = {
            "schemas": reader.schemas(),
            "extensions": reader.extensions(),
            "extension_versions": reader.extension_versions(),
            "tables": reader.tables(),
            "sequences": reader.sequences(),
            "enums": reader.enums(),
            "domains": reader.domains(),
            "composite_types": reader.composite_types(),
            "range_types": reader.range_types(),
            "collations": reader.collations(),
            "text_search": reader.text_search(),
            "views": reader.views("v"),
            "materialized_views": reader.views("m"),
            "routines": reader.routines(),
            "triggers": reader.triggers(),
            "policies": reader.policies(),
            "privileges": reader.privileges(),
            "uncovered": reader.uncovered(),
        }
    return result


LABELS = {
    "schemas": "schema", "extensions": "extension", "extension_versions": "extension version",
    "tables": "table", "sequences": "sequence", "enums": "enum", "domains": "domain",
    "composite_types": "composite type", "range_types": "range type", "collations": "collation",
    "text_search": "text search object", "views": "view", "materialized_views": "materialized view",
    "routines": "routine", "triggers": "trigger", "policies": "policy", "privileges": "privileges of",
    "uncovered": "uncovered",
}


def diff_fingerprints(a: dict, b: dict) -> list[str]:
    """Readable differences between two fingerprints, one line each, e.g.
    ``table billing.invoices: reloptions ['fillfactor=70'] vs []``; empty when equal."""
    lines: list[str] = []
    for kind in sorted(set(a) | set(b)):
        label = LABELS.get(kind, kind)
        left, right = a.get(kind, {}), b.get(kind, {})
        for name in sorted(set(left) | set(right)):
            head = f"{label} {name}"
            if name not in right:
                lines.append(f"{head}: only in the first")
            elif name not in left:
                lines.append(f"{head}: only in the second")
            else:
                _walk(head, [], left[name], right[name], lines)
    return lines


def _walk(head: str, path: list, a: Any, b: Any, lines: list) -> None:
    where = ".".join(path)
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in b:
                lines.append(f"{head}: {where + '.' if where else ''}{key} only in the first: {a[key]!r}")
            elif key not in a:
                lines.append(f"{head}: {where + '.' if where else ''}{key} only in the second: {b[key]!r}")
            else:
                _walk(head, path + [str(key)], a[key], b[key], lines)
    elif a != b:
        lines.append(f"{head}: {where + ' ' if where else ''}{a!r} vs {b!r}")


class _Reader(DependentsReader):
    def __init__(self, conn, schemas: Optional[list], ignored: list):
        self.conn, self.params = conn, {"schemas": schemas, "ignored": ignored}

    def rows(self, sql: str) -> list:
        with self.conn.cursor() as cur:
            cur.execute(sql, self.params, prepare=False)
            return cur.fetchall()

    def in_schemas(self) -> str:
        return f"{SYSTEM_SCHEMAS} AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))"

    # schemas and extensions ------------------------------------------------------------------

    def schemas(self) -> dict:
        rows = self.rows(f"""
            SELECT n.nspname, obj_description(n.oid, 'pg_namespace')
            FROM pg_namespace n WHERE {self.in_schemas()}
              AND {not_from_extension('pg_namespace', 'n.oid')}""")
        return {name: {"comment": comment} for name, comment in rows}

    def extensions(self) -> dict:
        rows = self.rows(f"""
            SELECT x.extname, n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
            WHERE {self.in_schemas()} AND x.extname <> 'plpgsql'""")
        return {name: {"schema": schema} for name, schema in rows}

    def extension_versions(self) -> dict:
        rows = self.rows(f"""
            SELECT x.extname, x.extversion FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
            WHERE {self.in_schemas()} AND x.extname <> 'plpgsql'""")
        return {name: version for name, version in rows}

    # tables ------------------------------------------------------------------------------------

    def table_filter(self) -> str:
        return (f"{self.in_schemas()} AND {not_from_extension('pg_class', 'c.oid')}"
                " AND NOT (quote_ident(n.nspname) || '.' || quote_ident(c.relname)) = ANY (%(ignored)s::text[])"
                " AND NOT (n.nspname || '.' || c.relname) = ANY (%(ignored)s::text[])"
                # nor a sequence an ignored table owns (its identity's or serial's)
                " AND NOT EXISTS (SELECT 1 FROM pg_depend od JOIN pg_class ot ON ot.oid = od.refobjid"
                " JOIN pg_namespace otn ON otn.oid = ot.relnamespace"
                " WHERE od.classid = 'pg_class'::regclass AND od.objid = c.oid AND od.refclassid = 'pg_class'::regclass"
                " AND od.deptype IN ('a', 'i') AND c.relkind = 'S'"
                " AND (otn.nspname || '.' || ot.relname) = ANY (%(ignored)s::text[]))")

    def tables(self) -> dict:
        rows = self.rows(f"""
            SELECT c.oid, n.nspname || '.' || c.relname, c.relkind, c.relpersistence,
                   pg_get_partkeydef(c.oid), pg_get_expr(c.relpartbound, c.oid),
                   (SELECT pn.nspname || '.' || p.relname FROM pg_inherits i
                      JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
                     WHERE i.inhrelid = c.oid AND c.relispartition),
                   ARRAY(SELECT pn.nspname || '.' || p.relname FROM pg_inherits i
                           JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
                          WHERE i.inhrelid = c.oid AND NOT c.relispartition ORDER BY i.inhseqno),
                   ARRAY(SELECT {BOOLEAN_WORDS} FROM unnest(c.reloptions) o ORDER BY 1),
                   c.relreplident, obj_description(c.oid, 'pg_class'),
                   c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT am.amname FROM pg_am am WHERE am.oid = c.relam),
                   CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND {self.table_filter()}""")
        columns, constraints, indexes = self.columns(), self.constraints(), self.indexes()
        tables = {}
        for (oid, name, kind, persistence, partkey, bound, parent, inherits, options, replident,
             comment, rls, force_rls, access_method, of_type) in rows:
            tables[name] = {
                "relkind": kind, "persistence": persistence, "partition_key": partkey,
                "partition_bound": bound, "partition_of": parent, "inherits": inherits,
                "reloptions": options, "replica_identity": replident, "comment": comment,
                "row_security": [rls, force_rls], "access_method": access_method, "of_type": of_type,
                "column_order": [c[0] for c in columns.get(oid, [])],
                "columns": {c[0]: c[1] for c in columns.get(oid, [])},
                "constraints": constraints.get(oid, {}),
                "indexes": indexes.get(oid, {}),
            }
        return tables

    def columns(self) -> dict:
        rows = self.rows(f"""
            SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
                   NULLIF(a.attidentity, ''), NULLIF(a.attgenerated, ''),
                   CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
                   CASE WHEN a.attcollation <> t.typcollation THEN
                        (SELECT cn.nspname || '.' || co.collname FROM pg_collation co
                           JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
                   CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END,
                   NULLIF(a.attcompression, ''),
                   col_description(a.attrelid, a.attnum),
                   a.attinhcount > 0, a.attislocal,
                   CASE WHEN a.attstattarget <> -1 THEN a.attstattarget END,
                   (SELECT ARRAY[format_type(s.seqtypid, NULL), s.seqstart::text, s.seqincrement::text,
                                 s.seqmin::text, s.seqmax::text, s.seqcache::text, s.seqcycle::text]
                      FROM pg_depend d JOIN pg_sequence s ON s.seqrelid = d.objid
                     WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
                       AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'i')
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND {self.table_filter()}
            ORDER BY a.attrelid, a.attnum""")
        columns: dict = {}
        for (rel, name, type_, not_null, default, identity, generated, expression, collation, storage,
             compression, comment, inherited, local, stats, identity_sequence) in rows:
            column = {"type": type_, "not_null": not_null, "default": default, "comment": comment}
            optional = {"identity": identity, "identity_sequence": identity_sequence,
                        "generated": generated and [generated, expression], "collation": collation,
                        "storage": storage, "compression": compression, "statistics": stats}
            column.update({k: v for k, v in optional.items() if v})
            if inherited:
                column["inherited"], column["local"] = True, local
            columns.setdefault(rel, []).append((name, column))
        return columns

    def constraints(self) -> dict:
        rows = self.rows(f"""
            SELECT con.conrelid, con.conname, con.contype, pg_get_constraintdef(con.oid),
                   con.convalidated, con.condeferrable, con.condeferred, con.connoinherit,
                   con.conislocal, con.coninhcount > 0, con.conparentid <> 0,
                   obj_description(con.oid, 'pg_constraint')
            FROM pg_constraint con
            JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND {self.table_filter()}""")
        constraints: dict = {}
        for (rel, name, kind, definition, validated, deferrable, deferred, noinherit, local,
             inherited, from_parent, comment) in rows:
            constraints.setdefault(rel, {})[name] = {
                "type": kind, "definition": definition, "validated": validated,
                # connoinherit of a key records how its index was made (on the leaf itself, as
                # pg_dump does, or cloned from a partitioned parent), not anything it does.
                "deferrable": deferrable, "deferred": deferred, "no_inherit": noinherit and kind not in "pux",
                "local": local, "inherited": inherited, "from_partitioned_parent": from_parent,
                "comment": comment,
            }
        return constraints

    def indexes(self) -> dict:
        rows = self.rows(f"""
            SELECT i.indrelid, ic.relname, pg_get_indexdef(i.indexrelid), i.indisvalid,
                   ARRAY(SELECT {BOOLEAN_WORDS} FROM unnest(ic.reloptions) o ORDER BY 1),
                   i.indisclustered, i.indisreplident,
                   (SELECT pn.nspname || '.' || p.relname FROM pg_inherits h
                      JOIN pg_class p ON p.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
                     WHERE h.inhrelid = i.indexrelid),
                   (SELECT con.conname FROM pg_constraint con WHERE con.conindid = i.indexrelid
                      AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')),
                   obj_description(i.indexrelid, 'pg_class')
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND {self.table_filter()}""")
        indexes: dict = {}
        for rel, name, definition, valid, options, clustered, replident, parent, constraint, comment in rows:
            indexes.setdefault(rel, {})[name] = {
                "definition": definition, "valid": valid, "reloptions": options,
                "clustered": clustered, "replica_identity": replident, "attached_to": parent,
                "constraint": constraint, "comment": comment,
            }
        return indexes

    # sequences ------------------------------------------------------------------------------

    def sequences(self) -> dict:
        """Standalone and column-owned sequences; identity sequences are described with their
        column instead."""
        rows = self.rows(f"""
            SELECT n.nspname || '.' || c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
                   s.seqmin, s.seqmax, s.seqcache, s.seqcycle, c.relpersistence,
                   (SELECT tn.nspname || '.' || t.relname || '.' || a.attname FROM pg_depend d
                      JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
                     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                       AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'),
                   obj_description(c.oid, 'pg_class')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_sequence s ON s.seqrelid = c.oid
            WHERE c.relkind = 'S' AND {self.in_schemas()}
              AND {not_from_extension('pg_class', 'c.oid')}
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                              AND d.objid = c.oid AND d.deptype = 'i')""")
        ignored = set(self.params["ignored"])
        return {
            name: {"type": type_, "start": start, "increment": inc, "min": min_, "max": max_,
                   "cache": cache, "cycle": cycle, "persistence": persistence,
                   "owned_by": owner, "comment": comment}
            for name, type_, start, inc, min_, max_, cache, cycle, persistence, owner, comment in rows
            if owner is None or owner.rsplit(".", 1)[0] not in ignored
        }

    # types ----------------------------------------------------------------------------------

    def type_filter(self, kind: str) -> str:
        return (f"t.typtype = '{kind}' AND {self.in_schemas()}"
                f" AND {not_from_extension('pg_type', 't.oid')}")

    def enums(self) -> dict:
        rows = self.rows(f"""
            SELECT n.nspname || '.' || t.typname,
                   ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
                   obj_description(t.oid, 'pg_type')
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE {self.type_filter('e')}""")
        return {name: {"labels": labels, "comment": comment} for name, labels, comment in rows}

    def domains(self) -> dict:
        rows = self.rows(f"""
            SELECT n.nspname || '.' || t.typname, format_type(t.typbasetype, t.typtypmod), t.typdefault,
                   t.typnotnull,
                   CASE WHEN t.typcollation <> b.typcollation THEN
                        (SELECT cn.nspname || '.' || co.collname FROM pg_collation co
                           JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END,
                   ARRAY(SELECT ARRAY[con.conname::text, pg_get_constraintdef(con.oid), con.convalidated::text]
                           FROM pg_constraint con WHERE con.contypid = t.oid ORDER BY con.conname),
                   obj_description(t.oid, 'pg_type')
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            JOIN pg_type b ON b.oid = t.typbasetype
            WHERE {self.type_filter('d')}""")
        return {
            name: {"base_type": base, "default": default, "not_null": not_null, "collation": collation,
                   "checks": {c[0]: {"definition": c[1], "validated": c[2]} for c in checks},
                   "comment": comment}
            for name, base, default, not_null, collation, checks, comment in rows
        }

    def composite_types(self) -> dict:
        rows = self.rows(f"""
            SELECT n.nspname || '.' || t.typname,
                   ARRAY(SELECT ARRAY[a.attname::text, format_type(a.atttypid, a.atttypmod),
                                      COALESCE(col_description(a.attrelid, a.attnum), '')]
                           FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0
                            AND NOT a.attisdropped ORDER BY a.attnum),
                   obj_description(t.oid, 'pg_type')
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
            WHERE {self.type_filter('c')}""")
        return {name: {"attributes": attributes, "comment": comment} for name, attributes, comment in rows}

    def range_types(self) -> dict:
        rows = self.rows(f"""
            SELECT n.nspname || '.' || t.typname, format_type(r.rngsubtype, NULL),
                   (SELECT opc.opcname FROM pg_opclass opc WHERE opc.oid = r.rngsubopc),
                   (SELECT co.collname FROM pg_collation co WHERE co.oid = r.rngcollation),
                   NULLIF(r.rngcanonical::text, '-'), NULLIF(r.rngsubdiff::text, '-'),
                   format_type(r.rngmultitypid, NULL), obj_description(t.oid, 'pg_type')
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            JOIN pg_range r ON r.rngtypid = t.oid
            WHERE {self.type_filter('r')}""")
        return {
            name: {"subtype": subtype, "subtype_opclass": opclass, "collation": collation,
                   "canonical": canonical, "subtype_diff": subdiff, "multirange": multirange,
                   "comment": comment}
            for name, subtype, opclass, collation, canonical, subdiff, multirange, comment in rows
        }

    def collations(self) -> dict:
        rows = self.rows(f"""
            SELECT n.nspname || '.' || co.collname, co.collprovider, co.collcollate, co.collctype,
                   COALESCE(to_jsonb(co) ->> 'colllocale', to_jsonb(co) ->> 'colliculocale'), co.collisdeterministic, obj_description(co.oid, 'pg_collation')
            FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace
            WHERE {self.in_schemas()} AND {not_from_extension('pg_collation', 'co.oid')}""")
        return {
            name: {"provider": provider, "collate": collate, "ctype": ctype, "icu_locale": icu,
                   "deterministic": deterministic, "comment": comment}
            for name, provider, collate, ctype, icu, deterministic, comment in rows
        }

    def text_search(self) -> dict:
        rows = self.rows(f"""
            SELECT 'dictionary ' || d.oid::regdictionary::text, (SELECT tn.nspname || '.' || t.tmplname FROM pg_ts_template t JOIN pg_namespace tn ON tn.oid = t.tmplnamespace
                    WHERE t.oid = d.dicttemplate) || ' ' || COALESCE(d.dictinitoption, ''),
                   obj_description(d.oid, 'pg_ts_dict')
            FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
            WHERE {self.in_schemas()} AND {not_from_extension('pg_ts_dict', 'd.oid')}
            UNION ALL
            SELECT 'configuration ' || c.oid::regconfig::text,
                   (SELECT p.prsname FROM pg_ts_parser p WHERE p.oid = c.cfgparser) || ' ' || COALESCE((
                       SELECT string_agg(t.alias || ':' || m.mapdict::regdictionary::text, ',' ORDER BY t.alias, m.mapseqno)
                       FROM pg_ts_config_map m JOIN ts_token_type(c.cfgparser) t ON t.tokid = m.maptokentype
                       WHERE m.mapcfg = c.oid), ''),
                   obj_description(c.oid, 'pg_ts_config')
            FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
            WHERE {self.in_schemas()} AND {not_from_extension('pg_ts_config', 'c.oid')}""")
        return {name: {"definition": definition, "comment": comment} for name, definition, comment in rows}

    # kinds this fingerprint does not describe ----------------------------------------------

    def uncovered(self) -> dict:
        rows = self.rows(f"""
            SELECT 'foreign table', n.nspname || '.' || c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'f' AND {self.table_filter()}
            UNION ALL
            SELECT 'aggregate', n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE p.prokind = 'a' AND {self.in_schemas()} AND {not_from_extension('pg_proc', 'p.oid')}
            UNION ALL
            SELECT 'rule', n.nspname || '.' || c.relname || '.' || r.rulename
            FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE r.rulename <> '_RETURN' AND {self.table_filter()}
            UNION ALL
            SELECT 'statistics', n.nspname || '.' || s.stxname
            FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
            WHERE {self.in_schemas()}""")
        uncovered: dict = {}
        for kind, name in rows:
            uncovered.setdefault(kind, []).append(name)
        return {kind: sorted(names) for kind, names in uncovered.items()}
