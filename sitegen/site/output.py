"""Writing the built site: all or nothing, and nothing outside OUT.

Files are written into a staging folder next to OUT, which then takes OUT's
place in one atomic exchange (renameat2 RENAME_EXCHANGE; two renames where
that is missing), with SIGINT and SIGTERM held back during the swap. A failed
or interrupted build leaves the previous output untouched, and OUT always
holds exactly the current pages. A file whose bytes did not change
is hard-linked from the previous output instead of rewritten, so it keeps its
modification time (rsync and browsers see it as unchanged).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MARKER = ".sitegen-output"
MARKER_TEXT = "This folder is written by sitegen build; its contents are replaced on each build.\n"


class OutputError(Exception):
    """OUT cannot be used (it is the source, holds it, or is someone else's folder)."""


@dataclass(frozen=True)
class WriteStats:
    written: int
    unchanged: int


def check_output_dir(src: Path, out: Path) -> None:
    """Refuse an OUT that is SRC, contains SRC, or is a non-empty folder sitegen did not make."""
    src_r, out_r = src.resolve(), out.resolve()
    if out_r == src_r:
        raise OutputError(f"the output folder {out} is the site folder itself")
    if out_r in src_r.parents:
        raise OutputError(f"the output folder {out} contains the site folder {src}")
    for protected in ("content", "templates", "seeds"):
        folder = (src_r / protected)
        if out_r == folder or folder in out_r.parents:
            raise OutputError(f"the output folder {out} is inside the site's {protected}/")
    if out_r.exists():
        if not out_r.is_dir():
            raise OutputError(f"the output path {out} is a file, not a folder")
        if any(out_r.iterdir()) and not (out_r / MARKER).is_file():
            raise OutputError(
                f"the output folder {out} is not empty and was not made by sitegen; "
                "choose another folder with -o, or empty it"
            )


def safe_relative(path: str) -> PurePosixPath:
    """A relative path that stays inside the output folder."""
    rel = PurePosixPath(path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise OutputError(f"refusing to write outside the output folder: {path!r}")
    return rel


class Stager:
    """Writes files into the staging folder; a file whose bytes equal the
    previous output's is hard-linked from it instead (same inode and mtime)."""

    def __init__(self, staging: Path, previous: Path) -> None:
        self.staging = staging
        self.previous = previous
        self.written = 0
        self.unchanged = 0
        self._dirs: set[Path] = {staging}

    def keep(self, path: str) -> bool:
        """Carry the previous output of `path` over unchanged; False if there is none."""
        rel = safe_relative(path)
        target = self.staging.joinpath(*rel.parts)
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        if _link(self.previous.joinpath(*rel.parts), target):
            self.unchanged += 1
            return True
        return False

    def keep_tree(self, folder: str) -> bool:
        """Carry a whole folder of the previous output over (hard links)."""
        source = self.previous / folder
        if not source.is_dir():
            return False
        for path in sorted(source.rglob("*")):
            if path.is_file() and not self.keep(path.relative_to(self.previous).as_posix()):
                return False
        return True

    def add(self, path: str, data: bytes) -> None:
        rel = safe_relative(path)
        target = self.staging.joinpath(*rel.parts)
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        previous = self.previous.joinpath(*rel.parts)
        if _same_bytes(previous, data) and _link(previous, target):
            self.unchanged += 1
        else:
            target.write_bytes(data)
            self.written += 1


def write_site(out: Path, produce: Callable[[Stager], None],
               hook: Callable[[str], None] | None = None,
               finish: Callable[[Path], None] | None = None) -> WriteStats:
    """Replace OUT with exactly the files `produce` adds to a Stager (pages are
    streamed to disk, by several processes if need be).

    The files are staged beside OUT and swapped in atomically; an exception or
    signal at any point before the swap leaves OUT as it was and removes the
    staging folder. `finish(staging)` may add files (the search index) before
    the swap; `hook("staged")` is called just before the swap (tests use it to
    interrupt the build there).
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _recover(out)
    staging = out.parent / f".{out.name}.sitegen-new-{os.getpid()}"
    try:
        staging.mkdir()
        stager = Stager(staging, out)
        produce(stager)
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        if finish is not None:
            finish(staging)
        if hook is not None:
            hook("staged")
        _swap_in(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return WriteStats(stager.written, stager.unchanged)


def _swap_in(staging: Path, out: Path) -> None:
    """Make `staging` the new OUT; afterwards `staging` holds the old output (or nothing)."""
    signals = {signal.SIGINT, signal.SIGTERM}
    blocked = threading.current_thread() is threading.main_thread()
    if blocked:
        signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        if not out.exists():
            staging.rename(out)
        elif not _exchange(staging, out):
            old = out.parent / f".{out.name}.sitegen-old-{os.getpid()}"
            out.rename(old)
            staging.rename(out)
            old.rename(staging)
    finally:
        if blocked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2 RENAME_EXCHANGE)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _recover(out: Path) -> None:
    """Clean up after a build that was killed outright (SIGKILL, power loss)."""
    for leftover in out.parent.glob(f".{out.name}.sitegen-*-*"):
        kind, _, pid = leftover.name.rpartition("-")
        if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
            continue  # another build is running
        if kind.endswith("sitegen-old") and not out.exists():
            leftover.rename(out)  # killed between the two renames of the fallback swap
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _link(previous: Path, target: Path) -> bool:
    try:
        os.link(previous, target)
    except OSError:  # a filesystem without hard links: write the bytes instead
        return False
    return True


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False
