"""A small schema and helpers shared by the health, status and monitoring tests."""

from __future__ import annotations

from pathlib import Path

SCHEMA = """\
tables:
  users:
    columns:
      id: serial
      telegram_id: {type: bigint, nullable: false}
      email: text
    primary_key: id
    indexes:
      - name: idx_users_telegram_id
        columns: [telegram_id]
  games:
    columns:
      id: bigserial
      user_id: {type: integer, nullable: false}
      score: {type: integer, nullable: false, default: 0}
    primary_key: id
    foreign_keys:
      - columns: [user_id]
        references: users(id)
    checks:
      - score >= 0
    indexes:
      - name: idx_games_user_id
        columns: [user_id]
"""


def write_schema(tmp_path: Path, text: str = SCHEMA) -> str:
    path = tmp_path / "schema.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def applied(database_url: str, schema_path: str) -> None:
    """Bring the database to the schema file (and record version 1)."""
    from schemadiff.api import apply_pending_migrations_sync

    ok, statements = apply_pending_migrations_sync(database_url, schema_path)
    assert ok and statements
