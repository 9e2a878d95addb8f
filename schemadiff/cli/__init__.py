"""The command line: thin click commands over ``schemadiff.engine``.

``app`` holds the group, the shared options and the error handling; each job's commands live
in ``commands/`` and register themselves on the group when imported here.
Domain errors become one paragraph on stderr and a documented exit code (README →
"Exit codes"); ``--debug`` shows the traceback instead. Database drivers are imported only
by commands that talk to a database, so ``--help`` and ``validate`` start fast.
"""

from .app import cli
from . import commands  # noqa: F401  (importing the commands registers them on cli)


def main() -> None:
    import gc

    # A command builds one big acyclic graph (YAML nodes, the catalogs) and exits: with the
    # default thresholds the cycle collector rescans it over and over, a third of a big plan.
    gc.set_threshold(100_000, 50, 100)
    cli(prog_name="schemadiff")


__all__ = ["cli", "main"]
