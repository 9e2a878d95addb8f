"""schemadiff: declarative schema management for PostgreSQL.

The engine lives in submodules (``schemadiff.engine`` is the typed API); the seed's
awaitable helpers (``initialize_database`` …) are exported here lazily so that importing
the package stays cheap and never loads a database driver.
"""

# The one place the version is written: pyproject.toml reads it (dynamic = ["version"]).
__version__ = "0.2.0.dev0"

_SEED_API = (
    "initialize_database", "check_database_status", "check_database_health",
    "apply_pending_migrations", "get_migration_status",
    "initialize_database_sync", "check_database_status_sync", "check_database_health_sync",
    "apply_pending_migrations_sync", "get_migration_status_sync",
)


def __getattr__(name):
    if name in _SEED_API:
        from . import api as seed_api

        return getattr(seed_api, name)
    raise AttributeError(f"module 'schemadiff' has no attribute {name!r}")


__all__ = ["__version__", *_SEED_API]
