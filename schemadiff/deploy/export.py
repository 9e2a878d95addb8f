"""A plan as the next numbered SQL migration file, for teams whose deploys run ``psql -f``.

The file runs with ``psql -v ON_ERROR_STOP=1 -f FILE``: transactional statements are grouped in
BEGIN/COMMIT blocks the way `apply` groups them, statements PostgreSQL refuses inside a
transaction (CREATE INDEX CONCURRENTLY) stand between the blocks, and the version row is
written in the last transaction, so the database looks as if `schemadiff apply` had run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Optional

from .. import __version__
from . import versions
from .apply import groups
from ..model import QualifiedName
from ..pg.naming import qualify, quote_literal
from ..plan import Plan

_NUMBERED = re.compile(r"^(\d+)_.*\.sql$")


def next_path(out_dir, slug: str) -> Path:
    """``out_dir/NNN_slug.sql`` with NNN one more than the highest number already there."""
    out_dir = Path(out_dir)
    numbers = [m.group(1) for p in (out_dir.iterdir() if out_dir.is_dir() else ()) if (m := _NUMBERED.match(p.name))]
    width = max([3] + [len(n) for n in numbers])
    number = max([0] + [int(n) for n in numbers]) + 1
    return out_dir / f"{number:0{width}d}_{slug}.sql"


def slug_of(plan: Plan) -> str:
    """A file-name slug from the plan's first change: ``add_column_people_display_name``."""
    first = next((s for s in plan.statements if s.kind != "DataMigration"), None)
    text = first.description if first else "data_migrations"
    text = re.sub(r"\bpublic\.", "", text)
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:50].rstrip("_")
    if first and len({s.object for s in plan.statements}) > 1:
        slug += "_and_more"
    return slug or "schemadiff"


def render_file(plan: Plan, filename: str, version_table: QualifiedName = versions.DEFAULT_TABLE) -> str:
    """The whole file text for ``plan``."""
    hazards = sorted({f"{h.kind} {h.code}" for s in plan.statements for h in s.hazards})
    lines = [
        f"-- {filename}: written by schemadiff {__version__} from `schemadiff plan --out-dir`.",
        f"-- Leads to the desired state with hash {plan.desired_hash}",
        f"-- (planned against the live schema with fingerprint {plan.current_fingerprint}).",
        f"-- Hazards: {', '.join(hazards) if hazards else 'none'}.",
        "-- Run with: psql -v ON_ERROR_STOP=1 -f " + filename,
        "-- Every statement is idempotent (IF [NOT] EXISTS or a catalog guard): an interrupted run can be repeated.",
        "",
    ]
    parts = groups(plan.statements)
    record = _record_sql(plan, filename, version_table)
    if not parts or not parts[-1][0]:
        parts.append((True, []))
    for i, (transactional, statements) in enumerate(parts):
        if transactional:
            lines.append("BEGIN;")
        else:
            lines.append("-- The next statement cannot run inside a transaction block; it runs on its own.")
        for statement in statements:
            hazard_text = "; ".join(f"{h.kind} {h.code}: {h.message}" for h in statement.hazards)
            lines.append(f"-- {statement.description}" + (f" [{hazard_text}]" if hazard_text else ""))
            lines.append(statement.sql + ";")
        if transactional:
            if i == len(parts) - 1:
                lines += ["-- Record the version, as `schemadiff apply` does.", record]
            lines.append("COMMIT;")
        lines.append("")
    return "\n".join(lines)


def _record_sql(plan: Plan, filename: str, table: QualifiedName) -> str:
    statements = json.dumps([s.sql for s in plan.statements])
    extra = json.dumps({"migration_file": filename})
    return (f"{versions.create_sql(table)};\n"
            f"INSERT INTO {qualify(table.schema, table.name)}"
            " (schema_hash, tool_version, statement_count, statements, snapshot, extra)\n"
            f"VALUES ({quote_literal(plan.desired_hash)}, {quote_literal(__version__)}, {len(plan.statements)},"
            f" {quote_literal(statements)}::jsonb, NULL, {quote_literal(extra)}::jsonb);")


def write_migration(plan: Plan, out_dir, name: Optional[str] = None,
                    version_table: QualifiedName = versions.DEFAULT_TABLE) -> Optional[Path]:
    """Write ``plan`` as the next numbered file in ``out_dir``; None (nothing written) when empty."""
    if plan.empty:
        return None
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") if name else slug_of(plan)
    path = next_path(out_dir, slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_file(plan, path.name, version_table), encoding="utf-8")
    return path
