"""Quality gates on the demo site: valid HTML (Nu HTML Checker), no axe-core
WCAG 2.1 A/AA violation in light and dark schemes, keyboard-operable notes,
no layout shift, redirect pages for earlier URLs, and the reader's budget."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from sitegen.build import BuildOptions, build
from tests.conftest import REPO, html_pages, soup

SLUG = "ki-ceo-behauptet-das-chinesische-deepseek-labor-verfuege-ueber-50-000-nvidia"
VNU_JAR = Path(os.environ.get(
    "VNU_JAR", REPO / ".venv/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = {
    "home": "",
    "article": f"articles/{SLUG}/",
    "claim": "claims/deepseek-50000-h100/",
    "entity": "entities/deepseek/",
    "claims list": "claims/",
    "search": "search/?q=DeepSeek",
}


def test_every_page_is_valid_html(demo_site: Path) -> None:
    if not VNU_JAR.is_file():
        pytest.fail(f"the Nu HTML Checker is missing at {VNU_JAR}: run `make test`, "
                    "which installs the vnu-jar package with npm")
    java = shutil.which("java")
    assert java, "Java is needed for the Nu HTML Checker"
    pages = [str(p) for p in html_pages(demo_site)]
    assert len(pages) > 50
    done = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "text",
                           *pages], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_wcag_violations(page: Page, site_url: str, name: str, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)
    page.goto(site_url + PAGES[name])
    if name == "search":
        expect(page.locator(".search-results .result").first).to_be_visible()
    if name == "article":  # with a note open, as a reader would have it
        page.locator(".note-toggle").first.click()
    report = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = report.response["violations"]
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]][:5])
                              for v in violations]


def test_notes_open_and_close_with_the_keyboard(page: Page, site_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(site_url + f"articles/{SLUG}/")
    note = page.locator("#note-deepseek-50000-h100")
    body = note.locator(".note-body")
    toggle = note.locator(".note-toggle")
    expect(body).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(body).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    body.locator("a").first.focus()
    page.keyboard.press("Escape")
    expect(body).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    # following a claim's number in the text opens its note
    page.locator("#ref-deepseek-50000-h100").click()
    expect(body).to_be_visible()


LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 500);
})"""


@pytest.mark.parametrize("width", [390, 1440])
def test_no_layout_shift_on_load_or_when_notes_open(page: Page, site_url: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site_url + f"articles/{SLUG}/")
    assert page.evaluate(LAYOUT_SHIFT) == 0
    page.locator(".note-toggle").nth(2).click()
    assert page.evaluate(LAYOUT_SHIFT) == 0  # shifts right after a click are the reader's own


def test_budget_of_an_article_page(demo_site: Path) -> None:
    """The article page with its CSS and JS, as a host sends it (gzip), under 100 KB."""
    page = demo_site / "articles" / SLUG / "index.html"
    assets = [page]
    for tag in soup(page).find_all(["link", "script"]):
        ref = tag.get("href") if tag.name == "link" else tag.get("src")
        if ref and (tag.name == "script" or "stylesheet" in tag.get("rel", [])):
            assets.append((page.parent / ref).resolve())
    raw = sum(p.stat().st_size for p in assets)
    compressed = sum(len(gzip.compress(p.read_bytes(), 9)) for p in assets)
    print(f"article page budget: {raw} bytes, {compressed} gzipped ({len(assets)} files)")
    assert compressed < 100_000
    assert {p.name for p in assets} >= {"index.html", "style.css", "notes.js"}


def test_aliases_redirect_with_canonical_links(site_copy: Path, tmp_path: Path) -> None:
    claims = site_copy / "content" / "claims" / f"{SLUG}.yaml"
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace("  - id: deepseek-50000-h100\n",
                                   "  - id: deepseek-50000-h100\n    aliases: [wang-h100-claim]\n"),
                      encoding="utf-8")
    out = tmp_path / "out"
    build(BuildOptions(src=site_copy, out=out, search=False))
    moved = soup(out / "claims" / "wang-h100-claim" / "index.html")
    assert moved.find("meta", attrs={"http-equiv": "refresh"})["content"] == (
        "0; url=../../claims/deepseek-50000-h100/")
    assert moved.find("link", rel="canonical")["href"].endswith("/claims/deepseek-50000-h100/")
    sitemap = (out / "sitemap.xml").read_text()
    assert "wang-h100-claim" not in sitemap  # listed nowhere else
    assert "wang-h100-claim" not in (out / "claims" / "index.html").read_text()
