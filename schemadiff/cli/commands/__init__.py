"""The CLI's commands, one module per job; importing them registers them on ``cli.cli``."""

from . import deploy, erd, migrate, models, monitor, project, report, review  # noqa: F401
