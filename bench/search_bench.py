"""Benchmark of sitegen's Pagefind search: index build and the first query in Chromium.

What is measured, for the demo site (this repo) and a synthetic archive of N articles
(bench/gen_archive.py, seed 1):

1. Build: `build(BuildOptions(src, out))` is called --runs times, each into a fresh output
   folder (a clean build). Reported: pages indexed per language and index seconds (from
   BuildResult.search), the output's pagefind/ folder (files; KiB as the sum of file sizes,
   and as allocated on disk, which counts whole blocks) and the build's total seconds
   (BuildResult.seconds); seconds are medians of the runs.
2. First query: the last build is served by a stdlib http.server on 127.0.0.1 (daemon thread)
   from the subfolder /archive/, as tests/browser/conftest.py does. Headless Chromium opens
   /archive/search/?q=WORD in a fresh browser context (empty cache) and waits until
   `.search-results .result` elements exist, then for the network to go idle. Every response
   is recorded (body length, else Content-Length): bytes and requests in total, and those under
   /pagefind/. "results after" is wall time from Playwright's goto to the results being seen
   (it includes the driver's polling, so it is an upper bound).

Usage: python bench/search_bench.py [--articles 1000] [--runs 3] [--keep DIR]
(--keep DIR writes the synthetic source and the built sites into DIR and leaves them there;
a synthetic source already in DIR is reused.)
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from _common import REPO, chromium, machine_facts, median, table
from gen_archive import EN_NOUNS, generate
from playwright.sync_api import Browser, Response

from sitegen.build import BuildOptions, BuildResult, build

SUBFOLDER = "archive"
DEMO_WORD = "DeepSeek"


@dataclass
class SiteRun:
    name: str
    word: str
    pages: dict[str, int]
    index_files: int
    index_kib: float
    index_alloc_kib: float
    index_s: float
    build_s: float
    requests: int = 0
    total_kib: float = 0.0
    pagefind_requests: int = 0
    pagefind_kib: float = 0.0
    results: int = 0
    results_ms: float = 0.0


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def folder_size(folder: Path) -> tuple[int, int, int]:
    """Files, bytes (sum of file sizes) and bytes allocated on disk under folder."""
    stats = [p.stat() for p in folder.rglob("*") if p.is_file()]
    return len(stats), sum(s.st_size for s in stats), sum(s.st_blocks * 512 for s in stats)


def build_runs(name: str, src: Path, host_root: Path, runs: int, word: str) -> SiteRun:
    """Build src `runs` times into host_root/archive/ (fresh each time); the last stays."""
    out = host_root / SUBFOLDER
    results: list[BuildResult] = []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        results.append(build(BuildOptions(src=src, out=out)))
    last = results[-1]
    if last.search is None:
        sys.exit(f"{name}: the build made no search index")
    files, size, allocated = folder_size(out / "pagefind")
    return SiteRun(
        name=name, word=word, pages=dict(last.search.pages), index_files=files,
        index_kib=size / 1024, index_alloc_kib=allocated / 1024,
        index_s=median([r.search.seconds for r in results if r.search]),
        build_s=median([r.seconds for r in results]),
    )


def pick_word(src: Path) -> tuple[str, int]:
    """The first English noun of the generator's vocabulary found in the generated articles,
    with the number of articles containing it."""
    texts = [p.read_text(encoding="utf-8").lower()
             for p in sorted((src / "content" / "articles").glob("*.md"))]
    for word in EN_NOUNS:
        found = sum(1 for text in texts if re.search(rf"\b{word}\b", text))
        if found:
            return word, found
    sys.exit("no vocabulary word found in the generated articles")


def response_size(response: Response) -> int:
    try:
        return len(response.body())
    except Exception:  # redirects and aborted responses have no body
        return int(response.headers.get("content-length", "0") or 0)


def first_query(browser: Browser, host_root: Path, run: SiteRun) -> None:
    """Serve host_root, search run.word from an empty cache, record the network."""
    handler = functools.partial(QuietHandler, directory=str(host_root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    context = browser.new_context()
    try:
        page = context.new_page()
        responses: list[Response] = []
        page.on("response", lambda response: responses.append(response))
        url = (f"http://127.0.0.1:{httpd.server_address[1]}/{SUBFOLDER}/search/"
               f"?q={quote(run.word)}")
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_function(
            "document.querySelectorAll('.search-results .result').length > 0", timeout=60_000)
        run.results_ms = (time.perf_counter() - started) * 1000
        page.wait_for_load_state("networkidle")
        run.results = page.locator(".search-results .result").count()
        sizes = [(urlsplit(r.url).path, response_size(r)) for r in responses]
        run.requests = len(sizes)
        run.total_kib = sum(size for _, size in sizes) / 1024
        in_pagefind = [size for path, size in sizes if "/pagefind/" in path]
        run.pagefind_requests = len(in_pagefind)
        run.pagefind_kib = sum(in_pagefind) / 1024
    finally:
        context.close()
        httpd.shutdown()
        httpd.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="synthetic archive size")
    parser.add_argument("--runs", type=int, default=3, help="builds per site (median)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="work in DIR and keep the sources and built sites")
    args = parser.parse_args(argv)
    if args.articles < 1 or args.runs < 1:
        parser.error("--articles and --runs must be at least 1")

    work = args.keep or Path(tempfile.mkdtemp(prefix="sitegen-search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        synthetic = work / f"synthetic-{args.articles}"
        if not (synthetic / "site.yaml").exists():
            generate(synthetic, args.articles, seed=1)
        word, articles_with_word = pick_word(synthetic)
        sites = [("demo", REPO, DEMO_WORD), (f"synthetic {args.articles}", synthetic, word)]
        runs = [build_runs(name, src, work / f"host-{i}", args.runs, query)
                for i, (name, src, query) in enumerate(sites)]
        with chromium() as browser:
            for i, run in enumerate(runs):
                first_query(browser, work / f"host-{i}", run)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    print(machine_facts())
    print(f"builds per site: {args.runs} (medians); synthetic query word {word!r} occurs in "
          f"{articles_with_word} of {args.articles} articles")
    print()
    print(table(["site", "pages indexed", "index files", "index KiB", "KiB allocated",
                 "index s", "build s"], [
        [r.name, ", ".join(f"{lang} {n}" for lang, n in sorted(r.pages.items())), r.index_files,
         f"{r.index_kib:.0f}", f"{r.index_alloc_kib:.0f}", f"{r.index_s:.2f}", f"{r.build_s:.2f}"]
        for r in runs]))
    print()
    print("first query, empty cache (Chromium):")
    print(table(["site", "query", "results", "requests", "KiB total", "pagefind req",
                 "pagefind KiB", "results after ms"], [
        [r.name, r.word, r.results, r.requests, f"{r.total_kib:.0f}", r.pagefind_requests,
         f"{r.pagefind_kib:.0f}", f"{r.results_ms:.0f}"] for r in runs]))
    if args.keep:
        print(f"\nkept in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
