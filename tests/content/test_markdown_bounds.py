"""Markdown from outside the newsroom: nesting and long runs of markup are read
in bounded time, and text nested too deeply to be kept is reported, not lost."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from sitegen.content.document import Document, parse_document
from sitegen.content.limits import MAX_MARKDOWN_NESTING
from sitegen.content.markup import compile_markdown
from sitegen.content.mentions import MentionFinder
from sitegen.content.model import Entity, Origin

N = 20_000
# each a function of a size n; tested at N / 4 and N
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


def _seconds(text: str, runs: int) -> float:
    """CPU seconds to parse and compile `text` (the best of `runs`): CPU time,
    not wall time, so that other work on the machine does not count."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        parse_document(text)
        compile_markdown(text)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_markdown_is_read_and_rendered_in_linear_time(name: str) -> None:
    """Four times the text takes about four times as long (quadratic: 16)."""
    small = _seconds(HOSTILE[name](N // 4), runs=2)
    large = _seconds(HOSTILE[name](N), runs=1)
    assert large < 8 * small + 0.05, (small, large)


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


def _derive_seconds(name: str, n: int) -> float:
    text, derive = DERIVED[name]
    document = parse_document(text * n)
    started = time.process_time()
    derive(document)
    return time.process_time() - started


@pytest.mark.parametrize("name", DERIVED)
def test_heading_ids_and_mentions_take_linear_time(name: str) -> None:
    small = min(_derive_seconds(name, N // 8) for _ in range(2))
    large = _derive_seconds(name, N // 2)
    assert large < 8 * small + 0.02, (small, large)


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
