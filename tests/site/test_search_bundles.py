"""How pages are split into Pagefind bundles (languages, years, parts)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from sitegen.content import config
from sitegen.site.search import SearchError, bundle_language, bundles, run_pagefind
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


def _page(folder: Path, name: str, words: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f'<html lang="en"><body><main data-pagefind-body><p>{words}</p>'
                               "</main></body></html>", encoding="utf-8")


def test_each_bundle_is_reported_complete_as_its_run_ends(tmp_path: Path) -> None:
    """run_pagefind calls back once per bundle, each time with that bundle's
    index complete on disk (its ids are read then, while others are indexed)."""
    for number in range(5):
        _page(tmp_path / "trees" / f"b{number}", "index.html", f"word{number} " * (number + 1))
    seen: dict[str, list[str]] = {}

    def indexed(bundle: str) -> None:
        seen[bundle] = sorted(name for name in os.listdir(tmp_path / "out" / bundle)
                              if name.endswith((".pf_meta", ".js")))

    stats = run_pagefind(tmp_path / "trees", {f"b{n}": 1 for n in range(5)}, tmp_path / "out",
                         indexed)
    assert sorted(seen) == [f"b{n}" for n in range(5)]
    for files in seen.values():  # its metadata written, Pagefind's unused UIs gone
        assert any(name.endswith(".pf_meta") for name in files)
        assert "pagefind.js" in files and "pagefind-ui.js" not in files
    assert stats.pages == {f"b{n}": 1 for n in range(5)}


def test_a_failed_run_names_its_bundle_and_says_what_pagefind_said(tmp_path: Path) -> None:
    """A bundle Pagefind cannot index (here: no HTML in its tree) fails the build
    with Pagefind's own message, and no run is left behind."""
    _page(tmp_path / "trees" / "good", "index.html", "some words")
    (tmp_path / "trees" / "empty").mkdir()
    with pytest.raises(SearchError) as failed:
        run_pagefind(tmp_path / "trees", {"good": 1, "empty": 1}, tmp_path / "out")
    assert "'empty'" in str(failed.value)
    assert "not able to build an index" in str(failed.value)
    children = [child for task in Path("/proc/self/task").iterdir()
                for child in (task / "children").read_text().split()]
    assert not [child for child in children
                if Path(f"/proc/{child}/comm").read_text().strip() == "pagefind"]
