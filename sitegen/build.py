"""The build pipeline: read → plan → render → write.

`build()` gathers and validates everything before writing anything; content
errors raise `ContentError` and leave the previous output untouched.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from functools import partial
from pathlib import Path

from sitegen import progress
from sitegen.content.cache import LoadCache
from sitegen.content.model import Archive
from sitegen.diagnostics import ContentError, Diagnostics
from sitegen.memory import limit_problem, long_lived, release_memory
from sitegen.quick import QuickBuild
from sitegen.rebuild import (
    BuildOptions,
    BuildResult,
    Edited,
    fingerprints_against,
    input_hashes,
    read_site,
    run,
    settle,
)
from sitegen.signing import key_problem
from sitegen.site.deps import input_values, template_hashes
from sitegen.site.files import stage_pages, stage_site_files
from sitegen.site.output import JOURNAL, MARKER, Stager, check_output_dir, write_site
from sitegen.site.pages import plan_site, search_pages
from sitegen.site.render import (
    make_environment,
    template_dirs,
    ui_text,
)
from sitegen.site.search import SEARCH_DIR, SearchStats, bundles, pagefind_fits
from sitegen.site.searchplan import PageIds, SearchState, plan_update, stage_search
from sitegen.state.record import (
    CACHE_DIR,
    BuildRecord,
    BuildState,
    PageEntry,
    StateError,
    StateSaver,
    discard_state,
    input_path,
    input_stats,
    search_ids_path,
    state_path,
)
from sitegen.state.schema import Record


def load_checked(options: BuildOptions, notes: list[str] | None = None
                 ) -> tuple[Archive, Diagnostics]:
    """Load and validate the site; raise ContentError on errors (or warnings if strict).

    With options.cache, parse results are reused from and saved to the load cache
    (content/cache.py); a warning about a discarded cache goes to `notes`."""
    folder = options.src / CACHE_DIR
    cache = LoadCache(keep_anchorers=False)
    problems = [key_problem() if options.cache else "", limit_problem()]
    if notes is not None:
        notes += [problem for problem in problems if problem]
    if options.cache:
        cache, note = LoadCache.open(folder)
        if note and notes is not None:
            notes.append(note)
    archive, diags = read_site(options.src, drafts=options.drafts, base_url=options.base_url,
                               cache=cache, parallel=options.workers != 1)
    if options.cache and cache.changed:
        cache.save(folder)
    if archive is None or diags.errors or (options.strict and diags.warnings):
        raise ContentError(diags)
    return archive, diags


def build(options: BuildOptions) -> BuildResult:
    """Build the site at options.src into its output folder: nothing when nothing
    changed, the quick way for an edit that moves nothing, else in full (the
    engine's decision, rebuild.py, over the build state)."""
    started = time.perf_counter()
    quick = QuickBuild.open(options, started) if options.cache else None
    try:
        return run(_Build(options, started, quick))
    finally:
        if quick is not None:
            quick.close()


class _Build:
    """`sitegen build` as the engine's target: the build state's answers when
    there is one (quick.py), else a full build."""

    def __init__(self, options: BuildOptions, started: float, quick: QuickBuild | None) -> None:
        self.options, self.started, self.quick = options, started, quick

    def changes(self) -> set[str] | None:
        return self.quick.changes() if self.quick is not None else None

    def unchanged(self) -> BuildResult:
        assert self.quick is not None
        return self.quick.unchanged()

    def in_place(self, edited: Edited) -> BuildResult | None:
        return self.quick.in_place(edited) if self.quick is not None else None

    def whole(self) -> BuildResult:
        if self.quick is not None:
            self.quick.close()  # the full build replaces the state
            self.quick = None
        return full_build(self.options, self.started)


def full_build(options: BuildOptions, started: float) -> BuildResult:
    """Read the whole site and build it, rendering only the pages whose
    fingerprint differs from the last build's."""
    # before anything is read: a file edited during the build is found changed next time
    folders = template_dirs(options.src)
    stats = input_stats(options.src, folders) if options.cache else {}
    others = input_hashes(partial(input_path, options.src, folders), stats)
    notes: list[str] = []
    with long_lived():
        archive, diags = load_checked(options, notes)
        options.phase("loaded")
        out = options.out or options.src / archive.config.output
        check_output_dir(options.src, out)
        text = ui_text(options.src, archive)
        progress.phase("planning pages")
        plans = plan_site(archive, text)
        options.phase("planned")
    env = make_environment(options.src, archive, text=text)
    values = input_values(archive, template_hashes(env, (p.template for p in plans)))
    previous, search_before = last_build(options, out, notes)
    # a page is unchanged when nothing it declares nor anything its templates read
    # the last time changed: it would read the same again
    fingerprints, reads = fingerprints_against(
        plans, values, {path: entry.reads for path, entry in previous.items()})
    reusable = {p.path for p in plans if p.path in previous
                and previous[p.path].reusable(out, p.path, fingerprints[p.path])}
    fresh = [p for p in plans if p.path not in reusable]
    reused = [p for p in plans if p.path in reusable]
    search_layout = bundles(search_pages(plans), archive.config.search_shard_pages)
    bundle_of = {path: name for name, paths in search_layout.items() for path in paths}
    ids = PageIds(search_ids_path(options.src, out) if options.cache else None)
    search: list[SearchStats] = []
    pages = Counter(p.kind for p in plans if p.path.endswith(".html"))
    savers: list[StateSaver] = []  # the record's writer, once the pages are rendered
    counts = (len(archive.claims), len(archive.entities), len(plans) - len(reused))
    recent_pages = archive.config.search_recent_pages

    def release() -> None:
        """Let go of the archive, the plan and what was made from them (the state
        is written): Pagefind gets the memory."""
        nonlocal archive, plans, env, values, previous, fingerprints, reads, reusable
        nonlocal fresh, reused, bundle_of
        archive = plans = env = values = previous = fingerprints = reads = None  # type: ignore[assignment]
        reusable = fresh = reused = bundle_of = None  # type: ignore[assignment]
        release_memory()

    def produce(stager: Stager) -> None:
        todo = list(fresh)
        for plan in reused:
            if not stager.keep(plan.path):
                todo.append(plan)
        # the files that are not pages (claims.json, claims.csv: seconds at 10,000
        # articles) are written by this process while its workers render
        made: dict[str, str] = {}  # fingerprints, computed by the render workers
        rendered = stage_pages(stager, env, options.src, archive, todo, workers=options.workers,
                               meanwhile=partial(stage_site_files, stager, options.src,
                                                 archive, plans), values=values, fingerprints=made)
        settle(todo, rendered, values, reads, fingerprints, made)
        if options.cache:
            savers.append(StateSaver(options.src, out, BuildRecord(
                options.shape(), stats, archive, plans, Record.of(
                    plans, fingerprints, reads, bundle_of, archive.file_hashes, values,
                    diags.sorted()),
                search_layout, {"kinds": pages, "ui_text": text, "whole_used": any(
                    "*" in p.inputs or "*" in reads[p.path] for p in plans),
                    "search": None}, others), stager.roots))
        options.phase("rendered")

    def finish(stager: Stager) -> None:
        nonlocal env, previous, fingerprints, reads, reusable, fresh, reused, bundle_of
        update = None
        if options.search:  # site/searchplan.py: the changed pages, or whole bundles
            update = plan_update(search_before, search_layout, stager.changed,
                                 out / SEARCH_DIR, ids, recent_pages)
        largest = max(map(len, update.layout(search_layout).values()), default=0) if update else 0
        # memory is short: what only rendering needed goes now (the templates' memo
        # of reused blocks, the tables of fingerprints and reads that the state's
        # record holds again), the state is written first, not beside Pagefind, and
        # what it was written from let go, so that Pagefind does not run on top of
        # everything the build holds (about 13 GB at 100,000 articles)
        short = largest > 0 and not pagefind_fits(largest)
        if short:  # the state has its own record of pages: the plan's tables can go too
            env = previous = fingerprints = reads = None  # type: ignore[assignment]
            reusable = fresh = reused = bundle_of = None  # type: ignore[assignment]
            release_memory()
        for saver in savers:
            assert saver.record is not None
            saver.record.extra["search"] = update.state if update else None
            saver.start()  # the render workers are done: no fork from here on
        if update is not None:
            if short:
                for saver in savers:
                    saver.written()
                release()
                options.phase("released")
            stats = stage_search(stager, update, search_layout, ids)
            if stats is not None:
                search.append(stats)
        for saver in savers:
            saver.noted()  # the pages' files as they will be in place: OUT may change now

    discard_state(options.src, out)  # it describes the output about to change
    try:
        written = write_site(out, produce, hook=options.hook, finish=finish)
    except BaseException:
        for saver in savers:
            saver.abandon()
        raise
    for saver in savers:
        note = saver.install()
        notes += [note] if note else []
    return BuildResult(
        out=out, pages=pages, claims=counts[0], entities=counts[1],
        seconds=time.perf_counter() - started, stats=written,
        search=search[0] if search else None, diagnostics=diags.sorted(),
        rendered=counts[2], notes=notes,
    )


def last_build(options: BuildOptions, out: Path,
               notes: list[str]) -> tuple[dict[str, PageEntry], SearchState | None]:
    """What the last build into `out` made each page from, and its search index
    (build state, state/record.py); nothing without the cache, when the output
    is not sitegen's or a patch of it was interrupted."""
    if not options.cache or not (out / MARKER).is_file() or (out / JOURNAL).exists():
        return {}, None
    state, note = BuildState.open_noting(options.src, out)
    notes += [note] if note else []
    if state is None:
        return {}, None
    try:
        return state.page_entries(), state.meta("search")
    except (sqlite3.Error, StateError, ValueError, TypeError):
        notes.append(f"{state_path(options.src, out)}: the build state is damaged; ignored "
                     "(every page is rendered, and a new state written)")
        return {}, None
    finally:
        state.close()
