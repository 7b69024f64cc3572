"""What the machine can give, for choosing how much to run at once: CPUs, and
memory still available; and pausing the cyclic GC while long-lived objects are
made.

Memory still available is the machine's (MemAvailable), and under a memory
limit at most that limit less what the build's processes hold. The limit is
SITEGEN_MEMORY_LIMIT when set, else the control group's (a container's or a CI
job's, where /proc/meminfo shows the host's memory). Memory is known on Linux
only (/proc); elsewhere callers keep their defaults.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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


def release_memory() -> None:
    """Give memory that Python freed back to the system: the garbage in cycles
    collected, and the C library's free heap pages returned (glibc's malloc_trim;
    Python returns its own arenas as they empty)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def available_bytes() -> int | None:
    """What may still be allocated: MemAvailable (what the machine can give
    without swapping), and under a memory limit at most the limit less what this
    process and its children hold (None if unknown)."""
    free = _meminfo_available()
    limit = memory_limit()
    if limit is None:
        return free
    left = max(0, limit - tree_rss_bytes())
    return left if free is None else min(free, left)


def _meminfo_available() -> int | None:
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


LIMIT_VARIABLE = "SITEGEN_MEMORY_LIMIT"
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)
_NO_LIMIT = 2**60  # cgroup v1 writes a number near 2**63 for "no limit"


def parse_size(text: str) -> int:
    """A size as people write it: "8G", "8 GiB", "512M", "1.5g" or a count of
    bytes (units are binary: 1G = 2**30 bytes). ValueError otherwise."""
    match = _SIZE.fullmatch(text)
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(text)
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def limit_problem() -> str:
    """Why SITEGEN_MEMORY_LIMIT cannot be used ("" when it is unset or usable)."""
    value = os.environ.get(LIMIT_VARIABLE)
    if value is None:
        return ""
    try:
        parse_size(value)
    except ValueError:
        return (f"{LIMIT_VARIABLE}={value!r} is not a size; it is ignored "
                "(write it as e.g. 8G or 512M)")
    return ""


def memory_limit() -> int | None:
    """The most memory this build may use, summed over its processes:
    SITEGEN_MEMORY_LIMIT when set (and valid), else the limit of the control group
    it runs in (a container's, a CI job's: there /proc/meminfo shows the host's
    memory), else None (the machine's memory is the limit)."""
    value = os.environ.get(LIMIT_VARIABLE)
    if value is not None:
        with contextlib.suppress(ValueError):
            return parse_size(value)
    return cgroup_limit()


def cgroup_limit() -> int | None:
    """The memory limit of this process's control group (v2 or v1), if any."""
    for path in _cgroup_files():
        try:
            text = path.read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text == "max":
            return None
        with contextlib.suppress(ValueError):
            limit = int(text)
            return limit if limit < _NO_LIMIT else None
    return None


def _cgroup_files() -> list[Path]:
    """Where this process's cgroup limit may be read: its own group's file, then
    the mounted root's (a container's own group, seen through its namespace)."""
    root = Path("/sys/fs/cgroup")
    found: list[Path] = []
    try:
        lines = Path("/proc/self/cgroup").read_text(encoding="ascii").splitlines()
    except OSError:
        return found
    for line in lines:
        number, controllers, group = [*line.split(":", 2), "", ""][:3]
        group = group.lstrip("/")
        if number == "0" and not controllers:  # v2, unified
            found += [root / group / "memory.max", root / "memory.max"]
        elif "memory" in controllers.split(","):  # v1
            found += [root / "memory" / group / "memory.limit_in_bytes",
                      root / "memory" / "memory.limit_in_bytes"]
    return [path for path in found if path.is_file()]


def tree_rss_bytes() -> int:
    """The resident memory of this process and all its descendants (pages shared
    after a fork count once per process: an upper bound of what they use)."""
    total = 0
    pending = [os.getpid()]
    while pending:
        pid = pending.pop()
        total += rss_bytes(pid) or 0
        pending += _children(pid)
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with (contextlib.suppress(OSError, ValueError),
                  open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as stream):
                found += [int(child) for child in stream.read().split()]
    return found
