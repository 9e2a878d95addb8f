"""``schemadiff init``: a starter schema.yaml and schemadiff.toml for a new project."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..config import CONFIG_FILE, STARTER_TOML
from ..errors import SchemadiffError

SCHEMA_COPY = Path(".schemadiff") / "schema.json"

STARTER_SCHEMA = """\
#
# The desired state of the database. Edit it, run `schemadiff plan` to see what would
# change, and `schemadiff apply` to make the database match (README → "The schema file").

tables:
  users:
    comment: One row per account.
    columns:
      id: {type: bigint, identity: always}
      email: {type: text, nullable: false}
      created_at: {type: timestamptz, nullable: false, default: now()}
    primary_key: id
    unique:
      - email
"""


def _json_schema() -> str | None:
    """The packaged JSON Schema of schema.yaml, if this installation ships it."""
    try:
        return resources.files("schemadiff").joinpath("schema.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return None


def init_project(ctx, *, from_database: bool = False, force: bool = False) -> list[tuple[Path, str]]:
    """Write the schema file, its JSON Schema copy and schemadiff.toml; return what was written.
    Refuses (before writing anything) to overwrite an existing file without ``force``."""
    schema_path = Path(ctx.schema)
    project = schema_path.parent
    toml_path = project / CONFIG_FILE
    existing = [p for p in (schema_path, toml_path) if p.exists()]
    if existing and not force:
        raise SchemadiffError(f"{', '.join(str(p) for p in existing)} already exist(s); "
                              "nothing was written (use --force to overwrite)")
    if from_database:
        body, what = _from_database(ctx)
    else:
        body, what = STARTER_SCHEMA, "a starter table"
    written = []
    schema_json = _json_schema()
    header = ""
    if schema_json is not None:
        copy = project / SCHEMA_COPY
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(schema_json, encoding="utf-8")
        written.append((copy, "the JSON Schema editors validate schema.yaml with"))
        header = f"# yaml-language-server: $schema={SCHEMA_COPY.as_posix()}\n"
    schema_path.parent.mkdir(parents=True, exist_ok=True)
    schema_path.write_text(header + body, encoding="utf-8")
    written.append((schema_path, what))
    toml = STARTER_TOML.replace('schema = "schema.yaml"', f'schema = "{schema_path.name}"')
    toml_path.write_text(toml, encoding="utf-8")
    written.append((toml_path, "settings (see `schemadiff config`)"))
    return written


def _from_database(ctx) -> tuple[str, str]:
    from .. import engine

    inspected = engine.inspect_schema(ctx.project())
    live, left_out = inspected.catalog, inspected.left_out
    skipped = f" ({len(left_out)} object(s) left out: listed atop the file)" if left_out else ""
    return inspected.text, f"{len(live.tables)} tables, {live.index_count} indexes from the database{skipped}"
