#!/usr/bin/env python3
"""Where a clean `sitegen build` spends its time and memory: one build through the
library, timed phase by phase (BuildOptions.hook: loaded, planned, rendered,
staged), with the load cache's save and the build state's write timed on their
own (the state is written in a thread while Pagefind indexes), and each phase's
peak memory summed over the build's process tree (readers, renderers, Pagefind):
RSS, and PSS (shared pages split between the processes sharing them: what the
machine gives).

The build runs in a child process and is sampled from this one every 0.25 s: a
sampling thread inside the build would stop it from forking (sitegen forks only
from a process without other threads).

Usage: python bench/phases.py SRC [--out DIR] [--no-cache]
       (SRC: a site, e.g. one bench/gen_archive.py wrote; its .sitegen-cache/ and
       the output folder are deleted first, so the build is a clean one.)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

GIB = 2**30


def build_in_this_process(src: Path, out: Path, cache: bool) -> int:
    """The child: build, printing each phase's name as it ends, then the extras."""
    import sitegen.build as build_module
    import sitegen.content.cache as load_cache
    import sitegen.state.record as record
    from sitegen.build import BuildOptions, build

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
    # the steps inside the phases that end at "rendered" and "staged"
    for name, label in (("input_values", "input values (hashes of everything pages read)"),
                        ("fingerprints_against", "fingerprints against the last build"),
                        ("stage_pages", "pages rendered (render workers, results merged)"),
                        ("settle", "fingerprints of the rendered pages"),
                        ("stage_site_files", "other files staged (claims.json, claims.csv, ...)"),
                        ("plan_update", "search update planned"),
                        ("stage_search", "search index made (Pagefind runs)")):
        if hasattr(build_module, name):  # (another checkout's build may lack one)
            setattr(build_module, name, timed(label, getattr(build_module, name)))
    result = build(BuildOptions(src=src, out=out, cache=cache,
                                hook=lambda phase: print(phase, flush=True)))
    print("swapped", flush=True)
    print("\n".join([*extra, result.summary()]), file=sys.stderr)
    return 0


def tree_memory(root: psutil.Process) -> tuple[int, int]:
    """Summed RSS and PSS of `root` and its descendants (0 for those gone)."""
    rss = pss = 0
    try:
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    for member in members:
        try:
            with open(f"/proc/{member.pid}/smaps_rollup", encoding="ascii") as stream:
                for line in stream:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except (OSError, ValueError):
            continue
    return rss, pss


def tree_cpu(root: psutil.Process) -> float:
    """CPU seconds (user and system) used so far by `root` and its descendants,
    those already reaped included (counted in their parent's children times)."""
    try:
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for number, member in enumerate(members):
        try:
            times = member.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
        if number == 0:
            total += times.children_user + times.children_system
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-cache", action="store_true", help="as sitegen build --no-cache")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return build_in_this_process(args.src, args.out, not args.no_cache)
    out = args.out or Path(tempfile.mkdtemp(prefix="sitegen-phases-")) / "out"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(args.src / ".sitegen-cache", ignore_errors=True)
    command = [sys.executable, __file__, str(args.src), "--out", str(out), "--child"]
    child = subprocess.Popen(command + (["--no-cache"] if args.no_cache else []),
                             stdout=subprocess.PIPE, text=True)
    root = psutil.Process(child.pid)
    lock = threading.Lock()
    phase_peak, whole_peak = [0, 0], [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.25):
            rss, pss = tree_memory(root)
            with lock:
                for peak in (phase_peak, whole_peak):
                    peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = last = time.perf_counter()
    cpu_last = 0.0
    assert child.stdout is not None
    for line in child.stdout:
        now, cpu = time.perf_counter(), tree_cpu(root)
        with lock:  # CPU: seconds of the phase, and cores busy on average during it
            print(f"{line.strip():>9}: +{now - last:6.2f} s (at {now - started:6.2f} s), "
                  f"CPU {cpu - cpu_last:6.2f} s ({(cpu - cpu_last) / max(now - last, 1e-9):.2f}"
                  f" cores), peak RSS {phase_peak[0] / GIB:6.3f} GiB, "
                  f"PSS {phase_peak[1] / GIB:6.3f} GiB", flush=True)
            phase_peak[0] = phase_peak[1] = 0
        last, cpu_last = now, cpu
    cpu = tree_cpu(root)  # before the wait: the child's own times go with it
    code = child.wait()
    print(f"after the last phase: CPU {cpu - cpu_last:.2f} s; whole build CPU {cpu:.2f} s")
    done.set()
    sampler.join()
    print(f"whole build: {time.perf_counter() - started:.2f} s, peak summed RSS "
          f"{whole_peak[0] / GIB:.3f} GiB, PSS {whole_peak[1] / GIB:.3f} GiB, exit {code}")
    if args.out is None:
        shutil.rmtree(out.parent, ignore_errors=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
