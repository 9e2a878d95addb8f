"""The one error every part of the server package raises."""


class ServerError(Exception):
    """A local PostgreSQL server cannot be found, set up, started or stopped."""
