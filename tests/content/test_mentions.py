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
    return [(FINDER.entities_of[alias][0], text[s:e]) for alias, s, e in FINDER.find(text)]


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


WANGS = MentionFinder([
    _entity("alexandr-wang", "Alexandr Wang", "Wang"),
    _entity("wang-wei", "Wang Wei", "Wang"),
    _entity("scale-ai", "Scale AI"),
])


def _resolved(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    doc = parse_document(text)
    return [(m.entity, doc.blocks[m.block].text[m.start:m.end], m.candidates)
            for m in WANGS.in_document(doc)]


def test_a_shared_alias_names_the_entity_the_article_names_otherwise() -> None:
    assert _resolved("Alexandr Wang leads Scale AI.\n\nWang said so on CNBC.\n") == [
        ("alexandr-wang", "Alexandr Wang", ()), ("scale-ai", "Scale AI", ()),
        ("alexandr-wang", "Wang", ())]


def test_a_shared_alias_the_text_does_not_decide_stays_unlinked_with_candidates() -> None:
    undecided = ("", "Wang", ("alexandr-wang", "wang-wei"))
    assert _resolved("Wang said so on CNBC.\n") == [undecided]
    # both named in full: still undecided
    both = _resolved("Alexandr Wang and Wang Wei met. Wang spoke first.\n")
    assert both[-1] == undecided
    # inside a link the editor chose: unlinked, and no candidates to warn about
    assert _resolved("[Wang](entity:alexandr-wang) said so.\n") == [("", "Wang", ())]
