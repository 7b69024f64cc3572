"""Writing the built site: nothing is changed until everything is ready,
and nothing is written outside OUT.

Every file of the new site is first produced beside OUT, in a staging
folder; only when the whole site (and its search index) is ready does OUT
change, with SIGINT and SIGTERM held back meanwhile. A failed or interrupted
build leaves the previous output untouched and removes the staging folder.

- First build, or an OUT left half-updated: the staging folder holds the
  whole site and takes OUT's place in one atomic exchange (renameat2
  RENAME_EXCHANGE; two renames where that is missing).
- Later builds patch OUT: the staging folder holds only the files whose bytes
  changed; each replaces its old version with an atomic rename (a reader sees
  the old or the new file, never half of one), files the site no longer has are
  removed, and a new search index replaces the old one as a whole folder. Work
  is in proportion to what changed, not to the size of the site. A journal file
  in OUT marks the patch while it runs; if the process is killed outright
  (SIGKILL, power loss) the next build finds it and rebuilds OUT in full.

Unchanged files are never rewritten, so they keep their modification time
(rsync and browsers see them as unchanged). OUT always ends up holding exactly
the current site.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.workers import process_alive

MARKER = ".sitegen-output"
JOURNAL = ".sitegen-patching"  # in OUT while a patch is applied
MARKER_TEXT = "This folder is written by sitegen build; its contents are replaced on each build.\n"


class OutputError(Exception):
    """OUT cannot be used (it is the source, holds it, or is someone else's folder)."""


@dataclass(frozen=True)
class WriteStats:
    written: int
    unchanged: int
    waited: float = 0.0  # seconds spent waiting, at the end, for files written in threads


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


def safe_relative(path: str) -> str:
    """`path` if it is a plain relative path ('a/b.html') that stays inside the output
    folder; no empty, '.' or '..' part, no absolute path."""
    if not path or path.startswith("/") or "\0" in path or "\\" in path or any(
            part in ("", ".", "..") for part in path.split("/")):
        raise OutputError(f"refusing to write outside the output folder: {path!r}")
    return path


class Stager:
    """Collects the new site in the staging folder.

    In full mode (`patch=False`) the staging folder becomes the whole new site: a
    file whose bytes equal the previous output's is hard-linked from it (same
    inode and mtime). In patch mode only changed files are written there; the
    others are recorded as kept and stay where they are in OUT."""

    def __init__(self, staging: Path, previous: Path, patch: bool = False) -> None:
        self.staging = staging
        self.previous = previous
        self.patch = patch
        self.written = 0
        self.unchanged = 0
        self.kept: set[str] = set()  # patch mode: files of the new site left as they are
        self.trees: set[str] = set()  # patch mode: folders kept or replaced as a whole
        self.dropped: set[str] = set()  # patch mode: folders removed as a whole
        self.changed: set[str] = set()  # files written with other bytes than OUT's
        # plain strings: hundreds of thousands of pathlib objects cost seconds
        self._staging, self._previous = str(staging), str(previous)
        self._dirs: set[str] = {self._staging}
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []
        self.waited = 0.0  # seconds settle() waited for them

    @property
    def roots(self) -> tuple[Path, ...]:
        """Where the new site's files are: the staging folder, then (patching) OUT."""
        return (self.staging, self.previous) if self.patch else (self.staging,)

    def _target(self, rel: str) -> str:
        target = f"{self._staging}/{rel}"
        parent = target.rpartition("/")[0]
        if parent not in self._dirs:
            os.makedirs(parent, exist_ok=True)
            self._dirs.add(parent)
        return target

    def keep(self, path: str) -> bool:
        """Carry the previous output of `path` over unchanged; False if there is none."""
        rel = safe_relative(path)
        previous = f"{self._previous}/{rel}"
        if self.patch:
            if not os.path.isfile(previous):
                return False
            self.kept.add(rel)
        elif not _link(previous, self._target(rel)):
            return False
        self.unchanged += 1
        return True

    def keep_tree(self, folder: str) -> bool:
        """Carry a whole folder of the previous output over. A patch leaves it
        where it is, unread: its files are not counted as unchanged (a search
        bundle of 100,000 articles has hundreds of thousands, and listing them
        took a second)."""
        rel = safe_relative(folder)
        source = f"{self._previous}/{rel}"
        if not os.path.isdir(source):
            return False
        if self.patch:
            self.trees.add(rel)
            return True
        files = sorted(f"{base}/{name}"[len(self._previous) + 1 :]
                       for base, _, names in os.walk(source) for name in names)
        return all(self.keep(path) for path in files)

    def replace_tree(self, folder: str) -> Path:
        """A fresh staging folder whose contents replace OUT's `folder` as a whole."""
        rel = safe_relative(folder)
        self.trees.add(rel)
        target = self.staging / rel
        shutil.rmtree(target, ignore_errors=True)
        return target

    def remove_tree(self, folder: str) -> None:
        """Leave OUT's `folder` out of the new site (a patch removes it whole)."""
        rel = safe_relative(folder)
        self.trees.add(rel)
        self.dropped.add(rel)
        shutil.rmtree(self.staging / rel, ignore_errors=True)

    def add_file(self, path: str) -> str:
        """Where to write a file known to have changed (a large one written piece by
        piece: claims.json)."""
        self.written += 1
        rel = safe_relative(path)
        self.changed.add(rel)
        return self._target(rel)

    def add_file_later(self, path: str, write: Callable[[str], None]) -> None:
        """As add_file(), the file written by `write(target)` in a thread while
        the build goes on (a spliced claims.json: a gigabyte copied by the
        kernel while the search index is made); `settle()` waits for it."""
        target = self.add_file(path)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sitegen-write")
        self._pending.append(self._pool.submit(write, target))

    def settle(self) -> None:
        """Wait for every file add_file_later() is writing; raise the first error."""
        pending, self._pending = self._pending, []
        started = time.perf_counter()
        try:
            for future in pending:
                future.result()
        finally:
            self.waited += time.perf_counter() - started
            if self._pool is not None:
                self._pool.shutdown(wait=True)  # the others, even after an error
                self._pool = None

    def add_chunks(self, path: str, chunks: Iterable[bytes]) -> None:
        """As add(), for a large file made piece by piece: written as it comes,
        then compared with the previous output's (kept or linked when equal)."""
        rel = safe_relative(path)
        previous = f"{self._previous}/{rel}"
        target = self._target(rel)
        with open(target, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
        if _same_file(previous, target) and (self.patch or _relinked(previous, target)):
            if self.patch:
                os.unlink(target)
                self.kept.add(rel)
            self.unchanged += 1
        else:
            self.written += 1
            self.changed.add(rel)

    def add(self, path: str, data: bytes) -> None:
        rel = safe_relative(path)
        previous = f"{self._previous}/{rel}"
        if self.patch and _same_bytes(previous, data):
            self.kept.add(rel)
            self.unchanged += 1
            return
        target = self._target(rel)
        if not self.patch and _same_bytes(previous, data) and _link(previous, target):
            self.unchanged += 1
        else:
            with open(target, "wb") as stream:
                stream.write(data)
            self.written += 1
            self.changed.add(rel)


def write_site(out: Path, produce: Callable[[Stager], None],
               hook: Callable[[str], None] | None = None,
               finish: Callable[[Stager], None] | None = None) -> WriteStats:
    """Make OUT hold exactly the files `produce` adds to a Stager (pages are
    streamed to disk, by several processes if need be).

    An exception or signal at any point before OUT changes leaves OUT as it was
    and removes the staging folder. `finish(stager)` may add files (the search
    index) once all pages are there; `hook("staged")` is called just before OUT
    changes (tests use it to interrupt the build there).
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _recover(out)
    patch = (out / MARKER).is_file() and not (out / JOURNAL).exists()
    with _staged(out, patch) as stager:
        produce(stager)
        if patch:
            stager.kept.add(MARKER)
        else:
            (stager.staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        if finish is not None:
            finish(stager)
        stager.settle()
        if hook is not None:
            hook("staged")
        with _signals_held():
            if patch:
                _apply_patch(stager, out)
            else:
                _swap_in(stager.staging, out)
    return WriteStats(stager.written, stager.unchanged, stager.waited)


def patch_files(out: Path, produce: Callable[[Stager], None],
                finish: Callable[[Stager], None] | None = None) -> WriteStats:
    """Replace the files of OUT that `produce` adds to a Stager (those whose bytes
    changed), and the folders that `finish(stager)` puts in place (search bundles);
    nothing else is added or removed. For quick rebuilds of a site whose page set
    is unchanged; the same guarantees as write_site (staged first, journal while
    OUT changes)."""
    out = out.resolve()
    with _staged(out, patch=True) as stager:
        produce(stager)
        if finish is not None:
            finish(stager)
        stager.settle()
        with _signals_held():
            _apply_patch(stager, out, complete=False)
    return WriteStats(stager.written, stager.unchanged, stager.waited)


@contextlib.contextmanager
def _staged(out: Path, patch: bool) -> Iterator[Stager]:
    """A Stager on a fresh staging folder beside OUT, removed afterwards, success
    or not; after an error the threads still writing into it are waited for
    first (their own errors give way to the first one)."""
    staging = out.parent / f".{out.name}.sitegen-new-{os.getpid()}"
    stager = Stager(staging, out, patch=patch)
    try:
        staging.mkdir()
        yield stager
    finally:
        with contextlib.suppress(Exception):
            stager.settle()
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (delivered afterwards) while OUT changes."""
    signals = {signal.SIGINT, signal.SIGTERM}
    blocked = threading.current_thread() is threading.main_thread()
    if blocked:
        signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        if blocked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)


def _apply_patch(stager: Stager, out: Path, complete: bool = True) -> None:
    """Move the staged files into OUT, replace whole folders, and (`complete`: the
    stager knows every file of the new site) remove what the new site no longer
    has; the journal file marks OUT as half-updated meanwhile."""
    staging, root = str(stager.staging), str(out)
    journal = out / JOURNAL
    journal.write_text("sitegen build is updating this folder\n", encoding="utf-8")
    new_files = set(stager.kept)
    for folder, dirs, files in os.walk(staging):
        rel_folder = _relative(folder, staging)
        dirs[:] = [d for d in dirs if _join(rel_folder, d) not in stager.trees]
        if files:
            os.makedirs(_join(root, rel_folder), exist_ok=True)
        for name in files:
            rel = _join(rel_folder, name)
            _replace_file(f"{staging}/{rel}", f"{root}/{rel}")
            new_files.add(rel)
    for tree in sorted(stager.trees):
        fresh, current = stager.staging / tree, out / tree
        if tree in stager.dropped:
            shutil.rmtree(current, ignore_errors=True)
            continue
        if not fresh.is_dir():
            continue  # kept as it is
        if not current.exists():
            current.parent.mkdir(parents=True, exist_ok=True)
            fresh.rename(current)
        elif not _exchange(fresh, current):
            shutil.rmtree(current)
            fresh.rename(current)
    if not complete:
        journal.unlink()
        return
    folders = []
    for folder, dirs, files in os.walk(root):
        rel_folder = _relative(folder, root)
        dirs[:] = [d for d in dirs if _join(rel_folder, d) not in stager.trees]
        folders.append(folder)
        for name in files:
            rel = _join(rel_folder, name)
            if rel not in new_files and rel != JOURNAL:
                os.unlink(f"{folder}/{name}")
    for folder in reversed(folders[1:]):  # deepest first; OUT itself stays
        if not os.listdir(folder):
            os.rmdir(folder)
    journal.unlink()


def _replace_file(new: str, target: str) -> None:
    """Put `new` in place of `target` atomically. An exchange, then removing the
    old file, where the filesystem can: ext4 writes a file's data out at once when
    it is renamed over another (auto_da_alloc), which made replacing the 100 MB
    claims.json of a 10,000-article site take up to 0.7 s instead of 10 ms."""
    if os.path.isfile(target) and _exchange(new, target):
        os.unlink(new)
    else:
        os.replace(new, target)


def _relative(folder: str, root: str) -> str:
    return folder[len(root) + 1 :]


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _swap_in(staging: Path, out: Path) -> None:
    """Make `staging` the new OUT; afterwards `staging` holds the old output (or nothing)."""
    if not out.exists():
        staging.rename(out)
    elif not _exchange(staging, out):
        old = out.parent / f".{out.name}.sitegen-old-{os.getpid()}"
        out.rename(old)
        staging.rename(out)
        old.rename(staging)


def _exchange(a: Path | str, b: Path | str) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE)."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


@functools.cache
def _renameat2() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None


def _recover(out: Path) -> None:
    """Clean up after a build that was killed outright (SIGKILL, power loss)."""
    for leftover in out.parent.glob(f".{out.name}.sitegen-*-*"):
        kind, _, pid = leftover.name.rpartition("-")
        if pid.isdigit() and process_alive(int(pid)) and int(pid) != os.getpid():
            continue  # another build is running
        if kind.endswith("sitegen-old") and not out.exists():
            leftover.rename(out)  # killed between the two renames of the fallback swap
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def _link(previous: str, target: str) -> bool:
    try:
        os.link(previous, target)
    except OSError:  # a filesystem without hard links: write the bytes instead
        return False
    return True


def _relinked(previous: str, target: str) -> bool:
    """Replace the staged `target` by a hard link to `previous` (False: kept as is)."""
    linked = f"{target}.link"
    if not _link(previous, linked):
        return False
    os.replace(linked, target)
    return True


def _same_file(previous: str, staged: str) -> bool:
    """Whether the previous output's file has the staged file's bytes."""
    try:
        info = os.lstat(previous)
        if not stat.S_ISREG(info.st_mode) or info.st_size != os.stat(staged).st_size:
            return False
        with open(previous, "rb") as old, open(staged, "rb") as new:
            while True:
                block = old.read(1 << 20)
                if block != new.read(1 << 20):
                    return False
                if not block:
                    return True
    except OSError:
        return False


def _same_bytes(path: str, data: bytes) -> bool:
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
            return False
        with open(path, "rb") as stream:
            return stream.read() == data
    except OSError:
        return False
