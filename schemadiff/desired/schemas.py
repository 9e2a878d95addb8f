"""The file's ``schemas:``: names, each plain or as ``{name: billing, comment: …}``; read here,
written back for ``inspect`` by :func:`schemas_document`.

```yaml
schemas:
  - archive
  - {name: billing, comment: Plans, subscriptions, invoices and payments}
```
"""

from __future__ import annotations

from typing import Any

from ..model import Catalog
from ..pg import naming
from .reader import Reader, describe_value

SCHEMA_KEYS = ("name", "comment")


class SchemasReader(Reader):
    """Reads ``schemas:`` into names and (name, comment) pairs."""

    def schema_entries(self, value: Any) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        if value is None or isinstance(value, str):
            return (self.name_list(value, ("schemas",), "schemas") if value is not None else ()), ()
        names, comments = [], []
        for i, item in enumerate(self.listing(value, ("schemas",), "schemas")):
            path = ("schemas", i)
            if isinstance(item, dict):
                self.expect_keys(item, SCHEMA_KEYS, path, "schema")
                name = self.text(item.get("name"), path + ("name",), "name")
                if not name:
                    self.error(path, "a schema written as a mapping needs 'name'")
                    continue
                name = naming.truncate_identifier(name)
                comment = self.text(item.get("comment"), path + ("comment",), "comment")
                if comment is not None:
                    comments.append((name, comment))
            elif isinstance(item, list) or item is None:
                self.error(path, f"schemas must be names or {{name, comment}}, not {describe_value(item)}")
                continue
            else:
                name = naming.truncate_identifier(str(item))
            names.append(name)
        return tuple(names), tuple(comments)


def schemas_document(catalog: Catalog, listed) -> list:
    """The ``schemas:`` entries for ``inspect``: ``listed`` (schemas nothing else in the file
    would create) and every schema with a comment, which is written as a mapping."""
    comments = dict(catalog.schema_comments)
    return [{"name": s, "comment": comments[s]} if s in comments else s
            for s in catalog.schemas if s in comments or s in listed]
