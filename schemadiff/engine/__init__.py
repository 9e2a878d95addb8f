"""The typed API both faces stand on: the CLI's commands and the seed's Python API call one
function here per job, with the configuration resolved once (:class:`Project`).

The core works on a :class:`Target` (``plan``, ``apply``, ``plan_against``, ``read_live``);
the jobs (``plan_schema``, ``apply_schema``, ``check``, ``status``, ``inspect_schema``,
``diff_files``, ``lint``, ``history``, ``rollback``, ``adopt``, ``baseline``) work on a
:class:`Project` and return typed results that the faces format.
"""

from .target import Target, connection
from .reading import LiveRead, managed, managed_schemas, narrowed, read_live, read_unmanaged_of, without_ignored
from .planning import plan, plan_against, plan_while_loading
from .applying import ApplyResult, apply, refuse_destructive
from .project import Project
from .reviewing import Linted, diff_files, lint, lint_catalog
from .deploying import Planned, apply_schema, history, plan_schema, rollback
from .monitoring import Status, check, error_text, failed_status, health_unknown, status
from .adopting import SchemaText, adopt, baseline, inspect_schema
from .modelling import ModelsText, generate_models
from .calibrating import calibrate, throughput

__all__ = [
    "Target", "connection", "LiveRead", "managed", "managed_schemas", "narrowed", "read_live",
    "read_unmanaged_of", "without_ignored", "plan", "plan_against", "plan_while_loading", "ApplyResult", "apply",
    "refuse_destructive", "Project", "Linted", "diff_files", "lint", "lint_catalog", "Planned",
    "apply_schema", "history", "plan_schema", "rollback", "Status", "check", "error_text",
    "failed_status", "health_unknown", "status", "SchemaText", "adopt", "baseline", "inspect_schema",
    "ModelsText", "generate_models", "calibrate", "throughput",
]
