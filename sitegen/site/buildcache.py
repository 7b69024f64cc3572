"""The build cache (`.sitegen-cache/build-<output>.json` in the site folder): what the
last build of each page was made from, so the next `sitegen build` renders
only pages whose inputs changed and hard-links the others from the previous
output.

The cache is plain JSON and only ever a hint: an entry is used when the page's
fingerprint (site/deps.py) is unchanged *and* the previous output file still
has the size and modification time recorded for it. A cache that is corrupt,
made by another sitegen version, or for another output folder is discarded
with a warning; deleting the folder is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen import __version__

CACHE_DIR = ".sitegen-cache"
FORMAT = 2
Reads = dict[str, tuple[str, ...]]  # page → what its templates read (site/reads.py)


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    size: int
    mtime_ns: int
    reads: tuple[str, ...] = ()  # what the page's templates read beyond its declared inputs


class BuildCache:
    def __init__(self, pages: dict[str, Entry] | None = None) -> None:
        self.pages: dict[str, Entry] = pages or {}

    def reads(self, path: str) -> tuple[str, ...]:
        """What the page read when it was last rendered (none if unknown)."""
        entry = self.pages.get(path)
        return entry.reads if entry else ()

    def unchanged(self, key: str, fingerprint: str) -> bool:
        """Whether `key` (e.g. a search bundle) was last made from the same inputs."""
        entry = self.pages.get(key)
        return entry is not None and entry.fingerprint == fingerprint

    def reusable(self, out: Path, path: str, fingerprint: str) -> bool:
        """Whether the previous output of `path` was built from the same inputs."""
        entry = self.pages.get(path)
        if entry is None or entry.fingerprint != fingerprint:
            return False
        try:
            stat = os.stat(f"{out}/{path}")
        except OSError:
            return False
        return stat.st_size == entry.size and stat.st_mtime_ns == entry.mtime_ns


def cache_path(src: Path, out: Path) -> Path:
    """One cache file per output folder, so building into several never thrashes."""
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:12]
    return src / CACHE_DIR / f"build-{key}.json"


def delta_path(src: Path, out: Path) -> Path:
    """What quick rebuilds (sitegen/quick.py) changed since the cache file was written."""
    return cache_path(src, out).with_suffix(".delta.json")


def bundle_key(paths: list[str], fingerprints: dict[str, str]) -> str:
    """What a search bundle's index is made from: its pages and their fingerprints."""
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(f"{path}\0{fingerprints[path]}\0".encode())
    return h.hexdigest()


def read_cache(src: Path, out: Path) -> tuple[BuildCache, str]:
    """The cache for building into `out`, and a warning when one was discarded."""
    cache, note = _read_cache(src, out)
    if cache.pages:
        cache.pages.update(_read_delta(delta_path(src, out)))
    return cache, note


def _read_delta(path: Path) -> dict[str, Entry]:
    """The entries quick rebuilds recorded; none if the file is damaged (the older
    entries it would replace then fail their check, and the pages are rendered)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {page: _entry(page, fields) for page, fields in data.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def _entry(page: object, fields: object) -> Entry:
    """An entry as JSON holds it; ValueError when it has another shape."""
    if not isinstance(fields, list) or len(fields) != 4:
        raise ValueError(page)
    fingerprint, size, mtime_ns, reads = fields
    if not (isinstance(page, str) and isinstance(fingerprint, str) and isinstance(size, int)
            and isinstance(mtime_ns, int) and isinstance(reads, list)
            and all(isinstance(name, str) for name in reads)):
        raise ValueError(page)
    return Entry(fingerprint, size, mtime_ns, tuple(reads))


def record_quick_rebuild(src: Path, out: Path, fingerprints: dict[str, str],
                         reads: Reads) -> None:
    """After a quick rebuild: the new fingerprints (and reads) of the pages and
    search bundles it planned again, kept beside the cache file until the next
    full build rewrites it, so that build reuses what the quick one made."""
    path = delta_path(src, out)
    entries = {page: [e.fingerprint, e.size, e.mtime_ns, list(e.reads)]
               for page, e in _read_delta(path).items()}
    entries.update(_entries(out, fingerprints, reads))
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(entries), encoding="utf-8")
    os.replace(temporary, path)


def _entries(out: Path, fingerprints: dict[str, str], reads: Reads) -> dict[str, list[Any]]:
    pages = {}
    for page, fingerprint in sorted(fingerprints.items()):
        try:
            stat = os.stat(f"{out}/{page}")
        except OSError:
            continue
        pages[page] = [fingerprint, stat.st_size, stat.st_mtime_ns, list(reads.get(page, ()))]
    return pages


def _read_cache(src: Path, out: Path) -> tuple[BuildCache, str]:
    path = cache_path(src, out)
    if not path.is_file():
        return BuildCache(), ""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return BuildCache(), f"{path}: unknown cache format; ignored (it will be rebuilt)"
        if data.get("sitegen") != __version__:
            return BuildCache(), (f"{path}: made by sitegen {data.get('sitegen')}; ignored "
                                  "(it will be rebuilt)")
        if data.get("out") != str(out.resolve()):
            return BuildCache(), f"{path}: made for another output folder; ignored"
        pages = {page: _entry(page, fields) for page, fields in data["pages"].items()}
        return BuildCache(pages), ""
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return BuildCache(), f"{path}: the cache is damaged; ignored (it will be rebuilt)"


def write_cache(src: Path, out: Path, fingerprints: dict[str, str], reads: Reads) -> None:
    """Record the fingerprints of the pages now in `out`, and what they read."""
    pages = _entries(out, fingerprints, reads)
    path = cache_path(src, out)
    path.parent.mkdir(exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"format": FORMAT, "sitegen": __version__,
                                     "out": str(out.resolve()), "pages": pages}),
                         encoding="utf-8")
    os.replace(temporary, path)
    delta_path(src, out).unlink(missing_ok=True)
