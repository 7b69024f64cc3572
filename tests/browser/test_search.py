"""Search in a real browser: Pagefind bundles per language, facets, URL state."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.conftest import REPO

SLUG = "ki-ceo-behauptet-das-chinesische-deepseek-labor-verfuege-ueber-50-000-nvidia"


def results(page: Page):
    return page.locator(".search-results .result")


def search(page: Page, site_url: str, query: str = "", **filters: str) -> None:
    params = [("q", query)] if query else []
    params += [(k, v) for k, v in filters.items()]
    url = site_url + "search/" + ("?" + "&".join(f"{k}={v}" for k, v in params) if params else "")
    page.goto(url)
    expect(page.locator("#search-status")).to_contain_text("result")


def result_urls(page: Page) -> list[str]:
    expect(results(page).first).to_be_visible()
    return [a.get_attribute("href") for a in page.locator(".result-title a").all()]


def test_h100_finds_the_article_and_claim_pages(page: Page, site_url: str) -> None:
    search(page, site_url, "H100")
    urls = result_urls(page)
    base = urlsplit(site_url).path
    assert f"{base}articles/{SLUG}/" in urls
    assert f"{base}claims/deepseek-50000-h100/" in urls
    assert f"{base}entities/nvidia-h100/" in urls
    # every link works from the subfolder
    page.locator(".result-title a", has_text="DeepSeek has about 50,000").click()
    expect(page.locator("h1")).to_have_text("DeepSeek has about 50,000 NVIDIA H100 GPUs")


def test_an_estimated_date_says_so_in_the_results(page: Page, site_url: str) -> None:
    search(page, site_url, "H100")
    article = results(page).filter(has=page.locator(f'a[href$="articles/{SLUG}/"]'))
    expect(article.locator("time")).to_have_text("2025-01")  # no day: none is known
    expect(article.locator(".date-estimated")).to_have_text("(estimated)")
    expect(article.locator(".date-note")).to_contain_text("the German page shows no date")


def test_german_stemming_from_the_english_search_page(page: Page, site_url: str) -> None:
    # "Prüfungen" (plural) appears nowhere; the article has "Prüfung" in a heading
    search(page, site_url, "Prüfungen")
    urls = result_urls(page)
    assert any(url.endswith(f"articles/{SLUG}/") for url in urls)
    article = results(page).filter(has=page.locator(f'a[href$="articles/{SLUG}/"]'))
    expect(article.locator(".result-title")).to_have_attribute("lang", "de")
    expect(article.locator(".result-excerpt mark").first).to_contain_text("Prüfung")


def test_the_rating_scale_is_a_filter_not_search_text(page: Page, site_url: str) -> None:
    # "imprecise" is in the description of "mostly accurate" (site.yaml), which every
    # claim page so rated shows, but no claim is about imprecision
    search(page, site_url, "imprecise", kind="claim")
    expect(page.locator("#search-status")).to_contain_text("No results")
    search(page, site_url, "imprecise", rating="mostly-accurate")
    expect(page.locator("#search-status")).to_contain_text("No results")
    claims = yaml.safe_load((REPO / "content/claims" / f"{SLUG}.yaml").read_text())["claims"]
    assert any(c["rating"] == "mostly-accurate" for c in claims)  # so rated, and found so:
    search(page, site_url, rating="mostly-accurate")
    assert result_urls(page)


def test_alias_finds_the_entity_page(page: Page, site_url: str) -> None:
    search(page, site_url, "DeepSeek-Labor")
    urls = result_urls(page)
    assert any(url.endswith("entities/deepseek/") for url in urls)
    search(page, site_url, "NVIDIAs")
    assert any(url.endswith("entities/nvidia/") for url in result_urls(page))


def test_rating_filter_shows_only_that_rating(page: Page, site_url: str) -> None:
    claims = yaml.safe_load((REPO / "content/claims" / f"{SLUG}.yaml").read_text())["claims"]
    misleading = {c["id"] for c in claims if c["rating"] == "misleading"}
    assert misleading
    search(page, site_url, rating="misleading")
    expect(results(page)).to_have_count(len(misleading))
    found = {url.rstrip("/").split("/")[-1] for url in result_urls(page)}
    assert found == misleading
    for badge in page.locator(".result .rating").all():
        assert badge.inner_text() == "Misleading"


def test_attribution_facet_and_result_lines(page: Page, site_url: str) -> None:
    claims = yaml.safe_load((REPO / "content/claims" / f"{SLUG}.yaml").read_text())["claims"]
    wang = "Alexandr Wang"
    wrong = {c["id"] for c in claims
             if c["claimant"] == "alexandr-wang" and c["attribution"] == "misattributed"}
    assert wrong
    search(page, site_url, attribution="misattributed")
    found = {url.rstrip("/").split("/")[-1] for url in result_urls(page)}
    assert found == wrong
    # each result says who the claim was wrongly attributed to, never a bare name
    for line in page.locator(".result-claimant").all():
        assert f"wrongly attributed to {wang}" in line.inner_text()
    # the entity facet does not count the claims wrongly attributed to Wang for him
    search(page, site_url, entity=wang, kind="claim")
    found = {url.rstrip("/").split("/")[-1] for url in result_urls(page)}
    assert found and found.isdisjoint(wrong)
    expect(page.locator(".facet-attribution")).to_be_visible()


def test_query_and_filters_round_trip_through_the_url(page: Page, site_url: str) -> None:
    search(page, site_url, "DeepSeek")
    all_count = len(result_urls(page))
    expect(page.locator("#search-q")).to_have_value("DeepSeek")
    page.locator(".facet-kind input[value=claim]").check()
    expect(page).to_have_url(re.compile(r"kind=claim"))
    expect(page.locator(".result-kind").first).to_have_text("Claim")
    for kind in page.locator(".result-kind").all_text_contents():
        assert kind == "Claim"
    params = parse_qs(urlsplit(page.url).query)
    assert params == {"q": ["DeepSeek"], "kind": ["claim"]}
    shared = page.url
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"kind=claim"))
    expect(page.locator(".facet-kind input[value=claim]")).not_to_be_checked()
    expect(results(page)).to_have_count(min(all_count, 20))
    # a shared URL restores the same search
    page.goto(shared)
    expect(page.locator("#search-q")).to_have_value("DeepSeek")
    expect(page.locator(".facet-kind input[value=claim]")).to_be_checked()


def test_header_search_box_leads_to_the_search_page(page: Page, site_url: str) -> None:
    page.goto(site_url + f"articles/{SLUG}/")
    page.locator(".site-search input").fill("Blackwell")
    page.locator(".site-search button").click()
    expect(page).to_have_url(re.compile(r"/archive/search/\?q=Blackwell$"))
    assert any(url.endswith("entities/nvidia-blackwell/") for url in result_urls(page))


def test_without_javascript_the_page_says_so(browser, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "search/")
    notice = page.locator(".search-nojs")
    expect(notice).to_contain_text("Search needs JavaScript")
    expect(notice.locator("a", has_text="claims by rating")).to_have_attribute("href", "../claims/")
    context.close()


def test_search_page_with_results_is_accessible(page: Page, site_url: str) -> None:
    search(page, site_url, "DeepSeek")
    expect(results(page).first).to_be_visible()
    report = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    violations = report.response["violations"]
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def test_large_archives_are_indexed_in_shards_and_searched_whole(
    page: Page, tmp_path, monkeypatch
) -> None:
    import sitegen.site.search as search
    from sitegen.build import BuildOptions, build
    from tests.browser.conftest import serve_folder
    from tests.conftest import MINI

    monkeypatch.setattr(search, "SHARD_PAGES", 3)
    httpd, origin = serve_folder(tmp_path)
    try:
        result = build(BuildOptions(src=MINI, out=tmp_path / "mini", cache=False,
                                    base_url=f"{origin}/mini/"))
        assert result.search is not None
        shards = sorted(result.search.pages)
        assert len(shards) > 1 and all(name.startswith("en-") for name in shards)
        assert sorted(p.name for p in (tmp_path / "mini" / "pagefind").iterdir()
                      if p.is_dir()) == shards
        page.goto(f"{origin}/mini/search/?q=harbour")
        expect(page.locator(".search-results .result").first).to_be_visible()
        kinds = set(page.locator(".result-kind").all_text_contents())
        assert kinds >= {"Article", "Claim"}  # found in several shards, merged
    finally:
        httpd.shutdown()
        httpd.server_close()
