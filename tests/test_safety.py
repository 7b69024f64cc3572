"""Nothing injected, nothing lost: hostile content comes out as text, and an
interrupted build leaves the previous output as it was."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import cli
from sitegen.build import BuildOptions, build
from sitegen.content.anchors import Anchorer, fold
from sitegen.content.document import parse_document
from sitegen.content.seeds import decode_seed, parse_seed
from tests.conftest import MINI, html_pages, soup

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</script><!--",
]
BUDGET = "content/claims/council-budget-vote.yaml"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _yaml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar


@pytest.fixture()
def hostile_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    payload = " ".join(HOSTILE)
    article = site / "content/articles/council-budget-vote.md"
    _edit(article, "title: Council passes budget with more money for harbour roads",
          f"title: {_yaml_str('Council ' + payload)}")
    _edit(article, "which runs to 212 pages.", f"which runs to 212 pages. {payload}")
    claims = site / BUDGET
    _edit(claims, 'claim: "This is the fairest town budget in a generation"',
          f"claim: {_yaml_str('Fairest budget ' + HOSTILE[3] + HOSTILE[0])}")
    _edit(claims, '"Fairest" is a judgement,', f'"Fairest" {payload} is a judgement,')
    _edit(claims, 'title: "Budget 2025"', f"title: {_yaml_str('Budget ' + payload)}")
    entity = site / "content/entities/tobias-wren.yaml"
    _edit(entity, 'description: "Mayor of the fictional town of Port Ellery."',
          f"description: {_yaml_str(payload)}")
    config = site / "site.yaml"
    _edit(config, "title: Port Ellery Checks", f"title: {_yaml_str('Checks ' + payload)}")
    return site


def test_hostile_markup_comes_out_as_text(hostile_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(src=hostile_site, out=out))
    pages = html_pages(out)
    assert pages
    seen_payload = 0
    for path in pages:
        page = soup(path)
        for script in page.find_all("script"):
            if script.get("src"):  # the theme's own scripts, nothing from content
                assert script["src"].endswith(("static/search.js", "static/notes.js"))
                continue
            assert script.get("type") == "application/ld+json", path
            assert "</script" not in script.string and "<!--" not in script.string
            json.loads(script.string)
        assert not page.find_all(["img", "iframe", "object", "embed", "foreignobject"]), path
        for svg in page.find_all("svg"):  # only the theme's own charts
            assert "chart" in svg["class"] and not svg.find_all(["script", "a", "image"])
        for tag in page.find_all(True):
            assert not any(attr.lower().startswith("on") for attr in tag.attrs), (path, tag)
            for attr in ("href", "src", "action", "formaction"):
                value = tag.get(attr)
                if value and ":" in value.split("/")[0]:
                    assert value.startswith(("http://", "https://", "mailto:")), (path, value)
        seen_payload += "<img src=x onerror=alert(1)>" in page.get_text()
    assert seen_payload >= 3  # the payload is shown, as text, on article, claim and entity pages
    raw = (out / "claims.json").read_text(encoding="utf-8")
    assert "</script" not in raw and "<!--" not in raw
    data = json.loads(raw)
    claim = next(c for c in data["claims"] if c["id"] == "budget-fairest-in-a-generation")
    assert claim["claim"] == "Fairest budget " + HOSTILE[3] + HOSTILE[0]  # intact once parsed
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert "<script>" not in feed and "&lt;script&gt;" in feed


def _tree(out: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*")) if p.is_file()}


class Interrupt(BaseException):
    pass


@pytest.mark.parametrize("phase", ["loaded", "planned", "rendered", "staged"])
def test_interrupted_build_leaves_output_as_it_was(phase: str, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out))
    before = _tree(out)
    _edit(site / BUDGET, "rating: no-verdict", "rating: wrong")  # the next build would differ

    def hook(name: str) -> None:
        if name == phase:
            raise Interrupt(name)

    with pytest.raises(Interrupt):
        build(BuildOptions(src=site, out=out, hook=hook))
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]  # no staging left
    build(BuildOptions(src=site, out=out))
    assert _tree(out) != before


def test_sigterm_during_the_build_leaves_output_as_it_was(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out))
    before = _tree(out)
    _edit(site / BUDGET, "rating: no-verdict", "rating: wrong")
    previous = signal.signal(signal.SIGTERM, cli._terminate)
    try:
        def hook(name: str) -> None:
            if name == "staged":
                os.kill(os.getpid(), signal.SIGTERM)

        with pytest.raises(SystemExit):
            build(BuildOptions(src=site, out=out, hook=hook))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]


# -- properties ---------------------------------------------------------------

TEXT = st.text(
    alphabet=st.sampled_from(
        [*"abcdefghijklmnopqrstuvwxyzäöüßABCDEFÄÖÜ0123456789 .,;:!?",
         "„", "“", '"', "‚", "‘", "’", "«", "»", "–", "—", "-", "\u00ad", "\u00a0", "\t", "\n"]
    ),
    max_size=300,
)


@settings(deadline=None, derandomize=True, max_examples=300)
@given(st.text(max_size=400))
def test_seed_import_never_crashes_on_any_text(text: str) -> None:
    imported = parse_seed(text, [r"^Werbung$"])
    assert "\r" not in imported.markdown()


@settings(deadline=None, derandomize=True, max_examples=200)
@given(st.text(max_size=300), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans(),
       st.booleans())
def test_line_ends_bom_and_final_newline_do_not_matter(
    text: str, newline: str, bom: bool, final_newline: bool
) -> None:
    text = text.replace("\r", "")
    raw = text.replace("\n", newline) + (newline if final_newline else "")
    variant = decode_seed(("\ufeff" if bom else "").encode() + raw.encode("utf-8"), "seed")
    assert parse_seed(variant) == parse_seed(text + "\n")


def _variant(quote: str, choice: int) -> str:
    if choice == 1:  # straight quotes and hyphen-minus instead of typographic ones
        for typographic, plain in (("„", '"'), ("“", '"'), ("‘", "'"), ("’", "'"),
                                   ("–", "-"), ("—", "-")):
            quote = quote.replace(typographic, plain)
    elif choice == 2:  # doubled spaces and a soft hyphen in the middle
        middle = len(quote) // 2
        quote = quote.replace(" ", "  ")[:middle] + "\u00ad" + quote.replace(" ", "  ")[middle:]
    return quote


@settings(deadline=None, derandomize=True, max_examples=400)
@given(TEXT, st.data())
def test_a_substring_of_the_text_always_anchors(text: str, data: st.DataObject) -> None:
    paragraph = " ".join(text.split("\n")).strip() or "x"
    document = parse_document(paragraph.replace("\\", ""))
    if not document.blocks:
        return
    plain = document.blocks[0].text
    start = data.draw(st.integers(0, max(0, len(plain) - 1)))
    end = data.draw(st.integers(start + 1, len(plain))) if plain else 0
    quote = _variant(plain[start:end], data.draw(st.integers(0, 2)))
    needle = fold(quote)[0].strip()
    result = Anchorer(document).locate(quote)
    if not needle:
        assert result.anchor is None and result.problem == "the quote is empty"
    elif result.anchor is None:
        assert "occurs" in result.problem, result.problem  # ambiguous, never "not found"
    else:
        assert fold(result.anchor.exact)[0].strip() == needle


def test_markdown_of_plain_text_in_a_sites_template_is_escaped(tmp_path: Path) -> None:
    """A theme that passes a plain string (not a compiled review) to markdown()
    gets it rendered as Markdown with raw HTML off, never as markup."""
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    entity = site / "content" / "entities" / "tobias-wren.yaml"
    _edit(entity, 'description: "Mayor of the fictional town of Port Ellery."',
          'description: "<script>alert(1)</script> *Mayor* of Port Ellery."')
    (site / "templates").mkdir()
    (site / "templates" / "entity.html").write_text(
        '{% extends "base.html" %}{% block main %}'
        '<div class="bio">{{ markdown(entity.description) }}</div>{% endblock %}',
        encoding="utf-8")
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False, cache=False))
    bio = soup(out / "entities" / "tobias-wren" / "index.html").select_one(".bio")
    assert bio is not None and bio.find("script") is None
    assert bio.find("em").get_text() == "Mayor"
    assert "<script>alert(1)</script>" in bio.get_text()
