"""Attribution wherever a claim or its claimant is shown: entity pages, lists,
ClaimReview markup, search fields and the feed. Built from the mini fixture
with its claims by Tobias Wren covering every case."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from tests.conftest import MINI, soup

CLAIMS = "content/claims/harbour-expansion-will-double-cargo.yaml"
BUDGET = "content/claims/council-budget-vote.yaml"
ATOM = "{http://www.w3.org/2005/Atom}"

# claim → (attribution, actual claimant, who made it as the review established)
CASES = {
    "expansion-creates-300-jobs": ("confirmed", None, "Tobias Wren"),
    "expansion-costs-town-nothing": ("unconfirmed", None, None),
    "council-tax-unchanged": ("misattributed", None, None),
    "harbour-120000-tonnes": ("misattributed", "ellery-port-authority", "Ellery Port Authority"),
}


def _make_site(tmp_path: Path, language: str = "en") -> Path:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    _set_attribution(site, CLAIMS, "expansion-costs-town-nothing", "unconfirmed")
    _set_attribution(site, BUDGET, "council-tax-unchanged", "misattributed")
    if language != "en":
        config = site / "site.yaml"
        config.write_text(config.read_text().replace("language: en", f"language: {language}"))
    return site


def _set_attribution(site: Path, path: str, claim_id: str, attribution: str) -> None:
    file = site / path
    text = file.read_text(encoding="utf-8")
    start = text.index(f"- id: {claim_id}")
    end = text.find("  - id:", start + 1)
    end = len(text) if end < 0 else end
    block = text[start:end].replace("attribution: confirmed", f"attribution: {attribution}", 1)
    assert f"attribution: {attribution}" in block
    file.write_text(text[:start] + block + text[end:], encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("attribution")
    site = _make_site(tmp)
    out = tmp / "out"
    build(BuildOptions(src=site, out=out, search=False, cache=False))
    return out


def _claim_links(section) -> set[str]:
    return {a["href"].split("/")[-2] for a in section.find_all("a")
            if "/claims/" in a["href"]}


def _section(page, heading_id: str):
    heading = page.find(id=heading_id)
    return None if heading is None else heading.find_parent("section")


def test_entity_page_separates_made_unconfirmed_and_misattributed(built: Path) -> None:
    wren = soup(built / "entities" / "tobias-wren" / "index.html")
    made = _claim_links(_section(wren, "by-title"))
    assert "expansion-creates-300-jobs" in made
    assert made.isdisjoint({"expansion-costs-town-nothing", "council-tax-unchanged",
                            "harbour-120000-tonnes"})
    assert _claim_links(_section(wren, "unconfirmed-title")) == {"expansion-costs-town-nothing"}
    assert _claim_links(_section(wren, "misattributed-title")) == {
        "council-tax-unchanged", "harbour-120000-tonnes"}
    # the tallies count each group apart
    groups = {div["class"][1]: sum(int(li.find(class_="count").get_text())
                                   for li in div.find_all("li"))
              for div in wren.find_all("div", class_="tally-group")}
    assert groups["tally-unconfirmed"] == 1 and groups["tally-misattributed"] == 2
    assert groups["tally-made"] == len(made)
    # the actual claimant's page lists the claim as theirs
    authority = soup(built / "entities" / "ellery-port-authority" / "index.html")
    assert "harbour-120000-tonnes" in _claim_links(_section(authority, "by-title"))
    assert _section(authority, "misattributed-title") is None


def test_lists_say_the_attribution_next_to_the_name(built: Path) -> None:
    expected = {
        "expansion-creates-300-jobs": "Tobias Wren",
        "expansion-costs-town-nothing": "attributed to Tobias Wren, not confirmed",
        "council-tax-unchanged": "wrongly attributed to Tobias Wren; who made it is unknown",
        "harbour-120000-tonnes": "Ellery Port Authority (wrongly attributed to Tobias Wren)",
    }
    pages = [built / "index.html", *sorted((built / "claims").glob("**/index.html")),
             built / "entities" / "tobias-wren" / "index.html"]
    seen = set()
    for path in pages:
        for item in soup(path).find_all("li", class_="claim-item"):
            claim_id = next(iter(_claim_links(item) & CASES.keys()), None)
            if claim_id is None:
                continue
            seen.add(claim_id)
            text = " ".join(item.find(class_="claimant").get_text().split())
            assert text == expected[claim_id], (path, claim_id, text)
            assert f"attribution-{CASES[claim_id][0]}" in item["class"]
    assert seen == CASES.keys()


def test_claim_review_author_follows_the_attribution(built: Path) -> None:
    for claim_id, (_, _, author) in CASES.items():
        page = soup(built / "claims" / claim_id / "index.html")
        (script,) = page.find_all("script", type="application/ld+json")
        item = json.loads(script.string)["itemReviewed"]
        if author is None:
            assert "author" not in item, claim_id
        else:
            assert item["author"]["name"] == author, claim_id


def test_search_fields_count_a_claim_for_who_made_it(built: Path) -> None:
    for claim_id, (attribution, _, author) in CASES.items():
        fields = soup(built / "claims" / claim_id / "index.html").find(class_="search-fields")
        filters = [(span["data-pagefind-filter"], span.get_text())
                   for span in fields.find_all(attrs={"data-pagefind-filter": True})]
        meta = {span["data-pagefind-meta"]: span.get_text()
                for span in fields.find_all(attrs={"data-pagefind-meta": True})}
        assert ("attribution", attribution) in filters
        entities = {value for key, value in filters if key == "entity"}
        if attribution == "unconfirmed":
            assert "Tobias Wren" in entities  # named, with the facet saying unconfirmed
        elif author is None:
            assert "Tobias Wren" not in entities
        else:
            assert author in entities
            if author != "Tobias Wren":
                assert "Tobias Wren" not in entities
        assert meta["claimant"] == "Tobias Wren" and meta["attribution"] == attribution
        assert meta.get("actual_claimant") == (author if attribution == "misattributed" else None)


@pytest.mark.parametrize("language, rating_word", [("en", "Rating"), ("de", "Bewertung")])
def test_feed_entries_give_rating_and_attribution_in_the_site_language(
        tmp_path: Path, language: str, rating_word: str) -> None:
    site = _make_site(tmp_path, language)
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False, cache=False))
    feed = ET.parse(out / "feed.xml").getroot()
    summaries = {}
    for entry in feed.iter(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link").get("href")
        match = re.search(r"/claims/([^/]+)/$", link)
        if match:
            summaries[match.group(1)] = entry.find(f"{ATOM}summary").text
    assert CASES.keys() <= summaries.keys()
    for summary in summaries.values():
        assert summary.startswith(f"{rating_word}: "), summary
    if language == "en":
        assert summaries["expansion-costs-town-nothing"] == (
            "Rating: Wrong. Attributed to Tobias Wren (not confirmed).")
        assert summaries["harbour-120000-tonnes"] == (
            "Rating: Correct. Attributed to Tobias Wren, but misattributed: "
            "it comes from Ellery Port Authority.")
        assert summaries["expansion-creates-300-jobs"].endswith(
            "Attributed to Tobias Wren (confirmed).")


def test_a_name_with_markup_characters_is_escaped_once_in_the_feed(tmp_path: Path) -> None:
    site = _make_site(tmp_path)
    wren = site / "content" / "entities" / "tobias-wren.yaml"
    wren.write_text(wren.read_text().replace("name: Tobias Wren", 'name: "Wren & <Partners>"'))
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False, cache=False))
    feed = ET.parse(out / "feed.xml").getroot()
    summaries = [entry.find(f"{ATOM}summary").text for entry in feed.iter(f"{ATOM}entry")
                 if entry.find(f"{ATOM}link").get("href").endswith(
                     "/claims/expansion-costs-town-nothing/")]
    assert summaries == ["Rating: Wrong. Attributed to Wren & <Partners> (not confirmed)."]
