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
swap, so the CLI reads them there: each language's pages are hard-linked into
a scratch tree and the per-language CLI runs go in parallel, one per core.
The index is written into the staging folder and swapped in with the rest of
the site. Pinned to pagefind 1.5.x (pyproject.toml), whose output the browser
tests exercise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SEARCH_DIR = "pagefind"
# Pagefind's own UIs, which sitegen's search page does not use.
_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js",
           "pagefind-component-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
           "pagefind-highlight.js", "wasm.unknown.pagefind")


class SearchError(Exception):
    """The Pagefind binary failed."""


@dataclass(frozen=True)
class SearchStats:
    pages: dict[str, int]  # language → indexed pages
    bytes: int
    seconds: float

    def summary(self) -> str:
        langs = ", ".join(f"{lang} {n}" for lang, n in sorted(self.pages.items()))
        return (f"search: {sum(self.pages.values())} pages indexed ({langs}), "
                f"{self.bytes / 1024:.0f} KiB, {self.seconds:.2f} s")


def pagefind_binary() -> str:
    from pagefind_bin import get_executable

    return str(get_executable())


def index_site(site: Path, pages: Iterable[tuple[str, str]],
               output: Path | None = None) -> SearchStats:
    """Index `pages` ((output path, language) pairs) of the site in `site` into
    one bundle per language under `output` (default site/pagefind/)."""
    scratch = site.parent / f".{site.name}.search-{os.getpid()}-{threading.get_ident()}"
    try:
        by_lang = stage_pages(site, pages, scratch)
        return run_pagefind(scratch, by_lang, output or site / SEARCH_DIR)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def stage_pages(site: Path, pages: Iterable[tuple[str, str]], scratch: Path) -> dict[str, int]:
    """Hard-link each language's pages into scratch/<lang>/; return pages per language.

    The links keep the staged bytes even if `site` is rewritten meanwhile
    (files there are replaced, never modified in place)."""
    shutil.rmtree(scratch, ignore_errors=True)
    counts: dict[str, int] = {}
    for path, lang in pages:
        bundle = _bundle_name(lang)
        target = scratch / bundle / path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(site / path, target)
        counts[bundle] = counts.get(bundle, 0) + 1
    return counts


def run_pagefind(scratch: Path, by_lang: dict[str, int], output: Path) -> SearchStats:
    """Run the Pagefind CLI on each language's tree in parallel, into output/<lang>/."""
    started = time.perf_counter()
    binary = pagefind_binary()
    running: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for lang in sorted(by_lang):
            running.append((lang, subprocess.Popen(
                [binary, "--site", str(scratch / lang), "--output-path", str(output / lang),
                 "--force-language", lang, "--silent"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
        for lang, process in running:
            _, stderr = process.communicate()
            if process.returncode != 0:
                message = stderr.decode(errors="replace")
                raise SearchError(f"pagefind failed for '{lang}': {message}")
    finally:
        for _, process in running:
            if process.poll() is None:
                process.kill()
                process.wait()
    size = 0
    for lang in by_lang:
        for name in _UNUSED:
            (output / lang / name).unlink(missing_ok=True)
        size += sum(p.stat().st_size for p in (output / lang).rglob("*") if p.is_file())
    return SearchStats(dict(by_lang), size, time.perf_counter() - started)


def _bundle_name(lang: str) -> str:
    """Bundles are per primary language subtag: 'de-CH' pages go with 'de'."""
    return lang.split("-")[0].lower()


def bundle_languages(langs: Iterable[str]) -> list[str]:
    return sorted({_bundle_name(lang) for lang in langs})
