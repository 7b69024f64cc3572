"""Progress of long work on a terminal: the phase, how far it is and the time
left, on one line of stderr redrawn in place and erased when the work ends.

Library code reports through `phase`, `advance` and `tick`; they do nothing
unless a command turned the display on with `showing(...)`, which it does only
when stderr is a terminal and --quiet was not given. Nothing is drawn before
the work has run for DELAY seconds, so quick commands print nothing extra.

Forked worker processes report too: each counts into its own slot of a small
shared memory block that the parent adds up when it redraws (the parent calls
`tick` while it waits for them).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import shutil
import struct
import time
from collections.abc import Callable, Iterator
from typing import Any, TextIO

DELAY = 1.0  # seconds of work before anything is shown
REDRAW = 0.2  # seconds between redraws
SLOTS = 64  # counters: slot 0 for this process, one per forked worker share
_SLOT = struct.Struct("q")


class _Display:
    def __init__(self, stream: TextIO, delay: float) -> None:
        self.stream, self.delay = stream, delay
        self.pid = os.getpid()
        self.counts = mmap.mmap(-1, SLOTS * _SLOT.size)  # anonymous: shared with forks
        self.started = time.monotonic()
        self.name, self.total, self.since = "", 0, self.started
        self.drawn_at = 0.0
        self.shown = False

    def phase(self, name: str, total: int) -> None:
        self.counts[:] = bytes(len(self.counts))
        self.name, self.total, self.since = name, total, time.monotonic()
        self.tick(force=True)

    def advance(self, count: int, slot: int) -> None:
        offset = (slot % SLOTS) * _SLOT.size
        _SLOT.pack_into(self.counts, offset, _SLOT.unpack_from(self.counts, offset)[0] + count)
        self.tick()

    def done(self) -> int:
        return sum(value for (value,) in _SLOT.iter_unpack(self.counts))

    def tick(self, force: bool = False) -> None:
        if os.getpid() != self.pid or not self.name:
            return  # a forked worker only counts
        now = time.monotonic()
        if now - self.started < self.delay or (not force and now - self.drawn_at < REDRAW):
            return
        self.drawn_at = now
        width = shutil.get_terminal_size((80, 24)).columns - 1
        self.stream.write("\r" + self.line(now)[:width] + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def line(self, now: float) -> str:
        done, total = self.done(), self.total
        if not total:
            return f"sitegen: {self.name} ({now - self.since:.0f} s)"
        done = min(done, total)
        text = f"sitegen: {self.name} {done:,}/{total:,} ({100 * done // total}%)"
        elapsed = now - self.since
        if done and elapsed >= 1.0 and done < total:
            text += f", {_duration(elapsed / done * (total - done))} left"
        return text

    def clear(self) -> None:
        if self.shown and os.getpid() == self.pid:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
            self.drawn_at = 0.0

    def close(self) -> None:
        self.clear()
        self.counts.close()


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    return f"{seconds / 60:.0f} min"


_DISPLAY: _Display | None = None


@contextlib.contextmanager
def showing(stream: TextIO, enabled: bool = True, delay: float = DELAY) -> Iterator[None]:
    """Show progress on `stream` while the block runs, if `enabled` and the
    stream is a terminal; the line is erased at the end."""
    global _DISPLAY
    if not enabled or _DISPLAY is not None or not _is_terminal(stream):
        yield
        return
    _DISPLAY = _Display(stream, delay)
    try:
        yield
    finally:
        display, _DISPLAY = _DISPLAY, None
        display.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def active() -> bool:
    """Whether progress is being shown (callers may then wait in short steps)."""
    return _DISPLAY is not None


def phase(name: str, total: int = 0) -> None:
    """A new phase of `total` steps (0: not counted; its time is shown)."""
    if _DISPLAY is not None:
        _DISPLAY.phase(name, total)


def advance(count: int = 1, slot: int = 0) -> None:
    """`count` more steps done; a forked worker counts into its own `slot`."""
    if _DISPLAY is not None:
        _DISPLAY.advance(count, slot)


def clear() -> None:
    """Erase the progress line (before other output to the terminal); the next
    redraw shows it again."""
    if _DISPLAY is not None:
        _DISPLAY.clear()


def before(write: Callable[..., None]) -> Callable[..., None]:
    """`write` (print, or a logger), erasing the progress line first."""
    def writing(*args: Any, **kwargs: Any) -> None:
        clear()
        write(*args, **kwargs)
    return writing


def tick() -> None:
    """Redraw if it is time (for a process that waits on others)."""
    if _DISPLAY is not None:
        _DISPLAY.tick()
