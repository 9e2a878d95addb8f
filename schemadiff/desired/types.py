"""The file's user-defined types: ``enums:``."""

from __future__ import annotations

from typing import Any

from ..model import Enum
from .reader import Reader, split_qualified

ENUM_KEYS = ("values", "renamed_from", "comment")


class TypesReader(Reader):
    """Reads ``enums:``."""

    def enums(self, spec: dict) -> list[Enum]:
        out, seen = [], set()
        for key, body in spec.items():
            path = ("enums", key)
            schema, name = split_qualified(key)
            renamed_from = comment = None
            if isinstance(body, dict):
                self.expect_keys(body, ENUM_KEYS, path, f"enum {key!r}")
                renamed_from = self.text(body.get("renamed_from"), path + ("renamed_from",), "renamed_from")
                comment = self.text(body.get("comment"), path + ("comment",), "comment")
                body = body.get("values")
                path = path + ("values",)
            values, value_renames = self.enum_values(body, path, key)
            if len(set(values)) != len(values):
                self.error(path, f"enum {key!r} lists a value twice")
            if (schema, name) in seen:
                self.error(("enums", key), f"enum {schema}.{name} is declared twice")
            seen.add((schema, name))
            out.append(Enum(schema, name, tuple(str(v) for v in values), renamed_from=renamed_from,
                            value_renames=value_renames, comment=comment))
        return out

    def enum_values(self, body: Any, path: tuple, key: str) -> tuple[tuple, tuple]:
        """Labels in order; a label written ``{name: new, renamed_from: old}`` is a rename."""
        if isinstance(body, str) or not isinstance(body, list):
            return self.name_list(body, path, f"values of enum {key!r}"), ()
        values, renames = [], []
        for i, item in enumerate(body):
            if isinstance(item, dict):
                self.expect_keys(item, ("name", "renamed_from"), path + (i,), f"value of enum {key!r}")
                value = self.text(item.get("name"), path + (i, "name"), "name")
                if not value:
                    self.error(path + (i,), f"a value of enum {key!r} written as a mapping needs 'name'")
                    continue
                old = self.text(item.get("renamed_from"), path + (i, "renamed_from"), "renamed_from")
                if old:
                    renames.append((old, value))
            elif isinstance(item, list) or item is None:
                self.error(path + (i,), f"values of enum {key!r} must be labels or {{name, renamed_from}}")
                continue
            else:
                value = self.text(item, path + (i,), "value")
            values.append(value)
        return tuple(values), tuple(renames)
