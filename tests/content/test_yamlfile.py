"""YAML with positions."""

from __future__ import annotations

import datetime as dt

import pytest

from sitegen.content.yamlfile import YamlError, load_yaml


def test_positions_of_keys_values_and_items() -> None:
    data = load_yaml("a: 1\nlist:\n  - x\n  - {b: 2025-01-23}\ntext: |\n  hello\n")
    assert data.key_pos["list"] == (2, 1)
    assert data.where("a") == (1, 4)
    assert data["list"].where(1) == (4, 5)
    assert data["list"][1]["b"] == dt.date(2025, 1, 23)
    assert data.where("text") == (6, 3)  # a block scalar's text starts on the next line


def test_line_offset_for_front_matter() -> None:
    assert load_yaml("title: x\n", line_offset=1).where("title") == (2, 8)


def test_duplicate_key_is_an_error() -> None:
    with pytest.raises(YamlError) as info:
        load_yaml("id: a\nname: b\nid: c\n")
    assert info.value.pos == (3, 1)
    assert "duplicate key 'id'" in info.value.message
    assert "line 1" in info.value.hint


def test_syntax_error_position_and_hint() -> None:
    with pytest.raises(YamlError) as info:
        load_yaml("claim: DeepSeek: 50,000 H100\n")
    assert info.value.pos == (1, 16)
    assert "quoted" in info.value.hint


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(YamlError):
        load_yaml("x: !!python/object/apply:os.system ['true']\n")
