"""How pages are split into Pagefind bundles (languages, years, parts)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from sitegen.content import config
from sitegen.site.search import bundle_language, bundles
from tests.conftest import soup


def pages(lang: str, year: str, count: int) -> list[tuple[str, str, str]]:
    return [(f"{lang}/{year}/{n}.html", lang, year) for n in range(count)]


def test_small_languages_get_one_bundle_each() -> None:
    found = bundles(pages("de", "2020", 4) + pages("en-GB", "2021", 2), shard_pages=10)
    assert {name: len(paths) for name, paths in found.items()} == {"de": 4, "en": 2}


def test_a_large_language_is_split_by_year_and_a_large_year_into_even_parts() -> None:
    site = pages("en", "2019", 25) + pages("en", "2020", 7) + pages("en", "", 3) + pages(
        "de", "2019", 5)
    found = bundles(site, shard_pages=10)
    assert {name: len(paths) for name, paths in found.items()} == {
        "de": 5, "en-2019-1": 8, "en-2019-2": 8, "en-2019-3": 9, "en-2020": 7, "en-undated": 3}
    assert sorted(p for paths in found.values() for p in paths) == sorted(p for p, _, _ in site)
    assert {bundle_language(name) for name in found} == {"de", "en"}
    assert bundles(list(reversed(site)), shard_pages=10).keys() == found.keys()


def test_site_yaml_sets_the_shard_size_of_the_index(
        site_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """search.shard_pages: a language with more searchable pages is indexed per
    year, and the search page queries those bundles (the demo site is small, so
    the floor a site.yaml may set is lowered here)."""
    monkeypatch.setattr(config, "MIN_SHARD_PAGES", 1)
    yaml = site_copy / "site.yaml"
    out = tmp_path / "out"
    result = build(BuildOptions(src=site_copy, out=out))
    assert result.search is not None
    whole = set(result.search.pages)
    yaml.write_text(yaml.read_text(encoding="utf-8") + "search:\n  shard_pages: 3\n",
                    encoding="utf-8")
    result = build(BuildOptions(src=site_copy, out=out))
    assert result.search is not None
    sharded = set(result.search.pages)
    assert len(sharded) > len(whole)
    assert any(re.fullmatch(r"[a-z]+-(\d{4}|undated)(-\d+)?", name) for name in sharded)
    listed = json.loads(soup(out / "search" / "index.html").select_one("#search")["data-bundles"])
    on_disk = {name for name in os.listdir(out / "pagefind") if (out / "pagefind" / name).is_dir()}
    assert sharded <= {name for name, _ in listed} == on_disk
