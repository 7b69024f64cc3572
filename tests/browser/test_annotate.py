"""Annotate mode in real Chromium over the real preview server: a passage
selected by script (across inline markup and a note number, one that occurs
twice, one with typographic quotes), the form filled and saved, the YAML
written as expected with the rest of the file unchanged, the page reloaded
with the highlight and `sitegen check` clean; an entity created from a
selection; a concurrent editor save; and a page of another origin refused."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Locator, Page, expect

from sitegen.check import check_site
from sitegen.serve.app import Preview, ServeOptions
from tests.conftest import MINI

BUDGET = "council-budget-vote"
HARBOUR = "harbour-expansion-will-double-cargo"
QUOTES = """---
title: Bridge inspector speaks
date: 2024-06-01
lang: en
publisher: ellery-gazette
---

The inspector called the bridge “safe for another fifty years” and the repairs ‘a formality’.
"""

SELECT = """([blockIndex, from, to]) => {
  // select the characters [from, to) of the block's visible text, note numbers skipped
  const blocks = [...document.querySelectorAll('.article-body .chunk-text p')];
  const el = blocks[blockIndex];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => n.parentElement.closest('sup.note-ref') ? NodeFilter.FILTER_REJECT
                                                               : NodeFilter.FILTER_ACCEPT });
  let seen = 0, start = null, end = null;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const len = n.data.length;
    if (!start && from < seen + len) start = [n, from - seen];
    if (!end && to <= seen + len) { end = [n, to - seen]; break; }
    seen += len;
  }
  const range = document.createRange();
  range.setStart(...start); range.setEnd(...end);
  const sel = getSelection(); sel.removeAllRanges(); sel.addRange(range);
  return range.toString();
}"""


@pytest.fixture()
def annotating(tmp_path: Path) -> Iterator[Preview]:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    (site / "content/articles/bridge-inspector.md").write_text(QUOTES, encoding="utf-8")
    running = Preview(ServeOptions(src=site, port=0, quiet=0.1, search=False, annotate=True),
                      log=lambda line: None)
    running.start()
    yield running
    running.stop()


def _select(page: Page, block: int, text: str, occurrence: int = 0) -> str:
    """Select `text` in the block-th paragraph of the article body (its visible text)."""
    full = page.evaluate(
        """(i) => { const el = [...document.querySelectorAll('.article-body .chunk-text p')][i];
           const w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, { acceptNode: (n) =>
             n.parentElement.closest('sup.note-ref') ? 2 : 1 });
           let s = ''; for (let n = w.nextNode(); n; n = w.nextNode()) s += n.data; return s; }""",
        block)
    start = -1
    for _ in range(occurrence + 1):
        start = full.index(text, start + 1)
    return page.evaluate(SELECT, [block, start, start + len(text)])


def _open_form(page: Page, url: str, block: int, text: str, button: str) -> Locator:
    """Open an article page, select `text` in its block-th paragraph, press a
    toolbar button: the form's dialog."""
    page.goto(url)
    _select(page, block, text)
    page.get_by_role("toolbar").get_by_role("button", name=button).click()
    return page.get_by_role("dialog")


def _fill_claim(page: Page, claim: str, review: str = "Checked against the budget [1].") -> None:
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Claim (as reviewed)").fill(claim)
    dialog.get_by_label("Claimant (entity id)").fill("tobias-wren")
    dialog.get_by_label("Rating").select_option("pending")
    dialog.get_by_label("Review (Markdown; cite sources as [1], [2])").fill(review)
    dialog.get_by_label("URL").last.fill("https://example.org/budget")
    dialog.get_by_label("Title").last.fill("Budget")


def _claims(site: Path, slug: str) -> tuple[str, list[dict]]:
    text = (site / f"content/claims/{slug}.yaml").read_text(encoding="utf-8")
    return text, yaml.safe_load(text)["claims"]


def test_select_across_markup_fill_save_and_see_the_highlight(
        page: Page, annotating: Preview) -> None:
    site = annotating.options.src
    before, _ = _claims(site, BUDGET)
    page.goto(annotating.url + f"articles/{BUDGET}/")
    # across <mark>, <em> and the note number "2" of the claim already there
    shown = _select(page, 1, "will rise by twelve per cent to carry the extra lorries")
    assert "cent2 to" in shown  # the browser's own selection text holds the note number
    page.get_by_role("toolbar").get_by_role("button", name="New claim").click()
    _fill_claim(page, "Harbour road spending rises to carry more lorries")
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    claim_id = "harbour-road-spending-rises-to-carry-more-lorries"
    expect(page.locator(f'mark[data-claims~="{claim_id}"]').first).to_be_visible(timeout=20_000)
    after, claims = _claims(site, BUDGET)
    assert after.startswith(before)
    assert claims[-1]["id"] == claim_id
    assert claims[-1]["quote"] == "will rise by twelve per cent to carry the extra lorries"
    assert claims[-1]["sources"] == [{"url": "https://example.org/budget", "title": "Budget"}]
    assert [d for d in check_site(site).sorted() if d.severity == "error"] == []


def test_a_passage_found_twice_and_one_with_typographic_quotes(
        page: Page, annotating: Preview) -> None:
    site = annotating.options.src
    page.goto(annotating.url + f"articles/{HARBOUR}/")
    _select(page, 4, "the new berths will open by 2026")  # paragraph 5: the engineer's
    page.keyboard.press("Alt+Shift+A")  # the toolbar, from the keyboard
    expect(page.get_by_role("button", name="New claim")).to_be_focused()
    page.keyboard.press("Enter")
    _fill_claim(page, "The berths open by 2026 (the engineer's doubt)")
    page.get_by_role("dialog").get_by_label("Claim id").fill("berths-2026-doubted")
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    expect(page.locator('mark[data-claims~="berths-2026-doubted"]').first).to_be_visible(
        timeout=20_000)
    _, claims = _claims(site, HARBOUR)
    assert claims[-1]["quote"] == "the new berths will open by 2026"
    assert claims[-1]["prefix"] == "that"

    page.goto(annotating.url + "articles/bridge-inspector/")
    _select(page, 0, "“safe for another fifty years”")
    page.get_by_role("toolbar").get_by_role("button", name="New claim").click()
    _fill_claim(page, "The bridge is safe for fifty years")
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    expect(page.locator("mark.claim").first).to_be_visible(timeout=20_000)
    _, claims = _claims(site, "bridge-inspector")
    assert claims == [claims[0]] and claims[0]["quote"] == "“safe for another fifty years”"
    assert [d for d in check_site(site).sorted() if d.severity == "error"] == []


def test_an_entity_from_a_selected_name(page: Page, annotating: Preview) -> None:
    site = annotating.options.src
    dialog = _open_form(page, annotating.url + f"articles/{HARBOUR}/", 4, "Local fishing crews",
                        "New entity")
    expect(dialog.get_by_label("Entity id")).to_have_value("local-fishing-crews")
    dialog.get_by_label("Type").select_option("organization")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("status")).to_contain_text("content/entities/local-fishing-crews")
    assert yaml.safe_load((site / "content/entities/local-fishing-crews.yaml").read_text()) == {
        "name": "Local fishing crews", "type": "organization", "aliases": [], "description": ""}
    # the new entity's page exists once the preview has rebuilt
    page.wait_for_timeout(100)
    expect(page.locator('a.entity-link[href$="entities/local-fishing-crews/"]').first
           ).to_be_visible(timeout=20_000)


def test_an_editor_save_meanwhile_is_kept_and_the_form_survives_the_reload(
        page: Page, annotating: Preview) -> None:
    site = annotating.options.src
    _open_form(page, annotating.url + f"articles/{BUDGET}/", 2,
               "The four councillors who voted against it", "New claim")
    _fill_claim(page, "Four councillors voted against the budget")
    claims_file = site / f"content/claims/{BUDGET}.yaml"
    saved = claims_file.read_text(encoding="utf-8") + "# saved in an editor meanwhile\n"
    claims_file.write_text(saved, encoding="utf-8")
    page.wait_for_timeout(1500)  # the preview rebuilds; the open form holds the reload
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("changed on disk")
    assert claims_file.read_text(encoding="utf-8") == saved
    dialog.get_by_role("button", name="Reload the page, keeping this form").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Claim (as reviewed)")).to_have_value(
        "Four councillors voted against the budget")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator('mark[data-claims~="four-councillors-voted-against-the-budget"]').first
           ).to_be_visible(timeout=20_000)
    text = claims_file.read_text(encoding="utf-8")
    assert text.startswith(saved.rstrip("\n").rsplit("\n", 1)[0])
    assert "# saved in an editor meanwhile\n" in text


def test_a_page_of_another_origin_cannot_write(page: Page, annotating: Preview,
                                                tmp_path: Path) -> None:
    site = annotating.options.src
    before = {p: p.read_bytes() for p in sorted((site / "content").rglob("*")) if p.is_file()}
    endpoint = annotating.url + "__sitegen/annotate/entity"
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil/index.html").write_text(f"""<!doctype html><title>evil</title><script>
      const body = JSON.stringify({{name: "Pwned", type: "person", alias: "", id: ""}});
      window.results = Promise.allSettled([
        fetch("{endpoint}", {{method: "POST", mode: "no-cors", body,
                              headers: {{"Content-Type": "text/plain"}}}}),
        fetch("{endpoint}", {{method: "POST", body,
                              headers: {{"Content-Type": "application/json",
                                         "X-Sitegen-Token": "guessed"}}}}),
      ]).then((all) => all.map((r) => r.status));
    </script>""", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(tmp_path / "evil"))
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
        outcomes = page.evaluate("window.results")
        assert outcomes[1] == "rejected"  # the preflight is not answered
    finally:
        evil.shutdown()
        evil.server_close()
    after = {p: p.read_bytes() for p in sorted((site / "content").rglob("*")) if p.is_file()}
    assert after == before


def test_the_form_is_accessible_and_usable_from_the_keyboard(
        page: Page, annotating: Preview) -> None:
    from axe_playwright_python.sync_playwright import Axe

    from tests.quality.test_quality import AXE_TAGS

    page.goto(annotating.url + f"articles/{BUDGET}/")
    _select(page, 2, "The four councillors who voted against it")
    page.keyboard.press("Alt+Shift+A")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="New claim")
    expect(dialog.get_by_label("Claim (as reviewed)")).to_be_focused()
    report = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = report.response["violations"]
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]][:5])
                              for v in violations]
    page.keyboard.press("Escape")  # a modal dialog closes with Escape, nothing written
    expect(dialog).to_have_count(0)


def test_every_paragraph_of_the_demo_article_can_be_annotated(page: Page, tmp_path: Path) -> None:
    # real content: German typographic quotes, links, entity links, several notes
    from tests.conftest import REPO

    site = tmp_path / "demo"
    for name in ("site.yaml", "content", "seeds", "templates"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, site / name)
        elif source.is_file():
            site.mkdir(exist_ok=True)
            shutil.copy(source, site / name)
    running = Preview(ServeOptions(src=site, port=0, search=False, annotate=True),
                      log=lambda line: None)
    running.start()
    try:
        slug = next((site / "content/articles").glob("*.md")).stem
        page.goto(running.url + f"articles/{slug}/")
        blocks = page.evaluate(
            "JSON.parse(document.getElementById('sitegen-annotate').textContent).blocks.length")
        assert blocks > 10
        assert page.evaluate("window.sitegenAnnotate.paragraphs") == blocks
    finally:
        running.stop()


def test_an_alias_from_a_selected_name(page: Page, annotating: Preview) -> None:
    site = annotating.options.src
    dialog = _open_form(page, annotating.url + f"articles/{HARBOUR}/", 1, "the town",
                        "Add alias")
    dialog.get_by_label("Entity (id)").fill("port-ellery")
    expect(dialog.get_by_label("Alias")).to_have_value("the town")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("status")).to_contain_text("port-ellery.yaml")
    entity = yaml.safe_load((site / "content/entities/port-ellery.yaml").read_text())
    assert entity["aliases"][-1] == "the town"
    # after the rebuild the selected words link to the entity
    page.reload()
    expect(page.locator('a.entity-link[href$="entities/port-ellery/"]',
                        has_text="the town").first).to_be_visible(timeout=20_000)
