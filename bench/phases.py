#!/usr/bin/env python3
"""Where a clean `sitegen build` spends its time: one build through the library,
timed phase by phase (BuildOptions.hook: loaded, planned, rendered, staged), with
the load cache's save and the build state's write timed on their own (the state
is written in a thread while Pagefind indexes), and each phase's peak RSS summed
over this process and its children (workers, Pagefind), sampled every 50 ms.

Usage: python bench/phases.py SRC [--out DIR] [--no-cache]
       (SRC: a site, e.g. one bench/gen_archive.py wrote; its .sitegen-cache/ and
       the output folder are deleted first, so the build is a clean one.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psutil
from measure import tree_rss

import sitegen.content.cache as load_cache
import sitegen.state.record as record
from sitegen.build import BuildOptions, build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-cache", action="store_true", help="as sitegen build --no-cache")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="sitegen-phases-")) / "out"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(args.src / record.CACHE_DIR, ignore_errors=True)
    extra: list[str] = []

    def timed(label: str, function):  # type: ignore[no-untyped-def]
        def run(*a, **k):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                extra.append(f"  {label}: {time.perf_counter() - started:.2f} s")
        return run

    record._write_state = timed("build state written (in a thread)", record._write_state)
    load_cache.LoadCache.save = timed("load cache saved", load_cache.LoadCache.save)
    started = time.perf_counter()
    last = [started]
    peak = [0]
    done = threading.Event()
    me = psutil.Process(os.getpid())

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], tree_rss(me))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    def hook(phase: str) -> None:
        now = time.perf_counter()
        peak[0] = max(peak[0], tree_rss(me))
        print(f"{phase:>9}: +{now - last[0]:6.2f} s (at {now - started:6.2f} s),"
              f" peak RSS {peak[0] / 2**30:5.2f} GiB", flush=True)
        last[0] = now
        peak[0] = 0

    try:
        result = build(BuildOptions(src=args.src, out=out, hook=hook, cache=not args.no_cache))
    finally:
        done.set()
        sampler.join()
    hook("swapped")
    print("\n".join(extra))
    print(result.summary())
    if args.out is None:
        shutil.rmtree(out.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
