"""Quick rebuilds: `sitegen build` after an edit to articles and claims files,
from the saved state of the last build (site/state.py) instead of the whole
archive.

The rule is `serve`'s in-place rebuild (incremental.py): when every file that
changed since the last build is an existing article or claims file, and the
edit keeps the archive's arrangement (content/load.py's reload_articles),
only those files are read, only the pages that use them are planned again,
only those whose fingerprint changed are rendered, only files whose bytes
changed are written, claims.json is patched line by line, and only the
search bundles of changed pages are indexed again. When nothing changed,
nothing is done. Anything else, or any doubt (no state, a damaged one, an
error in a file, a warning under --strict), takes the full build, whose
output is the same.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import sqlite3
import time
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, BinaryIO

from sitegen.config import load_config
from sitegen.content.cache import LoadCache
from sitegen.content.load import reload_articles
from sitegen.diagnostics import ContentError, Diagnostic, Diagnostics
from sitegen.incremental import edited_articles
from sitegen.memory import gc_paused
from sitegen.site.deps import article_values, extra_reads, fingerprint, fingerprint_inputs
from sitegen.site.exports import claim_line
from sitegen.site.output import JOURNAL, MARKER, Stager, WriteStats, patch_files
from sitegen.site.pages import PagePlan, plan_item, replan
from sitegen.site.render import make_environment, template_dirs
from sitegen.site.search import SEARCH_DIR, SearchStats, index_site
from sitegen.site.state import (
    ITEM_KINDS,
    STORED_KINDS,
    BuildState,
    StateError,
    input_stats,
)

if TYPE_CHECKING:
    from pathlib import Path

    from sitegen.build import BuildOptions, BuildResult
    from sitegen.content.model import Archive, Claim


def quick_build(options: BuildOptions, started: float) -> BuildResult | None:
    """The build done the quick way, or None when it must be done in full."""
    config = load_config(options.src, Diagnostics())
    if config is None:
        return None
    out = options.out or options.src / config.output
    if not (out / MARKER).is_file() or (out / JOURNAL).exists():
        return None
    state = BuildState.open(options.src, out)
    if state is None:
        return None
    # gen-2 passes over the state's objects cost 30 ms here and there; a rebuild
    # makes little garbage, and the GC resumes after it
    try:
        with gc_paused():
            return _quick(options, out, state, started)
    except (StateError, sqlite3.Error):
        return None  # the full build writes a new state
    finally:
        state.close()


def _quick(options: BuildOptions, out: Path, state: BuildState,
           started: float) -> BuildResult | None:
    from sitegen.build import BuildResult
    from sitegen.site.files import render_pages

    if state.meta("header")["options"] != options.shape() or state.meta("whole_used"):
        return None
    src = options.src
    stats = input_stats(src, template_dirs(src))
    before = state.stats()
    sources = state.rows("sources")
    edited = set()
    for rel in stats.keys() | before.keys():
        if stats.get(rel) == before.get(rel):
            continue
        if rel in sources and rel in stats and _sha256(src / rel) == sources[rel]:
            continue  # touched, not changed
        edited.add(rel)
    kinds: Counter[str] = state.meta("kinds")
    diagnostics: list[Diagnostic] = state.meta("diagnostics")
    if options.strict and any(d.severity == "warning" for d in diagnostics):
        return None
    if not edited:
        if stats != before:
            state.update(stats=stats)
        return BuildResult(out=out, pages=kinds, claims=len(state.rows("claims")),
                           entities=len(state.meta("entities")),
                           seconds=time.perf_counter() - started,
                           stats=WriteStats(0, 0), diagnostics=diagnostics, quick=True)
    slugs = edited_articles(edited)
    if not slugs:
        return None
    archive = state.archive()
    reloaded = reload_articles(src, archive, LoadCache(keep_anchorers=False), slugs)
    if reloaded is None:
        return None
    new = reloaded.archive
    diagnostics = sorted([d for d in diagnostics if d.path not in reloaded.files]
                         + reloaded.diagnostics, key=Diagnostic.sort_key)
    if options.strict and any(d.severity == "warning" for d in diagnostics):
        return None
    updated = article_values(new, slugs, whole=False)
    plans: list[PagePlan] = []
    stored = state.pages(state.users(updated))
    for _path, page in sorted(stored.items()):
        if page.kind in ITEM_KINDS:
            plans.append(plan_item(new, page.kind, page.key))
        elif page.kind in STORED_KINDS:
            again = replan(new, [state.plan(page.plan, archive)], reloaded.swap)
            if again is None:
                return None
            plans += again
        else:
            return None
    values = state.rows("inputs").with_values(updated)
    values.fetch(name for plan in plans
                 for name in fingerprint_inputs(plan, stored[plan.path].reads))
    fingerprints = {plan.path: fingerprint(plan, values, stored[plan.path].reads)
                    for plan in plans}
    todo = [plan for plan in plans if fingerprints[plan.path] != stored[plan.path].fingerprint]
    env = make_environment(src, new, compiled=True, text=state.meta("ui_text"))
    try:
        files, rendered = render_pages(env, src, new, todo)
    except ContentError:
        return None  # the full build reports it, with every other error
    reads = {plan.path: extra_reads(plan, rendered[plan.path]) for plan in todo}
    if any("*" in names for names in reads.values()):
        return None  # a page now reads the whole archive: only a full build knows its value
    values.fetch(name for names in reads.values() for name in names)
    for plan in todo:  # as the next build will compute them
        fingerprints[plan.path] = fingerprint(plan, values, reads[plan.path])
    edited_claims = [c for slug in sorted(slugs) for c in new.claims_by_article.get(slug, [])]
    splice = _claims_json_splice(out, archive, new, edited_claims) if edited_claims else []
    if splice is None:
        return None
    search: list[SearchStats] = []

    def produce(stager: Stager) -> None:
        for path, data in files.items():
            stager.add(path, data)
        if splice:
            _write_spliced(out / "claims.json", stager.add_file("claims.json"), splice)

    searched_from: list[float] = []

    def finish(stager: Stager) -> None:
        searched_from.append(time.perf_counter())
        names = sorted({stored[path].bundle for path in files
                        if path in stored and path not in stager.kept} - {""})
        for name in names:
            stager.replace_tree(f"{SEARCH_DIR}/{name}")
        if names:
            layout = {name: state.meta(f"bundle:{name}") for name in names}
            search.append(index_site(stager.roots, layout, stager.staging / SEARCH_DIR))

    written = patch_files(out, produce, finish if options.search else None)
    if search:
        # the search refresh as a whole: the bundles indexed, swapped in, and the old
        # ones removed (which includes moving the few changed pages in: milliseconds)
        search[0] = replace(search[0], seconds=time.perf_counter() - searched_from[0])
    state.update(stats=stats, sources=reloaded.sources, values=updated, diagnostics=diagnostics,
                 articles={slug: new.articles[slug] for slug in slugs},
                 claims=edited_claims, fingerprints=fingerprints, plans=plans, reads=reads,
                 out=out, written=files, indexed=search[0].pages if search else ())
    return BuildResult(out=out, pages=kinds, claims=len(new.claims), entities=len(new.entities),
                       seconds=time.perf_counter() - started, stats=written,
                       search=search[0] if search else None, diagnostics=diagnostics,
                       rendered=len(todo), quick=True)


Splice = list[tuple[int, int, bytes]]  # (offset, length of the old line, new line)


def _claims_json_splice(out: Path, old: Archive, new: Archive,
                        claims: list[Claim]) -> Splice | None:
    """Where the edited claims' lines are in claims.json (one claim per line, in the
    archive's order, which an in-place edit keeps), and their new text; None if a
    line is not found as the last build wrote it."""
    try:
        with open(out / "claims.json", "rb") as stream, mmap.mmap(
                stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
            found = []
            for claim in claims:
                line = b"\n" + claim_line(old, old.claims[claim.id])
                fresh = b"\n" + claim_line(new, claim)
                if fresh == line:
                    continue
                at = data.find(line + b",\n")
                if at < 0:
                    at = data.find(line + b"\n]}")  # the last claim
                if at < 0:
                    return None
                found.append((at, len(line), fresh))
    except (OSError, ValueError):
        return None
    return sorted(found)


def _write_spliced(source: Path, target: str, splice: Splice) -> None:
    """Write `source` with the spliced lines replaced into `target`; the unchanged
    parts (all but a few lines of 100 MB) are copied by the kernel."""
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
            raise OSError("claims.json changed while it was being copied")
        offset += done
        count -= done


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
