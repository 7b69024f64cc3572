"""How pages are split into Pagefind bundles (languages, years, parts)."""

from __future__ import annotations

from sitegen.site.search import bundle_language, bundles


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
