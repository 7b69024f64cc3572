"""The corrections log: every update and rating change across the archive, on
a page and in a feed, and each claim's own history."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from tests.conftest import MINI, soup
from tests.site.conftest import assert_equals_clean_build, edit

HARBOUR = "content/claims/harbour-expansion-will-double-cargo.yaml"
ATOM = "{http://www.w3.org/2005/Atom}"


def _with_rating_changes(site: Path) -> None:
    """berths-open-by-2026 was first rated wrong, then half-right, and is pending
    now: two updates that change the rating, then the fixture's own update."""
    edit(site, HARBOUR, "    updates:\n",
         "    updates:\n"
         "      - {date: 2024-03-20, previous_rating: wrong, note: \"New board minutes.\"}\n"
         "      - {date: 2024-04-02, previous_rating: half-right, note: \"Dates slipped.\"}\n")


@pytest.fixture()
def built(tmp_path: Path) -> tuple[Path, Path]:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    _with_rating_changes(site)
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False))
    return site, out


def test_the_log_lists_every_update_newest_first(built: tuple[Path, Path]) -> None:
    _, out = built
    pages = [out / "corrections" / "index.html",
             *sorted((out / "corrections" / "page").glob("*/index.html"))]
    assert len(pages) == 2  # the mini site's page size is 2
    items = [li for path in pages for li in soup(path).find_all("li", class_="correction")]
    dates = [li.find("time")["datetime"] for li in items]
    assert dates == ["2024-05-20", "2024-04-02", "2024-03-20"]
    links = [li.find("a")["href"] for li in items]
    assert [link.rsplit("claims/", 1)[1] for link in links] == [
        f"berths-open-by-2026/#update-{n}" for n in (3, 2, 1)]
    changes = [" ".join(li.find(class_="rating-change").get_text().split())
               if li.find(class_="rating-change") else None for li in items]
    assert changes == [None, "Rating changed from Half right to Pending.",
                       "Rating changed from Wrong to Half right."]
    # every page links the log
    assert soup(out / "index.html").find("a", href="corrections/") is not None


def test_the_claim_page_shows_its_history(built: tuple[Path, Path]) -> None:
    _, out = built
    page = soup(out / "claims" / "berths-open-by-2026" / "index.html")
    for number in (1, 2, 3):
        assert page.find(id=f"update-{number}") is not None
    history = " ".join(page.find(class_="rating-history").get_text().split())
    assert history == ("Earlier ratings: Wrong (12 March 2024 to 20 March 2024), "
                       "Half right (20 March 2024 to 2 April 2024).")


def test_the_corrections_feed(built: tuple[Path, Path]) -> None:
    _, out = built
    feed = ET.parse(out / "corrections" / "feed.xml").getroot()
    entries = list(feed.iter(f"{ATOM}entry"))
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(set(ids)) == len(ids) == 3
    assert ids[0].endswith("claims/berths-open-by-2026/#update-3")
    summaries = [entry.find(f"{ATOM}summary").text for entry in entries]
    assert summaries[1] == "Rating changed from Half right to Pending. Dates slipped."
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith("corrections/feed.xml")


def test_an_edited_update_note_is_current_everywhere_after_a_quick_rebuild(
        built: tuple[Path, Path], tmp_path: Path) -> None:
    site, out = built
    edit(site, HARBOUR, "Dates slipped.", "The dates slipped again.")
    result = build(BuildOptions(src=site, out=out, search=False))
    assert result.quick
    assert "The dates slipped again." in "".join(
        p.read_text() for p in (out / "corrections").glob("**/index.html"))
    assert "The dates slipped again." in (out / "corrections" / "feed.xml").read_text()
    assert_equals_clean_build(site, out, tmp_path, search=False)
    # a new update moves entries: the whole site is read again, same bytes
    edit(site, HARBOUR, "    updates:\n",
         "    updates:\n      - {date: 2024-03-13, note: \"A typo fixed.\"}\n")
    assert not build(BuildOptions(src=site, out=out, search=False)).quick
    assert_equals_clean_build(site, out, tmp_path, search=False)


def test_the_same_claim_made_elsewhere_is_listed_both_ways(tmp_path: Path) -> None:
    """`same_as` declared on one side links both claims (and a third linked to
    either), each page listing the others with their ratings; differing ratings
    warn unless a review explains them by linking the other."""
    import json

    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    budget = "content/claims/council-budget-vote.yaml"
    edit(site, budget, "    rating: no-verdict\n",
         "    rating: no-verdict\n    same_as: [expansion-creates-300-jobs]\n")
    edit(site, HARBOUR, "    rating: wrong\n",
         "    rating: wrong\n    same_as: [expansion-creates-300-jobs]\n")
    edit(site, budget, "the rest of the town [2].",
         "the rest of the town [2]. See [the jobs claim](claim:expansion-creates-300-jobs).")
    out = tmp_path / "out"
    result = build(BuildOptions(src=site, out=out, search=False))
    # the budget claim's review links the jobs claim; the costs claim's does not
    warned = [d for d in result.diagnostics if "the same claim" in d.message]
    assert [(d.path, d.severity) for d in warned] == [(HARBOUR, "warning")]
    assert "'expansion-costs-town-nothing' is rated 'wrong'" in warned[0].message
    trio = {"budget-fairest-in-a-generation", "expansion-creates-300-jobs",
            "expansion-costs-town-nothing"}
    exported = {c["id"]: set(c["same_as"]) for c in json.loads(
        (out / "claims.json").read_text(encoding="utf-8"))["claims"]}
    for claim_id in trio:
        page = soup(out / "claims" / claim_id / "index.html")
        section = page.find(id="same-title").find_parent("section")
        listed = {a["href"].split("/")[-2] for a in section.find_all("a")
                  if "/claims/" in a["href"]}
        assert listed == trio - {claim_id}, claim_id
        assert len(section.find_all(class_="rating")) == 2
        (script,) = page.find_all("script", type="application/ld+json")
        same = json.loads(script.string)["itemReviewed"].get("sameAs", [])
        assert {url.split("/")[-2] for url in same} == trio - {claim_id}
        assert exported[claim_id] == trio - {claim_id}
    assert soup(out / "claims" / "berths-open-by-2026" / "index.html").find(
        id="same-title") is None
    assert exported["berths-open-by-2026"] == set()
