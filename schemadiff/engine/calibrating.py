"""Measuring this server's throughput for the plan's estimates (``schemadiff calibrate``)."""

from __future__ import annotations

from typing import Optional

from .project import Project
from .target import connection


def calibrate(project: Project, rows: Optional[int] = None):
    """Time a scan, an index build and a rewrite of a scratch table of ``rows`` rows (made
    and dropped), record the rates beside the version table and return them
    (plan.cost.Throughput)."""
    from ..deploy import calibration

    target = project.target
    with connection(target) as conn:
        return calibration.calibrate(conn, target.version_table, **({"rows": rows} if rows else {}))


def throughput(project: Project):
    """The rates the plan's estimates use on this target: the latest calibration, else the
    defaults (plan.cost.Throughput)."""
    from ..deploy import calibration
    from ..plan.cost import DEFAULTS

    target = project.target
    with connection(target) as conn:
        return calibration.read(conn, target.version_table) or DEFAULTS
