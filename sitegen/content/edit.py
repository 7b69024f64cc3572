"""Edits of content files as text insertions, never a re-dump: the rest of a
file keeps every byte the editor wrote (comments, key order, quoting, blank
lines). Used by `sitegen new claim|entity`.

A claim is appended to the `claims:` list of its file; a file that `sitegen
import` wrote (`claims: []`) changes only in that line. A write replaces the
file atomically and is refused when the file is not what the caller read
(`expected`: the sha256 of the bytes it was shown), so an editor's save is
never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from sitegen.content.limits import MAX_YAML_BYTES


class EditError(Exception):
    """A file that cannot be edited safely; `hint` says what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class _ItemDumper(yaml.SafeDumper):
    """Claims as editors write them: multi-line text as a literal block, lists of
    plain values inline ([a, b]), mappings as blocks, list items indented
    under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    flow = all(not isinstance(item, dict | list) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_ItemDumper.add_representer(str, _represent_str)
_ItemDumper.add_representer(list, _represent_list)
_ItemDumper.add_representer(tuple, _represent_list)


def dump_fields(fields: Mapping[str, Any]) -> str:
    """A mapping as YAML block lines, keys in the given order."""
    return yaml.dump(dict(fields), Dumper=_ItemDumper, sort_keys=False, allow_unicode=True,
                     width=10_000, default_flow_style=False)


def entity_text(name: str, entity_type: str, aliases: Iterable[str] = ()) -> str:
    """A new entity file: the fields an editor fills in, description empty."""
    return dump_fields({"name": name, "type": entity_type, "aliases": list(aliases),
                        "description": ""})


def yaml_item(fields: Mapping[str, Any], indent: int) -> str:
    """One item of a block list (`- id: ...` and its fields under it), every
    line indented by `indent` spaces, ending in a newline."""
    lines = dump_fields(fields).splitlines()
    pad = " " * indent
    out = [f"{pad}- {lines[0]}"] + [f"{pad}  {line}" if line else "" for line in lines[1:]]
    return "\n".join(out) + "\n"


def _root(text: str) -> yaml.MappingNode:
    """The file's top mapping, as nodes with their positions (an empty file: an
    empty mapping)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        raise EditError("the file is not valid YAML, or nested too deep",
                        "run `sitegen check` and fix the file first") from None
    if root is None:
        return yaml.MappingNode("tag:yaml.org,2002:map", [])
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise EditError("the file is not a block mapping of keys and values",
                        "run `sitegen check` and fix the file first")
    return root


def _entry(root: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    """The key and value nodes of `name` in the mapping, None when absent."""
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == name:
            return key, value
    return None


def insert_claim(text: str, fields: Mapping[str, Any]) -> tuple[str, int]:
    """`text` (a claims file) with a claim appended to its `claims:` list, and
    the 1-based line where the new item starts."""
    entry = _entry(_root(text), "claims")
    if entry is None:
        body = text if not text or text.endswith("\n") else text + "\n"
        head = f"{body}claims:\n"
        return head + yaml_item(fields, 2), head.count("\n") + 1
    key, value = entry
    empty_flow = isinstance(value, yaml.SequenceNode) and value.flow_style and not value.value
    null = isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null")
    if empty_flow or null:
        # `claims: []` (or `claims:` with nothing): the key's line loses its value
        colon = text.index(":", key.end_mark.index)
        line_end = text.find("\n", colon)
        line_end = len(text) if line_end < 0 else line_end
        same_line = value.end_mark.line == key.start_mark.line
        remainder = text[max(colon + 1, value.end_mark.index if same_line else 0):line_end]
        if remainder.strip() and not remainder.strip().startswith("#"):
            raise EditError("unexpected text after `claims:`", "run `sitegen check` first")
        comment = f" {remainder.strip()}" if remainder.strip() else ""
        head = f"{text[:colon + 1]}{comment}\n"
        return head + yaml_item(fields, 2) + text[line_end + 1:], head.count("\n") + 1
    if not isinstance(value, yaml.SequenceNode) or value.flow_style:
        raise EditError("`claims:` is not a block list (`- id: ...` items)",
                        "write the claims as a block list, one `- id:` item each")
    first, last = value.value[0], value.value[-1]
    indent = first.start_mark.column - 2 if isinstance(first, yaml.MappingNode) else 2
    indent = max(indent, 0)
    end = _content_end(text, last, indent)
    before, after = text[:end], text[end:]
    if not before.endswith("\n"):
        before += "\n"
    if _spaced(text, value.value, indent):
        before += "\n"  # the items are spaced out by blank lines
    return before + yaml_item(fields, indent) + after, before.count("\n") + 1


def _content_end(text: str, item: yaml.Node, dash_column: int) -> int:
    """Where the last item's own lines end: its node's end, less the blank
    lines and the comments at the list's indentation or less that PyYAML
    counts into it (a comment that deep cannot be inside a block scalar)."""
    end = item.end_mark.index
    line_start = text.rfind("\n", 0, end) + 1
    if text[line_start:end].strip(" -"):  # it ends inside a line of its own: take the line
        newline = text.find("\n", end)
        end = len(text) if newline < 0 else newline + 1
    else:  # it ends where the next item ("- ") or key starts
        end = line_start
    while end > item.start_mark.index:
        start = text.rfind("\n", 0, end - 1) + 1
        line = text[start:end]
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if stripped.strip() and not (stripped.startswith("#") and indent <= dash_column):
            break
        end = start
    return end


def _spaced(text: str, items: list[yaml.Node], dash_column: int) -> bool:
    """Whether the list's items are separated by a blank line (judged between
    the first two; with one item, above it)."""
    if len(items) > 1:
        gap = text[_content_end(text, items[0], dash_column):items[1].start_mark.index]
    else:
        line_start = text.rfind("\n", 0, items[0].start_mark.index) + 1
        gap = text[text.rfind("\n", 0, max(line_start - 1, 0)) + 1:line_start]
    return any(not line.strip() for line in gap.split("\n")[:-1])


def claim_ids(text: str) -> list[str]:
    """The `id:` of each claim in a claims file's text (for unique new ids)."""
    entry = _entry(_root(text), "claims")
    items = entry[1].value if entry and isinstance(entry[1], yaml.SequenceNode) else []
    ids = []
    for item in items:
        if isinstance(item, yaml.MappingNode):
            ids += [v.value for k, v in item.value
                    if k.value == "id" and isinstance(v, yaml.ScalarNode)]
    return ids


def file_sha256(path: Path) -> str | None:
    """The sha256 of a file's bytes, None when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def read_for_edit(path: Path) -> tuple[str, str | None]:
    """A content file's text and the sha256 of its bytes (read once, so the two
    agree), ("", None) when it does not exist; refused above the size sitegen reads."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_YAML_BYTES + 1)
    except FileNotFoundError:
        return "", None
    if len(data) > MAX_YAML_BYTES:
        raise EditError(f"{path.name} is larger than {MAX_YAML_BYTES >> 20} MiB",
                        "split it before adding to it")
    try:
        return data.decode("utf-8"), hashlib.sha256(data).hexdigest()
    except UnicodeDecodeError:
        raise EditError(f"{path.name} is not UTF-8 text", "run `sitegen check` first") from None


def write_text_atomic(path: Path, text: str, expected: str | None = None, *,
                      create: bool = False) -> None:
    """Replace `path` with `text` in one step (a reader sees the old or the new
    file, never a part). `expected`: the sha256 the file must still have
    (refused when an editor saved it meanwhile); `create`: it must not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "x", encoding="utf-8", newline="") as stream:
            stream.write(text)
        current = file_sha256(path)
        if create and current is not None:
            raise EditError(f"{path.name} already exists", "choose another id")
        if expected is not None and current != expected:
            raise EditError(f"{path.name} changed on disk since it was read",
                            "nothing was written; reload and try again")
        if create:
            os.link(temporary, path)  # fails if the file appeared in between
        else:
            os.replace(temporary, path)
    except FileExistsError:
        raise EditError(f"{path.name} already exists", "choose another id") from None
    finally:
        temporary.unlink(missing_ok=True)


def add_alias(text: str, alias: str) -> str:
    """An entity file's `text` with `alias` added to its `aliases:` list (created
    after `type:` when missing)."""
    root = _root(text)
    scalar = json.dumps(alias, ensure_ascii=False)  # a JSON string is a YAML scalar
    keys = {k.value: (k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    if "aliases" not in keys:
        after = keys.get("type", keys.get("name"))
        line = f"aliases: [{scalar}]\n"
        if after is None:
            body = text if not text or text.endswith("\n") else text + "\n"
            return body + line
        cut = _line_after(text, after[1].end_mark.index)
        head = text[:cut] if text[:cut].endswith("\n") else text[:cut] + "\n"
        return head + line + text[cut:]
    key, value = keys["aliases"]
    if isinstance(value, yaml.SequenceNode) and value.flow_style:
        close = value.end_mark.index - 1  # the "]"
        if text[close] != "]":
            raise EditError("`aliases:` is not a list", "write it as [\"a\", \"b\"]")
        joint = ", " if value.value else ""
        return text[:close].rstrip(" ") + joint + scalar + text[close:]
    if isinstance(value, yaml.SequenceNode) and value.value:
        first = value.value[0]
        indent = " " * max(first.start_mark.column - 2, 0)
        cut = _line_after(text, value.value[-1].end_mark.index)
        return text[:cut] + f"{indent}- {scalar}\n" + text[cut:]
    if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null"):
        colon = text.index(":", key.end_mark.index)
        cut = _line_after(text, colon)
        return text[:colon + 1] + f" [{scalar}]\n" + text[cut:]
    raise EditError("`aliases:` is not a list", "write it as [\"a\", \"b\"]")


def _line_after(text: str, index: int) -> int:
    """The start of the line after the one holding `index` (the text's end)."""
    if index and text[index - 1] == "\n":
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1
