"""An :class:`~schemadiff.pictures.erd.Erd` as SVG, laid out by Graphviz's ``dot`` program."""

from __future__ import annotations

import shutil
import subprocess

from ..errors import SchemadiffError
from .dot import dot
from .erd import Erd

TIMEOUT_S = 60.0


class GraphvizMissing(SchemadiffError):
    """Graphviz's ``dot`` program is not on PATH."""


class GraphvizFailed(SchemadiffError):
    """Graphviz ran but gave no picture (an error, or longer than the time allowed)."""


def svg(erd: Erd, *, timeout: float = TIMEOUT_S, rankdir: str = "LR") -> str:
    """The SVG text of ``erd``; :class:`GraphvizMissing` without Graphviz."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing(
            "SVG needs Graphviz, whose `dot` program is not on PATH. Install it (Debian/Ubuntu: "
            "apt-get install graphviz; macOS: brew install graphviz; see https://graphviz.org/download/), "
            "or write Mermaid or DOT instead (--format mermaid|dot).")
    try:
        done = subprocess.run([program, "-Tsvg"], input=dot(erd, rankdir=rankdir), capture_output=True,
                              text=True, encoding="utf-8", timeout=timeout)
    except subprocess.TimeoutExpired:
        raise GraphvizFailed(f"Graphviz took longer than {timeout:g} s to lay out {len(erd.tables)} tables: "
                             "draw fewer (--table NAME --depth N, --schema NAME or --pattern GLOB).") from None
    if done.returncode != 0:
        raise GraphvizFailed(f"Graphviz failed (exit {done.returncode}): {done.stderr.strip()[:500]}")
    return done.stdout
