"""Measuring a command: wall and CPU seconds, peak RSS summed over its process tree.

Shared by bench/run (sitegen against Hugo + Pagefind) and bench/scale (one large build).
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

POLL_SECONDS = 0.05


def command_environment() -> dict[str, str]:
    """The environment for measured commands: Python may cache compiled modules, as
    it does for an installed package (an editable install has none, and some
    machines set PYTHONDONTWRITEBYTECODE, which would make every command compile
    all of sitegen's modules again: 0.05 to 0.3 s here)."""
    return {name: value for name, value in os.environ.items()
            if name != "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True)
class Measure:
    """One measured command (or the sum of two that ran one after the other)."""

    wall: float
    cpu: float
    peak_rss: int  # bytes
    pages: int = 0
    output: str = ""
    # the machine's memory in use (total - available) above what it was at the start:
    # unlike summed RSS, pages shared by forked workers count once
    peak_used: int = 0

    def __add__(self, other: Measure) -> Measure:
        # Sequential commands: times add up, the peak is the larger of the two peaks.
        return Measure(self.wall + other.wall, self.cpu + other.cpu,
                       max(self.peak_rss, other.peak_rss), other.pages,
                       self.output + other.output, max(self.peak_used, other.peak_used))


def memory_in_use() -> int:
    memory = psutil.virtual_memory()
    return memory.total - memory.available


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_rss(process: psutil.Process) -> int:
    """RSS of `process` and all its descendants, in bytes (0 for those already gone)."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for member in members:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += member.memory_info().rss
    return total


class CommandFailed(Exception):
    """A measured command exited with an error."""


def measure(command: Sequence[str], pages_in: Path | None = None,
            min_available: int | None = None, poll: float = POLL_SECONDS,
            cwd: Path | None = None) -> Measure:
    """Run `command` (in the folder `cwd`, by default this one), wait for it, and
    measure it; raise CommandFailed if it fails.

    With `min_available` (bytes), the tree is killed when the machine's available memory
    falls below it (CommandFailed says so), before the machine itself runs out."""
    cpu_before = children_cpu()
    used_before = memory_in_use()
    peak_used = 0
    started = time.perf_counter()
    process = psutil.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=command_environment(), cwd=cwd)
    peak = 0
    chunks: list[bytes] = []
    # Drain stdout in a thread so that a chatty tool never blocks on a full pipe.
    assert process.stdout is not None
    stdout = process.stdout
    reader = threading.Thread(target=lambda: chunks.append(stdout.read()), daemon=True)
    reader.start()
    # The end is taken when the command exits, not at the next poll (50 ms late at
    # most: a tenth of a quick rebuild).
    ended: list[float] = []
    waiter = threading.Thread(target=lambda: (process.wait(), ended.append(time.perf_counter())),
                              daemon=True)
    waiter.start()
    while waiter.is_alive():
        peak = max(peak, tree_rss(process))
        peak_used = max(peak_used, memory_in_use() - used_before)
        if min_available is not None and psutil.virtual_memory().available < min_available:
            kill_tree(process)
            raise CommandFailed(f"killed: the machine's available memory fell below "
                                f"{min_available / 2**30:.1f} GiB after {peak_used / 2**30:.1f}"
                                f" GiB more were in use ({' '.join(command)})")
        waiter.join(poll)
    wall = ended[0] - started
    reader.join()
    cpu = children_cpu() - cpu_before
    output = b"".join(chunks).decode(errors="replace")
    if process.returncode != 0:
        raise CommandFailed(f"exit {process.returncode}: {' '.join(command)}\n"
                            + "\n".join(output.strip().splitlines()[-5:]))
    pages = count_pages(pages_in) if pages_in is not None else 0
    return Measure(wall, cpu, peak, pages, output, peak_used)


def count_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))




def kill_tree(process: psutil.Process) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        for member in [*process.children(recursive=True), process]:
            with contextlib.suppress(psutil.NoSuchProcess):
                member.kill()
        process.wait()


def disk_usage(folder: Path) -> int:
    """Bytes allocated on disk to the files under `folder` (hard links counted once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for path in folder.rglob("*"):
        info = path.lstat()
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            total += info.st_blocks * 512
    return total


def sitegen_command() -> list[str]:
    """The `sitegen` of this Python environment."""
    script = Path(sys.executable).parent / "sitegen"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sitegen"]
