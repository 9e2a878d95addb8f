"""Read YAML safely into plain Python values, and find the line of any value on demand.

PyYAML's own loader forgets lines, silently keeps the last of two duplicate keys and
expands aliases (a "billion laughs" document explodes in memory). Composing the node graph
and converting it ourselves fixes all three: duplicate keys are errors, the node graph is
kept so that an error can name the line of its YAML path, and the number of values produced
is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import yaml

from ..errors import Problem, SchemaFileError

MAX_BYTES = 16 * 1024 * 1024
MAX_VALUES = 500_000
MAX_DEPTH = 64  # a schema file nests about 6 deep; recursive aliases nest forever

DECLARE_EMPTY = "to declare a schema with no tables on purpose, write `tables: {}`"

Path = tuple  # a YAML path: keys and list indexes from the document root


@dataclass
class Source:
    """A parsed document: its data, and its node graph for finding the line of a path."""

    file: str
    data: Any
    root: Optional[yaml.Node] = None

    def line(self, path: Path) -> Optional[int]:
        """The 1-based line of ``path`` (a mapping entry's key, a list item), or of the
        nearest ancestor that exists. Walked on demand: lines matter only for errors."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in path:
            if isinstance(node, yaml.MappingNode):
                entry = next(((k, v) for k, v in node.value if _key_text(k) == part), None)
                if entry is None:
                    break
                line, node = entry[0].start_mark.line + 1, entry[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def problem(self, path: Path, message: str) -> Problem:
        return Problem(message, self.file, self.line(path), format_path(path))


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse(text: str, file: str = "<schema>") -> Source:
    """Parse ``text``; raise SchemaFileError naming the line on any YAML problem. The last
    result is kept: the loader and the linter both parse the same file, and a big file
    costs seconds. Callers must treat the Source as read-only."""
    if _LAST and _LAST[0] == (file, text):
        return _LAST[1]
    source = _parse(text, file)
    _LAST[:] = [(file, text), source]
    return source


_LAST: list = []


def _parse(text: str, file: str) -> Source:
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise SchemaFileError([Problem(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB", file)])
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        raise SchemaFileError([Problem(f"invalid YAML: {reason}", file, line)]) from None
    except yaml.YAMLError as exc:
        raise SchemaFileError([Problem(f"invalid YAML: {exc}", file)]) from None
    except RecursionError:  # the pure-Python composer recurses once per nesting level
        raise SchemaFileError([Problem(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", file)]) from None
    if node is None or _blank(node):  # a failed checkout, a truncated write, a wrong path: never "drop every table"
        raise SchemaFileError([Problem(f"the file is empty (no YAML document, only whitespace or comments); "
                                       f"{DECLARE_EMPTY}", file)])
    source = Source(file, None, node)
    # Without an anchor there is no alias, the graph is a tree, and _convert's own count bounds it.
    if "&" in text and _expanded_size(node, {}, 0, source) > MAX_VALUES:
        raise SchemaFileError([Problem(
            f"document expands to more than {MAX_VALUES} values (exploding aliases?)", file)])
    source.data = _convert(node, (), source, [0])
    return source


def _blank(node: yaml.Node) -> bool:
    """A document with nothing in it but a marker (``---``)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null" and node.value == ""


def _expanded_size(node: yaml.Node, memo: dict, depth: int, source: Source) -> int:
    """How many values ``node`` becomes once aliases are expanded, counted once per distinct
    node, so that a "billion laughs" document is refused before anything is built."""
    known = memo.get(id(node))
    if known is not None:
        return known
    if depth > MAX_DEPTH:
        raise SchemaFileError([Problem(
            f"document nests more than {MAX_DEPTH} levels deep (recursive aliases?)",
            source.file, node.start_mark.line + 1)])
    size = 1
    if isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(v, memo, depth + 1, source) for _, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(v, memo, depth + 1, source) for v in node.value)
    memo[id(node)] = size = min(size, MAX_VALUES + 1)
    return size


def _compose(text: str):
    """Compose with libyaml when PyYAML was built with it (ten times faster on big files);
    a document libyaml rejects is composed again in Python, so error messages stay the same."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError as exc:
            if "nesting depth" in str(exc):  # the Python composer would take minutes, then recurse too deep
                raise
        except UnicodeError:  # lone surrogates: the Python reader reports them with a line
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _convert(node: yaml.Node, path: Path, source: Source, counter: list) -> Any:
    counter[0] += 1
    if counter[0] > MAX_VALUES:
        raise SchemaFileError([Problem(
            f"document expands to more than {MAX_VALUES} values (recursive or exploding aliases?)",
            source.file, node.start_mark.line + 1)])
    if len(path) > MAX_DEPTH:
        raise SchemaFileError([Problem(
            f"document nests more than {MAX_DEPTH} levels deep (recursive aliases?)",
            source.file, node.start_mark.line + 1)])
    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(node, path, source, counter)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, path + (i,), source, counter) for i, child in enumerate(node.value)]
    return _scalar(node, source)


def _convert_mapping(node: yaml.MappingNode, path: Path, source: Source, counter: list) -> dict:
    out: dict = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise SchemaFileError([Problem("mapping keys must be plain names", source.file,
                                           key_node.start_mark.line + 1, format_path(path))])
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise SchemaFileError([Problem("YAML merge keys (<<) are not supported", source.file,
                                           key_node.start_mark.line + 1, format_path(path))])
        key = _key_text(key_node, source)
        if key in out:
            raise SchemaFileError([Problem(f"duplicate key {key!r}", source.file,
                                           key_node.start_mark.line + 1, format_path(path))])
        out[key] = _convert(value_node, path + (key,), source, counter)
    return out


def _key_text(node: yaml.Node, source: Optional[Source] = None) -> Any:
    """A mapping key as the loader sees it: text (true/false for booleans)."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    key = _scalar(node, source)
    return key if isinstance(key, str) else str(key).lower() if isinstance(key, bool) else str(key)


_SCALAR_LOADER = yaml.SafeLoader("")


_STR_TAG = "tag:yaml.org,2002:str"


def _scalar(node: yaml.ScalarNode, source: Optional[Source]) -> Any:
    if node.tag == _STR_TAG:  # what SafeConstructor would return, without its bookkeeping
        return node.value
    try:
        return _SCALAR_LOADER.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        file = source.file if source else "<schema>"
        raise SchemaFileError([Problem(f"invalid value: {exc}", file, node.start_mark.line + 1)]) from None
