"""What a rebuild hands on once its pages are written: the search bundles to
index again, and claims.json. Every command decides both the same way.

Search: a bundle (site/search.py) is indexed again when its set of pages
differs from the set it was last indexed with (`pages_key`, kept in the
record), or when one of its pages was written with new bytes since. A page
rendered again to the same bytes leaves its bundle as it is. `build` indexes
in the same step as it writes (the previous index stays if anything fails);
`serve` collects the changed pages until its background refresh succeeds.

claims.json and claims.csv: a rebuild that read the whole site writes them
whole. An in-place edit (rebuild.in_place) keeps every claim's place in
them, so the edited claims' lines are spliced into the files as they are
(`export_splices`, `write_spliced`): at 10,000 articles claims.json is
100 MB, and the unchanged parts are copied by the kernel.
"""

from __future__ import annotations

import hashlib
import mmap
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sitegen.content.model import Archive, Claim
from sitegen.site.exports import CSV_NEWLINE, claim_line, claim_row


def pages_key(paths: Iterable[str]) -> str:
    """The key of a bundle's set of pages."""
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(f"{path}\0".encode())
    return h.hexdigest()


def bundle_keys(layout: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Bundle → the key of its pages (`layout`: site/search.py's bundles())."""
    return {name: pages_key(paths) for name, paths in layout.items()}


def stale_bundles(keys: Mapping[str, str], indexed: Mapping[str, str],
                  changed: Iterable[str], bundle_of: Mapping[str, str]) -> list[str]:
    """The bundles to index again: those of `keys` (the bundles now) whose pages
    differ from when they were last indexed (`indexed`, their keys then), and
    those holding a page of `changed` (written with new bytes since)."""
    stale = {name for name, key in keys.items() if indexed.get(name) != key}
    stale.update(bundle_of.get(path, "") for path in changed)
    return sorted(stale & keys.keys())


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
