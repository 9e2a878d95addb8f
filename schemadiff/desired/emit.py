"""``yaml.dump`` of a big document in pieces, with the same text out.

PyYAML represents the whole document as a graph of nodes before libyaml writes a byte of it:
for the file of a thousand tables that graph is some 30 MiB, the most ``inspect`` ever holds.
Here each entry of the top two mapping levels (each table, each view, …) is represented and
written on its own, through the same dumper and the same events its serializer would send, so
only one entry's nodes exist at a time.
"""

from __future__ import annotations

import io
from typing import Any

import yaml

_NEVER_ALIASED = (str, bytes, bool, int, float, type(None))
_DEPTH = 2  # the document, then e.g. ``tables:``; below that an entry is one table, written whole


def streamed_dump(doc: dict, dumper_class, **options) -> str:
    """``yaml.dump(doc, Dumper=dumper_class, **options)``, written an entry at a time.

    A document in which one container appears twice goes through ``yaml.dump`` itself: PyYAML
    writes it once with an anchor and then an alias, which entries written apart cannot see."""
    if _shares_objects(doc):
        return yaml.dump(doc, Dumper=dumper_class, **options)
    stream = io.StringIO()
    dumper = dumper_class(stream, **options)
    try:
        dumper.open()
        dumper.emit(yaml.DocumentStartEvent(explicit=False))
        _write(dumper, doc, _DEPTH)
        dumper.emit(yaml.DocumentEndEvent(explicit=False))
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue()


def _write(dumper, data: Any, depth: int) -> None:
    """Write ``data``; a mapping above ``depth`` 0 is opened here and its entries written apart."""
    if depth == 0 or type(data) is not dict or not data:
        _emit(dumper, _represented(dumper, data))
        return
    # The mapping's own tag and style, from a stand-in holding its keys and which of its values
    # are containers: all that dump's mapping style looks at (dump._represent_dict).
    shell = _represented(dumper, {key: [None] if isinstance(value, (dict, list)) else None
                                  for key, value in data.items()})
    dumper.emit(yaml.MappingStartEvent(None, shell.tag, _implicit(dumper, shell), flow_style=shell.flow_style))
    items = data.items()
    if dumper.sort_keys:
        try:
            items = sorted(items)
        except TypeError:
            pass
    for key, value in items:
        _write(dumper, key, 0)
        _write(dumper, value, depth - 1)
    dumper.emit(yaml.MappingEndEvent())


def _represented(dumper, data: Any):
    node = dumper.represent_data(data)
    dumper.represented_objects, dumper.object_keeper, dumper.alias_key = {}, [], None
    return node


def _emit(dumper, node) -> None:
    """The events PyYAML's serializer sends for ``node`` (no anchors: nothing is shared)."""
    if isinstance(node, yaml.ScalarNode):
        implicit = (dumper.resolve(yaml.ScalarNode, node.value, (True, False)) == node.tag,
                    dumper.resolve(yaml.ScalarNode, node.value, (False, True)) == node.tag)
        dumper.emit(yaml.ScalarEvent(None, node.tag, implicit, node.value, style=node.style))
    elif isinstance(node, yaml.SequenceNode):
        dumper.emit(yaml.SequenceStartEvent(None, node.tag, _implicit(dumper, node), flow_style=node.flow_style))
        for item in node.value:
            _emit(dumper, item)
        dumper.emit(yaml.SequenceEndEvent())
    else:
        dumper.emit(yaml.MappingStartEvent(None, node.tag, _implicit(dumper, node), flow_style=node.flow_style))
        for key, value in node.value:
            _emit(dumper, key)
            _emit(dumper, value)
        dumper.emit(yaml.MappingEndEvent())


def _implicit(dumper, node) -> bool:
    return dumper.resolve(type(node), node.value, True) == node.tag


def _shares_objects(doc: dict) -> bool:
    """Whether some object PyYAML would alias (anything but a scalar or ``()``) is met twice."""
    seen, todo = set(), [doc]
    while todo:
        value = todo.pop()
        if isinstance(value, _NEVER_ALIASED) or value == ():
            continue
        if id(value) in seen:
            return True
        seen.add(id(value))
        if type(value) is dict:
            todo.extend(value.keys())
            todo.extend(value.values())
        elif type(value) in (list, tuple):
            todo.extend(value)
    return False
