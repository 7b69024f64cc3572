"""Markdown from outside the newsroom: nesting and long runs of markup are read
in bounded time, and text nested too deeply to be kept is reported, not lost.

No test here times anything against a threshold a slow machine could miss:
each hostile input is made large enough that quadratic work on it would take
many minutes (the code these tests guard against took 10 s for a tenth of
it), and run in a child process that must finish within TIME_LIMIT, about
twenty times what linear work needs on a loaded 2-core machine."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from sitegen.content.document import Document, parse_document
from sitegen.content.limits import MAX_MARKDOWN_NESTING
from sitegen.content.markup import compile_markdown
from sitegen.content.mentions import MentionFinder
from sitegen.content.model import Entity, Origin

N = 20_000
LARGE = 60_000  # the size the bounded-time tests use
TIME_LIMIT = 60.0  # seconds
# each a function of a size n
HOSTILE: dict[str, Callable[[int], str]] = {
    "quotes": lambda n: ">" * n + " deep\n",
    "quote-stairs": lambda n: "".join(">" * (i % 40) + " a\n" for i in range(n // 10)),
    "lists": lambda n: "- " * n + "deep\n",
    "ordered-lists": lambda n: "1. " * n + "deep\n",
    "brackets": lambda n: "[" * n + "a" + "]" * n + "(x)\n",
    "images": lambda n: "![" * (n // 4) + "a\n",
    "emphasis": lambda n: "*" * n + "a" + "*" * n + "\n",
    "mixed-emphasis": lambda n: "*a _" * (n // 2) + "\n",
    "links": lambda n: "[a](b " * (n // 2) + "\n",
    # a text token with '[' per inline token: citations were looked up by
    # scanning every token before them (quadratic)
    "citations": lambda n: "a [1] *b* " * (n // 2) + "\n",
    "citations-in-links": lambda n: "[x [1] *b* " * (n // 8) + "\n",
    "nested-inline": lambda n: "*[`" * (n // 2) + "\n",
}


def _finishes(code: str) -> None:
    """Run `code` (after the imports this module uses) in a fresh interpreter,
    which must end well within TIME_LIMIT."""
    setup = ("from tests.content.test_markdown_bounds import *\n"
             "from sitegen.content.document import parse_document\n")
    try:
        done = subprocess.run([sys.executable, "-c", setup + code], capture_output=True,
                              text=True, timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"not done in {TIME_LIMIT:.0f} s: the work is not linear in the input")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_markdown_is_read_and_rendered_in_bounded_time(name: str) -> None:
    _finishes(f"text = HOSTILE[{name!r}](LARGE)\n"
              "parse_document(text)\ncompile_markdown(text)\n")


WREN = Entity(id="tobias-wren", name="Tobias Wren", type="person", origin=Origin("x"),
              aliases=("Wren",))
# what sitegen derives from a parsed body: heading ids, which for repeated
# headings were searched for from 2 upwards, and linked mentions, which looked
# at every code span and link of the paragraph for every mention
DERIVED: dict[str, tuple[str, Callable[[Document], object]]] = {
    "equal-headings": ("## Wren\n\n", lambda document: document.heading_ids),
    "mentions-in-code": ("Wren `x` ", MentionFinder([WREN]).in_document),
    "mentions-in-links": ("[Wren](x) ", MentionFinder([WREN]).in_document),
}


@pytest.mark.parametrize("name", DERIVED)
def test_heading_ids_and_mentions_take_bounded_time(name: str) -> None:
    _finishes(f"text, derive = DERIVED[{name!r}]\n"
              "derive(parse_document(text * LARGE))\n")


@pytest.mark.parametrize("markup", [">", "- ", "1. "])
def test_text_nested_too_deep_to_keep_is_noted_with_its_line(markup: str) -> None:
    per_level = 1 if markup == ">" else 2  # a list and its item are two levels
    fits = MAX_MARKDOWN_NESTING // per_level - 1
    kept = "Intro.\n\n" + markup * fits + "kept\n"
    assert "kept" in parse_document(kept).text
    assert parse_document(kept).too_deep is None
    assert compile_markdown(kept).too_deep is None
    lost = "Intro.\n\n" + markup * N + "lost\n"
    assert "lost" not in parse_document(lost).text  # markdown-it leaves it out...
    assert parse_document(lost).too_deep == 2  # ...and says where
    assert compile_markdown(lost).too_deep == 2
