"""A FastAPI service that brings its database to ``schema.yaml`` at startup and exposes
``GET /health/db`` for load balancers and Kubernetes probes.

Configuration comes from the environment, as in the seed's application: ``DATABASE_URL``
(``postgresql+asyncpg://…`` is accepted as is) and ``SCHEMADIFF_SCHEMA`` (default
``schema.yaml`` in the working directory). Run it with::

    DATABASE_URL=postgresql+asyncpg://app@localhost/langsense uvicorn app:app
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from typing import Optional

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from schemadiff import check_database_health, initialize_database

try:
    from .models import Users  # generated from schema.yaml by `schemadiff models --out models.py`
except ImportError:  # loaded as a file, not as a package
    from models import Users  # type: ignore[no-redef]


def async_engine(database_url: Optional[str]) -> AsyncEngine:
    """The application's engine: SQLAlchemy's async psycopg 3 dialect (asyncpg URLs too)."""
    url = database_url or os.environ["DATABASE_URL"]
    for prefix in ("postgresql+asyncpg://", "postgresql://"):
        url = url.replace(prefix, "postgresql+psycopg://", 1)
    return create_async_engine(url)


def create_app(database_url: Optional[str] = None, schema_path: Optional[str] = None) -> FastAPI:
    """The application; the arguments override ``DATABASE_URL`` / ``SCHEMADIFF_SCHEMA``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = async_engine(database_url)  # schemadiff is handed the app's own engine
        app.state.sessions = async_sessionmaker(app.state.engine)
        # Creates what is missing and records a version; refuses (and returns False) rather
        # than drop anything, so a deploy never loses data by starting up.
        if not await initialize_database(app.state.engine, schema_path):
            await app.state.engine.dispose()
            raise RuntimeError(
                "database initialization failed: schemadiff could not bring the database to the "
                "schema file (the reason is in the log above; `schemadiff plan` shows what it wanted to do)")
        yield
        await app.state.engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/health/db")
    async def health_db() -> JSONResponse:
        """200 with the health report when the database matches the schema file, else 503."""
        health = await check_database_health(app.state.engine, schema_path)
        return JSONResponse(health, status_code=200 if health["overall_healthy"] else 503)

    @app.get("/users/count")
    async def users_count() -> dict:
        """The application's own queries go through the generated models."""
        async with app.state.sessions() as session:
            return {"users": await session.scalar(select(func.count()).select_from(Users))}

    return app


app = create_app()
