"""Read YAML safely into plain Python values, and find the line of any value on demand.

PyYAML's own loader forgets lines, silently keeps the last of two duplicate keys and
expands aliases (a "billion laughs" document explodes in memory). Composing the node graph
and converting it ourselves fixes all three: duplicate keys are errors, the node graph is
kept so that an error can name the line of its YAML path, and the number of values produced
is bounded.

That path costs about 3 s for a 1 MB file, mostly PyYAML resolving each scalar in Python,
so a document is first read by ``yaml_rs`` (a Rust parser, twenty times faster) when it is
installed. yaml_rs reads YAML 1.2, where ``yes``/``on`` are text and ``017`` is 17; schema
files keep PyYAML's YAML 1.1 meaning, so the fast result is used only when it provably
reads the same (see ``_fast_load``), and every other document — and every error, so that
messages and lines stay PyYAML's — goes through the PyYAML path. The node graph for lines
is then composed only when a problem must name one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

import yaml

try:  # optional: without a wheel for the platform, every document takes the PyYAML path
    import yaml_rs
except ImportError:  # pragma: no cover - depends on the platform
    yaml_rs = None

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
    text: Optional[str] = field(default=None, repr=False)  # composed into ``root`` on demand

    def line(self, path: Path) -> Optional[int]:
        """The 1-based line of ``path`` (a mapping entry's key, a list item), or of the
        nearest ancestor that exists. Walked on demand: lines matter only for errors."""
        if self.root is None and self.text is not None:
            try:
                self.root = _compose(self.text)
            except (yaml.YAMLError, UnicodeError, RecursionError):  # yaml_rs took what PyYAML refuses
                pass
            self.text = None
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
    data = _fast_load(text)
    if data is not _PYYAML:
        return Source(file, data, text=text)
    return _parse_with_pyyaml(text, file)


def _parse_with_pyyaml(text: str, file: str) -> Source:
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


# -- the fast path -----------------------------------------------------------------------------

_PYYAML = object()  # _fast_load's answer when the document must be read by PyYAML
# What yaml_rs would read differently or less safely, found in the text: anchors (the alias
# bomb protection above is proven on the PyYAML path), tags (yaml_rs drops ``!!binary``),
# merge keys (refused with a line), directives, YAML 1.1's extra line breaks, tabs (PyYAML
# refuses them in indentation), byte order marks.
_NEEDS_PYYAML = re.compile("[&\t\x85\u2028\u2029\ufeff]|!(?!=)|<<|^%", re.M)
# Only looked for when yaml_rs produced a number: a number PyYAML reads otherwise (017 is
# octal 15 in YAML 1.1 and 17 in 1.2; 0o17 and 1e6 are text in 1.1; 1_000, -.5, inf, nan).
_RISKY_INT = re.compile(r"(?<![\w.])[-+]?0[0-9_oObBxX]|(?<![\w.])[-+]?[0-9][0-9a-fA-F]*_")
_RISKY_FLOAT = re.compile(r"[0-9.][eE]|(?<![\w.])[-+]?\.(?![0-9])|(?<![\w.])[-+]\.|[0-9]_|(?i:inf|nan)")
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers  # first character -> [(tag, regexp)]


def _fast_load(text: str) -> Any:
    """The document's values read by yaml_rs, or ``_PYYAML`` when the PyYAML path must read
    it: no yaml_rs, an error (PyYAML reports it), anything not a mapping, or any value whose
    YAML 1.1 reading might differ."""
    if yaml_rs is None or _NEEDS_PYYAML.search(text):
        return _PYYAML
    try:
        data = yaml_rs.loads(text, parse_datetime=False, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error)
    except Exception:  # noqa: BLE001 - any refusal is reported by PyYAML, with its message and line
        return _PYYAML
    if type(data) is not dict:  # empty, several documents, a list: PyYAML says what is wrong
        return _PYYAML
    check = _Agreement()
    if not check.same(data, 0):
        return _PYYAML
    if check.ints and _RISKY_INT.search(text) or check.floats and _RISKY_FLOAT.search(text):
        return _PYYAML
    return data


class _Agreement:
    """Walks yaml_rs's values and says whether PyYAML's loader would give the same ones.
    Scalars are checked inline: a 1 MB file holds a hundred thousand of them."""

    def __init__(self) -> None:
        self.count = 0
        self.ints = self.floats = False
        self.texts: dict = {}  # text -> whether it reads the same; schema files repeat their words

    def same(self, container: Any, depth: int) -> bool:
        self.count += len(container)
        if depth >= MAX_DEPTH or self.count > MAX_VALUES:
            return False  # the PyYAML path refuses it, naming the line
        texts = self.texts
        if type(container) is dict:
            for key in container:  # other keys are converted to text on the PyYAML path
                if type(key) is not str:
                    return False
                known = texts.get(key)
                if known is None:
                    known = texts[key] = _text_agrees(key)
                if not known:
                    return False
            values = container.values()
        else:
            values = container
        for value in values:
            kind = type(value)
            if kind is str:
                known = texts.get(value)
                if known is None:
                    known = texts[value] = _text_agrees(value)
                if not known:
                    return False
            elif kind is dict or kind is list:
                if not self.same(value, depth + 1):
                    return False
            elif value is None or kind is bool:
                pass  # null, ~, true, false: the same words in YAML 1.1 and 1.2
            elif kind is int:
                self.ints = True
            elif kind is float:
                self.floats = True
            else:
                return False
        return True


def _text_agrees(text: str) -> bool:
    """yaml_rs read ``text`` as text; PyYAML does too unless, written plain, it would resolve
    to another type (yes, on, 1:20, 2024-01-01, =). Then the value is safe only if it was
    quoted, which is certain when yaml_rs itself would not read the plain word as text."""
    for tag, regexp in _IMPLICIT.get(text[:1], ()):
        if regexp.match(text):
            try:
                return not isinstance(yaml_rs.loads(text, parse_datetime=False), str)
            except Exception:  # noqa: BLE001
                return False
    return True
