"""Entity aliases → mentions in text.

One pass per text, whatever the number of entities: every alias is filed
under its first word, and each word of the text is looked up in that table
(aliases that begin with punctuation, such as „Die letzte Prüfung“, go in a
small table by first character). Aliases match case-sensitively as whole
words, longest first; a hyphen or an apostrophe ends a word, so "NVIDIA" is
found in "NVIDIA-GPUs" while "NVIDIAs" needs its own alias.

An alias several entities share ("Wang" for two people) names, in an
article, the one of them whose other names occur in the same article; when
none or several do, the mention stays unlinked and names its candidates
(load.py warns about it). (A regular
expression alternation of thousands of aliases is tried alternative by
alternative at every position: 127 s for 10,000 articles, against about 4 s.)
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable

from sitegen.content.document import Document
from sitegen.content.model import Entity, Mention

_WORD = re.compile(r"\w+")


class MentionFinder:
    def __init__(self, entities: Iterable[Entity]) -> None:
        owners: dict[str, set[str]] = {}
        for entity in entities:
            for alias in entity.all_aliases:
                owners.setdefault(alias, set()).add(entity.id)
        # alias → the entities it names (more than one: a shared alias)
        self.entities_of = {alias: tuple(sorted(ids)) for alias, ids in owners.items()}
        self.by_word: dict[str, list[str]] = {}  # first word → aliases, longest first
        self.by_char: dict[str, list[str]] = {}  # first character (not a word character)
        for alias in sorted(self.entities_of, key=lambda a: (-len(a), a)):
            head = _WORD.match(alias)
            if head:
                self.by_word.setdefault(head.group(), []).append(alias)
            elif alias:
                self.by_char.setdefault(alias[0], []).append(alias)
        self._by_char_re = (re.compile("|".join(map(re.escape, self.by_char)))
                            if self.by_char else None)

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """(alias, start, end) for each mention in `text`, left to right,
        leftmost-longest, never overlapping."""
        candidates: list[tuple[int, int, str]] = []
        for word in _WORD.finditer(text):
            for alias in self.by_word.get(word.group(), ()):
                if self._fits(text, word.start(), alias):
                    candidates.append((word.start(), -len(alias), alias))
                    break
        if self._by_char_re is not None:
            for hit in self._by_char_re.finditer(text):
                start = hit.start()
                if start and _is_word_char(text[start - 1]):
                    continue
                for alias in self.by_char[text[start]]:
                    if self._fits(text, start, alias):
                        candidates.append((start, -len(alias), alias))
                        break
        candidates.sort()
        found = []
        end = 0
        for start, negative_length, alias in candidates:
            if start >= end:
                end = start - negative_length
                found.append((alias, start, end))
        return found

    @staticmethod
    def _fits(text: str, start: int, alias: str) -> bool:
        end = start + len(alias)
        return text.startswith(alias, start) and (end == len(text) or
                                                   not _is_word_char(text[end]))

    def in_document(self, document: Document) -> tuple[Mention, ...]:
        """Every mention in the document; the first of each entity per section,
        outside headings, links and code, is marked `linked`."""
        found = [(block, hit) for block in document.blocks for hit in self.find(block.text)]
        # the entities the article names by an alias of their own
        certain = {self.entities_of[alias][0] for _, (alias, _, _) in found
                   if len(self.entities_of[alias]) == 1}
        mentions: list[Mention] = []
        linked_in_section: set[tuple[int, str]] = set()
        unlinkable = {block.index: _overlap_test(block.unlinkable) for block in document.blocks}
        for block, (alias, start, end) in found:
            candidates = self.entities_of[alias]
            linkable = block.kind != "heading" and not unlinkable[block.index](start, end)
            if len(candidates) > 1:
                present = [c for c in candidates if c in certain]
                if len(present) != 1:
                    # undecided; inside a link (the editor's choice), code or a heading
                    # it would not be linked anyway, so it names no candidates
                    mentions.append(Mention("", block.index, start, end, False,
                                            candidates if linkable else ()))
                    continue
                candidates = (present[0],)
            entity_id = candidates[0]
            key = (block.section, entity_id)
            linked = linkable and key not in linked_in_section
            if linked:
                linked_in_section.add(key)
            mentions.append(Mention(entity_id, block.index, start, end, linked))
        return tuple(mentions)


def _overlap_test(ranges: Iterable[tuple[int, int]]) -> Callable[[int, int], bool]:
    """Whether [start, end) overlaps one of `ranges`, answered by bisection (a
    look at every range for every mention took quadratic time on a paragraph
    of thousands of code spans or links)."""
    ordered = sorted(ranges)
    starts = [s for s, _ in ordered]
    reach = list(itertools.accumulate((e for _, e in ordered), max))  # furthest end so far

    def overlaps(start: int, end: int) -> bool:
        before = bisect.bisect_left(starts, end)  # the ranges that begin before `end`
        return before > 0 and reach[before - 1] > start
    return overlaps


def _is_word_char(char: str) -> bool:
    return _WORD.match(char) is not None
