"""A FastAPI service that brings its database to ``schema.yaml`` at startup and exposes
``GET /health/db`` for load balancers and Kubernetes probes.

Configuration comes from the environment, as in the seed's application: ``DATABASE_URL``
(``postgresql+asyncpg://…`` is accepted as is) and ``SCHEMADIFF_SCHEMA`` (default
``schema.yaml`` in the working directory). Run it with::

    DATABASE_URL=postgresql+asyncpg://app@localhost/langsense uvicorn app:app
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Optional

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from schemadiff import check_database_health, initialize_database


def create_app(database_url: Optional[str] = None, schema_path: Optional[str] = None) -> FastAPI:
    """The application; the arguments override ``DATABASE_URL`` / ``SCHEMADIFF_SCHEMA``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Creates what is missing and records a version; refuses (and returns False) rather
        # than drop anything, so a deploy never loses data by starting up.
        if not await initialize_database(database_url, schema_path):
            raise RuntimeError(
                "database initialization failed: schemadiff could not bring the database to the "
                "schema file (the reason is in the log above; `schemadiff plan` shows what it wanted to do)")
        yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/health/db")
    async def health_db() -> JSONResponse:
        """200 with the health report when the database matches the schema file, else 503."""
        health = await check_database_health(database_url, schema_path)
        return JSONResponse(health, status_code=200 if health["overall_healthy"] else 503)

    return app


app = create_app()
