"""The Pagefind search index: one bundle per language, built by the Pagefind CLI.

Why one bundle per language: Pagefind keeps one index per `<html lang>`, and a
page searches only the index of its own language; an index added with
`mergeIndex` is searched with the primary language's stemmer (Pagefind
discussion #984), so German words would be stemmed as English. Instead each
language gets its own bundle (`pagefind/de/`, `pagefind/en/`), whose
pagefind.js loads that language's WebAssembly whatever the page's language;
the search page queries all bundles side by side and merges the results.

Why the CLI over the staged output, not the Python API: pagefind 1.5.2's
`PagefindIndex` answers about 10 requests a second (its response loop sleeps
0.1 s before each read): 1,396 pages took 145 s through the API, 5 s with
`pagefind --site` (shared/research/perf-baseline.md and the search issue).
The pages are already rendered into the staging folder before the atomic
swap, so the CLI reads them there: each bundle's pages are linked into a
scratch tree of their own (on the memory file system when there is one) and
the CLI runs go in parallel, one per core, as far as memory allows.
The index is written into the staging folder and swapped in with the rest of
the site. Pinned to pagefind 1.5.x (pyproject.toml), whose output the browser
tests exercise.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from sitegen import progress
from sitegen.memory import available_bytes, rss_bytes, usable_cpus
from sitegen.site.index_order import IndexFormatError, settle_bundle
from sitegen.workers import owner_gone

SEARCH_DIR = "pagefind"
# Pagefind's own UIs, which sitegen's search page does not use.
_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js",
           "pagefind-component-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
           "pagefind-highlight.js", "wasm.unknown.pagefind")


class SearchError(Exception):
    """The Pagefind binary failed."""


@dataclass(frozen=True)
class SearchStats:
    pages: dict[str, int]  # bundle (language, or language-year) → indexed pages
    bytes: int
    seconds: float

    def summary(self) -> str:
        langs = ", ".join(f"{bundle} {n}" for bundle, n in sorted(self.pages.items()))
        return (f"search: {sum(self.pages.values())} pages indexed ({langs}), "
                f"{self.bytes / 1024:.0f} KiB, {self.seconds:.2f} s")


def pagefind_binary() -> str:
    from pagefind_bin import get_executable

    return str(get_executable())


SHARD_PAGES = 20_000  # above this many pages, a language's index is split by year

SearchPage = tuple[str, str, str]  # output path, language, year ("" when undated)


def bundles(pages: Iterable[SearchPage], shard_pages: int | None = None) -> dict[str, list[str]]:
    """Bundle name → the pages it indexes. One bundle per language ("de"); a
    language with more than `shard_pages` pages gets one bundle per year
    ("en-2019", "en-undated"), and a year still above the limit is cut into
    numbered parts of at most `shard_pages` ("en-2019-1", "en-2019-2"), because
    Pagefind's indexer needs about 3.7 GB for 14,000 pages and struggles past
    30,000. The search page queries every bundle side by side, so results and
    filters stay whole."""
    limit = SHARD_PAGES if shard_pages is None else shard_pages
    by_lang: dict[str, list[tuple[str, str]]] = {}
    for path, lang, year in pages:
        by_lang.setdefault(_bundle_name(lang), []).append((path, year))
    result: dict[str, list[str]] = {}
    for lang, items in sorted(by_lang.items()):
        if len(items) <= limit:
            result[lang] = [path for path, _ in items]
            continue
        by_year: dict[str, list[str]] = {}
        for path, year in items:
            by_year.setdefault(f"{lang}-{year or 'undated'}", []).append(path)
        for name, paths in by_year.items():
            if len(paths) <= limit:
                result[name] = paths
                continue
            parts = -(-len(paths) // limit)  # as few parts as fit, of even size
            for part in range(parts):
                start, end = part * len(paths) // parts, (part + 1) * len(paths) // parts
                result[f"{name}-{part + 1}"] = paths[start:end]
    return dict(sorted(result.items()))


def bundle_language(bundle: str) -> str:
    return bundle.split("-")[0]


Layout = Mapping[str, Sequence[str]]  # bundle name → the output paths of its pages


def index_site(site: Path | Sequence[Path], layout: Layout, output: Path | None = None,
               indexed: Callable[[str], None] | None = None) -> SearchStats:
    """Index the bundles of `layout` (bundles() gives one) into `output`
    (default site/pagefind/), calling `indexed(bundle)` as each is complete.
    `site` may be several folders: each page is taken from the first that has
    it (a patching build: the staged pages, then the output's). The folders
    must not change until it returns."""
    started = time.perf_counter()
    roots = [site] if isinstance(site, Path) else list(site)
    first = roots[0]
    memory = _memory_scratch()
    beside = first.parent / f".{first.name}.search-{os.getpid()}-{threading.get_ident()}"
    made = [beside]  # where trees may be: removed at the end, whatever happened

    def tree(bundle: str) -> Path:
        """The bundle's tree of links, made while the runs before its own go on: on
        the memory file system, or beside the site when that is full or has no
        symbolic links (the trees of the bundles being indexed use it meanwhile)."""
        nonlocal memory
        if memory is not None:
            try:
                stage_pages(roots, {bundle: layout[bundle]}, memory, symbolic=True)
                return memory / bundle
            except OSError:
                shutil.rmtree(memory / bundle, ignore_errors=True)
                made.append(memory)  # the runs under way still read it
                memory = None
        stage_pages(roots, {bundle: layout[bundle]}, beside)
        return beside / bundle

    try:
        stats = run_pagefind(tree, {bundle: len(paths) for bundle, paths in layout.items()},
                             output or first / SEARCH_DIR, indexed)
    finally:
        for folder in (*made, memory):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
    # all of it: the pages linked into their bundles' trees, Pagefind, the cleanup
    return replace(stats, seconds=time.perf_counter() - started)


# A memory file system for the bundles' trees of links: on a disk, making and
# removing a folder and a link per page took 1.7 to 4.5 s at 2,000 articles
# (13,438 pages), on this one 0.8 s.
MEMORY_FS = Path("/dev/shm")
_SCRATCH_PREFIX = "sitegen-search-"


def _memory_scratch() -> Path | None:
    """A new private folder on the memory file system (None without one); the
    folders of processes that were killed before removing theirs go first."""
    if not MEMORY_FS.is_dir() or not os.access(MEMORY_FS, os.W_OK | os.X_OK):
        return None
    with contextlib.suppress(OSError):
        for leftover in MEMORY_FS.glob(f"{_SCRATCH_PREFIX}*-*"):
            info = leftover.stat()
            # a day old too: a process of another PID namespace may share the folder
            if (owner_gone(leftover.name, _SCRATCH_PREFIX) and info.st_uid == os.getuid()
                    and time.time() - info.st_mtime > 86_400):
                shutil.rmtree(leftover, ignore_errors=True)
    try:
        return Path(tempfile.mkdtemp(prefix=f"{_SCRATCH_PREFIX}{os.getpid()}-", dir=MEMORY_FS))
    except OSError:
        return None


def stage_pages(site: Path | Sequence[Path], layout: Layout, scratch: Path,
                symbolic: bool = False) -> dict[str, int]:
    """Link each bundle's pages into scratch/<bundle>/; return pages per bundle.

    Hard links (the default) keep the staged bytes even if the site is rewritten
    meanwhile (files there are replaced, never modified in place); `symbolic`
    links, which may cross file systems, point to the site's files as they are
    when Pagefind reads them (through scratch/r<n>, one link to each folder)."""
    # plain strings, not pathlib: this runs for every page of the site
    roots = [str(site)] if isinstance(site, Path) else [str(root) for root in site]
    if symbolic:
        for number, root in enumerate(roots):
            if not os.path.lexists(f"{scratch}/r{number}"):
                os.symlink(os.path.abspath(root), f"{scratch}/r{number}")
    counts = {}
    made: set[str] = set()
    for bundle, paths in layout.items():
        shutil.rmtree(f"{scratch}/{bundle}", ignore_errors=True)  # a killed run's
        for path in paths:
            target = f"{scratch}/{bundle}/{path}"
            parent = target.rpartition("/")[0]
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            if symbolic:  # relative: short enough to be kept in the link's inode
                number = next((n for n, root in enumerate(roots[:-1])
                               if os.path.exists(f"{root}/{path}")), len(roots) - 1)
                os.symlink(f"{'../' * (path.count('/') + 1)}r{number}/{path}", target)
                continue
            for root in roots[:-1]:
                with contextlib.suppress(FileNotFoundError):
                    os.link(f"{root}/{path}", target)
                    break
            else:
                os.link(f"{roots[-1]}/{path}", target)
        counts[bundle] = len(paths)
    return counts


def run_pagefind(trees: Path | Callable[[str], Path], counts: dict[str, int],
                 output: Path, indexed: Callable[[str], None] | None = None) -> SearchStats:
    """Run the Pagefind CLI on each bundle's tree into output/<bundle>/, as many
    at a time as there are CPUs and as fit in memory: each run needs memory in
    proportion to its pages, and another starts only when the machine has that
    much available (one always runs).

    `trees` is the folder of the bundles' trees (stage_pages made them), or
    makes a bundle's tree when called: the next bundle's while the runs before
    it go on, so that a run starts as soon as another ends; such a tree is
    removed once its run ended. `indexed(bundle)` is called for each bundle
    when its index is complete, while the other runs go on."""
    started = time.perf_counter()
    own_trees = callable(trees)
    tree_of = trees if callable(trees) else lambda bundle: trees / bundle
    folders: dict[str, Path] = {}
    binary = pagefind_binary()
    waiting = sorted(counts, key=lambda b: -counts[b])  # biggest first
    slots = usable_cpus()
    running: list[_Run] = []
    ended: str | None = None  # the bundle whose run just ended: its tree and `indexed` to do
    progress.phase("indexing pages for search", sum(counts.values()))
    try:
        while waiting or running or ended is not None:
            while waiting and len(running) < slots and (
                    not running or _fits(counts[waiting[0]], running, counts)):
                bundle = waiting.pop(0)
                if bundle not in folders:
                    folders[bundle] = tree_of(bundle)
                running.append(_Run.start(binary, bundle, folders[bundle], output / bundle))
            if ended is not None:  # after the next run started: it does not wait for this
                if own_trees:  # kernel memory: a GiB of links at 100,000 articles
                    shutil.rmtree(folders[ended], ignore_errors=True)
                for name in _UNUSED:
                    (output / ended / name).unlink(missing_ok=True)
                _settle(output / ended)
                if indexed is not None:
                    indexed(ended)
                ended = None
            if waiting and waiting[0] not in folders:
                folders[waiting[0]] = tree_of(waiting[0])
            if running:
                run = _first_ended(running)
                try:
                    if run.process.returncode != 0:
                        raise SearchError(f"pagefind failed for '{run.bundle}': {run.message()}")
                finally:
                    run.stderr.close()
                progress.advance(counts[run.bundle])
                ended = run.bundle
    finally:
        for run in running:
            run.stop()
    size = 0
    for bundle in counts:
        for folder, _, files in os.walk(output / bundle):
            size += sum(os.stat(f"{folder}/{name}").st_size for name in files)
    return SearchStats(dict(counts), size, time.perf_counter() - started)


def _settle(bundle: Path) -> None:
    """The bundle's filters and metadata in one order: the same pages, the same bytes."""
    try:
        settle_bundle(bundle)
    except IndexFormatError as exc:
        raise SearchError(f"pagefind wrote a bundle that sitegen cannot read: {exc} "
                          "(sitegen works with pagefind 1.5; reinstall it)") from None


@dataclass
class _Run:
    """A Pagefind run of one bundle; what it says goes to a file, not a pipe,
    so that it cannot block while nobody reads."""

    bundle: str
    process: subprocess.Popen[bytes]
    stderr: IO[bytes]

    @classmethod
    def start(cls, binary: str, bundle: str, tree: Path, output: Path) -> _Run:
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed when the run has ended)
        try:
            process = subprocess.Popen(
                [binary, "--site", str(tree), "--output-path", str(output),
                 "--force-language", bundle_language(bundle), "--silent"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
        except BaseException:
            stderr.close()
            raise
        return cls(bundle, process, stderr)

    def message(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read(_MESSAGE_BYTES).decode(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.stderr.close()


_MESSAGE_BYTES = 64 * 1024
_POLL = 0.02  # seconds between looks at the runs (a run takes seconds)


def _first_ended(running: list[_Run]) -> _Run:
    """Wait for whichever run ends first and take it out of `running` (redrawing
    the progress line meanwhile)."""
    while True:
        for number, run in enumerate(running):
            if run.process.poll() is not None:
                return running.pop(number)
        progress.tick()
        time.sleep(_POLL)


# Pagefind 1.5's indexer peaks at about 3.7 GB for 14,000 pages
# (shared/research/perf-baseline.md): about 0.27 MB a page, plus its own start.
_PAGEFIND_PAGE_BYTES = 280_000
_PAGEFIND_BASE_BYTES = 200_000_000


def _pagefind_bytes(pages: int) -> int:
    return _PAGEFIND_BASE_BYTES + pages * _PAGEFIND_PAGE_BYTES


def pagefind_fits(pages: int) -> bool:
    """Whether a Pagefind run of `pages` pages fits in the memory left now."""
    return _fits(pages, [], {})


def _fits(pages: int, running: list[_Run], counts: dict[str, int]) -> bool:
    """Whether another Pagefind run of `pages` pages fits beside the running ones
    (counted at what they are expected to reach, not at what they hold yet)."""
    available = available_bytes()
    if available is None:
        return True
    growth = sum(max(0, _pagefind_bytes(counts[run.bundle]) - (rss_bytes(run.process.pid) or 0))
                 for run in running)
    return _pagefind_bytes(pages) + growth <= available * 0.7


def _bundle_name(lang: str) -> str:
    """Bundles are per primary language subtag: 'de-CH' pages go with 'de'."""
    return lang.split("-")[0].lower()
