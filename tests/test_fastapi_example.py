"""examples/fastapi_app: initialization in the lifespan and GET /health/db, on a real database."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from monitoring_support import write_schema

APP = Path(__file__).resolve().parents[1] / "examples" / "fastapi_app" / "app.py"
sys.path.insert(0, str(APP.parent))  # app.py imports its generated models.py


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("schemadiff_fastapi_example", APP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_startup_initializes_and_health_is_200_until_an_index_is_dropped(example, database_url, tmp_path,
                                                                          sql, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url.replace("postgresql://", "postgresql+asyncpg://", 1))
    monkeypatch.setenv("SCHEMADIFF_SCHEMA", write_schema(tmp_path))
    with TestClient(example.create_app()) as client:
        assert sql("SELECT count(*) FROM schemadiff_version") == [(1,)]
        response = client.get("/health/db")
        assert response.status_code == 200
        body = response.json()
        assert body["overall_healthy"] is True and body["connectivity"] == {"ok": True, "error": None}
        assert body["tables"]["missing"] == [] and body["indexes"]["missing"] == []
        sql("DROP INDEX idx_games_user_id")
        response = client.get("/health/db")
        assert response.status_code == 503
        assert response.json()["indexes"]["missing"] == ["idx_games_user_id"]


def test_startup_fails_clearly_when_initialization_fails(example, database_url, tmp_path, sql):
    schema = write_schema(tmp_path)
    sql("CREATE TABLE users (id int PRIMARY KEY, legacy text)")  # apply would have to drop `legacy`
    with pytest.raises(RuntimeError, match="database initialization failed"):
        with TestClient(example.create_app(database_url, schema)):
            pass
    assert sql("SELECT count(*) FROM information_schema.columns WHERE column_name = 'legacy'") == [(1,)]


def test_the_generated_models_agree_with_schema_yaml_and_serve_queries(example, database_url, monkeypatch):
    """examples/fastapi_app/models.py is `schemadiff models` of schema.yaml; CI's check:"""
    from click.testing import CliRunner

    from schemadiff.cli import cli

    root = APP.parents[2]
    monkeypatch.chdir(APP.parent)
    agree = CliRunner().invoke(cli, ["diff", str(root / "schema.yaml"), "sqlalchemy:models:Base", "--exit-code"])
    assert agree.exit_code == 0, agree.output
    with TestClient(example.create_app(database_url, str(root / "schema.yaml"))) as client:
        assert client.get("/users/count").json() == {"users": 0}
