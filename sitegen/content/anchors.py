"""Claim quote → span in the article's plain text.

Matching is strict: after normalising quotation marks, dashes, soft hyphens
and whitespace on both sides, the quote must occur exactly, once (or once
among the occurrences its prefix/suffix select), inside one block. Fuzzy
matching is only used to suggest the closest passage in the error message;
a quote is never silently re-anchored.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from array import array
from dataclasses import dataclass

from sitegen.content.document import Document
from sitegen.content.model import Anchor

CONTEXT_CHARS = 32  # length of the W3C prefix/suffix we export, as Hypothesis does

_FOLD = {
    **dict.fromkeys("„“”‟″〝〞＂«»", '"'),
    **dict.fromkeys("‚‘’‛′‹›＇`´", "'"),
    **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
}
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")


_FOLDED = {**_FOLD, "\t": " ", "\n": " ", "\r": " ", "\f": " ", "\v": " ", "\u00a0": " ",
           "\u2009": " ", "\u202f": " ", "\u2002": " ", "\u2003": " ", "\u3000": " "}
# a substitution where they occur, not str.translate: on text with any non-ASCII
# character translate looks up every character (nine times slower on articles)
_FOLDED_RE = re.compile("[" + re.escape("".join(_FOLDED)) + "]")
_INVISIBLE_RE = re.compile("[" + "".join(sorted(_INVISIBLE)) + "]")
_REPEATED_SPACE = re.compile("(?<= ) +")
_ODD_SPACE = re.compile(r"[^\S ]")


_IDENTITY = array("l")  # 0, 1, 2, ...: grown as needed, sliced (a copy in C) for each text


def _identity(length: int) -> array[int]:
    """The index map of a text nothing was removed from."""
    global _IDENTITY
    if length > len(_IDENTITY):
        _IDENTITY = array("l", range(max(length, 2 * len(_IDENTITY))))
    return _IDENTITY[:length]


def _drop(text: str, where: array[int], pattern: re.Pattern[str]) -> tuple[str, array[int]]:
    """Remove what `pattern` matches, keeping `where` (index map) in step."""
    if not pattern.search(text):
        return text, where
    parts: list[str] = []
    kept = array("l")
    start = 0
    for match in pattern.finditer(text):
        parts.append(text[start : match.start()])
        kept.extend(where[start : match.start()])
        start = match.end()
    parts.append(text[start:])
    kept.extend(where[start:])
    return "".join(parts), kept


def _folded_char(match: re.Match[str]) -> str:
    return _FOLDED[match.group()]


def fold(text: str) -> tuple[str, array[int]]:
    """The matching form of `text` and, for each of its characters, the index
    of the character of `text` it came from.

    Quotation marks and dashes become ASCII, whitespace runs one space,
    invisible characters (soft hyphens, zero-width spaces) disappear. Works on
    whole stretches between changes, so long articles fold quickly."""
    text = unicodedata.normalize("NFC", text)
    folded = _FOLDED_RE.sub(_folded_char, text)
    if _ODD_SPACE.search(folded):  # whitespace the table does not know
        folded = _ODD_SPACE.sub(" ", folded)
    folded, where = _drop(folded, _identity(len(folded)), _INVISIBLE_RE)
    return _drop(folded, where, _REPEATED_SPACE)


@dataclass(frozen=True)
class AnchorResult:
    anchor: Anchor | None
    problem: str = ""
    hint: str = ""


class Anchorer:
    """Locates quotes in one article: its body and its title (the title counts
    as one more paragraph, so a quote found in both is ambiguous like any
    quote found twice). Folds each text once."""

    def __init__(self, document: Document, title: str = "") -> None:
        self.document = document
        self.title = title
        self.folded, self.where = fold(document.text)
        self.title_folded, self.title_where = fold(title)

    def _folded(self, part: str) -> str:
        return self.title_folded if part == "title" else self.folded

    def locate(self, quote: str, prefix: str = "", suffix: str = "") -> AnchorResult:
        needle = fold(quote)[0].strip()
        if not needle:
            return AnchorResult(None, "the quote is empty", "copy the claimed passage into 'quote'")
        hits = [("title", at) for at in _find_all(self.title_folded, needle)]
        hits += [("body", at) for at in _find_all(self.folded, needle)]
        if not hits:
            return AnchorResult(None, *self._not_found(needle))
        if prefix or suffix:
            chosen = [h for h in hits if self._context_matches(h, len(needle), prefix, suffix)]
            if not chosen:
                where = (
                    "its only occurrence" if len(hits) == 1
                    else f"any of its {len(hits)} occurrences"
                )
                return AnchorResult(
                    None,
                    f"the quote is found, but its prefix/suffix do not match {where}",
                    "update 'prefix'/'suffix' to the words right before/after the quote, "
                    "or remove them",
                )
            hits = chosen
        if len(hits) > 1:
            in_title = " (once in its title)" if hits[0][0] == "title" else ""
            return AnchorResult(
                None,
                f"the quote occurs {len(hits)} times in the article{in_title}",
                "add 'prefix' (words right before) or 'suffix' (words right after) "
                "to choose one occurrence",
            )
        part, at = hits[0]
        if part == "title":
            return self._title_anchor(at, len(needle))
        return self._anchor(at, len(needle))

    def _context_matches(self, hit: tuple[str, int], length: int, prefix: str,
                         suffix: str) -> bool:
        part, at = hit
        folded = self._folded(part)
        if prefix:
            want = fold(prefix)[0].strip()
            if not folded[:at].rstrip().endswith(want):
                return False
        if suffix:
            want = fold(suffix)[0].strip()
            if not folded[at + length :].lstrip().startswith(want):
                return False
        return True

    def _title_anchor(self, hit: int, length: int) -> AnchorResult:
        start = self.title_where[hit]
        end = self.title_where[hit + length - 1] + 1
        text = self.title
        return AnchorResult(Anchor(
            start=start, end=end, exact=text[start:end],
            prefix=text[max(0, start - CONTEXT_CHARS) : start],
            suffix=text[end : end + CONTEXT_CHARS], block=-1, part="title"))

    def _anchor(self, hit: int, length: int) -> AnchorResult:
        start = self.where[hit]
        end = self.where[hit + length - 1] + 1
        text = self.document.text
        first = self.document.block_at(start)
        last = self.document.block_at(end)
        if first is None or last is None or first is not last:
            return AnchorResult(
                None,
                "the quote runs across a paragraph break",
                "quote one paragraph only; annotate the other part as its own claim",
            )
        return AnchorResult(
            Anchor(
                start=start,
                end=end,
                exact=text[start:end],
                prefix=text[max(0, start - CONTEXT_CHARS) : start],
                suffix=text[end : end + CONTEXT_CHARS],
                block=first.index,
            )
        )

    def _not_found(self, needle: str) -> tuple[str, str]:
        best = closest_passage(self.document, needle)
        if best is None:
            return ("the quote matches nowhere in the article (its title and text)",
                    "copy the passage from the article text exactly")
        ratio, passage, block_index = best
        return (
            f"the quote matches nowhere in the article; closest passage "
            f"({ratio:.0%} similar, paragraph {block_index + 1}): \"{passage}\"",
            describe_difference(needle, fold(passage)[0]) + "; copy the passage exactly",
        )


def _find_all(haystack: str, needle: str) -> list[int]:
    hits = []
    start = haystack.find(needle)
    while start != -1:
        hits.append(start)
        start = haystack.find(needle, start + 1)
    return hits


_WORD = re.compile(r"\S+")


def closest_passage(document: Document, needle: str) -> tuple[float, str, int] | None:
    """The passage of the document most similar to `needle` (for hints only)."""
    size = len(needle.split())
    best: tuple[float, str, int] | None = None
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(needle)
    for block in document.blocks:
        words = [m.span() for m in _WORD.finditer(block.text)]
        for i in range(len(words)):
            for length in {max(1, size - 1), size, size + 1}:
                j = min(len(words), i + length) - 1
                if j < i:
                    continue
                passage = block.text[words[i][0] : words[j][1]]
                matcher.set_seq1(fold(passage)[0])
                if best and matcher.real_quick_ratio() <= best[0]:
                    continue
                if best and matcher.quick_ratio() <= best[0]:
                    continue
                ratio = matcher.ratio()
                if best is None or ratio > best[0]:
                    best = (ratio, passage, block.index)
    if best is None or best[0] < 0.5:
        return None
    return best


def describe_difference(quote: str, passage: str) -> str:
    """A short word-level description of how `quote` differs from `passage`."""
    a, b = quote.split(), passage.split()
    changes: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "replace":
            changes.append(f"the quote has \"{' '.join(a[i1:i2])}\" where the text has "
                           f"\"{' '.join(b[j1:j2])}\"")
        elif op == "delete":
            changes.append(f"the text has no \"{' '.join(a[i1:i2])}\"")
        elif op == "insert":
            changes.append(f"the quote lacks \"{' '.join(b[j1:j2])}\"")
    return "; ".join(changes[:3]) or "the difference is in spacing or punctuation"
