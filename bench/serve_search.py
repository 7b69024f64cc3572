"""Benchmark of `sitegen serve` beyond the page reload: reading, and the search refresh.

For a synthetic archive of N articles (bench/gen_archive.py, seed 1, generated into a
temporary folder or reused from --workdir):

- the first read of the archive into an empty cache (its files already in the OS's
  cache, read once untimed), once on one CPU and once with the forked readers of
  sitegen/content/parallel.py (both in this process, GC paused as in a build);
- a serve `Session` (no HTTP): its first build and whole search index, then --edits
  review edits, each given to the session as the changed file the watcher would report;
  for each, the rebuild time, the bundles the background search refresh indexed again,
  and the time from the edit until that refresh was live. The file is restored after
  each edit (and that rebuild and refresh are not counted).

Usage: python bench/serve_search.py [--articles 10000] [--edits 3] [--workdir DIR]
(--edits 0: the read only.)
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

from _common import machine_facts, median, table
from gen_archive import generate

from sitegen.content.cache import LoadCache
from sitegen.content.config import load_config
from sitegen.content.load import load_archive
from sitegen.content.parallel import read_in_parallel
from sitegen.diagnostics import Diagnostics
from sitegen.serve.session import Session


def read_times(src: Path) -> list[tuple[str, float, float]]:
    """(way, seconds to fill the cache in parallel, seconds of the single pass)."""
    for path in sorted((src / "content").rglob("*")):  # untimed: both ways read from memory
        if path.is_file():
            path.read_bytes()
    rows = []
    for way in ("one CPU", "parallel"):
        cache = LoadCache(keep_anchorers=False)
        enabled = gc.isenabled()
        gc.disable()
        try:
            started = time.perf_counter()
            if way == "parallel":
                config = load_config(src, Diagnostics())
                assert config is not None
                read_in_parallel(src, config, cache)
            filled = time.perf_counter()
            load_archive(src, cache=cache)
            rows.append((way, filled - started, time.perf_counter() - filled))
        finally:
            if enabled:
                gc.enable()
            del cache
            gc.collect()
    return rows


def search_refresh(src: Path, out: Path, edits: int) -> list[tuple[str, float, str, float]]:
    """(claims file, rebuild ms, bundles indexed again, seconds until the index was live)."""
    claims = sorted((src / "content" / "claims").glob("*.yaml"))[:edits]
    session = Session(src, out, log=lambda line: None)
    search = session.search
    assert search is not None
    rows = []
    try:
        assert session.rebuild().ok
        done = 1
        assert search.wait(done, timeout=3600)
        for path in claims:
            rel = path.relative_to(src).as_posix()
            original = path.read_text(encoding="utf-8")
            try:
                path.write_text(original.replace("review: |\n      ", "review: |\n      Edited. ",
                                                 1), encoding="utf-8")
                started = time.perf_counter()
                report = session.rebuild({rel})
                assert report.ok
                done += 1
                assert search.wait(done, timeout=3600)
                rows.append((path.name, report.seconds * 1000,
                             f"{len(search.last)} of {len(search.indexed)}",
                             time.perf_counter() - started))
            finally:
                path.write_text(original, encoding="utf-8")
                if session.rebuild({rel}).search_changed:
                    done += 1
                    assert search.wait(done, timeout=3600)
    finally:
        session.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="keep (or reuse) the archive here")
    args = parser.parse_args(argv)
    print(machine_facts())
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        src = work / f"serve-search-{args.articles}"
        if not (src / "site.yaml").is_file():
            generate(src, articles=args.articles, seed=1)
        print(f"\nfirst read of {args.articles} articles into an empty cache")
        print(table(["way", "fill s", "single pass s", "total s"],
                    [(w, f"{a:.1f}", f"{b:.1f}", f"{a + b:.1f}") for w, a, b in read_times(src)]))
        if not args.edits:
            return 0
        rows = search_refresh(src, Path(tmp) / "out", args.edits)
        print(f"\nserve: search refresh after a review edit ({args.edits} edits)")
        print(table(["claims file", "rebuild ms", "bundles indexed", "index live after s"],
                    [(n[:40], f"{ms:.0f}", b, f"{s:.1f}") for n, ms, b, s in rows]))
        print(f"median: index live {median([s for *_, s in rows]):.1f} s after the edit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
