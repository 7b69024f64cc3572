"""Incremental builds for `sitegen serve`: keep the last build's state and
render again only the pages whose fingerprint changed (site/deps.py).

Two ways, one result (the output folder always equals a clean build of the
same content):

- An edit to articles and claims files that leaves the archive's arrangement
  as it was (a review, a quote, a claim's wording, an article's text: see
  content/load.py's reload_articles) reads only those files again, swaps the
  new objects into the archive and plans again only the pages that show them
  (found through each page's declared inputs).
- Anything else reloads the whole archive, through a LoadCache, so only
  changed files are parsed again; cross-checks (anchors, references,
  mentions) run on the whole archive, so a rebuild reports exactly what a clean
  build would, and every page is planned and fingerprinted again.

Either way only pages whose fingerprint changed are rendered, files are
written only when their bytes changed, each by an atomic replace, and pages
that no longer exist are removed.
"""

from __future__ import annotations

import gc
import hashlib
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sitegen.build import long_lived, render_pages, site_files
from sitegen.check import template_syntax
from sitegen.config import normalise_base_url
from sitegen.content.cache import LoadCache
from sitegen.content.load import load_archive, reload_articles
from sitegen.content.model import Archive
from sitegen.diagnostics import ContentError, Diagnostic
from sitegen.site.deps import (
    article_values,
    fingerprint,
    input_values,
    template_hashes,
    tree_hash,
)
from sitegen.site.exports import claim_line, claim_lines, claims_json_from
from sitegen.site.pages import PagePlan, plan_site, replan, search_pages
from sitegen.site.render import make_environment, template_dirs, ui_text
from sitegen.site.search import SearchPage


@dataclass(frozen=True)
class RebuildReport:
    ok: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    rendered: int = 0
    written: int = 0
    removed: int = 0
    seconds: float = 0.0
    search_changed: bool = False  # a searchable page was added, changed or removed
    rendered_urls: tuple[str, ...] = ()
    changed_paths: tuple[str, ...] = ()  # output files written or removed
    whole: bool = True  # the whole archive was read and planned again


class IncrementalBuilder:
    def __init__(self, src: Path, out: Path, *, drafts: bool = True,
                 base_url: str | None = None) -> None:
        self.src = src
        self.out = out
        self.drafts = drafts
        self.base_url = normalise_base_url(base_url) if base_url else None
        self.cache = LoadCache()
        self.archive: Archive | None = None
        self.plans: list[PagePlan] = []
        self.fingerprints: dict[str, str] = {}  # page output path → fingerprint
        self.written: dict[str, str] = {}  # output path → sha256 of the bytes on disk
        self.values: dict[str, str] = {}  # input → its value (site/deps.py)
        self.users: dict[str, set[str]] = {}  # input → output paths of the pages using it
        self.index: dict[str, int] = {}  # output path → position in self.plans
        self.diagnostics: list[Diagnostic] = []  # of the last successful rebuild
        self.claim_lines: dict[str, bytes] = {}  # claims.json's, by claim id
        self.ok = False  # whether the last rebuild succeeded
        # claims.json (100 MB at 10,000 articles) after an in-place edit: written by
        # write_exports(), which `serve` calls once the page has been reloaded
        self.defer_exports = False
        self._pending_export: tuple[Archive, dict[str, bytes]] | None = None
        self._exports_lock = threading.Lock()
        self._env = None
        self._templates = ""

    @property
    def searchable(self) -> list[SearchPage]:
        return search_pages(self.plans)

    def rebuild(self, changed: Iterable[str] | None = None) -> RebuildReport:
        """Bring the output folder up to date with the sources. `changed`: the files
        changed since the last rebuild (paths relative to the site, folders ending
        in '/'), if known; edits to articles and claims then take the short way."""
        started = time.perf_counter()
        slugs = edited_articles(changed) if changed is not None and self.ok else None
        report = None
        if slugs:
            # the GC would scan the new archive's copies of the lookups (hundreds of
            # thousands of references) again and again; they are frozen afterwards
            # like the rest of the archive, until the next whole rebuild
            with long_lived():
                report = self._rebuild_articles(slugs, started)
        if report is None:
            report = self._rebuild_all(started)
        self.ok = report.ok
        return report

    def _rebuild_articles(self, slugs: set[str], started: float) -> RebuildReport | None:
        """Read the given articles and claims files again and render the pages that
        show them; None if the edit does more than that can handle."""
        assert self.archive is not None and self._env is not None
        reloaded = reload_articles(self.src, self.archive, self.cache, slugs)
        if reloaded is None:
            return None
        archive = reloaded.archive
        # "*" (a hash over every file) only if a page uses it
        updated = article_values(archive, slugs, whole=bool(self.users.get("*")))
        values = {**self.values, **updated}
        # every page that holds one of the swapped objects, whether its file changed
        # or not (a claim is read again when its article changes)
        affected = sorted(set().union(*(self.users.get(name, ()) for name in updated)))
        plans = replan(archive, [self.plans[self.index[path]] for path in affected],
                       reloaded.swap)
        if plans is None:
            return None
        # the memo stays: its keys hold content objects, and the edited ones are new
        self._env.globals.update(archive=archive, config=archive.config)
        fingerprints = {plan.path: fingerprint(plan, values) for plan in plans}
        todo = [p for p in plans if self.fingerprints.get(p.path) != fingerprints[p.path]]
        try:
            files = render_pages(self._env, self.src, archive, todo)
        except ContentError as exc:
            self._env = None
            return RebuildReport(False, sorted(exc.diagnostics, key=Diagnostic.sort_key),
                                 seconds=time.perf_counter() - started, whole=False)
        changed = [path for path, data in sorted(files.items()) if self._write(path, data)]
        written = len(changed)
        edited = {c.id: claim_line(archive, c) for slug in slugs
                  for c in archive.claims_by_article.get(slug, [])}
        lines = self.claim_lines
        if any(lines[claim_id] != line for claim_id, line in edited.items()):
            lines = {**lines, **edited}
            with self._exports_lock:
                self._pending_export = (archive, lines)
            if not self.defer_exports:
                written += self.write_exports()
        self.plans = list(self.plans)
        for plan in plans:
            old = self.plans[self.index[plan.path]]
            self.plans[self.index[plan.path]] = plan
            self._use(old, False)
            self._use(plan, True)
        self.archive, self.values, self.claim_lines = archive, values, lines
        self.fingerprints.update(fingerprints)
        self.diagnostics = sorted(
            [d for d in self.diagnostics if d.path not in reloaded.files]
            + reloaded.diagnostics, key=Diagnostic.sort_key)
        return RebuildReport(True, self.diagnostics, rendered=len(todo), written=written,
                             seconds=time.perf_counter() - started,
                             search_changed=any(p.searchable for p in todo),
                             rendered_urls=tuple(p.url for p in todo),
                             changed_paths=tuple(changed), whole=False)

    def _use(self, plan: PagePlan, used: bool) -> None:
        """Record (or forget) which inputs the page uses."""
        for name in plan.inputs:
            users = self.users.setdefault(name, set())
            if used:
                users.add(plan.path)
            else:
                users.discard(plan.path)

    def _rebuild_all(self, started: float) -> RebuildReport:
        gc.unfreeze()  # the last rebuild's archive: collectable again once replaced
        with long_lived():
            # no parallel read: `serve` has threads (watcher, HTTP), and a process
            # forked from a threaded one can hang on a lock another thread held
            loaded = load_archive(self.src, drafts=self.drafts, cache=self.cache)
        diags = loaded.diagnostics
        diags.extend(template_syntax(self.src))
        if loaded.archive is None or diags.errors:
            return RebuildReport(False, diags.sorted(), seconds=time.perf_counter() - started)
        archive = loaded.archive
        if self.base_url:
            archive = replace(archive, config=archive.config.with_base_url(self.base_url))
        try:
            text = ui_text(self.src, archive)
        except ContentError as exc:  # the site's templates/ui-text.yaml
            return RebuildReport(False, sorted(exc.diagnostics, key=Diagnostic.sort_key),
                                 seconds=time.perf_counter() - started)
        templates = tree_hash(template_dirs(self.src))
        if self._env is None or templates != self._templates:
            self._env = make_environment(self.src, archive, text=text)
            self._templates = templates
        else:
            self._env.globals.update(archive=archive, config=archive.config)
            self._env.globals["memo"].clear()
        with long_lived():
            plans = plan_site(archive, text)
        values = input_values(archive, template_hashes(self._env, (p.template for p in plans)))
        fingerprints = {plan.path: fingerprint(plan, values) for plan in plans}
        todo = [p for p in plans if self.fingerprints.get(p.path) != fingerprints[p.path]]
        try:
            files = render_pages(self._env, self.src, archive, todo)
            lines = claim_lines(archive)
            files.update(site_files(self._env, self.src, archive, plans, lines))
        except ContentError as exc:
            self._env = None  # a template error: start afresh after the fix
            return RebuildReport(False, sorted(exc.diagnostics, key=Diagnostic.sort_key),
                                 seconds=time.perf_counter() - started)
        current = set(fingerprints) | set(files)
        with self._exports_lock:  # claims.json too: no deferred one may follow it
            self._pending_export = None
            changed = [path for path, data in sorted(files.items()) if self._write(path, data)]
            written = len(changed)
        gone = sorted(path for path in self.written if path not in current)
        for path in gone:
            self._remove(path)
        old_search = {p.path for p in self.plans if p.searchable}
        new_search = {p.path for p in plans if p.searchable}
        search_changed = old_search != new_search or any(p.searchable for p in todo)
        self.archive, self.plans, self.fingerprints = archive, plans, fingerprints
        self.values, self.claim_lines = values, lines
        self.index = {plan.path: number for number, plan in enumerate(plans)}
        self.users = {}
        for plan in plans:
            self._use(plan, True)
        self.diagnostics = diags.sorted()
        return RebuildReport(True, self.diagnostics, rendered=len(todo), written=written,
                             removed=len(gone), seconds=time.perf_counter() - started,
                             search_changed=search_changed,
                             rendered_urls=tuple(p.url for p in todo),
                             changed_paths=(*changed, *gone))

    def write_exports(self) -> int:
        """Write claims.json if a rebuild left it to write (defer_exports); returns
        the number of files written. Safe to call from another thread than the
        rebuilds: the newest version is written, once."""
        with self._exports_lock:
            pending, self._pending_export = self._pending_export, None
            if pending is None:
                return 0
            archive, lines = pending
            return int(self._write("claims.json", claims_json_from(archive, lines.values()), ""))

    def _write(self, path: str, data: bytes, digest: str | None = None) -> bool:
        """Write the file unless it holds these bytes already. `digest`: the
        bytes' sha256 if known, or "" for a file known to have changed (claims.json:
        hashing its 100 MB at 10,000 articles would take longer than writing it)."""
        if digest is None:
            digest = hashlib.sha256(data).hexdigest()
        if digest and self.written.get(path) == digest:
            return False
        target = self.out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.sitegen-tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)  # readers see the old or the new file, never half
        self.written[path] = digest
        return True

    def _remove(self, path: str) -> None:
        target = self.out / path
        target.unlink(missing_ok=True)
        del self.written[path]
        parent = target.parent
        while parent != self.out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def edited_articles(changed: Iterable[str]) -> set[str] | None:
    """The slugs of the articles whose file or claims file is among `changed`, or
    None if anything else changed too."""
    slugs = set()
    for name in changed:
        folder, _, file = name.rpartition("/")
        stem, dot, suffix = file.rpartition(".")
        if (folder, dot + suffix) not in (("content/articles", ".md"),
                                          ("content/claims", ".yaml")) or not stem:
            return None
        slugs.add(stem)
    return slugs
