"""Safe YAML loading that remembers where every value came from.

PyYAML's safe parser (libyaml's when available) reads the text into events
(which carry marks); we compose them ourselves into `YamlMap` / `YamlList`
containers that keep the 1-based (line, column) of each key and value, so
diagnostics can point at the exact spot. Duplicate keys, which PyYAML silently
accepts, are reported; so are anchors and aliases, and nesting deeper than
MAX_YAML_DEPTH (content/limits.py).
"""

from __future__ import annotations

from typing import Any

import yaml

from sitegen.content.limits import MAX_YAML_DEPTH

Pos = tuple[int, int]


class YamlError(Exception):
    """A YAML file that cannot be parsed, with the position the parser reports."""

    def __init__(self, message: str, pos: Pos, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.hint = hint


class YamlMap(dict[Any, Any]):
    """A mapping that knows the position of itself, its keys and its values."""

    pos: Pos = (1, 1)

    def __init__(self) -> None:
        super().__init__()
        self.key_pos: dict[Any, Pos] = {}
        self.value_pos: dict[Any, Pos] = {}

    def where(self, key: Any) -> Pos:
        """Position of the value at `key`, else of the key, else of the map."""
        return self.value_pos.get(key) or self.key_pos.get(key) or self.pos


class YamlList(list[Any]):
    """A sequence that knows the position of itself and of each item."""

    pos: Pos = (1, 1)

    def __init__(self) -> None:
        super().__init__()
        self.item_pos: list[Pos] = []

    def where(self, index: int) -> Pos:
        return self.item_pos[index] if 0 <= index < len(self.item_pos) else self.pos


def _pos(mark: yaml.Mark, line_offset: int) -> Pos:
    return (mark.line + 1 + line_offset, mark.column + 1)


_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_VALUE_TAG = "tag:yaml.org,2002:value"  # a lone '=', which is text to us
_NO_KEY = object()  # an open mapping that waits for its next key
_ANCHOR_HINT = ("content files may not use YAML anchors and aliases (&, *); "
                "quote text that starts with & or *")


class _Composer:
    """Positioned containers from the parser's events.

    PyYAML's own composer recurses once per level and shares an aliased node
    wherever it is used, so deep nesting overflows Python's stack and a few
    nested aliases ("billion laughs") expand into billions of values when the
    nodes are converted. This one keeps the open collections on a list and
    refuses nesting deeper than MAX_YAML_DEPTH and all anchors, aliases and
    merge keys (no content uses them), each where it is written.
    """

    def __init__(self, loader: Any, line_offset: int, lines: list[str]) -> None:
        self.loader = loader
        self.line_offset = line_offset
        self.lines = lines
        self.open: list[YamlMap | YamlList] = []
        self.keys: list[Any] = []  # per open collection: a mapping's pending key
        self.anchors: dict[str, Pos] = {}  # refused at the end if no alias is

    def pos(self, event: yaml.Event) -> Pos:
        return _pos(event.start_mark, self.line_offset)

    def document(self) -> Any:
        """The value of the single document in the stream (None when empty)."""
        loader = self.loader
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return None
        start = loader.get_event()  # document start
        value = self.value()
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            raise yaml.composer.ComposerError(
                "expected a single document in the stream", start.start_mark,
                "but found another document", loader.get_event().start_mark)
        if self.anchors:
            name, pos = next(iter(self.anchors.items()))
            raise YamlError(f"YAML anchor '&{name}' is not allowed", pos,
                            f"remove '&{name}'; {_ANCHOR_HINT}")
        return value

    def value(self) -> Any:
        """The next value: a scalar, or a collection read to its end."""
        get_event = self.loader.get_event
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if event.anchor is not None:
                    self.anchors.setdefault(event.anchor, self.pos(event))
                value = self.scalar(event)
                pos = _value_pos(event, self.line_offset, self.lines)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.anchor is not None:
                    self.anchors.setdefault(event.anchor, self.pos(event))
                self.start(event)
                continue
            elif kind is yaml.AliasEvent:
                raise self.alias_error(event)
            else:  # the end of the innermost collection
                value = self.open.pop()
                self.keys.pop()
                pos = value.pos
            if not self.open:
                return value
            self.add(value, pos, event)

    def alias_error(self, event: yaml.AliasEvent) -> YamlError:
        anchored = self.anchors.get(event.anchor)
        where = f" (anchored as &{event.anchor} on line {anchored[0]})" if anchored else ""
        return YamlError(f"YAML alias '*{event.anchor}' is not allowed", self.pos(event),
                         f"write the value out{where}; {_ANCHOR_HINT}")

    def start(self, event: yaml.CollectionStartEvent) -> None:
        """Open a mapping or a sequence: plain data, not a key, not too deep."""
        is_map = type(event) is yaml.MappingStartEvent
        plain = _MAP_TAG if is_map else _SEQ_TAG
        if event.tag not in (None, "!", plain):
            raise YamlError(f"unsupported YAML tag {event.tag!r}", self.pos(event),
                            "remove the '!' tag; content files hold plain data only")
        if self.open and self.keys[-1] is _NO_KEY and type(self.open[-1]) is YamlMap:
            raise YamlError("a mapping key must be a plain value", self.pos(event))
        if len(self.open) >= MAX_YAML_DEPTH:
            raise YamlError(f"the data is nested more than {MAX_YAML_DEPTH} levels deep",
                            self.pos(event), "content files hold plain data a few levels "
                            "deep; write the structure out flatter")
        container = YamlMap() if is_map else YamlList()
        container.pos = self.pos(event)
        self.open.append(container)
        self.keys.append(_NO_KEY)

    def add(self, value: Any, pos: Pos, event: yaml.Event) -> None:
        """Put a finished value into the innermost open collection."""
        parent, key = self.open[-1], self.keys[-1]
        if type(parent) is YamlList:
            parent.append(value)
            parent.item_pos.append(pos)
        elif key is _NO_KEY:  # `value` is a key (a scalar: collections are refused)
            if value in parent.key_pos:
                raise YamlError(f"duplicate key '{value}'", self.pos(event),
                                f"'{value}' is already set on line {parent.key_pos[value][0]}; "
                                "keep one")
            parent.key_pos[value] = self.pos(event)
            self.keys[-1] = value
        else:
            parent[key] = value
            parent.value_pos[key] = pos
            self.keys[-1] = _NO_KEY

    def scalar(self, event: yaml.ScalarEvent) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag in (_STR_TAG, _VALUE_TAG):
            return event.value  # most values: no need for the constructor machinery
        if tag == _MERGE_TAG:
            raise YamlError("YAML merge keys (<<) are not allowed", self.pos(event),
                            f"write the keys out; {_ANCHOR_HINT}")
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        return _construct(self.loader, node, self.pos(event))


def _construct(loader: Any, node: yaml.ScalarNode, pos: Pos) -> Any:
    """A scalar's value by its tag (numbers, booleans, dates, null)."""
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        if node.tag == "tag:yaml.org,2002:timestamp":
            raise YamlError(f"'{node.value}' is not a valid date", pos,
                            "write a real date as YYYY-MM-DD, e.g. 2025-01-23") from None
        raise YamlError(f"cannot read the value {node.value!r}", pos,
                        "quote the value if it is meant as text") from None
    except yaml.constructor.ConstructorError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlError(f"cannot read this value: {problem}", pos,
                        "quote the value if it is meant as text") from None


def _value_pos(event: yaml.ScalarEvent, line_offset: int, lines: list[str]) -> Pos:
    # For block scalars (| and >) the text starts on the next line, indented.
    if event.style in ("|", ">"):
        index = event.start_mark.line + 1
        line = lines[index] if index < len(lines) else ""
        column = len(line) - len(line.lstrip(" "))
        return (index + 1 + line_offset, column + 1)
    return _pos(event.start_mark, line_offset)


class _ParserError(YamlError):
    """An error found by the parser itself (not by the composer above)."""


# libyaml's parser when PyYAML has it (about 15x faster); it reports the same
# positions. What its parser refuses is parsed again with the pure-Python
# parser, whose messages are more precise (and which has no nesting limit of
# its own: the composer's applies, at the right place).
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, *, line_offset: int = 0) -> Any:
    """Parse one YAML document from `text` into positioned containers.

    `line_offset` shifts every line number (for front matter inside a file).
    Raises `YamlError` on syntax errors, duplicate keys, unreadable values,
    anchors and aliases, and nesting deeper than MAX_YAML_DEPTH.
    """
    try:
        return _load(_FAST_LOADER, text, line_offset)
    except _ParserError:
        if _FAST_LOADER is yaml.SafeLoader:
            raise
        return _load(yaml.SafeLoader, text, line_offset)


def _load(loader_class: Any, text: str, line_offset: int) -> Any:
    loader = loader_class(text)
    try:
        return _Composer(loader, line_offset, text.split("\n")).document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _pos(mark, line_offset) if mark else (1 + line_offset, 1)
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            message = f"{exc.problem} ({exc.context})"
        raise _ParserError(f"YAML syntax error: {message}", pos, _syntax_hint(message)) from None
    except yaml.YAMLError as exc:
        raise _ParserError(f"YAML error: {exc}", (1 + line_offset, 1)) from None
    finally:
        loader.dispose()


def _syntax_hint(message: str) -> str:
    if "mapping values are not allowed" in message:
        return "a value containing ': ' must be quoted"
    if "found character '\\t'" in message:
        return "YAML indentation uses spaces, not tabs"
    if "could not find expected ':'" in message or "expected <block end>" in message:
        return "check the indentation of this line and the one before it"
    if "found unexpected end of stream" in message or "found unexpected" in message:
        return "check for an unclosed quote or bracket"
    return "check the YAML syntax around this position"
