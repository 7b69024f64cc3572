"""Shared fixtures: the demo site built once per test session, and helpers to
read what was built."""

from __future__ import annotations

import gzip
import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser

from bench._common import chromium
from sitegen.build import BuildOptions, build

REPO = Path(__file__).resolve().parent.parent
MINI = REPO / "tests" / "fixtures" / "mini"


@pytest.fixture(autouse=True, scope="session")
def private_cache_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The key that signs load caches (content/cache.py) lives in a temporary
    XDG_CACHE_HOME during tests, not in the user's ~/.cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (one for the whole session)."""
    with chromium(on_missing=pytest.fail) as launched:
        yield launched


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repo's demo archive, built into a temporary folder."""
    out = tmp_path_factory.mktemp("demo") / "public"
    build(BuildOptions(src=REPO, out=out, cache=False))
    return out


@pytest.fixture()
def site_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo site's sources, for tests that edit content."""
    dest = tmp_path / "site"
    dest.mkdir()
    for name in ("site.yaml",):
        shutil.copy2(REPO / name, dest / name)
    for name in ("content", "seeds", "templates"):
        shutil.copytree(REPO / name, dest / name)
    return dest


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def html_pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def search_view(out: Path) -> dict[str, dict[str, dict]]:
    """What a reader can find: per language, URL → the page as Pagefind indexed
    it (its fragment: text, filters, meta), over the bundles the search page
    loads (its main bundles and recent.json's recent ones), without the
    tombstones. A page indexed twice fails the test."""
    folder = out / "pagefind"
    recent = json.loads((folder / "recent.json").read_text(encoding="utf-8"))
    page = (out / "search" / "index.html").read_text(encoding="utf-8")
    listed = re.search(r'data-bundles="([^"]*)"', page)
    assert listed
    loaded = [*json.loads(html.unescape(listed.group(1))), *recent["recent"]]
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == sorted(n for n, _ in loaded)
    view: dict[str, dict[str, dict]] = {}
    for name, lang in loaded:
        stale = recent["stale"].get(name, {})
        ids = set()
        for fragment in sorted((folder / name / "fragment").glob("*.pf_fragment")):
            ids.add(fragment.name.removesuffix(".pf_fragment"))
            if fragment.name.removesuffix(".pf_fragment") in stale:
                continue
            data = json.loads(gzip.decompress(fragment.read_bytes())[len(b"pagefind_dcd"):])
            assert data["url"] not in view.setdefault(lang, {}), f"{data['url']} found twice"
            view[lang][data["url"]] = data
        assert set(stale) <= ids, f"{name}: tombstones of pages it does not index"
    return view


def site_files(out: Path) -> dict[str, bytes]:
    """Every file of a built site but its search index (path → bytes)."""
    return {k: v for k, v in output_tree(out).items() if not k.startswith("pagefind/")}


def output_tree(out: Path) -> dict[str, bytes]:
    """Every file of a built site (path → bytes), its search index included."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file()}
