"""The site `sitegen new site` writes passes the same gates as the demo: it
builds with --strict and no warning, every page is valid HTML (Nu HTML
Checker), and no page has an axe-core WCAG 2.1 A/AA violation, light or dark."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from sitegen.build import BuildOptions, build
from sitegen.new import new_site
from tests.browser.conftest import page, serve_folder  # noqa: F401  (shared fixture)
from tests.conftest import html_pages
from tests.quality.test_quality import AXE_TAGS, VNU_JAR

PAGES = {
    "home": "",
    "article": "articles/bridge-reopens-in-march/",
    "claim": "claims/bridge-repairs-under-budget/",
    "entity": "entities/dana-okafor/",
    "page": "about/",
    "search": "search/?q=bridge",
}


@pytest.fixture(scope="module")
def new_site_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    root = tmp_path_factory.mktemp("new") / "mysite"
    new_site(root)
    host = tmp_path_factory.mktemp("host")
    httpd, origin = serve_folder(host)
    result = build(BuildOptions(src=root, out=host / "site", base_url=f"{origin}/site/",
                                strict=True, cache=False))
    assert result.diagnostics == [] and result.notes == []
    yield host / "site", f"{origin}/site/"
    httpd.shutdown()
    httpd.server_close()


def test_new_site_pages_are_valid_html(new_site_served: tuple[Path, str]) -> None:
    out, _ = new_site_served
    java = shutil.which("java")
    assert VNU_JAR.is_file() and java, "run `make test`: it installs Java and the Nu checker"
    pages = [str(p) for p in html_pages(out)]
    assert len(pages) >= 10
    done = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "text",
                           *pages], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_new_site_has_no_wcag_violations(page: Page, new_site_served: tuple[Path, str],  # noqa: F811
                                         name: str, scheme: str) -> None:
    _, url = new_site_served
    page.emulate_media(color_scheme=scheme)
    page.goto(url + PAGES[name])
    if name == "search":
        expect(page.locator(".search-results .result").first).to_be_visible()
    report = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = report.response["violations"]
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]][:5])
                              for v in violations]
