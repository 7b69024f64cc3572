"""Incremental search: what a rebuild indexes, so the site is searchable again
within a second of an edit.

Pagefind cannot update an index in place (its issue #71), so each language
has, beside its main bundles (site/search.py), one small *recent* bundle
("en-recent") holding the pages changed or added since their main bundle was
indexed. The main bundles keep indexing the old versions; those pages (and
pages deleted since) are *tombstones*: their Pagefind ids, with the filter
values they were counted under, are listed in `pagefind/recent.json`, and the
search page drops them from the main bundles' results and facet counts. A
reader never sees a stale or removed page, and no page is counted twice.

When a language's recent pages and tombstones together exceed
`limit` pages (site.yaml `search.recent_pages`, default 200), main bundles
holding them are indexed again whole (the *merge*), those holding most of
them first, until at most half the limit stays apart (all of them, when the
language has one bundle): a recent bundle stays small, so indexing it costs
tenths of a second, and queries stay fast. An empty recent bundle is not
written or loaded.

Result order: within a bundle Pagefind ranks by its BM25-like score, whose
term weights depend on the bundle's pages; a small recent bundle's scores
are not comparable with a large main bundle's. Results of all bundles are
merged by score as they are, so before a merge a recently changed page may
rank higher or lower than a clean index would place it; the set of results
and the facet counts are exact, and after the merge the order is a clean
index's.

The state (`SearchState`) is kept in the build state for `build`, and in
memory for `serve`; the main bundles' page ids are read from Pagefind's
fragment files (`PageIds`) and cached beside the build state.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.content.config import RECENT_PAGES
from sitegen.site.output import Stager
from sitegen.site.search import SEARCH_DIR, SearchError, SearchStats, bundle_language, index_site

RECENT_FILE = "recent.json"  # in the search folder
_SIGNATURE = b"pagefind_dcd"


def pages_key(paths: Iterable[str]) -> str:
    """The key of a bundle's set of pages."""
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(f"{path}\0".encode())
    return h.hexdigest()


def recent_bundle(language: str) -> str:
    """The recent bundle of a language."""
    return f"{language}-recent"


def page_url(path: str) -> str:
    """The URL Pagefind gives an output file (as its fragment records it)."""
    if path == "index.html":
        return "/"
    if path.endswith("/index.html"):
        return "/" + path[: -len("index.html")]
    return "/" + path


@dataclass(frozen=True)
class Tombstone:
    """A page a main bundle indexes that the search page must hide."""

    id: str  # Pagefind's id of the page in that bundle ("" if it has none)
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class MainBundle:
    """What one main bundle's index holds, and which of its pages are newer."""

    key: str  # pages_key of the pages its index holds
    recent: frozenset[str] = frozenset()  # pages of the bundle served by the recent bundle
    stale: Mapping[str, Tombstone] = field(default_factory=dict)  # indexed pages to hide

    def added(self) -> frozenset[str]:
        """Recent pages its index does not hold (added since it was indexed)."""
        return frozenset(self.recent - self.stale.keys())


@dataclass(frozen=True)
class SearchState:
    """The search index of an output folder: main bundle → what it holds."""

    main: Mapping[str, MainBundle] = field(default_factory=dict)

    def recent_pages(self, language: str) -> list[str]:
        return sorted(page for name, bundle in self.main.items()
                      if bundle_language(name) == language for page in bundle.recent)

    def languages(self) -> set[str]:
        return {bundle_language(name) for name, bundle in self.main.items() if bundle.recent}

    def recent_json(self) -> bytes:
        """pagefind/recent.json: the recent bundles to load with the main ones, and
        each main bundle's tombstones (id → filter values)."""
        recent = [[recent_bundle(lang), lang] for lang in sorted(self.languages())]
        stale = {name: {t.id: {k: list(v) for k, v in sorted(t.filters.items())}
                        for _, t in sorted(bundle.stale.items()) if t.id}
                 for name, bundle in sorted(self.main.items()) if bundle.stale}
        return (json.dumps({"version": 1, "recent": recent, "stale": stale},
                           ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                + "\n").encode()


@dataclass(frozen=True)
class SearchUpdate:
    """What a rebuild indexes: main bundles whole, and the recent bundles."""

    state: SearchState  # the index once done
    merge: list[str]  # main bundles indexed again whole
    recent: dict[str, list[str]]  # recent bundle → its pages, for those indexed again
    removed: list[str]  # bundles whose folders go (recent bundles emptied, main ones gone)

    def layout(self, main: Mapping[str, Collection[str]]) -> dict[str, list[str]]:
        """Bundle → pages, of the bundles to index (`main`: the main bundles now)."""
        return {**{name: list(main[name]) for name in self.merge}, **self.recent}

    @property
    def indexed(self) -> list[str]:
        return sorted([*self.merge, *self.recent])


class PageIds:
    """Pagefind's id of each page of a bundle, read from its fragment files (the
    search results carry only ids). Cached by the name of the bundle's metadata
    file, which changes whenever its index does; in memory, and in `folder`."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._known: dict[tuple[str, str], dict[str, str]] = {}

    def of(self, bundle_dir: Path, name: str) -> dict[str, str]:
        """URL → id, of the bundle in `bundle_dir` (empty if it has no index)."""
        meta = _meta_name(bundle_dir)
        if meta is None:
            return {}
        if (name, meta) in self._known:
            return self._known[(name, meta)]
        ids = self._load(name, meta)
        if ids is None:
            ids = _scan(bundle_dir)
            self._save(name, meta, ids)
        self._known = {key: value for key, value in self._known.items() if key[0] != name}
        self._known[(name, meta)] = ids
        return ids

    def _load(self, name: str, meta: str) -> dict[str, str] | None:
        if self.folder is None:
            return None
        try:
            data = json.loads((self.folder / f"{name}.json").read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("meta") != meta:
            return None
        ids = data.get("ids")
        return ids if isinstance(ids, dict) else None

    def _save(self, name: str, meta: str, ids: dict[str, str]) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{name}.json.{os.getpid()}"
        temporary.write_text(json.dumps({"meta": meta, "ids": ids}), encoding="utf-8")
        os.replace(temporary, self.folder / f"{name}.json")


def _meta_name(bundle_dir: Path) -> str | None:
    try:
        names = os.listdir(bundle_dir)
    except OSError:
        return None
    metas = sorted(name for name in names if name.endswith(".pf_meta"))
    return metas[0] if metas else None


def _scan(bundle_dir: Path) -> dict[str, str]:
    """URL → id of every page of an index: each fragment file is named by the
    page's id and starts with its URL, so only its first bytes are unpacked."""
    folder = bundle_dir / "fragment"
    ids = {}
    try:
        names = os.listdir(folder)
    except OSError:
        return {}
    for name in names:
        if not name.endswith(".pf_fragment"):
            continue
        with open(folder / name, "rb") as stream:
            head = zlib.decompressobj(31).decompress(stream.read(4096), 1024)
        url = _fragment_url(head)
        if url is not None:
            ids[url] = name[: -len(".pf_fragment")]
    return ids


def _fragment_url(head: bytes) -> str | None:
    if not head.startswith(_SIGNATURE):
        return None
    _, found, rest = head.partition(b'"url":')
    if not found:
        return None
    try:
        url, _ = json.JSONDecoder().raw_decode(rest.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    return url if isinstance(url, str) else None


def fragment_filters(bundle_dir: Path, page_id: str) -> dict[str, tuple[str, ...]]:
    """The filter values Pagefind counts a page of a bundle under."""
    try:
        with open(bundle_dir / "fragment" / f"{page_id}.pf_fragment", "rb") as stream:
            data = zlib.decompress(stream.read(), 31)
        fragment = json.loads(data[len(_SIGNATURE):])
    except (OSError, ValueError, zlib.error):
        return {}
    filters = fragment.get("filters") if isinstance(fragment, dict) else None
    if not isinstance(filters, dict):
        return {}
    return {str(key): tuple(str(v) for v in values) for key, values in filters.items()
            if isinstance(values, list)}


def plan_update(before: SearchState | None, main: Mapping[str, Collection[str]],
                changed: Collection[str], search_dir: Path, ids: PageIds,
                limit: int = RECENT_PAGES, *,
                bundle_of: Mapping[str, str] | None = None) -> SearchUpdate:
    """What to index after a rebuild that wrote `changed` pages with new bytes.

    `before`: the index in `search_dir` (None: there is none to build on, so
    every bundle is indexed whole). `main`: the main bundles now, bundle →
    pages (read only for the bundles indexed whole). With `bundle_of` (page →
    bundle) the rebuild kept every bundle's set of pages (an in-place edit):
    only the changed pages are looked at. Tombstones are looked up in the
    current index (`search_dir`)."""
    before = before or SearchState()
    names = set(before.main) if bundle_of is not None else set(main)
    merge: set[str] = set()
    state: dict[str, MainBundle] = {}
    for name in sorted(names):
        old = before.main.get(name)
        if old is None or not (search_dir / name).is_dir():
            merge.add(name)
        elif bundle_of is not None:
            mine = {page for page in changed if bundle_of.get(page) == name}
            state[name] = _edited(old, mine, search_dir / name, ids, name)
        elif (held := _held(old, main[name], search_dir / name, ids, name)) is None:
            merge.add(name)  # the index is not what the state says: start over
        else:
            state[name] = _rebuilt(old, set(main[name]), held, changed,
                                   search_dir / name, ids, name)
    by_language: dict[str, list[str]] = {}
    for name in names:
        by_language.setdefault(bundle_language(name), []).append(name)
    for members in by_language.values():
        merge.update(_to_merge({name: {*state[name].recent, *state[name].stale}
                                for name in members if name in state}, limit))
    for name in merge:
        state[name] = MainBundle(pages_key(main[name]))
    result = SearchState(dict(sorted(state.items())))
    recent: dict[str, list[str]] = {}
    for lang in sorted(result.languages()):
        pages = result.recent_pages(lang)
        if (pages != before.recent_pages(lang) or any(page in changed for page in pages)
                or not (search_dir / recent_bundle(lang)).is_dir()):
            recent[recent_bundle(lang)] = pages
    removed = [recent_bundle(lang) for lang in sorted(before.languages() - result.languages())]
    removed += sorted(set(before.main) - names)
    return SearchUpdate(result, sorted(merge), recent, removed)


def _to_merge(pending: Mapping[str, set[str]], limit: int) -> list[str]:
    """The main bundles of one language to index again whole, given each one's
    pages kept apart (recent or tombstoned): none while they are at most `limit`
    together; past it, the bundles with most of them first, until at most half
    the limit stays apart (so the next edits do not merge again at once)."""
    apart = set().union(*pending.values()) if pending else set()
    if len(apart) <= limit:
        return []
    chosen = []
    for name in sorted(pending, key=lambda name: (-len(pending[name]), name)):
        if len(apart) <= limit // 2:
            break
        if pending[name]:
            chosen.append(name)
            apart -= pending[name]
    return chosen


def _held(old: MainBundle, now: Collection[str], bundle_dir: Path, ids: PageIds,
          name: str) -> Collection[str] | None:
    """The pages a main bundle's index holds (None if not those the state says)."""
    if pages_key(now) == old.key:
        return now
    held = {_path_of(url) for url in ids.of(bundle_dir, name)}
    return held if pages_key(held) == old.key else None


def _path_of(url: str) -> str:
    path = url.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def _edited(old: MainBundle, changed: set[str], bundle_dir: Path, ids: PageIds,
            name: str) -> MainBundle:
    """An in-place edit: the bundle's pages are the same, `changed` got new bytes."""
    if not changed:
        return old
    added = old.added()
    hide = {page for page in changed if page not in added and page not in old.stale}
    return MainBundle(old.key, old.recent | changed,
                      {**old.stale, **_tombstones(hide, bundle_dir, ids, name)})


def _rebuilt(old: MainBundle, now: set[str], held: Collection[str], changed: Collection[str],
             bundle_dir: Path, ids: PageIds, name: str) -> MainBundle:
    """A rebuild that may have added and removed pages: `now` the bundle's pages,
    `held` those its index holds."""
    held_set = held if isinstance(held, set) else set(held)
    gone = held_set - now
    touched = {page for page in changed if page in now}
    hide = {page for page in (gone | (touched & held_set)) if page not in old.stale}
    recent = (old.recent | (now - held_set) | touched) & now
    if not hide and recent == old.recent:
        return old
    return MainBundle(old.key, frozenset(recent),
                      {**old.stale, **_tombstones(hide, bundle_dir, ids, name)})


def _tombstones(pages: Collection[str], bundle_dir: Path, ids: PageIds,
                name: str) -> dict[str, Tombstone]:
    if not pages:
        return {}
    known = ids.of(bundle_dir, name)
    found = {}
    for page in pages:
        page_id = known.get(page_url(page), "")
        found[page] = Tombstone(page_id, fragment_filters(bundle_dir, page_id) if page_id else {})
    return found


def stage_search(stager: Stager, update: SearchUpdate, main: Mapping[str, Collection[str]],
                 ids: PageIds) -> SearchStats | None:
    """Put the index `update` describes into a build's staging: the bundles it
    indexes (as fresh folders that replace the old ones whole), the others
    carried over, the emptied ones removed, and recent.json."""
    kept = [*update.state.main, *map(recent_bundle, update.state.languages())]
    for name in kept:
        folder = f"{SEARCH_DIR}/{name}"
        if name in update.merge or name in update.recent:
            stager.replace_tree(folder)
        elif not stager.keep_tree(folder):
            raise SearchError(f"the search bundle '{name}' is missing from the output")
    for name in update.removed:
        stager.remove_tree(f"{SEARCH_DIR}/{name}")
    stager.add(f"{SEARCH_DIR}/{RECENT_FILE}", update.state.recent_json())
    layout = update.layout(main)
    if not layout:
        return None

    def indexed(name: str) -> None:
        """The ids of a main bundle just made, for the tombstones of later edits
        (read while the other bundles are indexed)."""
        if name in update.merge:
            ids.of(stager.staging / SEARCH_DIR / name, name)

    return index_site(stager.roots, layout, stager.staging / SEARCH_DIR, indexed)
