"""claims.csv and the per-entity Atom feeds: read back as a spreadsheet user or
a feed reader would, and kept current by quick rebuilds."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from sitegen.build import BuildOptions, build
from sitegen.site.exports import CSV_COLUMNS
from tests.conftest import soup
from tests.site.conftest import BUDGET, assert_equals_clean_build, edit

ATOM = "{http://www.w3.org/2005/Atom}"


def _rows(out: Path) -> list[dict[str, str]]:
    data = (out / "claims.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for spreadsheets
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    return list(reader)


def test_claims_csv_round_trips_to_claims_json(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False))
    rows = _rows(out)
    claims = json.loads((out / "claims.json").read_text(encoding="utf-8"))["claims"]
    assert [row["id"] for row in rows] == [claim["id"] for claim in claims]
    entities = {p.stem for p in (site / "content" / "entities").glob("*.yaml")}
    for row, claim in zip(rows, claims, strict=True):
        assert row["claim"] == claim["claim"] and row["url"] == claim["url"]
        assert row["rating"] == claim["rating"]["id"]
        assert row["rating_label"] == claim["rating"]["label"]
        assert row["attribution"] == claim["attribution"]
        assert row["claimant"] == claim["claimant"] and row["claimant"] in entities
        assert row["actual_claimant"] == (claim["actual_claimant"] or "")
        assert row["about"].split("; ") == claim["about"] or (not row["about"]
                                                               and not claim["about"])
        assert row["reviewed"] == (claim["reviewed"] or "")
        assert row["review"] == claim["review"]  # multi-line Markdown in one cell
        assert row["sources"].split() == [s["url"] for s in claim["sources"]]
        assert row["quote"] == claim["target"]["selector"][0]["exact"]
    assert any("\n" in row["review"] for row in rows)


def test_claims_csv_neutralises_formulas(site: Path, tmp_path: Path) -> None:
    edit(site, BUDGET, 'claim: "This is the fairest town budget in a generation"',
         'claim: "=HYPERLINK(\\"https://evil.example/\\", \\"fairest\\")"')
    edit(site, BUDGET, 'claim: "Spending on the harbour roads rises by 12% next year"',
         'claim: "-12% is what the roads lose, @council says"')
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False))
    cells = {row["id"]: row["claim"] for row in _rows(out)}
    assert cells["budget-fairest-in-a-generation"] == (
        "'=HYPERLINK(\"https://evil.example/\", \"fairest\")")
    assert cells["harbour-roads-twelve-per-cent"] == "'-12% is what the roads lose, @council says"
    # the page itself shows the words as written
    page = soup(out / "claims" / "budget-fairest-in-a-generation" / "index.html")
    assert page.find("h1").get_text().startswith("=HYPERLINK")


def test_a_quick_rebuild_keeps_claims_csv_current(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False))
    edit(site, BUDGET, '"Fairest" is a judgement', '"Fairest" is, in a word, a judgement')
    result = build(BuildOptions(src=site, out=out, search=False))
    assert result.quick
    reviews = {row["id"]: row["review"] for row in _rows(out)}
    assert "in a word" in reviews["budget-fairest-in-a-generation"]
    assert_equals_clean_build(site, out, tmp_path, search=False)


def test_every_entity_has_a_feed_of_its_claims(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False))
    claims = json.loads((out / "claims.json").read_text(encoding="utf-8"))["claims"]
    for entity_file in sorted((site / "content" / "entities").glob("*.yaml")):
        entity_id = entity_file.stem
        feed = ET.parse(out / "entities" / entity_id / "feed.xml").getroot()
        links = {entry.find(f"{ATOM}link").get("href").rstrip("/").rsplit("/", 1)[1]
                 for entry in feed.iter(f"{ATOM}entry")}
        expected = {c["id"] for c in claims if c["reviewed"] and entity_id in (
            c["claimant"], c["actual_claimant"], *c["about"])}
        assert links == expected, entity_id
        page = soup(out / "entities" / entity_id / "index.html")
        feed_url = f"entities/{entity_id}/feed.xml"
        alternate = next(link for link in page.find_all("link", rel="alternate")
                         if link["href"].endswith(feed_url))
        assert alternate["type"] == "application/atom+xml"
        self_link = feed.find(f"{ATOM}link[@rel='self']").get("href")
        assert self_link == alternate["href"]
    wren = ET.parse(out / "entities" / "tobias-wren" / "feed.xml").getroot()
    assert wren.find(f"{ATOM}title").text.startswith("Claims by and about Tobias Wren")
