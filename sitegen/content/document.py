"""A Markdown body parsed into blocks of plain text.

The plain text of a document is what a reader sees: the text of each
paragraph, heading or table cell, Unicode NFC, whitespace collapsed, blocks
joined by a blank line. Claim anchors (W3C TextQuote/TextPosition selectors)
and entity mentions are offsets into it, and `Block.child_spans` ties each
offset back to the inline token it came from (`Block.token` indexes
`body_tokens(body)`), so rendering can insert highlights and links.

A Document does not keep markdown-it's tokens: held for every article of an
archive they were a third of its memory (100,000 articles would not fit in
8 GB), and parsing a body again costs a quarter of a millisecond. Rendering
asks `body_tokens`, which keeps the last few parses (an article's page and
its claims' pages are rendered one after the other).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

from sitegen.content.limits import MAX_MARKDOWN_NESTING
from sitegen.slots import fast_pickling

BLOCK_SEPARATOR = "\n\n"
# whitespace that is not one space already: a run of two or more, or one other
# character (a single space, most of them, is left as it is, not replaced)
_WS = re.compile(r"\s{2,}|[^\S ]")


TOO_DEEP = "sitegen_too_deep"  # key in a parse's env: see make_markdown()


def make_markdown() -> MarkdownIt:
    """The Markdown dialect of sitegen: CommonMark plus tables and strikethrough,
    raw HTML off, typographic replacements off (text stays as written).

    Every link is kept (validateLink accepts all) so that load.py can report
    links with unsafe schemes; sitegen's renderers drop their href.

    Nesting stops at MAX_MARKDOWN_NESTING levels (markdown-it-py recurses once
    per block level): deeper inline markup stays text, and deeper blocks are
    left out by the parser, which then notes, as env[TOO_DEEP], the line (0 for
    the first) where text was left out, for load.py to report."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": False,
                                   "maxNesting": MAX_MARKDOWN_NESTING}).enable(
        ["table", "strikethrough"]
    )
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.block.tokenize = _noting_depth(md.block.tokenize)  # type: ignore[method-assign]
    return md


def _noting_depth(tokenize: Callable[[StateBlock, int, int], None],
                  ) -> Callable[[StateBlock, int, int], None]:
    """markdown-it's block tokenizer, noting where it skips text too deep to keep
    (its own test, in ParserBlock.tokenize, drops that text without a word)."""
    def tokenize_block(state: StateBlock, start: int, end: int) -> None:
        if state.level >= state.md.options.maxNesting:
            line = state.skipEmptyLines(start)
            if line < end and state.sCount[line] >= state.blkIndent:
                state.env.setdefault(TOO_DEEP, line)
        tokenize(state, start, end)
    return tokenize_block


MARKDOWN = make_markdown()


def normalise_text(text: str) -> str:
    """NFC with runs of whitespace collapsed into one space."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text))


@fast_pickling
@dataclass(frozen=True, eq=False, slots=True)
class Block:
    """One run of inline text: a paragraph, a heading, a table cell."""

    index: int
    token: int  # index of the inline token in body_tokens(body)
    kind: str  # "paragraph", "heading", ...
    level: int  # heading level, 0 otherwise
    text: str
    offset: int  # where `text` starts in Document.text
    section: int  # headings start a new section
    top_end: int  # index of the token closing the top-level block around it
    child_spans: tuple[tuple[int, int] | None, ...]  # per inline child, its text range
    unlinkable: tuple[tuple[int, int], ...]  # ranges inside links or code

    @property
    def end(self) -> int:
        return self.offset + len(self.text)


@fast_pickling
@dataclass(frozen=True, eq=False, slots=True)
class Document:
    blocks: tuple[Block, ...]
    links: tuple[tuple[int, str], ...]  # (line offset in the body, href) of every link
    too_deep: int | None = None  # line offset of text nested too deep to keep

    @property
    def text(self) -> str:
        """The plain text: the blocks' texts joined by a blank line (made when asked
        for: kept, it would be a second copy of every article's text)."""
        return BLOCK_SEPARATOR.join(block.text for block in self.blocks)

    def block_at(self, position: int) -> Block | None:
        """The block whose text contains `position` (its end included)."""
        for block in self.blocks:
            if block.offset <= position <= block.end:
                return block
        return None

    @property
    def heading_ids(self) -> dict[int, str]:
        """Block index → a unique HTML id for each heading (made when asked for:
        documents have __slots__, because Python keeps an object's attributes
        without a dict until something asks for its __dict__, as pickling the
        load cache does, and that dict then stays: 0.7 KB an object)."""
        ids: dict[int, str] = {}
        used: set[str] = set()
        next_number: dict[str, int] = {}  # the numbers below are taken: no quadratic search
        for block in self.blocks:
            if block.kind != "heading":
                continue
            base = "h-" + (ascii_slug(block.text, 60) or str(block.index))
            candidate, n = base, next_number.get(base, 2)
            while candidate in used:
                candidate, n = f"{base}-{n}", n + 1
            next_number[base] = n
            used.add(candidate)
            ids[block.index] = candidate
        return ids


@lru_cache(maxsize=16)
def body_tokens(body: str) -> list[Token]:
    """markdown-it's tokens of a body, as parse_document saw them (the same parser,
    so `Block.token` indexes them). Shared between callers: never change them."""
    return MARKDOWN.parse(body, {})


def parse_document(body: str) -> Document:
    """Parse Markdown into a Document (plain-text blocks, links)."""
    env: dict[str, int] = {}
    tokens = MARKDOWN.parse(body, env)
    top_end = _top_level_ends(tokens)
    blocks: list[Block] = []
    offset = 0
    section = 0
    for index, token in enumerate(tokens):
        if token.type != "inline":
            continue
        opener = tokens[index - 1] if index else None
        kind = opener.type.removesuffix("_open") if opener else "paragraph"
        level = int(opener.tag[1]) if opener and opener.type == "heading_open" else 0
        if kind == "heading":
            section += 1
        text, spans, unlinkable = _inline_text(token.children or [])
        if not text:
            continue
        if blocks:
            offset += len(BLOCK_SEPARATOR)
        blocks.append(
            Block(
                index=len(blocks), token=index, kind=kind, level=level, text=text,
                offset=offset, section=section, top_end=top_end[index],
                child_spans=spans, unlinkable=unlinkable,
            )
        )
        offset += len(text)
    return Document(blocks=tuple(blocks), links=_links(tokens), too_deep=env.get(TOO_DEEP))


def _links(tokens: list[Token]) -> tuple[tuple[int, str], ...]:
    found = []
    for token in tokens:
        offset = token.map[0] if token.map else 0
        for child in token.children or []:
            if child.type in ("softbreak", "hardbreak"):
                offset += 1
            elif child.type == "link_open":
                found.append((offset, str(child.attrGet("href") or "")))
    return tuple(found)


def _top_level_ends(tokens: list[Token]) -> list[int]:
    """For each token, the index of the token that closes its top-level block."""
    ends = [0] * len(tokens)
    start = 0
    for index, token in enumerate(tokens):
        if token.level == 0 and token.nesting in (0, -1):
            for i in range(start, index + 1):
                ends[i] = index
            start = index + 1
    for i in range(start, len(tokens)):
        ends[i] = len(tokens) - 1
    return ends


def _inline_text(
    children: list[Token],
) -> tuple[str, tuple[tuple[int, int] | None, ...], tuple[tuple[int, int], ...]]:
    parts: list[str] = []
    length = 0
    spans: list[tuple[int, int] | None] = []
    unlinkable: list[tuple[int, int]] = []
    link_depth = 0
    link_start = 0
    for child in children:
        if child.type in ("text", "code_inline"):
            piece = normalise_text(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            piece = " "
        else:
            piece = None
        if child.type == "link_open":
            if link_depth == 0:
                link_start = length
            link_depth += 1
        elif child.type == "link_close":
            link_depth -= 1
            if link_depth == 0:
                unlinkable.append((link_start, length))
        if piece is None:
            spans.append(None)
            continue
        if piece.startswith(" ") and (length == 0 or parts[-1].endswith(" ")):
            piece = piece[1:]
        start = length
        parts.append(piece)
        length += len(piece)
        spans.append((start, length))
        if child.type == "code_inline":
            unlinkable.append((start, length))
    text = "".join(parts)
    # Trailing whitespace is not part of the visible text.
    stripped = text.rstrip(" ")
    if len(stripped) != len(text):
        cut = len(stripped)
        spans = [None if s is None else (min(s[0], cut), min(s[1], cut)) for s in spans]
    return stripped, tuple(spans), tuple(unlinkable)


_TRANSLIT = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
             "æ": "ae", "ø": "oe", "å": "aa", "œ": "oe", "ł": "l", "đ": "d", "þ": "th"}


def ascii_slug(text: str, max_length: int = 80) -> str:
    """Lowercase ASCII slug: umlauts transliterated (ü → ue), other accents
    dropped, anything else a hyphen; cut at a hyphen to at most `max_length`."""
    text = "".join(_TRANSLIT.get(ch, ch) for ch in unicodedata.normalize("NFC", text))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else slug[:max_length]
    return slug.strip("-")
