"""What the machine can give, for choosing how much to run at once: CPUs, and
memory still available; and pausing the cyclic GC while long-lived objects are
made.

Memory is known on Linux only (/proc); elsewhere callers keep their defaults.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC (restored as it was): while millions of objects are made
    that are not garbage, its passes would scan them again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def long_lived() -> Iterator[None]:
    """For what lives until the end of the build (the archive, the page plan): the
    cyclic GC would scan these millions of objects again and again while they are
    made (a third of the planning time at 2,000 articles), and in forked render
    workers its bookkeeping would copy their memory page by page. So it is paused
    while they are made, and they are then frozen out of its sight (reading leaves
    a few hundred objects in cycles behind; they are kept)."""
    with gc_paused():
        try:
            yield
        finally:
            gc.freeze()


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def available_bytes() -> int | None:
    """MemAvailable: what can be allocated without swapping (None if unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def own_rss_bytes() -> int | None:
    """The resident memory of this process now (None if unknown)."""
    return rss_bytes("self")


def rss_bytes(pid: int | str) -> int | None:
    """The resident memory of a process now (None if unknown)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as stream:
            return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def affordable(count: int, each: int, *, share: float = 0.8) -> int:
    """How many of `count` jobs needing `each` bytes fit into `share` of the available
    memory; at least 1 (one job has to run), `count` when nothing is known."""
    available = available_bytes()
    if available is None or each <= 0:
        return count
    return max(1, min(count, int(available * share) // each))
