"""Entity aliases → mentions in text.

All aliases of all entities go into one compiled pattern, longest first, so a
text is scanned once whatever the number of entities. Aliases match
case-sensitively as whole words; a hyphen or an apostrophe ends a word, so
"NVIDIA" is found in "NVIDIA-GPUs" while "NVIDIAs" needs its own alias.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sitegen.content.document import Document
from sitegen.content.model import Entity, Mention


class MentionFinder:
    def __init__(self, entities: Iterable[Entity]) -> None:
        self.entity_of: dict[str, str] = {}
        for entity in entities:
            for alias in entity.all_aliases:
                self.entity_of.setdefault(alias, entity.id)
        aliases = sorted(self.entity_of, key=lambda a: (-len(a), a))
        self.pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, aliases)) + r")(?!\w)")
            if aliases
            else None
        )

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """(entity id, start, end) for each mention in `text`, left to right."""
        if self.pattern is None:
            return []
        return [
            (self.entity_of[m.group()], m.start(), m.end()) for m in self.pattern.finditer(text)
        ]

    def in_document(self, document: Document) -> tuple[Mention, ...]:
        """Every mention in the document; the first of each entity per section,
        outside headings, links and code, is marked `linked`."""
        mentions: list[Mention] = []
        linked_in_section: set[tuple[int, str]] = set()
        for block in document.blocks:
            for entity_id, start, end in self.find(block.text):
                linkable = block.kind != "heading" and not any(
                    s < end and start < e for s, e in block.unlinkable
                )
                key = (block.section, entity_id)
                linked = linkable and key not in linked_in_section
                if linked:
                    linked_in_section.add(key)
                mentions.append(Mention(entity_id, block.index, start, end, linked))
        return tuple(mentions)
