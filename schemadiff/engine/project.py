"""A job's configuration, resolved once: the CLI and the seed API build a :class:`Project`
from :mod:`schemadiff.config` settings and hand it to the engine's jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from .. import config
from .target import Target


def _silent(message: str) -> None:
    pass


class Project:
    """The resolved settings of one job: the schema file, where the database is (reached
    only when a job needs it, so that jobs without a database never start the development
    server), how statements run, the lock wait, ignored tables and lint severities."""

    def __init__(self, settings: config.Settings, announce: Callable[[str], None] = _silent, **target_overrides):
        self.settings = settings
        self._announce = announce
        self._target_overrides = target_overrides
        self._target: Optional[Target] = None

    @property
    def target(self) -> Target:
        if self._target is None:
            self._target = config.target(self.settings, self._announce, **self._target_overrides)
        return self._target

    @property
    def schema(self) -> str:
        return self.settings.schema

    @property
    def has_database_url(self) -> bool:
        return bool(self.settings.database_url)

    @property
    def ignore(self) -> tuple:
        return tuple(self.settings.ignore)

    @property
    def severities(self) -> dict:
        return self.settings.lint

    @property
    def lock_wait(self) -> float:
        return self.settings.lock_wait

    @property
    def max_lock_time(self) -> float:
        """Seconds apply lets a plan write-lock a table, by estimate (0: no limit)."""
        return self.settings.max_lock_time

    def execution(self, retries: Optional[int] = None):
        return config.execution(self.settings, retries)

    def with_options(self, **given) -> "Project":
        """This project with a command's own options on top (None: not given)."""
        return Project(config.overridden(self.settings, **given), self._announce, **self._target_overrides)

    def load(self):
        """(desired catalog, its text) of the schema file (or the SQLAlchemy models it names)."""
        from ..desired import load_with_source, sources

        if self.schema.startswith(sources.SQLALCHEMY_PREFIX):
            return sources.load(self.schema)
        return load_with_source(self.schema)

    def data_migrations(self, data_dir=None):
        """The data-migration files: ``data_dir``, else data/ beside the schema file."""
        from ..deploy.datamigrations import discover

        return discover(data_dir or Path(self.schema).resolve().parent / "data")
