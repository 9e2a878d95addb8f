"""The typed API both faces stand on: the CLI's commands and the seed's Python API call one
function here per job, with the configuration resolved once (:class:`Project`).

The core works on a :class:`Target` (``plan``, ``apply``, ``plan_against``, ``read_live``);
the jobs (``plan_schema``, ``apply_schema``, ``check``, ``status``, ``inspect_schema``,
``diff_files``, ``lint``, ``history``, ``rollback``, ``adopt``, ``baseline``, ``erd``,
``report_sources``) work on a :class:`Project` and return typed results that the faces format.
"""

# Each name is imported from its module when first asked for (PEP 562): ``check`` must not
# pay for importing the planner and the differ it does not use, nor ``--help`` for anything.
_HOMES = {
    "Target": "target",
    "connection": "target",
    "LiveRead": "reading",
    "managed": "reading",
    "managed_schemas": "reading",
    "narrowed": "reading",
    "read_live": "reading",
    "read_unmanaged_of": "reading",
    "without_ignored": "reading",
    "plan": "planning",
    "plan_against": "planning",
    "plan_while_loading": "planning",
    "ApplyResult": "applying",
    "apply": "applying",
    "refuse_destructive": "applying",
    "Project": "project",
    "Linted": "reviewing",
    "diff_files": "reviewing",
    "lint": "reviewing",
    "lint_catalog": "reviewing",
    "Planned": "deploying",
    "apply_schema": "deploying",
    "history": "deploying",
    "plan_schema": "deploying",
    "rollback": "deploying",
    "Status": "monitoring",
    "check": "monitoring",
    "error_text": "monitoring",
    "failed_status": "monitoring",
    "health_unknown": "monitoring",
    "status": "monitoring",
    "SchemaText": "adopting",
    "adopt": "adopting",
    "baseline": "adopting",
    "inspect_schema": "adopting",
    "ModelsText": "modelling",
    "generate_models": "modelling",
    "erd": "picturing",
    "calibrate": "calibrating",
    "throughput": "calibrating",
    "ReportSources": "reporting",
    "report_sources": "reporting",
}

__all__ = [
    "Target", "connection", "LiveRead", "managed", "managed_schemas", "narrowed", "read_live",
    "read_unmanaged_of", "without_ignored", "plan", "plan_against", "plan_while_loading", "ApplyResult", "apply",
    "refuse_destructive", "Project", "Linted", "diff_files", "lint", "lint_catalog", "Planned",
    "apply_schema", "history", "plan_schema", "rollback", "Status", "check", "error_text",
    "failed_status", "health_unknown", "status", "SchemaText", "adopt", "baseline", "inspect_schema",
    "ModelsText", "generate_models", "erd", "calibrate", "throughput", "ReportSources", "report_sources",
]


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_HOMES))
