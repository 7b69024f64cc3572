"""Writing the built site: all or nothing, and nothing outside OUT.

Files are written into a staging folder next to OUT, which then replaces OUT
in two renames, so a failed build leaves the previous output untouched and
OUT always holds exactly the current pages. A file whose bytes did not change
is hard-linked from the previous output instead of rewritten, so it keeps its
modification time (rsync and browsers see it as unchanged).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
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


def write_site(out: Path, files: Mapping[str, bytes]) -> WriteStats:
    """Replace OUT with exactly `files` (site path → bytes)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.sitegen-new-{os.getpid()}"
    old = out.parent / f".{out.name}.sitegen-old-{os.getpid()}"
    for leftover in (staging, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    written = unchanged = 0
    try:
        staging.mkdir()
        made_dirs: set[Path] = {staging}
        for path in sorted(files):
            rel = safe_relative(path)
            target = staging.joinpath(*rel.parts)
            if target.parent not in made_dirs:
                target.parent.mkdir(parents=True, exist_ok=True)
                made_dirs.add(target.parent)
            data = files[path]
            previous = out.joinpath(*rel.parts)
            if _same_bytes(previous, data) and _link(previous, target):
                unchanged += 1
            else:
                target.write_bytes(data)
                written += 1
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return WriteStats(written, unchanged)


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
