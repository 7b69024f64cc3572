"""Claim quotes → spans of the article's plain text."""

from __future__ import annotations

from sitegen.content.anchors import Anchorer, fold
from sitegen.content.document import parse_document

BODY = """\
## Die Debatte

Er schätzt, dass DeepSeek über etwa 50.000 H100 verfügt, sagte  Wang.
Das ist „umstritten“ – sagen Experten.

Die Zahl 50.000 taucht zweimal auf: erst hier, dann bei den 50.000 Chips.
"""


def test_exact_match_gives_w3c_selectors() -> None:
    doc = parse_document(BODY)
    result = Anchorer(doc).locate("Er schätzt, dass DeepSeek über etwa 50.000 H100 verfügt")
    anchor = result.anchor
    assert anchor is not None, result.problem
    assert doc.text[anchor.start : anchor.end] == anchor.exact
    assert anchor.exact == "Er schätzt, dass DeepSeek über etwa 50.000 H100 verfügt"
    assert anchor.prefix.endswith("Die Debatte\n\n")
    assert anchor.suffix.startswith(", sagte Wang.")
    assert doc.blocks[anchor.block].kind == "paragraph"


def test_whitespace_quotes_dashes_and_soft_hyphens_are_normalised() -> None:
    doc = parse_document(BODY)
    anchorer = Anchorer(doc)
    # double space in the text, line break in the article, straight quotes and a
    # hyphen-minus in the quote, a soft hyphen inside a word
    result = anchorer.locate('sagte Wang. Das ist "umstritten" - sagen Ex\u00adperten')
    assert result.anchor is not None, result.problem
    assert result.anchor.exact == "sagte Wang. Das ist „umstritten“ – sagen Experten"


def test_prefix_and_suffix_choose_among_occurrences() -> None:
    doc = parse_document(BODY)
    anchorer = Anchorer(doc)
    ambiguous = anchorer.locate("50.000")
    assert ambiguous.anchor is None
    assert "occurs 3 times" in ambiguous.problem
    assert "prefix" in ambiguous.hint

    second = anchorer.locate("50.000", prefix="dann bei den")
    third = anchorer.locate("50.000", suffix="Chips.")
    assert second.anchor is not None and third.anchor is not None
    assert second.anchor.start == third.anchor.start
    assert doc.text[second.anchor.start - 13 : second.anchor.start] == "dann bei den "

    first_para = anchorer.locate("50.000", prefix="etwa")
    assert first_para.anchor is not None
    assert first_para.anchor.start < second.anchor.start

    stale = anchorer.locate("50.000", prefix="ungefähr")
    assert stale.anchor is None and "prefix/suffix do not match" in stale.problem


def test_overlapping_quotes_both_anchor() -> None:
    doc = parse_document(BODY)
    anchorer = Anchorer(doc)
    a = anchorer.locate("dass DeepSeek über etwa 50.000 H100")
    b = anchorer.locate("50.000 H100 verfügt")
    assert a.anchor is not None and b.anchor is not None
    assert b.anchor.start < a.anchor.end  # they overlap


def test_not_found_shows_the_closest_passage_and_the_difference() -> None:
    doc = parse_document(BODY)
    result = Anchorer(doc).locate("Er schätzt, dass DeepSeek über rund 50.000 H100 verfügt")
    assert result.anchor is None
    assert "matches nowhere" in result.problem
    assert '"Er schätzt, dass DeepSeek über etwa 50.000 H100 verfügt' in result.problem
    assert '"rund" where the text has "etwa"' in result.hint


def test_quote_across_a_paragraph_break_is_refused() -> None:
    doc = parse_document(BODY)
    result = Anchorer(doc).locate("sagen Experten. Die Zahl 50.000")
    assert result.anchor is None
    assert "across a paragraph break" in result.problem


def test_markup_inside_the_quote_is_not_part_of_the_text() -> None:
    doc = parse_document("Die *Biden-Regierung* verhängte [Beschränkungen](https://x.org) ab 2022.")
    result = Anchorer(doc).locate("Die Biden-Regierung verhängte Beschränkungen ab 2022")
    assert result.anchor is not None, result.problem


def test_fold_keeps_a_map_to_the_original() -> None:
    folded, where = fold("a\u00ad„b“  c")
    assert folded == 'a"b" c'
    assert [where[i] for i in range(len(folded))] == [0, 2, 3, 4, 5, 7]
