"""Dates known only to the month or the year, estimated dates and their notes:
every place that shows such a date shows its precision and note; sorting and
feeds use the first day; markup never states more precision than known.
Source titles the editor supplied are shown in brackets."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from tests.conftest import MINI, html_pages, soup
from tests.site.conftest import edit

ARTICLE = "content/articles/harbour-expansion-will-double-cargo.md"
CLAIMS = "content/claims/harbour-expansion-will-double-cargo.yaml"
NOTE = "the print edition carries no date; the web version is from early March"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("dates")
    site = tmp / "site"
    shutil.copytree(MINI, site)
    edit(site, ARTICLE, "date: 2024-03-05\n",
         f'date: "2024-03"\ndate_estimated: true\ndate_note: {NOTE}\n')
    edit(site, CLAIMS, "appearance: {date: 2024-03-04,", "appearance: {date: 2024,")
    edit(site, CLAIMS, '        title: "North Quay Expansion Plan: timetable"\n',
         '        title: "Timetable of the North Quay plan"\n        title_supplied: true\n')
    out = tmp / "out"
    build(BuildOptions(src=site, out=out, search=False, cache=False))
    return out


def test_every_page_showing_the_article_date_shows_its_precision_and_note(built: Path) -> None:
    shown = 0
    for path in html_pages(built):
        page = soup(path)
        for time in page.find_all("time", datetime="2024-03"):
            shown += 1
            assert time.get_text() in ("March 2024", "Mar 2024"), (path, time)
            following = time.find_next_siblings("span", limit=2)
            classes = [span["class"][0] for span in following]
            assert classes == ["date-estimated", "date-note"], path
            assert following[1].get_text() == f"({NOTE})"
        # never the full day for it
        assert not page.find("time", datetime="2024-03-01")
    # the article page, home, the articles list, the entities it mentions
    assert shown >= 4


def test_markup_and_exports_state_only_the_precision_known(built: Path) -> None:
    page = soup(built / "claims" / "berths-open-by-2026" / "index.html")
    scripts = page.find_all("script", type="application/ld+json")
    claims = json.loads((built / "claims.json").read_text(encoding="utf-8"))["claims"]
    berths = next(c for c in claims if c["id"] == "berths-open-by-2026")
    assert berths["appearance"]["date"] == "2024" and not berths["appearance"]["date_estimated"]
    assert page.find("time", datetime="2024").get_text() == "2024"
    assert scripts == []  # pending is not final: no ClaimReview; another claim of it has one
    review = soup(built / "claims" / "expansion-costs-town-nothing" / "index.html").find(
        "script", type="application/ld+json")
    appearance = json.loads(review.string)["itemReviewed"]["appearance"][0]
    assert appearance["datePublished"] == "2024-03"


def test_feeds_and_sorting_use_the_first_day(built: Path) -> None:
    feed = ET.parse(built / "feed.xml").getroot()
    for entry in feed.iter(f"{ATOM}entry"):
        if entry.find(f"{ATOM}link").get("href").endswith("harbour-expansion-will-double-cargo/"):
            assert entry.find(f"{ATOM}published").text == "2024-03-01T00:00:00Z"
            break
    else:
        raise AssertionError("the article is not in the feed")


def test_a_supplied_source_title_is_in_brackets(built: Path) -> None:
    page = soup(built / "claims" / "berths-open-by-2026" / "index.html")
    link = page.find("a", href="https://port-authority.example.org/north-quay/timetable")
    assert link.get_text() == "[Timetable of the North Quay plan]"
    claims = json.loads((built / "claims.json").read_text(encoding="utf-8"))["claims"]
    source = next(c for c in claims if c["id"] == "berths-open-by-2026")["sources"][0]
    assert source["title_supplied"] is True


@pytest.mark.parametrize("value, message", [
    ('"2024-13"', "'date' must be a date (YYYY-MM-DD, YYYY-MM or YYYY)"),
    ('"March 2024"', "'date' must be a date (YYYY-MM-DD, YYYY-MM or YYYY)"),
])
def test_a_wrong_partial_date_is_a_located_error(tmp_path: Path, value: str, message: str) -> None:
    from sitegen.diagnostics import ContentError

    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    edit(site, ARTICLE, "date: 2024-03-05\n", f"date: {value}\n")
    with pytest.raises(ContentError) as failure:
        build(BuildOptions(src=site, out=tmp_path / "out", search=False))
    (diagnostic,) = failure.value.diagnostics
    assert diagnostic.path == ARTICLE and diagnostic.line == 3 and message in diagnostic.message

