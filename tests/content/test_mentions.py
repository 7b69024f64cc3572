"""Entity aliases → mentions."""

from __future__ import annotations

from sitegen.content.document import parse_document
from sitegen.content.mentions import MentionFinder
from sitegen.content.model import Entity, Origin


def _entity(entity_id: str, name: str, *aliases: str) -> Entity:
    return Entity(id=entity_id, name=name, type="organization", origin=Origin("x"),
                  aliases=aliases)


FINDER = MentionFinder([
    _entity("nvidia", "NVIDIA", "NVIDIAs"),
    _entity("nvidia-h100", "NVIDIA H100", "H100"),
    _entity("deepseek", "DeepSeek", "DeepSeek-Labor", "DeepSeeks"),
])


def _found(text: str) -> list[tuple[str, str]]:
    return [(entity_id, text[s:e]) for entity_id, s, e in FINDER.find(text)]


def test_inflected_alias_and_longest_first() -> None:
    assert _found("NVIDIAs Hopper-Serie und die NVIDIA H100-GPUs") == [
        ("nvidia", "NVIDIAs"), ("nvidia-h100", "NVIDIA H100")]


def test_hyphen_and_apostrophe_end_a_word_but_letters_do_not() -> None:
    assert _found("NVIDIA-GPUs, DeepSeek-Labor, DeepSeek’s, NVIDIAX, xNVIDIA") == [
        ("nvidia", "NVIDIA"), ("deepseek", "DeepSeek-Labor"), ("deepseek", "DeepSeek")]


def test_case_sensitive() -> None:
    assert _found("nvidia deepseek") == []


def test_first_mention_per_section_is_linked() -> None:
    doc = parse_document(
        "NVIDIA und NVIDIAs Chips.\n\nWieder NVIDIA.\n\n## NVIDIA heute\n\nNVIDIA und [NVIDIA](https://x.org).\n"
    )
    mentions = FINDER.in_document(doc)
    linked = [(doc.blocks[m.block].text[m.start:m.end], m.block) for m in mentions if m.linked]
    # section 0: only the first; the heading is never linked; section 1: first again,
    # and a mention inside a link is not linked
    assert linked == [("NVIDIA", 0), ("NVIDIA", 3)]
    assert len(mentions) == 6
