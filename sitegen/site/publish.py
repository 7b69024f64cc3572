"""What a rebuild hands on once its pages are written, besides the search
index (site/searchplan.py): claims.json and claims.csv.

A rebuild that read the whole site writes them whole. An in-place edit
(rebuild.in_place) keeps every claim's place in them, so the edited claims'
lines are spliced into the files as they are (`export_splices`,
`write_spliced`): at 10,000 articles claims.json is 100 MB, and the unchanged
parts are copied by the kernel.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sitegen.content.model import Archive, Claim
from sitegen.site.exports import CSV_NEWLINE, claim_line, claim_row

Splice = list[tuple[int, int, bytes]]  # (offset, length of the old line, new line)


@dataclass(frozen=True)
class LineExport:
    """An export with one line (or row) per claim, in the archive's order."""

    name: str  # its file in the output
    line: Callable[[Archive, Claim], bytes]  # a claim's line, with the separator before it
    ends: tuple[bytes, ...]  # what can follow a line: the next separator, or the end


LINE_EXPORTS = (
    LineExport("claims.json", lambda archive, claim: b"\n" + claim_line(archive, claim),
               (b",\n", b"\n]}")),
    LineExport("claims.csv", lambda archive, claim: CSV_NEWLINE.encode() + claim_row(
        archive, claim), (CSV_NEWLINE.encode(),)),
)


def export_splices(out: Path, old: Archive, new: Archive,
                   claims: Iterable[Claim]) -> dict[str, Splice] | None:
    """For each line export that an edit to these claims changes, where their
    lines are in the file the last rebuild wrote (from `old`) and their new
    text (from `new`); None if a line is not found as it was written (the
    caller then writes the exports whole)."""
    claims = list(claims)
    found = {}
    for export in LINE_EXPORTS:
        splice = _splice(out / export.name, export, old, new, claims)
        if splice is None:
            return None
        if splice:
            found[export.name] = splice
    return found


def _splice(current: Path, export: LineExport, old: Archive, new: Archive,
            claims: list[Claim]) -> Splice | None:
    try:
        with open(current, "rb") as stream, mmap.mmap(
                stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
            found = []
            for claim in claims:
                line = export.line(old, old.claims[claim.id])
                fresh = export.line(new, claim)
                if fresh == line:
                    continue
                for end in export.ends:
                    at = data.find(line + end)
                    if at >= 0:
                        break
                else:
                    return None
                found.append((at, len(line), fresh))
    except (OSError, ValueError):
        return None
    return sorted(found)


def write_spliced(source: Path, target: str | Path, splice: Splice) -> None:
    """Write `source` with the spliced lines replaced into `target`; the unchanged
    parts are copied by the kernel."""
    with open(source, "rb") as old, open(target, "wb") as new:
        size = os.fstat(old.fileno()).st_size
        start = 0
        for at, length, line in [*splice, (size, 0, b"")]:
            _copy_range(old, new, start, at - start)
            new.write(line)
            new.flush()
            start = at + length


def _copy_range(source: BinaryIO, target: BinaryIO, offset: int, count: int) -> None:
    while count > 0:
        try:
            done = os.copy_file_range(source.fileno(), target.fileno(), count, offset)
        except (OSError, AttributeError):  # another filesystem or system: by hand
            source.seek(offset)
            target.write(source.read(count))
            target.flush()
            return
        if done == 0:
            raise OSError(f"{source.name} changed while it was being copied")
        offset += done
        count -= done
