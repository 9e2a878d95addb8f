"""Desired-state sources named on the command line or in the configuration: a path,
``git:REF:PATH`` read with ``git show REF:PATH`` (so a PR can be compared with its base
without a database), or SQLAlchemy models as ``sqlalchemy:package.module:Base``."""

from __future__ import annotations

import subprocess
from typing import Optional

from ..errors import Problem, SchemadiffError, SchemaFileError
from ..model import Catalog

GIT_PREFIX = "git:"
SQLALCHEMY_PREFIX = "sqlalchemy:"  # the same as sqlalchemy_bridge.PREFIX, without importing it


def read_text(spec: str, cwd: Optional[str] = None) -> str:
    """The text of a file or of ``git:REF:PATH``."""
    if spec.startswith(GIT_PREFIX):
        ref, sep, path = spec[len(GIT_PREFIX):].partition(":")
        if not sep or not ref or not path:
            raise SchemadiffError(f"{spec}: write a git revision as git:REF:PATH, e.g. git:origin/main:schema.yaml")
        try:
            done = subprocess.run(["git", "show", f"{ref}:{path}"], capture_output=True, cwd=cwd, timeout=60)
        except FileNotFoundError:
            raise SchemadiffError(f"{spec}: git is not installed") from None
        if done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise SchemadiffError(f"{spec}: git show {ref}:{path} failed: {reason[-1] if reason else 'unknown error'}")
        return done.stdout.decode("utf-8")
    try:
        with open(spec, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        raise SchemaFileError([Problem("file not found", spec)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaFileError([Problem(f"cannot read file: {exc}", spec)]) from None


def load(spec: str, cwd: Optional[str] = None) -> tuple[Catalog, str]:
    """Load and validate a file, ``git:REF:PATH`` or ``sqlalchemy:module:attribute``; also
    return its text (for models, the schema.yaml they amount to)."""
    from . import loads

    if spec.startswith(SQLALCHEMY_PREFIX):  # imports SQLAlchemy only when a source asks for it
        from ..sqlalchemy_bridge.load import load as load_models

        return load_models(spec, cwd)

    text = read_text(spec, cwd)
    return loads(text, spec), text
