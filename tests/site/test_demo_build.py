"""The demo archive, built and read back as a reader's browser and other tools would."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import jsonschema
import pytest
import yaml

from tests.conftest import REPO, html_pages, search_view, soup

BASE_URL = yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))["base_url"]
RATINGS = {r["id"]: r for r in yaml.safe_load((REPO / "site.yaml").read_text())["ratings"]}


def _claims_yaml() -> list[dict]:
    claims = []
    for path in sorted((REPO / "content" / "claims").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for claim in data["claims"]:
            claims.append({**claim, "article": path.stem})
    return claims


CLAIMS = _claims_yaml()


def test_demo_has_real_annotations() -> None:
    assert len(CLAIMS) >= 10
    entities = list((REPO / "content" / "entities").glob("*.yaml"))
    assert len(entities) >= 20
    assert {c["attribution"] for c in CLAIMS} >= {"confirmed", "misattributed"}
    assert any(c.get("updates") for c in CLAIMS)
    assert {"unverified", "opinion"} <= {c["rating"] for c in CLAIMS}


# What the fact sheet (shared/research/seed-factsheet.md) supports for each demo
# claim: (rating, attribution, claimant, actual claimant).
EXPECTED = {
    "deepseek-50000-h100": ("disputed", "confirmed", "alexandr-wang", None),  # C1
    "headline-50000-h100": ("disputed", "confirmed", "alexandr-wang", None),  # C1, headline
    "deepseek-tens-of-thousands-gpus": ("mostly-accurate", "confirmed", "wccftech", None),  # C2
    "r1-alongside-o1-and-llama": ("mostly-accurate", "confirmed", "wccftech", None),  # C3
    "r1-surpassed-top-models": ("misleading", "misattributed", "alexandr-wang",
                                "the-filibuster-blog"),  # C4 as the German text words it
    "r1-best-or-on-par-in-hle": ("mostly-accurate", "confirmed", "alexandr-wang", None),  # C4
    "hle-professor-questions": ("mostly-accurate", "unconfirmed", "alexandr-wang", None),  # C5
    "christmas-release": ("misleading", "unconfirmed", "alexandr-wang", None),  # C6
    "hopper-current-generation": ("accurate", "misattributed", "alexandr-wang",
                                  "wccftech"),  # C7
    "biden-2022-chip-restrictions": ("accurate", "confirmed", "the-filibuster-blog", None),  # C8
    "nvidia-h800-a800-for-china": ("accurate", "confirmed", "the-filibuster-blog", None),  # C9
    "h800-a800-restricted-october-2023": ("accurate", "confirmed", "the-filibuster-blog",
                                          None),  # C10
    "future-limited-by-export-controls": ("opinion", "confirmed", "alexandr-wang", None),  # C11
    "wang-praised-deepseek-on-cnbc": ("mostly-accurate", "confirmed", "wccftech", None),  # C12
    "sorkin-conducted-interview": ("unverified", "confirmed", "wccftech", None),  # C12
    "wang-deepseek-signals-shift": ("opinion", "confirmed", "alexandr-wang", None),
    "wang-on-global-gpu-demand": ("unverified", "unconfirmed", "alexandr-wang", None),
    "chinese-labs-capacity-nuanced": ("opinion", "unconfirmed", "alexandr-wang", None),
}


def test_demo_ratings_and_attributions_follow_the_fact_sheet(demo_site: Path) -> None:
    exported = json.loads((demo_site / "claims.json").read_text(encoding="utf-8"))["claims"]
    found = {c["id"]: (c["rating"]["id"], c["attribution"], c["claimant"], c["actual_claimant"])
             for c in exported}
    assert found == EXPECTED


def test_demo_reviews_are_dated_when_they_were_written(demo_site: Path) -> None:
    """The reviews were written in November 2026 (the commit that added them);
    no review or update may pretend to an earlier editorial history."""
    import datetime as dt

    for claim in CLAIMS:
        assert claim["reviewed"] >= dt.date(2026, 11, 28), claim["id"]
        for update in claim.get("updates") or []:
            assert update["date"] >= claim["reviewed"], claim["id"]


def test_the_headline_is_annotated(demo_site: Path) -> None:
    page = soup(demo_site / "articles" / CLAIMS[0]["article"] / "index.html")
    marks = page.find("h1").find_all("mark")
    assert [m["data-claims"] for m in marks] == ["headline-50000-h100"]


def test_every_claim_is_highlighted_and_linked_both_ways(demo_site: Path) -> None:
    for claim in CLAIMS:
        cid = claim["id"]
        article = soup(demo_site / "articles" / claim["article"] / "index.html")
        marks = [m for m in article.find_all("mark") if cid in m["data-claims"].split()]
        assert marks, f"{cid} is not highlighted"
        assert all(m["aria-details"] == f"note-{m['data-claims'].split()[0]}" for m in marks)
        assert any(m["aria-details"] == f"note-{cid}" for m in marks)
        # the highlighted text is the quote (modulo whitespace)
        highlighted = " ".join("".join(m.get_text() for m in marks).split())
        assert highlighted == " ".join(claim["quote"].split())
        # highlight → note → back to the passage, and note → claim page
        ref = article.find(id=f"ref-{cid}")
        assert ref is not None and ref["href"] == f"#note-{cid}"
        note = article.find(id=f"note-{cid}")
        assert note is not None and note.name == "aside"
        assert note.find("a", href=f"#passage-{cid}") is not None
        assert article.find(id=f"passage-{cid}") is not None
        assert note.find("a", href=f"../../claims/{cid}/") is not None
        assert note["lang"] == claim.get("lang", "en")
        assert RATINGS[claim["rating"]]["label"] in note.get_text()
        # claim page → passage in the article
        page = soup(demo_site / "claims" / cid / "index.html")
        assert page.find("a", href=f"../../articles/{claim['article']}/#passage-{cid}")
        passage = page.find("blockquote", class_="passage")
        assert " ".join(claim["quote"].split()) in " ".join(passage.mark.get_text().split())


def test_overlapping_quotes_are_marked_for_every_claim(demo_site: Path) -> None:
    overlaps = set()
    for path in (demo_site / "articles").glob("*/index.html"):
        for mark in soup(path).find_all("mark", class_="claim-overlap"):
            ids = mark["data-claims"].split()
            assert len(ids) >= 2
            assert mark["aria-details"] == f"note-{ids[0]}"
            overlaps.add(tuple(ids))
    assert overlaps, "the demo should show overlapping claims (C9/C10)"


def test_article_page_language_and_notes(demo_site: Path) -> None:
    claim = CLAIMS[0]
    page = soup(demo_site / "articles" / claim["article"] / "index.html")
    assert page.html["lang"] == "de"
    assert page.find("header", class_="site-header")["lang"] == "en"
    provenance = page.find("section", class_="provenance")
    links = [a["href"] for a in provenance.find_all("a")]
    wccftech = "https://wccftech.com/chinese-ai-lab-deepseek-has-50000-nvidia-h100-ai-gpus-says-ai-ceo/"
    assert wccftech in links
    assert "000_8b633944bfffd8f9.txt" in provenance.get_text()
    # entity mentions are linked: "NVIDIAs" links to NVIDIA
    entity_links = {a.get_text(): a["href"] for a in page.find_all("a", class_="entity-link")}
    assert entity_links["NVIDIAs"] == "../../entities/nvidia/"


def _speaker(claim: dict) -> str | None:
    """Who made the claim, as the review established (None: nobody)."""
    attribution = claim.get("attribution", "confirmed")
    if attribution == "confirmed":
        return claim["claimant"]
    if attribution == "misattributed":
        return claim.get("actual_claimant")
    return None


def _section_claims(page, section_id: str) -> set[str] | None:
    heading = page.find(id=section_id)
    if heading is None:
        return None
    return {a["href"].split("/")[-2] for a in heading.find_parent("section").find_all("a")
            if a["href"].startswith("../../claims/")}


def test_entity_pages_separate_claims_made_attributed_and_misattributed(
        demo_site: Path) -> None:
    entity_ids = [p.stem for p in (REPO / "content" / "entities").glob("*.yaml")]
    for entity_id in entity_ids:
        page = soup(demo_site / "entities" / entity_id / "index.html")
        made = {c["id"] for c in CLAIMS if _speaker(c) == entity_id}
        attributed = {
            kind: {c["id"] for c in CLAIMS if c["claimant"] == entity_id
                   and c.get("attribution", "confirmed") == kind}
            for kind in ("unconfirmed", "misattributed")}
        about = {c["id"] for c in CLAIMS if entity_id in c.get("about", [])}
        assert _section_claims(page, "by-title") == made, entity_id
        assert _section_claims(page, "about-title") == about, entity_id
        for kind, expected in attributed.items():
            # the section exists only when it has claims
            assert _section_claims(page, f"{kind}-title") == (expected or None), (entity_id, kind)


def test_a_misattributed_claim_is_never_listed_as_made_by_the_wrong_person(
        demo_site: Path) -> None:
    wrong = [c for c in CLAIMS if c.get("attribution") == "misattributed"]
    assert wrong
    for claim in wrong:
        page = soup(demo_site / "entities" / claim["claimant"] / "index.html")
        assert claim["id"] not in _section_claims(page, "by-title")
        # in every list, the item says it was wrongly attributed
        for path in (demo_site / "index.html", demo_site / "entities" / claim["claimant"]
                     / "index.html", *sorted((demo_site / "claims").glob("index.html"))):
            suffix = f"/{claim['id']}/"
            for item in soup(path).find_all("li", class_="claim-item"):
                if any(a["href"].endswith(suffix) for a in item.find_all("a", href=True)):
                    assert "attribution-misattributed" in item["class"]
                    text = item.find(class_="claimant").get_text(" ", strip=True)
                    assert "wrongly attributed" in text, (path, text)
        if claim.get("actual_claimant"):
            actual = soup(demo_site / "entities" / claim["actual_claimant"] / "index.html")
            assert claim["id"] in _section_claims(actual, "by-title")


def _json_ld(path: Path) -> list[dict]:
    return [json.loads(s.string) for s in soup(path).find_all("script", type="application/ld+json")]


def test_claim_review_json_ld(demo_site: Path) -> None:
    for claim in CLAIMS:
        blocks = _json_ld(demo_site / "claims" / claim["id"] / "index.html")
        rating = RATINGS[claim["rating"]]
        if not rating.get("final", True):
            assert blocks == [], f"{claim['id']}: no ClaimReview for a non-final rating"
            continue
        assert len(blocks) == 1
        review = blocks[0]
        assert review["@context"] == "https://schema.org"
        assert review["@type"] == "ClaimReview"
        assert review["claimReviewed"] == claim["claim"]
        assert review["url"] == f"{BASE_URL}claims/{claim['id']}/"
        assert review["reviewRating"]["alternateName"] == rating["label"]
        assert review["author"]["@type"] == "Organization" and review["author"]["name"]
        assert review["datePublished"] == claim["reviewed"].isoformat()
        updates = claim.get("updates") or []
        modified = updates[-1]["date"] if updates else claim["reviewed"]
        assert review["dateModified"] == modified.isoformat()
        item = review["itemReviewed"]
        assert item["@type"] == "Claim"
        author_id = _speaker(claim)
        if author_id is None:  # unconfirmed, or misattributed to an unknown source
            assert "author" not in item, claim["id"]
        else:
            entity = yaml.safe_load((REPO / "content/entities" / f"{author_id}.yaml").read_text())
            assert item["author"]["name"] == entity["name"]
        assert item["appearance"]


def test_feed_sitemap_robots(demo_site: Path) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(demo_site / "feed.xml").getroot()
    assert feed.tag == f"{atom}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{atom}{tag}") is not None, tag
    assert feed.find(f"{atom}link[@rel='self']").get("href") == BASE_URL + "feed.xml"
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == len(CLAIMS) + 1
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert entry.find(f"{atom}{tag}").text, tag
        assert entry.find(f"{atom}link").get("href").startswith(BASE_URL)

    sm = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urls = [u.find(f"{sm}loc").text for u in ET.parse(demo_site / "sitemap.xml").getroot()]
    assert len(urls) == len(set(urls))
    for url in urls:
        assert url.startswith(BASE_URL)
        rel = url[len(BASE_URL):]
        target = demo_site / rel / "index.html" if rel.endswith("/") or not rel else demo_site / rel
        assert target.is_file(), url
    assert f"{BASE_URL}claims/{CLAIMS[0]['id']}/" in urls
    robots = (demo_site / "robots.txt").read_text()
    assert robots.strip().endswith(f"Sitemap: {BASE_URL}sitemap.xml")


def test_claims_json_validates_and_its_selectors_match(demo_site: Path) -> None:
    data = json.loads((demo_site / "claims.json").read_text(encoding="utf-8"))
    schema = json.loads((demo_site / "claims.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    assert {c["id"] for c in data["claims"]} == {c["id"] for c in CLAIMS}
    by_id = {c["id"]: c for c in CLAIMS}
    for claim in data["claims"]:
        quote, position = claim["target"]["selector"]
        if claim["target"]["part"] == "title":  # the text selectors refine the page's h1
            assert quote["type"] == position["type"] == "CssSelector"
            quote, position = quote["refinedBy"], position["refinedBy"]
        assert " ".join(quote["exact"].split()) == " ".join(by_id[claim["id"]]["quote"].split())
        assert position["end"] - position["start"] == len(quote["exact"])
        assert claim["url"] == f"{BASE_URL}claims/{claim['id']}/"
    assert {c["target"]["part"] for c in data["claims"]} == {"title", "body"}


ABSOLUTE_OK = {("link", "canonical"), ("link", "alternate")}


def _links(page) -> list[tuple[str, str, str]]:
    """(tag, rel, url) for every link-like attribute of a page."""
    found = []
    for tag in page.find_all(["a", "link", "script", "img", "meta"]):
        for attr in ("href", "src", "content"):
            value = tag.get(attr)
            if value and (attr != "content" or tag.get("property", "").startswith("og:url")):
                found.append((tag.name, " ".join(tag.get("rel", [])) or tag.get("property", ""),
                              value))
    return found


def test_links_are_relative_except_the_documented_absolute_ones(demo_site: Path) -> None:
    base_path = urlsplit(BASE_URL).path
    for path in html_pages(demo_site):
        page = soup(path)
        for tag, rel, url in _links(page):
            if (tag, rel) in ABSOLUTE_OK or rel == "og:url":
                assert url.startswith(BASE_URL), (path, url)
                continue
            if path.name == "404.html":
                if not url.startswith(("http://", "https://", "#")):
                    assert url.startswith(base_path), (path, url)
                continue
            assert not url.startswith("/"), (path, url)
            assert not url.startswith(BASE_URL), (path, url)


def test_every_internal_link_and_anchor_resolves(demo_site: Path) -> None:
    ids_cache: dict[Path, set[str]] = {}

    def ids(target: Path) -> set[str]:
        if target not in ids_cache:
            ids_cache[target] = {t["id"] for t in soup(target).find_all(id=True)}
        return ids_cache[target]

    checked = 0
    for path in html_pages(demo_site):
        if path.name == "404.html":
            continue
        page_url = "http://site.test/" + path.relative_to(demo_site).as_posix()
        for _tag, _rel, url in _links(soup(path)):
            if url.startswith(("http://", "https://", "mailto:")):
                continue
            target_url, fragment = urldefrag(urljoin(page_url, url))
            rel_path = unquote(urlsplit(target_url).path).lstrip("/")
            target = demo_site / rel_path
            if target.is_dir() or rel_path == "" or rel_path.endswith("/"):
                target = target / "index.html"
            assert target.is_file(), f"{path}: broken link {url}"
            if fragment:
                assert fragment in ids(target), f"{path}: missing anchor {url}"
            checked += 1
    assert checked > 500


def test_page_languages(demo_site: Path) -> None:
    assert soup(demo_site / "index.html").html["lang"] == "en"
    assert soup(demo_site / "claims" / CLAIMS[0]["id"] / "index.html").html["lang"] == "en"
    assert soup(demo_site / "entities" / "nvidia" / "index.html").html["lang"] == "en"


def test_lists_and_free_pages(demo_site: Path) -> None:
    home = soup(demo_site / "index.html")
    assert len(home.select(".claim-list li")) == min(10, len(CLAIMS))
    claims_list = soup(demo_site / "claims" / "index.html")
    headings = [h["id"] for h in claims_list.find_all("h2")]
    order = [f"rating-{r}" for r in RATINGS if any(c["rating"] == r for c in CLAIMS)]
    assert headings == order  # grouped by rating, in the scale's order
    sources = soup(demo_site / "sources" / "index.html")
    cnbc = next(li for li in sources.select(".source-list li")
                if "scale-ai-ceo-says-china" in li.a["href"])
    citing = {c["id"] for c in CLAIMS
              if any("scale-ai-ceo-says-china" in s["url"] for s in c.get("sources", []))}
    assert {a["href"].split("/")[-2] for a in cnbc.select(".cited-by a")} == citing
    methodology = soup(demo_site / "methodology" / "index.html")
    assert "attribution" in methodology.get_text().lower()
    for label in (r["label"] for r in RATINGS.values()):
        assert label.lower() in methodology.get_text().lower()


@pytest.mark.parametrize("kind", ["claims", "entities"])
def test_pagination(site_copy: Path, tmp_path: Path, kind: str) -> None:
    from sitegen.build import BuildOptions, build

    config = site_copy / "site.yaml"
    config.write_text(config.read_text().replace("page_size: 50", "page_size: 4"))
    out = tmp_path / "out"
    build(BuildOptions(src=site_copy, out=out))
    pages = sorted((out / kind / "page").glob("*/index.html"))
    assert pages, "expected /page/N/ lists"
    first = soup(out / kind / "index.html")
    assert first.find("a", rel="next")["href"] == f"../{kind}/page/2/"
    last = soup(pages[-1])
    assert last.find("a", rel="next") is None
    assert last.find("a", rel="prev") is not None


def test_search_index_fields(demo_site: Path) -> None:
    """What Pagefind is fed: one body per page, notes ignored, facets and metadata."""
    article = soup(demo_site / "articles" / CLAIMS[0]["article"] / "index.html")
    bodies = article.find_all(attrs={"data-pagefind-body": True})
    assert len(bodies) == 1 and bodies[0].name == "article"
    for note in article.select("aside.note"):
        assert note.has_attr("data-pagefind-ignore")  # a claim is not found twice
    filters = {(f["data-pagefind-filter"], f.get_text()) for f in
               article.select("[data-pagefind-filter]")}
    assert {("kind", "article"), ("language", "de"), ("publisher", "The Filibuster Blog"),
            ("year", "2025"), ("entity", "NVIDIA")} <= filters
    claim = CLAIMS[0]
    page = soup(demo_site / "claims" / claim["id"] / "index.html")
    filters = {(f["data-pagefind-filter"], f.get_text()) for f in
               page.select("[data-pagefind-filter]")}
    assert ("kind", "claim") in filters and ("rating", claim["rating"]) in filters
    names = {yaml.safe_load((REPO / "content/entities" / f"{e}.yaml").read_text())["name"]
             for e in [claim["claimant"], *claim["about"]]}
    assert {v for k, v in filters if k == "entity"} == names
    meta = {m["data-pagefind-meta"]: m.get_text() for m in page.select("[data-pagefind-meta]")}
    assert meta["date"] == claim["reviewed"].isoformat()
    assert meta["rating"] == claim["rating"] and meta["kind"] == "claim"
    assert page.select_one("[data-pagefind-sort=date]").get_text() == claim["reviewed"].isoformat()
    entity = soup(demo_site / "entities" / "deepseek" / "index.html")
    body = entity.select_one("[data-pagefind-body]")
    assert "DeepSeek-Labor" in body.get_text()  # aliases are searchable
    assert not body.select(".claim-list")  # the claim lists are not part of the entity's text
    for lang in ("de", "en"):
        entry = json.loads((demo_site / "pagefind" / lang / "pagefind-entry.json").read_text())
        assert list(entry["languages"]) == [lang]  # one bundle per language


def test_claim_pages_index_the_claim_not_the_page_furniture(demo_site: Path) -> None:
    """What Pagefind itself stored for each claim page (its fragments): the claim,
    the claimant, the review and the sources are search text; the rating scale's
    description, the section headings, the dates line and the corrections link,
    the same on every claim page, are not (the rating is a filter), so a query
    for "imprecise" does not find every claim rated mostly accurate."""
    indexed = {url: page for pages in search_view(demo_site).values()
               for url, page in pages.items()}
    ui = yaml.safe_load((REPO / "templates" / "ui-text.yaml").read_text(encoding="utf-8"))["en"]
    for claim in CLAIMS:
        page = indexed[f"/claims/{claim['id']}/"]
        content = page["content"]
        claimant = yaml.safe_load(
            (REPO / "content/entities" / f"{claim['claimant']}.yaml").read_text())["name"]
        assert claim["claim"] in content and claimant in content
        words = set(re.findall(r"\w+", content))
        review = re.sub(r"\]\([^)]*\)", "]", claim["review"])  # a link's text, not its target
        assert set(re.findall(r"\w+", review)) <= words
        for source in claim.get("sources", []):
            assert source["title"] in content
        assert RATINGS[claim["rating"]]["description"] not in content
        assert ui["corrections_link"] not in content
        assert ui["reviewed_on"].split()[0] not in words
        assert not [a for a in page["anchors"] if a["element"] == "h2"]


def test_entity_list_counts_each_claim_once(tmp_path: Path) -> None:
    """A claim by an entity that is also about it counts once."""
    import shutil

    from sitegen.build import BuildOptions, build
    from tests.conftest import MINI

    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    claims = site / "content/claims/council-budget-vote.yaml"
    claims.write_text(claims.read_text().replace(
        "about: [port-ellery]", "about: [port-ellery, tobias-wren]", 1))
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False))
    data = yaml.safe_load(claims.read_text())["claims"]
    for path in (site / "content/claims").glob("*.yaml"):
        if path != claims and "draft" not in path.name:
            data += yaml.safe_load(path.read_text())["claims"]
    expected = {c["id"] for c in data if "tobias-wren" in
                (c["claimant"], c.get("actual_claimant"), *c.get("about", []))}
    counts = {}
    lists = [out / "entities" / "index.html", *(out / "entities" / "page").glob("*/index.html")]
    for page in lists:
        for li in soup(page).select(".entity-list li"):
            if li.select_one(".count"):
                counts[li.a["href"].rstrip("/").split("/")[-1]] = li.select_one(".count").get_text()
    assert counts["tobias-wren"] == f"{len(expected)} claims"
