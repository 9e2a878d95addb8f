"""The file's ``extensions:``, and the writer ``inspect`` uses for them.

``extensions: [pgcrypto, {name: btree_gist, schema: ext, version: "1.7"}]``: the schema is
``public`` unless given; without a version any installed version will do.
"""

from __future__ import annotations

from typing import Any

from ..model import Catalog, Extension
from ..pg import naming
from .reader import Reader, describe_value

EXTENSION_KEYS = ("name", "schema", "version")
# Installed in every database by initdb, in pg_catalog: never the file's business.
ALWAYS_INSTALLED = ("plpgsql",)


class ExtensionsReader(Reader):
    """Reads ``extensions:``."""

    def extensions(self, value: Any) -> list[Extension]:
        out, seen = [], set()
        for i, item in enumerate(self.listing(value, ("extensions",), "extensions")):
            extension = self.extension(item, ("extensions", i))
            if extension is None:
                continue
            if extension.name in seen:
                self.error(("extensions", i), f"extension {extension.name!r} is declared twice")
                continue
            seen.add(extension.name)
            out.append(extension)
        return out

    def extension(self, item: Any, path: tuple):
        if not isinstance(item, dict):
            item = {"name": item}
        else:
            self.expect_keys(item, EXTENSION_KEYS, path, "extension")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            self.error(path, f"an extension is its name or {{name, schema, version}}, not {describe_value(name)}")
            return None
        if name in ALWAYS_INSTALLED:
            self.error(path, f"extension {name!r} is installed in every database (in pg_catalog); "
                             "schemadiff does not manage it: remove it from the file")
            return None
        schema = self.text(item.get("schema"), path + ("schema",), "schema") or "public"
        return Extension(naming.truncate_identifier(name), naming.truncate_identifier(schema),
                         self.version(item.get("version"), path + ("version",), name))

    def version(self, value: Any, path: tuple, name: str):
        if isinstance(value, float):  # YAML reads 1.10 as 1.1: only a quoted version is safe
            self.error(path, f"the version of extension {name!r} must be quoted text, e.g. \"{value}\"")
            return None
        return self.text(value, path, "version")


def dump_extensions(catalog: Catalog) -> list:
    """The ``extensions:`` list: a bare name where the schema is public. Versions are not
    written: the file then accepts the version any server installs (pinning is the user's call)."""
    return [e.name if e.schema == "public" else {"name": e.name, "schema": e.schema} for e in catalog.extensions]
