"""`sitegen build`'s side of the rebuild engine (rebuild.py) when the build
state of the last build is at hand: what changed since (size and time, then
hash), nothing (nothing done), and in-place edits to articles, claims and
entity files that keep the archive's arrangement.

An in-place edit reads only those files, and the articles and claims the
pages to render show from the state (state/stored.py); only the pages whose
fingerprint changed are rendered, only files whose bytes changed are written
(a patch of OUT), claims.json and claims.csv are spliced line by line
(site/publish.py), and only the changed pages are indexed, into the recent
search bundle (site/searchplan.py). Anything else, or any doubt (no state, a
damaged one, an error in a file, a warning under --strict), takes the full
build (build.py), whose output is the same.
"""

from __future__ import annotations

import sqlite3
import time
from collections import ChainMap, Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from sitegen.content.cache import LoadCache
from sitegen.content.config import load_config
from sitegen.diagnostics import ContentError, Diagnostic, Diagnostics
from sitegen.memory import gc_paused
from sitegen.rebuild import (
    BuildOptions,
    BuildResult,
    Edited,
    PlanSource,
    changed_files,
    in_place,
    merged_diagnostics,
)
from sitegen.site.output import JOURNAL, MARKER, Stager, WriteStats, patch_files
from sitegen.site.pages import PagePlan, plan_item, replan
from sitegen.site.publish import export_splices, write_spliced
from sitegen.site.render import make_environment, template_dirs
from sitegen.site.search import SEARCH_DIR, SearchStats
from sitegen.site.searchplan import PageIds, SearchUpdate, plan_update, stage_search
from sitegen.state.record import (
    ITEM_KINDS,
    STORED_KINDS,
    BuildState,
    Rows,
    StateError,
    StoredPage,
    input_path,
    input_stats,
    search_ids_path,
)

if TYPE_CHECKING:
    from pathlib import Path

    from sitegen.content.model import Archive


class QuickBuild:
    """`sitegen build`'s side of the engine (rebuild.py) when the build state of
    the last build is at hand: what changed, nothing, and in-place edits. Use as
    a context manager; `open` gives None when there is no usable state."""

    def __init__(self, options: BuildOptions, out: Path, state: BuildState,
                 started: float) -> None:
        self.options, self.out, self.state, self.started = options, out, state, started
        self.stats: dict[str, tuple[int, int]] = {}

    @classmethod
    def open(cls, options: BuildOptions, started: float) -> QuickBuild | None:
        config = load_config(options.src, Diagnostics())
        if config is None:
            return None
        out = options.out or options.src / config.output
        if not (out / MARKER).is_file() or (out / JOURNAL).exists():
            return None
        state = BuildState.open(options.src, out)
        return None if state is None else cls(options, out, state, started)

    def close(self) -> None:
        self.state.close()

    def changes(self) -> set[str] | None:
        """The input files changed since the last build; None when the state cannot
        tell what a build with these options would do."""
        state, options = self.state, self.options
        try:
            if (state.meta("header")["options"] != options.shape() or state.meta("whole_used")
                    or (options.strict and any(d.severity == "warning"
                                               for d in state.meta("diagnostics")))):
                return None
            src = options.src
            folders = template_dirs(src)
            self.stats = input_stats(src, folders)
            files, others = state.rows("files"), state.rows("others")

            def recorded(paths: list[str]) -> Mapping[str, str]:
                files.fetch(paths)  # at once: all of them after a fresh checkout
                others.fetch(paths)
                return ChainMap(files, others)

            return changed_files(partial(input_path, src, folders), self.stats, state.stats(),
                                 recorded)
        except (StateError, sqlite3.Error):
            return None  # the full build writes a new state

    def unchanged(self) -> BuildResult:
        state = self.state
        if self.stats != state.stats():
            state.update(stats=self.stats)  # files only touched
        return BuildResult(out=self.out, pages=state.meta("kinds"),
                           claims=len(state.rows("claims")),
                           entities=len(state.meta("entities")),
                           seconds=time.perf_counter() - self.started,
                           stats=WriteStats(0, 0), diagnostics=state.meta("diagnostics"),
                           quick=True)

    def in_place(self, edited: Edited) -> BuildResult | None:
        # gen-2 passes over the state's objects cost 30 ms here and there; a rebuild
        # makes little garbage, and the GC resumes after it
        try:
            with gc_paused():
                return _in_place(self.options, self.out, self.state, self.started,
                                 self.stats, edited)
        except (StateError, sqlite3.Error):
            return None  # the full build writes a new state


def _in_place(options: BuildOptions, out: Path, state: BuildState, started: float,
              stats: dict[str, tuple[int, int]], edited: Edited) -> BuildResult | None:
    src = options.src
    kinds: Counter[str] = state.meta("kinds")
    diagnostics: list[Diagnostic] = state.meta("diagnostics")
    archive = state.archive()
    text = state.meta("ui_text")
    try:
        plans_source = StatePlans(state)
        done = in_place(src, archive, LoadCache(keep_anchorers=False), edited, plans_source,
                        lambda new: make_environment(src, new, compiled=True, text=text))
    except ContentError:
        return None  # the full build reports it, with every other error
    if done is None:
        return None
    new = done.archive
    diagnostics = merged_diagnostics(diagnostics, done.reloaded)
    if options.strict and any(d.severity == "warning" for d in diagnostics):
        return None
    splices = (export_splices(out, archive, new, done.edited_claims)
               if done.edited_claims else {})
    if splices is None:
        return None
    search: list[SearchStats] = []

    def produce(stager: Stager) -> None:
        for path, data in done.files.items():
            stager.add(path, data)
        for name, splice in splices.items():  # copied while the search index is made
            stager.add_file_later(name, partial(write_spliced, out / name, splice=splice))

    searched_from: list[float] = []
    bundle = {path: page.bundle for path, page in state.pages(done.files).items()}
    updates: list[SearchUpdate] = []

    def finish(stager: Stager) -> None:
        searched_from.append(time.perf_counter())
        # site/searchplan.py; an in-place edit keeps every bundle's set of pages
        main, ids = StoredLayout(state), PageIds(search_ids_path(src, out))
        update = plan_update(state.meta("search"), main, stager.changed, out / SEARCH_DIR,
                             ids, new.config.search_recent_pages, bundle_of=bundle)
        updates.append(update)
        stats = stage_search(stager, update, main, ids)
        if stats is not None:
            search.append(stats)

    written = patch_files(out, produce, finish if options.search else None)
    if search:
        # the search refresh as a whole: the bundles indexed, swapped in, and the old
        # ones removed (which includes moving the few changed pages in: milliseconds),
        # less the wait for the spliced exports, which are copied meanwhile
        search[0] = replace(search[0], seconds=time.perf_counter() - searched_from[0]
                            - written.waited)
    state.update(stats=stats, files=done.reloaded.file_hashes, values=done.updated,
                 diagnostics=diagnostics,
                 articles={slug: new.articles[slug] for slug in edited.articles},
                 entities=new.entities if edited.entities else None,
                 claims=done.edited_claims, fingerprints=done.fingerprints, plans=done.plans,
                 reads={plan.path: done.reads[plan.path] for plan in done.todo},
                 reads_before={path: page.reads for path, page in plans_source.stored.items()},
                 out=out, written=done.files,
                 search=updates[0].state if updates else None)
    return BuildResult(out=out, pages=kinds, claims=len(new.claims), entities=len(new.entities),
                       seconds=time.perf_counter() - started, stats=written,
                       search=search[0] if search else None, diagnostics=diagnostics,
                       rendered=len(done.todo), quick=True)


class StoredLayout(Mapping[str, list[str]]):
    """The search bundles' pages as the build state holds them, read when asked."""

    def __init__(self, state: BuildState) -> None:
        self.state = state

    def __getitem__(self, name: str) -> list[str]:
        try:
            return self.state.meta(f"bundle:{name}")
        except StateError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.state.meta("search").main if self.state.meta("search") else ())

    def __len__(self) -> int:
        return sum(1 for _ in self)


class StatePlans(PlanSource):
    """The build state as `in_place` reads it: the pages of an input, what each
    was made from, and their plans (item pages from their key, list pages, home
    and feed from the stored plan)."""

    def __init__(self, state: BuildState) -> None:
        self.state = state
        self.stored: dict[str, StoredPage] = {}
        self._values: Rows[str] | None = None

    def users(self, inputs: Iterable[str]) -> set[str]:
        return self.state.users(inputs)

    def _pages(self, paths: Iterable[str]) -> dict[str, StoredPage]:
        missing = [path for path in paths if path not in self.stored]
        self.stored.update(self.state.pages(missing))
        return self.stored

    def made_from(self, paths: Iterable[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
        paths = list(paths)
        stored = self._pages(paths)
        return {path: (stored[path].fingerprint, stored[path].reads) for path in paths}

    def replanned(self, paths: list[str], old: Archive, new: Archive,
                  swap: Mapping[int, object]) -> list[PagePlan] | None:
        plans: list[PagePlan] = []
        stored = self._pages(paths)
        for path in paths:
            page = stored[path]
            if page.kind in ITEM_KINDS:
                plans.append(plan_item(new, page.kind, page.key))
            elif page.kind in STORED_KINDS:
                again = replan(new, [self.state.plan(page.plan, old)], swap)
                if again is None:
                    return None
                plans += again
            else:
                return None
        return plans

    def values(self, updated: dict[str, str], archive: Archive,
               names: Iterable[str]) -> Mapping[str, str]:
        if self._values is None:
            self._values = self.state.rows("inputs").with_values(updated)
        self._values.fetch(names)
        return self._values
