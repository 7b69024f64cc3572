"""YAML with positions."""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from sitegen.content.limits import MAX_YAML_DEPTH
from sitegen.content.yamlfile import YamlError, _load, load_yaml


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


# -- bounds: aliases, nesting (content/limits.py) ------------------------------

LOADERS = [pytest.param(yaml.SafeLoader, id="python"), pytest.param(yaml.CSafeLoader, id="libyaml")]
REPO = Path(__file__).resolve().parents[2]
# "billion laughs": 2 KB that PyYAML's node graph holds as 10 small lists, but
# that is 9**9 (387 million) strings once written out as a tree
BOMB = "extra:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  {name}: &{name} [{', '.join(['*' + before] * 9)}]\n"
    for before, name in zip("abcdefgh", "bcdefghi", strict=True))


@pytest.mark.parametrize("loader", LOADERS)
def test_alias_is_refused_where_it_is_used(loader: type) -> None:
    with pytest.raises(YamlError) as info:
        _load(loader, "a: &first 1\nb:\n  - *first\n", 0)
    assert info.value.pos == (3, 5)
    assert info.value.message == "YAML alias '*first' is not allowed"
    assert "anchored as &first on line 1" in info.value.hint
    assert "content files may not use YAML anchors and aliases (&, *)" in info.value.hint


@pytest.mark.parametrize("loader", LOADERS)
def test_anchor_and_merge_key_are_refused(loader: type) -> None:
    with pytest.raises(YamlError) as info:
        _load(loader, "a: 1\nb: &spare [1, 2]\n", 0)
    assert (info.value.pos, info.value.message) == ((2, 4), "YAML anchor '&spare' is not allowed")
    with pytest.raises(YamlError) as info:
        _load(loader, "a:\n  <<: {b: 1}\n", 0)
    assert (info.value.pos, info.value.message) == ((2, 3), "YAML merge keys (<<) are not allowed")


def _limited_memory() -> None:
    limit = 512 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_billion_laughs_is_refused_at_once() -> None:
    """In a child process with 512 MiB and 20 s, so that a regression fails
    this test instead of taking the machine's memory."""
    code = ("import sys\nfrom sitegen.content.yamlfile import YamlError, load_yaml\n"
            "try:\n    load_yaml(sys.stdin.read())\n"
            "except YamlError as exc:\n    print(exc.pos, exc.message)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", code], input=BOMB, capture_output=True,
                            text=True, timeout=20, env=env, preexec_fn=_limited_memory)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == "(3, 10) YAML alias '*a' is not allowed\n"


DEEP = 20_000
NESTED = [  # (text nested `levels` deep, position of the level after MAX_YAML_DEPTH,
            #  most levels to try: block mappings take a line per level)
    pytest.param(lambda levels: "x: " + "[" * (levels - 1) + "]" * (levels - 1),
                 (1, MAX_YAML_DEPTH + 3), DEEP, id="flow-sequences"),
    pytest.param(lambda levels: "x: " + "{a: " * (levels - 1) + "1" + "}" * (levels - 1),
                 (1, 4 * MAX_YAML_DEPTH), DEEP, id="flow-mappings"),
    pytest.param(lambda levels: "- " * levels + "x\n", (1, 2 * MAX_YAML_DEPTH + 1), DEEP,
                 id="block-sequences"),
    pytest.param(lambda levels: "".join("  " * i + "k:\n" for i in range(levels)),
                 (MAX_YAML_DEPTH + 1, 2 * MAX_YAML_DEPTH + 1), 300, id="block-mappings"),
]


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("nested, pos, deepest", NESTED)
def test_nesting_deeper_than_the_limit_is_refused_where_it_starts(
        loader: type, nested: Callable[[int], str], pos: tuple[int, int], deepest: int) -> None:
    _load(loader, nested(MAX_YAML_DEPTH), 0)  # as deep as allowed
    # libyaml stops at 1000 levels itself; load_yaml reads such text again in
    # pure Python, which finds the position (see the next test)
    for levels in (MAX_YAML_DEPTH + 1, min(deepest, 999 if loader is yaml.CSafeLoader else DEEP)):
        with pytest.raises(YamlError) as info:
            _load(loader, nested(levels), 0)
        assert info.value.pos == pos
        assert info.value.message == f"the data is nested more than {MAX_YAML_DEPTH} levels deep"
        assert "content files hold plain data a few levels deep" in info.value.hint


@pytest.mark.parametrize("nested, pos, deepest", NESTED)
def test_20000_levels_are_a_located_error_not_a_recursion_error(
        nested: Callable[[int], str], pos: tuple[int, int], deepest: int) -> None:
    text = nested(deepest)
    started = time.perf_counter()
    with pytest.raises(YamlError) as info:
        load_yaml(text, line_offset=1)
    assert time.perf_counter() - started < 1.5
    assert info.value.pos == (pos[0] + 1, pos[1])
