"""The state `sitegen serve` shares between the watcher, the HTTP threads and
the search refresher.

`lock` is held for a whole rebuild: a request that arrives meanwhile waits and
then gets the new version. `version` grows after every rebuild (good or
failed); pages carry the version they were served with, so a reload is never
lost between a page load and its event stream connecting.
"""

from __future__ import annotations

import shutil
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from sitegen.diagnostics import Diagnostic, format_report
from sitegen.serve.builder import IncrementalBuilder, RebuildReport
from sitegen.site.search import SEARCH_DIR, SearchError, bundles, run_pagefind, stage_pages
from sitegen.site.searchplan import RECENT_FILE, PageIds, SearchState, plan_update


class Session:
    def __init__(self, src: Path, out: Path, *, base_url: str | None = None,
                 search: bool = True, log: Callable[[str], None] = print) -> None:
        self.src = src
        self.out = out
        self.builder = IncrementalBuilder(src, out, drafts=True, base_url=base_url)
        self.builder.defer_exports = True  # claims.json after the reload (rebuild())
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.version = 0
        self.diagnostics: list[Diagnostic] = []  # errors of the last rebuild, shown as overlay
        self.closing = False
        self.log = log
        self.search = SearchRefresher(self) if search else None

    @property
    def failed(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def rebuild(self, changes: Iterable[str] = ()) -> RebuildReport:
        """Rebuild now (requests wait); bump the version so open pages reload."""
        changes = set(changes)
        what = _describe(changes)
        with self.lock:
            try:
                report = self.builder.rebuild(changes or None)
            except Exception as exc:  # a bug: keep serving, say so in the page and terminal
                self.log(traceback.format_exc())
                report = RebuildReport(False, [Diagnostic(
                    "sitegen", 0, 0, "error", f"internal error: {type(exc).__name__}: {exc}",
                    "this is a bug in sitegen; the traceback is in the terminal")])
            self.diagnostics = [] if report.ok else report.diagnostics
            self.version += 1
            self.changed.notify_all()
        # outside the lock: open pages reload meanwhile (a request for claims.json
        # in this moment gets the previous one, then this one)
        self.builder.write_exports()
        stamp = time.strftime("%H:%M:%S")
        ms = report.seconds * 1000
        if report.ok:
            self.log(f"[{stamp}] {what}: {report.rendered} pages rendered, {report.written} files "
                     f"written, {report.removed} removed, {ms:.0f} ms")
            if report.search_changed and self.search is not None:
                self.search.request(report.changed_paths)
        else:
            errors = sum(d.severity == "error" for d in report.diagnostics)
            self.log(f"[{stamp}] {what}: {errors} error(s), shown in the browser; "
                     f"still serving the last good site ({ms:.0f} ms)")
            self.log(format_report(report.diagnostics))
        return report

    def wait_for_change(self, seen: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.version != seen or self.closing, timeout=timeout)
            return self.version

    def close(self) -> None:
        with self.changed:
            self.closing = True
            self.changed.notify_all()
        if self.search is not None:
            self.search.stop()


def _describe(changes: Iterable[str]) -> str:
    names = sorted(set(changes))
    if not names:
        return "initial build"
    if len(names) == 1:
        return f"{names[0]} changed"
    return f"{names[0]} and {len(names) - 1} more changed"


class SearchRefresher:
    """Refreshes the Pagefind index in the background after rebuilds: at most
    one refresh runs, and requests made meanwhile coalesce into one more. The
    pages written anew since the last refresh go into their language's recent
    bundle, or, past the site's limit, their main bundles are indexed again
    whole (site/searchplan.py): the same rule as `sitegen build`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.wanted = threading.Event()
        self.stopping = False
        self.generation = 0
        self.done = threading.Condition()
        self.completed = 0  # refreshes finished (tests wait on it)
        self.busy = False  # a refresh runs
        self.dirty: set[str] = set()  # output files changed since the last refresh began
        self.state: SearchState | None = None  # the index in the output (site/searchplan.py)
        self.ids = PageIds()
        self.last: list[str] = []  # the bundles the last refresh indexed
        self.thread = threading.Thread(target=self._run, name="sitegen-search", daemon=True)
        self.thread.start()

    def request(self, changed: Iterable[str] = ()) -> None:
        """Ask for a refresh; `changed`: output files written or removed since."""
        with self.done:
            self.dirty.update(changed)
        self.wanted.set()

    def stop(self) -> None:
        self.stopping = True
        self.wanted.set()
        self.thread.join(timeout=30)

    def wait(self, count: int, timeout: float) -> bool:
        with self.done:
            return self.done.wait_for(lambda: self.completed >= count, timeout=timeout)

    def idle(self) -> bool:
        """Whether no refresh runs and none is wanted."""
        with self.done:
            return not self.busy and not self.wanted.is_set()

    def _run(self) -> None:
        while True:
            self.wanted.wait()
            if self.stopping:
                return
            with self.done:
                self.busy = True  # before `wanted` is cleared: idle() sees no gap
            self.wanted.clear()
            try:
                self._refresh()
            finally:
                with self.done:
                    self.busy = False

    def _refresh(self) -> None:
        session = self.session
        out = session.out
        target = out / SEARCH_DIR
        self.generation += 1
        scratch = out.parent / f".{out.name}.search-stage-{self.generation}"
        fresh = out.parent / f".{out.name}.search-new-{self.generation}"
        with self.done:
            dirty, self.dirty = self.dirty, set()
        try:
            with session.lock:  # a consistent snapshot of the pages, by hard links
                layout = bundles(session.builder.searchable,
                                 session.builder.archive.config.search_shard_pages)
                limit = session.builder.archive.config.search_recent_pages
                update = plan_update(self.state, layout, dirty, target, self.ids, limit)
                counts = stage_pages(out, update.layout(layout), scratch)
            stats = run_pagefind(scratch, counts, fresh)
            for name in update.merge:  # their ids, for the tombstones of later edits
                self.ids.of(fresh / name, name)
            with session.lock:
                target.mkdir(exist_ok=True)
                for name in update.indexed:  # bundle by bundle: each is searched on its own
                    old = out.parent / f".{out.name}.search-old-{self.generation}"
                    if (target / name).exists():
                        (target / name).rename(old)
                    (fresh / name).rename(target / name)
                    shutil.rmtree(old, ignore_errors=True)
                for name in update.removed:
                    shutil.rmtree(target / name, ignore_errors=True)
                recent = target / f".{RECENT_FILE}.{self.generation}"
                recent.write_bytes(update.state.recent_json())
                recent.replace(target / RECENT_FILE)
                self.state = update.state
                self.last = update.indexed
            session.log(f"[{time.strftime('%H:%M:%S')}] search index refreshed: "
                        f"{sum(stats.pages.values())} pages in {len(update.indexed)} "
                        f"bundle(s) ({', '.join(update.indexed) or 'none'}), "
                        f"{stats.seconds:.2f} s")
        except (SearchError, OSError) as exc:
            with self.done:
                self.dirty |= dirty  # indexed again at the next refresh
            session.log(f"search index refresh failed: {exc}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            shutil.rmtree(fresh, ignore_errors=True)
            with self.done:
                self.completed += 1
                self.done.notify_all()
