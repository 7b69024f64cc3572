"""Reading a large archive on several CPUs: forked workers fill the load cache.

A cold read of an archive is mostly markdown-it-py, YAML and quote anchoring,
one file at a time (about 36 s for 10,000 articles on one core). Before the
usual single pass over the archive, worker processes read the articles and
their claims files in chunks and send back what they parsed (the load cache's
entries, content/cache.py) and, when the cache is saved, a file of those
entries pickled and signed, which the parent's save takes whole instead of
pickling them again (0.6 s at 2,000 articles); the single pass then finds
everything in the cache and does only the cross-file work. Workers report
nothing: their diagnostics are found again, in order, by the single pass, so a
parallel read reports exactly what a sequential one does. The workers are
sitegen/workers.py's: a worker that dies, or spends more than TASK_TIMEOUT on a
chunk, stops the build with a WorkerError; no worker outlives the read.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sitegen import progress
from sitegen.content.cache import LoadCache
from sitegen.content.config import SiteConfig
from sitegen.content.model import Entity
from sitegen.content.reader import Reader
from sitegen.diagnostics import Diagnostics
from sitegen.memory import usable_cpus
from sitegen.workers import can_fork, fork_map

PARALLEL_FROM = 1000  # articles; below this, starting processes costs more than it saves
CHUNK = 250  # articles per task: small results, so none holds much memory in transit
TASK_TIMEOUT = 600.0  # seconds; a chunk takes about one: a worker silent this long is stuck
_SHARED: tuple[Path, SiteConfig, dict[str, Entity], LoadCache] | None = None


def read_in_parallel(src: Path, config: SiteConfig, cache: LoadCache,
                     workers: int | None = None) -> int:
    """Fill `cache` with the parsed articles, claims files and mentions of the site,
    read by forked worker processes, when the archive is large and the cache mostly
    empty (a first build, or a build after sitegen changed). Returns the number of
    workers used (0: nothing done; so too in a process that runs threads, which
    must not fork). Raises WorkerError if a worker dies or gets stuck."""
    count = workers if workers is not None else usable_cpus()
    if count < 2 or not can_fork():
        return 0
    reader = Reader(src, config, Diagnostics(), cache)
    files = [str(path) for path in reader.files("articles", ".md")]
    if len(files) < PARALLEL_FROM or len(cache.documents) >= len(files) // 2:
        return 0
    entities = reader.read_entities()  # once, here: the workers inherit them
    reader.read_pages()  # a few files: into the cache, here
    cache.finder(entities)  # the alias matcher, built once
    if cache.folder is not None:  # where the workers write their records (write_part)
        with contextlib.suppress(OSError):
            cache.folder.mkdir(exist_ok=True)
    global _SHARED
    _SHARED = (src, config, entities, cache)
    chunks = [files[start : start + CHUNK] for start in range(0, len(files), CHUNK)]
    progress.phase("reading articles", len(files))
    try:
        with fork_map(_read_chunk, chunks, workers=count, work="reading",
                      timeout=TASK_TIMEOUT) as results:
            for chunk, (tables, part) in zip(chunks, results, strict=True):
                cache.merge(tables, part)
                progress.advance(len(chunk))
    except BaseException:
        cache.discard_parts()
        raise
    finally:
        _SHARED = None
    return min(count, len(chunks))


def _read_chunk(paths: list[str]) -> tuple[dict[str, dict[object, object]], Path | None]:
    """In a worker: read these articles and their claims files into a fresh cache;
    its tables, and the file of their records for the parent's cache to save
    (when it is saved)."""
    assert _SHARED is not None
    src, config, entities, parent = _SHARED
    cache = parent.empty_copy()
    reader = Reader(src, config, Diagnostics(), cache)
    finder = cache.finder(entities)
    for name in paths:
        article = reader.read_article(Path(name))
        if article is None:
            continue
        cache.mentions(finder, article.body)
        claims = src / "content" / "claims" / f"{article.slug}.yaml"
        if claims.is_file() and not claims.is_symlink():
            reader.read_claims_path(claims, {article.slug: article})
    part = None
    if parent.folder is not None and parent.folder.is_dir():
        part = cache.write_part(parent.folder, os.getppid())
    return cache.entries(), part
