"""Quotes in an article's title: highlighted and numbered there like in the
text, with the same matching rules, and exported with a selector naming the
title."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from tests.conftest import MINI, soup
from tests.site.conftest import TITLE_CLAIM, edit

CLAIMS = "content/claims/harbour-expansion-will-double-cargo.yaml"


def test_a_quote_in_the_title_is_highlighted_there(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    edit(site, CLAIMS, "claims:\n", "claims:\n" + TITLE_CLAIM)
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False))
    page = soup(out / "articles" / "harbour-expansion-will-double-cargo" / "index.html")
    mark = page.find("h1").find("mark")
    assert mark.get_text() == "Harbour expansion will double cargo"
    assert mark["data-claims"] == "harbour-doubles-cargo-headline"
    # numbered first, its note before the text's
    ref = page.find("h1").find("a", href="#note-harbour-doubles-cargo-headline")
    assert ref.get_text() == "1"
    notes = [aside["id"] for aside in page.find_all("aside", class_="note")]
    assert notes[0] == "note-harbour-doubles-cargo-headline"
    passage = soup(out / "claims" / "harbour-doubles-cargo-headline" / "index.html").find(
        "blockquote", class_="passage")
    assert passage.find("mark").get_text() == "Harbour expansion will double cargo"
    claim = next(c for c in json.loads((out / "claims.json").read_text(encoding="utf-8"))[
        "claims"] if c["id"] == "harbour-doubles-cargo-headline")
    assert claim["target"]["part"] == "title"
    quote, position = claim["target"]["selector"]
    assert quote["type"] == position["type"] == "CssSelector" and quote["value"] == "h1"
    assert quote["refinedBy"]["exact"] == "Harbour expansion will double cargo"
    assert position["refinedBy"] == {"type": "TextPositionSelector", "start": 0, "end": 35}


def test_a_quote_in_title_and_text_needs_a_prefix_or_suffix(tmp_path: Path) -> None:
    from sitegen.diagnostics import ContentError

    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    edit(site, CLAIMS, "claims:\n", "claims:\n" + TITLE_CLAIM.replace(
        '"Harbour expansion will double cargo"', '"Port Ellery"'))
    with pytest.raises(ContentError) as failure:
        build(BuildOptions(src=site, out=tmp_path / "out", search=False))
    messages = [d.message for d in failure.value.diagnostics]
    assert any("times in the article (once in its title)" in m for m in messages), messages
    edit(site, CLAIMS, 'quote: "Port Ellery"', 'quote: "Port Ellery"\n    prefix: "cargo,"')
    build(BuildOptions(src=site, out=tmp_path / "out", search=False))
    page = soup(tmp_path / "out" / "articles" / "harbour-expansion-will-double-cargo"
                / "index.html")
    assert page.find("h1").find("mark").get_text() == "Port Ellery"
