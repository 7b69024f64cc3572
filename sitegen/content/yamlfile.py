"""Safe YAML loading that remembers where every value came from.

PyYAML's `SafeLoader` composes the node tree (which carries marks); we convert
it ourselves into `YamlMap` / `YamlList` containers that keep the 1-based
(line, column) of each key and value, so diagnostics can point at the exact
spot. Duplicate keys, which PyYAML silently accepts, are reported.
"""

from __future__ import annotations

from typing import Any

import yaml

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


def _convert(loader: Any, node: yaml.Node, line_offset: int, lines: list[str]) -> Any:
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in (
        _MAP_TAG, _SEQ_TAG
    ):
        raise YamlError(f"unsupported YAML tag {node.tag!r}", _pos(node.start_mark, line_offset),
                        "remove the '!' tag; content files hold plain data only")
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result = YamlMap()
        result.pos = _pos(node.start_mark, line_offset)
        for key_node, value_node in node.value:
            key = _convert(loader, key_node, line_offset, lines)
            try:
                hash(key)
            except TypeError:
                raise YamlError(
                    "a mapping key must be a plain value",
                    _pos(key_node.start_mark, line_offset),
                ) from None
            if key in result:
                raise YamlError(
                    f"duplicate key '{key}'",
                    _pos(key_node.start_mark, line_offset),
                    f"'{key}' is already set on line {result.key_pos[key][0]}; keep one",
                )
            result[key] = _convert(loader, value_node, line_offset, lines)
            result.key_pos[key] = _pos(key_node.start_mark, line_offset)
            result.value_pos[key] = _value_pos(value_node, line_offset, lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = YamlList()
        items.pos = _pos(node.start_mark, line_offset)
        for item in node.value:
            items.append(_convert(loader, item, line_offset, lines))
            items.item_pos.append(_value_pos(item, line_offset, lines))
        return items
    if node.tag == _STR_TAG:
        return node.value  # most values: no need for the constructor machinery
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        if node.tag == "tag:yaml.org,2002:timestamp":
            raise YamlError(f"'{node.value}' is not a valid date",
                            _pos(node.start_mark, line_offset),
                            "write a real date as YYYY-MM-DD, e.g. 2025-01-23") from None
        raise YamlError(f"cannot read the value {node.value!r}", _pos(node.start_mark, line_offset),
                        "quote the value if it is meant as text") from None
    except yaml.constructor.ConstructorError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlError(
            f"cannot read this value: {problem}",
            _pos(node.start_mark, line_offset),
            "quote the value if it is meant as text",
        ) from None


def _value_pos(node: yaml.Node, line_offset: int, lines: list[str]) -> Pos:
    # For block scalars (| and >) the text starts on the next line, indented.
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        index = node.start_mark.line + 1
        line = lines[index] if index < len(lines) else ""
        column = len(line) - len(line.lstrip(" "))
        return (index + 1 + line_offset, column + 1)
    return _pos(node.start_mark, line_offset)


# libyaml's parser when PyYAML has it (about 15x faster); it reports the same
# positions. Syntax errors are parsed again with the pure-Python parser, whose
# messages are more precise.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, *, line_offset: int = 0) -> Any:
    """Parse one YAML document from `text` into positioned containers.

    `line_offset` shifts every line number (for front matter inside a file).
    Raises `YamlError` on syntax errors, duplicate keys and unreadable values.
    """
    try:
        return _load(_FAST_LOADER, text, line_offset)
    except YamlError:
        if _FAST_LOADER is yaml.SafeLoader:
            raise
        return _load(yaml.SafeLoader, text, line_offset)


def _load(loader_class: Any, text: str, line_offset: int) -> Any:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _convert(loader, node, line_offset, text.split("\n"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _pos(mark, line_offset) if mark else (1 + line_offset, 1)
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            message = f"{exc.problem} ({exc.context})"
        raise YamlError(f"YAML syntax error: {message}", pos, _syntax_hint(message)) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML error: {exc}", (1 + line_offset, 1)) from None
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
