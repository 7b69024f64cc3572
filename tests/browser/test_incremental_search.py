"""Incremental search in a real browser (site/searchplan.py): after an edit the
changed pages are found in the recent bundle and their old versions nowhere;
a deleted article's pages are gone from results and counts; after a merge the
results are a clean index's, in the same order. Every check compares what the
search page shows with what it shows on a clean build of the same content."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, expect

import sitegen.site.search as search_module
from sitegen.build import BuildOptions, build
from tests.browser.conftest import serve_folder
from tests.conftest import MINI, output_tree

BUDGET = "content/claims/council-budget-vote.yaml"


class Host:
    """The site being edited (built incrementally) and clean builds of it, served
    side by side over HTTP."""

    def __init__(self, root: Path, origin: str) -> None:
        self.root, self.origin = root, origin
        self.site = root / "src"
        shutil.copytree(MINI, self.site)
        self.cleans = 0

    def build(self) -> dict[str, int]:
        result = build(BuildOptions(src=self.site, out=self.root / "site",
                                    base_url=f"{self.origin}/site/"))
        return result.search.pages if result.search else {}

    def clean(self) -> str:
        self.cleans += 1
        name = f"clean{self.cleans}"
        build(BuildOptions(src=self.site, out=self.root / name, cache=False,
                           base_url=f"{self.origin}/{name}/"))
        return name

    def edit(self, path: str, old: str, new: str) -> None:
        file = self.site / path
        text = file.read_text(encoding="utf-8")
        assert old in text, old
        file.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture()
def host(tmp_path: Path) -> Iterator[Host]:
    httpd, origin = serve_folder(tmp_path)
    try:
        yield Host(tmp_path, origin)
    finally:
        httpd.shutdown()
        httpd.server_close()


Found = tuple[list[str], dict[str, dict[str, int]], str]


def found(browser: Browser, host: Host, folder: str, query: str = "",
          **filters: str) -> Found:
    """What the search page of /folder/ shows: the result URLs (relative to the
    site, in order, every one loaded), the facet counts, and the status line."""
    context = browser.new_context()  # nothing cached from another check
    page = context.new_page()
    try:
        params = urlencode([*([("q", query)] if query else []), *filters.items()])
        page.goto(f"{host.origin}/{folder}/search/" + (f"?{params}" if params else ""))
        status = page.locator("#search-status")
        expect(status).not_to_be_empty()
        number = re.search(r"(\d+) results?", status.inner_text())
        total = int(number.group(1)) if number else 0
        shown = page.locator(".search-results .result")
        expect(shown).to_have_count(min(total, 20))  # the first page of them
        while page.locator(".search-more").is_visible():
            before = shown.count()
            page.locator(".search-more").click()
            expect(shown).to_have_count(min(total, before + 20))
        expect(shown).to_have_count(total)
        urls = [href.removeprefix(f"/{folder}/")
                for href in page.locator(".result-title a").evaluate_all(
                    "links => links.map(a => a.getAttribute('href'))")]
        counts: dict[str, dict[str, int]] = {}
        for option in page.locator(".facet-option").all():
            box = option.locator("input")
            key, value = box.get_attribute("name") or "", box.get_attribute("value") or ""
            count = option.locator(".count").inner_text().strip("()")
            counts.setdefault(key, {})[value] = int(count)
        text = status.inner_text().replace(folder, "")
        return urls, counts, text
    finally:
        context.close()


def assert_same_set(mine: Found, clean: Found) -> None:
    """The same pages found (each once) and the same counts; order aside (before a
    merge a recent page's score comes from its small bundle)."""
    assert len(mine[0]) == len(set(mine[0])), f"a page found twice: {mine[0]}"
    assert sorted(mine[0]) == sorted(clean[0])
    assert mine[1] == clean[1]
    assert mine[2] == clean[2]


QUERIES: list[tuple[str, dict[str, str]]] = [
    ("", {}),  # no query: the facet totals
    ("harbour", {}),
    ("budget", {}),
    ("", {"kind": "claim"}),
    ("council", {"rating": "correct"}),
]


@pytest.mark.parametrize("shards", [False, True])
def test_an_edited_claim_is_found_by_its_new_words_only(browser: Browser, host: Host,
                                                        shards: bool,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if shards:  # the mini site's pages in a bundle per year, and parts of years
        monkeypatch.setattr(search_module, "SHARD_PAGES", 3)
    first = host.build()
    assert (len(first) > 2) == shards
    host.edit(BUDGET, '"Fairest" is a judgement', '"Fairest" is a zyzzyvaword')
    host.edit(BUDGET, "rating: no-verdict", "rating: correct")
    assert set(host.build()) == {"en-recent"}  # only the changed pages were indexed
    clean = host.clean()
    new_word = found(browser, host, "site", "zyzzyvaword")
    assert new_word[0] == ["claims/budget-fairest-in-a-generation/"]  # found once
    assert found(browser, host, "site", "judgement")[0] == []  # the removed word: nowhere
    assert_same_set(new_word, found(browser, host, clean, "zyzzyvaword"))
    for query, filters in QUERIES:
        assert_same_set(found(browser, host, "site", query, **filters),
                        found(browser, host, clean, query, **filters))


def test_a_deleted_article_is_gone_from_results_and_counts(browser: Browser, host: Host) -> None:
    note = host.site / "content/articles/harbour-note.md"
    note.write_text("---\ntitle: The harbour master retires\ndate: 2023-06-01\n---\n\n"
                    "After thirty years the harbour master of Port Ellery retires.\n",
                    encoding="utf-8")
    host.build()
    before = found(browser, host, "site", "harbour")
    assert "articles/harbour-note/" in before[0]
    note.unlink()
    host.build()
    clean = host.clean()
    after = found(browser, host, "site", "harbour")
    assert "articles/harbour-note/" not in after[0]
    assert after[1]["kind"]["article"] == before[1]["kind"]["article"] - 1
    assert "2023" not in after[1]["year"]  # its year had no other page
    for query, filters in QUERIES:
        assert_same_set(found(browser, host, "site", query, **filters),
                        found(browser, host, clean, query, **filters))


def test_after_a_merge_the_results_are_a_clean_index_s(browser: Browser, host: Host) -> None:
    config = host.site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "search:\n  recent_pages: 3\n",
                      encoding="utf-8")
    host.build()
    host.edit(BUDGET, '"Fairest" is a judgement', '"Fairest" is a zyzzyvaword')
    assert set(host.build()) == {"en-recent"}
    host.edit(BUDGET, "rating: no-verdict", "rating: correct")
    assert "en-recent" not in host.build()  # past the limit: merged
    assert not (host.root / "site/pagefind/en-recent").exists()
    clean = host.clean()
    # the merged index is a clean build's, byte for byte (site/index_order.py)
    assert output_tree(host.root / "site/pagefind") == output_tree(host.root / clean / "pagefind")
    for query, filters in [*QUERIES, ("zyzzyvaword", {})]:
        mine = found(browser, host, "site", query, **filters)
        assert mine == found(browser, host, clean, query, **filters)  # order too


def test_a_missing_recent_bundle_hides_its_pages_and_search_still_works(
        browser: Browser, host: Host) -> None:
    """A half-finished upload: recent.json names a recent bundle that is not there.
    The edited page is left out of the results; its stale version is never shown."""
    host.build()
    host.edit(BUDGET, '"Fairest" is a judgement', '"Fairest" is a zyzzyvaword')
    assert set(host.build()) == {"en-recent"}
    shutil.rmtree(host.root / "site/pagefind/en-recent")
    assert found(browser, host, "site", "judgement")[0] == []  # the old version: hidden
    urls = found(browser, host, "site", "harbour")[0]
    assert urls and "claims/budget-fairest-in-a-generation/" not in urls
