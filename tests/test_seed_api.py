"""The seed's helpers: shapes and values, awaitable and synchronous, configured by argument
or by environment (including SQLAlchemy's ``postgresql+asyncpg://`` URLs)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket

import pytest

import schemadiff
from schemadiff import api as seed_api

from monitoring_support import write_schema

SEED_STATUS_KEYS = {"initialized", "current_version", "pending_migrations", "applied_migrations",
                    "schema_valid", "schema_issues"}


def asyncpg_form(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


def closed_port_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"postgresql://postgres@127.0.0.1:{port}/nothing"


@pytest.fixture
def schema_path(tmp_path):
    return write_schema(tmp_path)


def test_package_exports_every_helper_lazily():
    for name in schemadiff.__all__[1:]:
        assert getattr(schemadiff, name) is getattr(seed_api, name)
        assert getattr(seed_api, name).__doc__


def test_status_of_an_empty_database_lists_the_pending_plan(database_url, schema_path):
    status = seed_api.check_database_status_sync(database_url, schema_path)
    assert SEED_STATUS_KEYS <= set(status)
    assert status["initialized"] is False and status["current_version"] is None
    assert status["applied_migrations"] == 0 and status["schema_valid"] is False
    assert "create table public.users" in status["pending_migrations"]
    assert len(status["pending"]) == len(status["pending_migrations"])
    assert any("table public.users is missing" in m for m in status["schema_issues"])
    assert status["status"] == "critical" and status["error"] is None
    json.dumps(status)


def test_initialize_then_status_health_and_history_async(database_url, schema_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", asyncpg_form(database_url))
    monkeypatch.setenv("SCHEMADIFF_SCHEMA", schema_path)

    async def scenario():
        assert await schemadiff.initialize_database() is True
        return (await schemadiff.check_database_status(), await schemadiff.check_database_health(),
                await schemadiff.get_migration_status(), await schemadiff.apply_pending_migrations())

    status, health, history, again = asyncio.run(scenario())
    assert {k: status[k] for k in SEED_STATUS_KEYS} == {
        "initialized": True, "current_version": "1", "pending_migrations": [], "applied_migrations": 1,
        "schema_valid": True, "schema_issues": []}
    assert status["up_to_date"] is True and status["status"] == "ok"
    assert health["connectivity"] == {"ok": True, "error": None}
    assert health["tables"]["ok"] and health["tables"]["missing"] == []
    assert health["indexes"]["ok"] and health["indexes"]["missing"] == []
    assert health["overall_healthy"] is True
    assert history["current_version"] == "1" and history["pending_migrations"] == []
    assert [v["version"] for v in history["history"]] == [1] and history["up_to_date"]
    assert again == (True, [])


def test_sync_helpers_take_arguments(database_url, schema_path, sql):
    ok, applied = seed_api.apply_pending_migrations_sync(database_url, schema_path)
    assert ok and "create table public.users" in applied
    sql("DROP INDEX idx_games_user_id")
    sql("ALTER TABLE users ADD COLUMN nickname text")
    health = seed_api.check_database_health_sync(database_url, schema_path)
    assert health["overall_healthy"] is False
    assert health["indexes"] == {**health["indexes"], "ok": False, "missing": ["idx_games_user_id"]}
    status = seed_api.check_database_status_sync(database_url, schema_path)
    assert status["schema_valid"] is False and status["current_version"] == "1"
    assert status["pending_migrations"] and status["destructive_pending"] == 1  # dropping nickname
    migrations = seed_api.get_migration_status_sync(database_url, schema_path)
    assert migrations["applied_migrations"] == 1 and not migrations["up_to_date"]
    # The pending plan drops a column: the non-destructive helpers refuse and change nothing.
    assert seed_api.initialize_database_sync(database_url, schema_path) is False
    assert seed_api.apply_pending_migrations_sync(database_url, schema_path) == (False, [])
    ok, applied = seed_api.apply_pending_migrations_sync(database_url, schema_path, allow_destructive=True)
    assert ok and len(applied) == 2
    status = seed_api.check_database_status_sync(database_url, schema_path)
    assert (status["current_version"], status["applied_migrations"], status["pending_migrations"]) == ("2", 2, [])


def test_failures_are_reported_not_raised(schema_path, tmp_path, caplog):
    url = closed_port_url()
    with caplog.at_level(logging.ERROR, logger="schemadiff"):
        assert seed_api.initialize_database_sync(url, schema_path) is False
    assert "cannot connect" in caplog.text
    assert seed_api.apply_pending_migrations_sync(url, schema_path) == (False, [])
    health = seed_api.check_database_health_sync(url, schema_path)
    assert health["overall_healthy"] is False and health["connectivity"]["ok"] is False
    assert "cannot connect" in health["connectivity"]["error"]
    status = seed_api.check_database_status_sync(url, schema_path)
    assert status["initialized"] is False and status["status"] == "critical" and "cannot connect" in status["error"]
    assert "cannot connect" in seed_api.get_migration_status_sync(url, schema_path)["error"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("tables:\n  t:\n    columns: [oops\n")
    health = seed_api.check_database_health_sync(url, str(bad))
    assert health["status"] == "unknown" and health["overall_healthy"] is False
    assert seed_api.check_database_status_sync(url, str(bad))["status"] == "unknown"
    assert asyncio.run(seed_api.initialize_database(url, str(bad))) is False
