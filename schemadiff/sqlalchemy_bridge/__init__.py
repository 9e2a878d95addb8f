"""SQLAlchemy models as a schema source, and models generated from a schema.

An optional extra (``pip install "schemadiff[sqlalchemy]"``): nothing here is imported unless
a ``sqlalchemy:module:attribute`` source is named or ``schemadiff models`` runs, because
``import sqlalchemy`` costs about 0.2 s that other commands should not pay.

- ``load.py``: a ``MetaData`` → the schema file's document → a Catalog, read by the same
  reader as ``schema.yaml`` (one normalization of types, defaults and names).
- ``generate.py``: a Catalog → SQLAlchemy 2.0 declarative models (Python source).
"""

PREFIX = "sqlalchemy:"


def is_source(spec: str) -> bool:
    """Whether a schema source names SQLAlchemy models (``sqlalchemy:package.module:Base``)."""
    return isinstance(spec, str) and spec.startswith(PREFIX)
