"""Project configuration: ``schemadiff.toml`` or ``[tool.schemadiff]`` in ``pyproject.toml``.

The file is looked for in the current directory and its parents up to the git root (the
first directory holding ``.git``). Precedence, highest first: command-line flags, environment
variables, the configuration file, built-in defaults. Every resolved setting remembers where
it came from, for ``schemadiff config``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Optional

from .errors import SchemadiffError

try:
    import tomllib
except ImportError:  # Python 3.10: the same parser as a package (a dependency there, see pyproject.toml)
    import tomli as tomllib

CONFIG_FILE = "schemadiff.toml"
SEVERITIES = ("error", "warning", "off")

# name → (default, type); the keys a configuration file may set.
DEFAULTS: dict[str, Any] = {
    "schema": "schema.yaml",
    "database_url_env": "DATABASE_URL",
    "version_table": "public.schemadiff_version",
    "connect_timeout": 5.0,
    "lock_timeout": 5.0,
    "statement_timeout": 0.0,
    "lock_wait": 60.0,
    "max_lock_time": 0.0,  # seconds a plan may hold a write-blocking lock on a table, by estimate; 0: no limit
    "ignore": (),
    "lint": {},
}
_TYPES = {"schema": str, "database_url_env": str, "version_table": str, "version_schema": str,
          "connect_timeout": float, "lock_timeout": float, "statement_timeout": float,
          "lock_wait": float, "max_lock_time": float, "ignore": list, "lint": dict}


class ConfigError(SchemadiffError):
    """The configuration file cannot be used."""


@dataclass
class Settings:
    """The effective settings and, per setting, where its value came from."""

    values: dict = field(default_factory=lambda: dict(DEFAULTS))
    sources: dict = field(default_factory=lambda: {k: "default" for k in DEFAULTS})
    file: Optional[Path] = None

    def __getattr__(self, name: str):
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def set(self, name: str, value: Any, source: str) -> None:
        self.values[name] = value
        self.sources[name] = source


def find_config(start: Optional[Path] = None) -> Optional[Path]:
    """The nearest ``schemadiff.toml`` (or ``pyproject.toml`` with ``[tool.schemadiff]``),
    looking from ``start`` upwards and stopping at the git root."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "schemadiff" in _read(pyproject).get("tool", {}):
            return pyproject
        if (directory / ".git").exists():
            return None
    return None


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def file_settings(path: Path) -> dict:
    """The validated settings a configuration file sets (only those it sets)."""
    data = _read(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("schemadiff", {})
    out: dict[str, Any] = {}
    for key, value in data.items():
        kind = _TYPES.get(key)
        if kind is None:
            raise ConfigError(f"{path}: unknown setting {key!r}; expected one of: {', '.join(sorted(_TYPES))}")
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)
        elif not isinstance(value, kind):
            raise ConfigError(f"{path}: {key} must be {kind.__name__}, not {type(value).__name__}")
        out[key] = value
    if "ignore" in out:
        if not all(isinstance(p, str) for p in out["ignore"]):
            raise ConfigError(f"{path}: ignore must be a list of patterns such as \"audit_*\" or \"public.tmp_*\"")
        out["ignore"] = tuple(out["ignore"])
    if "lint" in out:
        from .plan.lint import RULES

        for rule, level in out["lint"].items():
            if rule not in RULES:
                raise ConfigError(f"{path}: lint: unknown rule {rule!r}; known rules: {', '.join(RULES)}")
            if level not in SEVERITIES:
                raise ConfigError(f"{path}: lint.{rule} must be one of {', '.join(SEVERITIES)}, not {level!r}")
    if "version_schema" in out:
        name = out.pop("version_schema")
        table = out.get("version_table", DEFAULTS["version_table"]).rpartition(".")[2]
        out["version_table"] = f"{name}.{table}"
    if "schema" in out and not Path(out["schema"]).is_absolute() and not out["schema"].startswith("sqlalchemy:"):
        out["schema"] = _relative(path.parent / out["schema"])
    return out


def _relative(path: Path) -> str:
    """``path`` relative to the working directory when below it (nicer in messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def resolve(flags: dict, flag_sources: Optional[dict] = None, start: Optional[Path] = None) -> Settings:
    """Merge defaults < configuration file < environment/flags. ``flags`` holds the values
    given on the command line (None when not given); ``flag_sources`` says how each was given
    (e.g. ``$SCHEMADIFF_SCHEMA``), default ``--name``."""
    settings = Settings()
    settings.file = find_config(start)
    if settings.file is not None:
        label = settings.file.name
        for key, value in file_settings(settings.file).items():
            settings.set(key, value, label)
    for key, value in flags.items():
        if value is not None:
            source = (flag_sources or {}).get(key) or f"--{key.replace('_', '-')}"
            settings.set(key, value, source)
    if "database_url" not in settings.values or settings.values.get("database_url") is None:
        env = settings.database_url_env
        url = os.environ.get(env) or None
        settings.set("database_url", url, f"${env}" if url else "not set")
    return settings


def target(settings: Settings, announce: Callable[[str], None], **overrides):
    """The engine's :class:`~schemadiff.engine.Target` for ``settings``: the one place where
    the CLI and the seed API turn configuration into where and how to connect, so that both
    record in the same version table and leave the same tables alone. Without a database URL,
    the embedded development server next to the schema file (``announce`` is told so).
    ``overrides`` replace Target fields (e.g. ``statement_timeout_ms``)."""
    from .engine import Target
    from .model import QualifiedName

    schema, _, name = settings.version_table.rpartition(".")
    return Target(url=settings.database_url or _embedded_url(settings, announce),
                  version_table=QualifiedName(schema or "public", name),
                  connect_timeout=settings.connect_timeout, ignore=tuple(settings.ignore), **overrides)


def _embedded_url(settings: Settings, announce: Callable[[str], None]) -> str:
    from . import server

    project = Path(settings.schema).resolve().parent
    try:
        url = server.embedded_url(project)
    except server.ServerError as exc:
        raise SchemadiffError(f"no DATABASE_URL given and the embedded server could not start: {exc}") from None
    announce(f"no DATABASE_URL given; using the embedded development server in {project / '.schemadiff'}")
    return url


def execution(settings: Settings, retries: Optional[int] = None):
    """How apply runs statements, from the settings: lock and statement timeouts (and the
    retries after a lock timeout, which only the command line sets)."""
    from .deploy.apply import ExecutionSettings

    chosen = ExecutionSettings(lock_timeout_ms=int(settings.lock_timeout * 1000),
                               statement_timeout_ms=int(settings.statement_timeout * 1000))
    return chosen if retries is None else replace(chosen, retries=retries)


def overridden(settings: Settings, **given) -> Settings:
    """``settings`` with a command's own options on top (those given, i.e. not None), each
    remembered as coming from its ``--flag``: how ``apply --lock-wait 5`` beats the file."""
    out = Settings(dict(settings.values), dict(settings.sources), settings.file)
    for name, value in given.items():
        if value is not None:
            out.set(name, value, "--" + name.replace("_", "-"))
    return out


def describe(settings: Settings) -> str:
    """The effective settings, one per line, with passwords masked and their source."""
    from .db import mask_url

    lines = [f"# configuration file: {settings.file or 'none found'}"]
    for key in ("database_url", *DEFAULTS):
        value = settings.values.get(key)
        if key == "database_url":
            shown = mask_url(value) if value else "<none: the embedded development server is used>"
        elif key == "ignore":
            shown = ", ".join(value) if value else "<none>"
        elif key == "lint":
            shown = ", ".join(f"{k}={v}" for k, v in sorted(value.items())) if value else "<rule defaults>"
        else:
            shown = str(value)
        lines.append(f"{key:<18} = {shown:<40}  ({settings.sources.get(key, 'default')})")
    return "\n".join(lines)


STARTER_TOML = """\
# schemadiff configuration (README → "Configuration"); `schemadiff config` shows the result.
# Command-line flags override these settings; environment variables override them too.

schema = "schema.yaml"
# The environment variable that holds the database URL.
database_url_env = "DATABASE_URL"
version_table = "public.schemadiff_version"
connect_timeout = 5.0     # seconds
lock_timeout = 5.0        # seconds each DDL statement may wait for a table lock
statement_timeout = 0.0   # seconds a DDL statement may run (0: no limit)

# Tables schemadiff must neither manage nor report (fnmatch on name or schema.name).
ignore = []

# Lint severities: error, warning or off.
[lint]
# SD009 = "off"
"""
