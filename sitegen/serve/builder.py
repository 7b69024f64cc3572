"""`serve`'s side of the rebuild engine (rebuild.py): the archive, the parse
cache, the templates and the dependency record (state/schema.py) stay in
memory between rebuilds, the watcher says what changed, and files are written
into the preview folder one by one, each by an atomic replace.

An edit to articles, claims and entity files that keeps the archive's
arrangement is rebuilt in place (rebuild.in_place); anything else reads the
whole archive again through the parse cache, with every check, and renders the
pages whose fingerprint changed. Either way the folder ends up equal to a clean
build of the same content, and pages that no longer exist are removed.
"""

from __future__ import annotations

import gc
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import jinja2

from sitegen.content.cache import LoadCache
from sitegen.content.config import normalise_base_url
from sitegen.content.model import Archive, Claim
from sitegen.diagnostics import ContentError, Diagnostic
from sitegen.memory import long_lived
from sitegen.rebuild import (
    Edited,
    PlanSource,
    fingerprints_against,
    in_place,
    merged_diagnostics,
    read_site,
    run,
    settle,
)
from sitegen.site.deps import (
    InputValues,
    input_values,
    template_hashes,
    tree_hash,
)
from sitegen.site.exports import claims_csv, claims_json
from sitegen.site.files import render_pages, site_files
from sitegen.site.pages import PagePlan, plan_site, replan, search_pages
from sitegen.site.publish import export_splices, write_spliced
from sitegen.site.render import (
    make_environment,
    rebind,
    template_dirs,
    ui_text,
)
from sitegen.site.search import SearchPage, bundles
from sitegen.state.schema import Record


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
        # what the last good rebuild made each page from: the schema the build state
        # keeps on disk, in memory
        self.record = Record()
        self.written: dict[str, str] = {}  # output path → sha256 of the bytes on disk
        self.index: dict[str, int] = {}  # output path → position in self.plans
        self.ok = False  # whether the last rebuild succeeded
        # claims.json (100 MB at 10,000 articles) after an in-place edit: the edited
        # claims spliced in (site/publish.py) by write_exports(), which `serve`
        # calls once the page has been reloaded
        self.defer_exports = False
        self._pending_export: tuple[Archive, Archive, list[Claim]] | None = None
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
        self.write_exports()  # an in-place edit's splice applies to the file as it was
        report = run(_Serve(self, changed, time.perf_counter()))
        self.ok = report.ok
        return report

    def _rebuild_in_place(self, edited: Edited, started: float) -> RebuildReport | None:
        """Read the given articles, claims and entity files again and render the
        pages that show them; None if the edit does more than that can handle."""
        assert self.archive is not None and self._env is not None
        env = self._env

        def environment(archive: Archive) -> jinja2.Environment:
            # the memo stays: its keys hold content objects, and the edited ones are
            # new; but blocks reach entities through ids, so those read go
            rebind(env, archive, forget_memo=False)
            if edited.entities:
                stale = {f"entity:{entity_id}" for entity_id in edited.entities}
                env.globals["memo"].forget(lambda name: name.partition("#")[0] in stale)
            return env

        record = MemoryPlans(self)
        try:
            done = in_place(self.src, self.archive, self.cache, edited, record, environment)
        except ContentError as exc:
            self._env = None
            return RebuildReport(False, sorted(exc.diagnostics, key=Diagnostic.sort_key),
                                 seconds=time.perf_counter() - started, whole=False)
        if done is None:
            return None
        archive = done.archive
        changed = [path for path, data in sorted(done.files.items()) if self._write(path, data)]
        written = len(changed)
        if done.edited_claims:
            with self._exports_lock:
                self._pending_export = (self.archive, archive, done.edited_claims)
            if not self.defer_exports:
                written += self.write_exports()
        self.plans = list(self.plans)
        kept = self.record
        for plan in done.plans:
            path = plan.path
            old = self.plans[self.index[path]]
            self.plans[self.index[path]] = plan
            kept.use(path, (*old.inputs, *kept.pages[path].reads), False)
            kept.pages[path] = replace(kept.pages[path], fingerprint=done.fingerprints[path],
                                       reads=done.reads[path])
            kept.use(path, (*plan.inputs, *done.reads[path]))
        self.archive = archive
        kept.values = record.values(done.updated, archive, ())
        kept.files = archive.file_hashes
        kept.diagnostics = merged_diagnostics(kept.diagnostics, done.reloaded)
        todo = done.todo
        return RebuildReport(True, kept.diagnostics, rendered=len(todo), written=written,
                             seconds=time.perf_counter() - started,
                             search_changed=any(p.searchable for p in todo),
                             rendered_urls=tuple(p.url for p in todo),
                             changed_paths=tuple(changed), whole=False)

    @property
    def fingerprints(self) -> dict[str, str]:
        """Output path → the fingerprint of the page as last rendered."""
        return self.record.fingerprints()

    def _rebuild_all(self, started: float) -> RebuildReport:
        gc.unfreeze()  # the last rebuild's archive: collectable again once replaced
        with long_lived():
            # no parallel read: `serve` has threads (watcher, HTTP), and a process
            # forked from a threaded one can hang on a lock another thread held
            archive, diags = read_site(self.src, drafts=self.drafts, base_url=self.base_url,
                                       cache=self.cache)
        if archive is None or diags.errors:
            return RebuildReport(False, diags.sorted(), seconds=time.perf_counter() - started)
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
            rebind(self._env, archive, forget_memo=True)
        with long_lived():
            plans = plan_site(archive, text)
        values = input_values(archive, template_hashes(self._env, (p.template for p in plans)))
        before = self.record.pages
        fingerprints, reads = fingerprints_against(
            plans, values, {path: page.reads for path, page in before.items()})
        todo = [p for p in plans if p.path not in before
                or before[p.path].fingerprint != fingerprints[p.path]]
        try:
            files, rendered = render_pages(self._env, self.src, archive, todo)
            settle(todo, rendered, values, reads, fingerprints)
            files.update(site_files(self._env, self.src, archive, plans))
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
        self.archive, self.plans = archive, plans
        self.index = {plan.path: number for number, plan in enumerate(plans)}
        bundle_of = {path: name for name, paths in bundles(
            search_pages(plans), archive.config.search_shard_pages).items()
                     for path in paths}
        self.record = Record.of(plans, fingerprints, reads, bundle_of, archive.file_hashes, values,
                                diags.sorted()).index_uses(plans)
        return RebuildReport(True, self.record.diagnostics, rendered=len(todo), written=written,
                             removed=len(gone), seconds=time.perf_counter() - started,
                             search_changed=search_changed,
                             rendered_urls=tuple(p.url for p in todo),
                             changed_paths=(*changed, *gone))

    def write_exports(self) -> int:
        """Write claims.json and claims.csv if a rebuild left them to write
        (defer_exports); returns
        the number of files written. Safe to call from another thread than the
        rebuilds: the newest version is written, once."""
        with self._exports_lock:
            pending, self._pending_export = self._pending_export, None
            if pending is None:
                return 0
            old, new, claims = pending
            splices = export_splices(self.out, old, new, claims)
            if splices is None:  # not as the last rebuild wrote them: whole
                return (int(self._write("claims.json", claims_json(new)))
                        + int(self._write("claims.csv", claims_csv(new))))
            for name, splice in splices.items():
                self._replace(name, partial(write_spliced, self.out / name, splice=splice), "")
            return len(splices)

    def _write(self, path: str, data: bytes, digest: str | None = None) -> bool:
        """Write the file unless it holds these bytes already. `digest`: the
        bytes' sha256 if known, or "" for a file known to have changed (claims.json:
        hashing its 100 MB at 10,000 articles would take longer than writing it)."""
        if digest is None:
            digest = hashlib.sha256(data).hexdigest()
        if digest and self.written.get(path) == digest:
            return False
        self._replace(path, lambda temporary: temporary.write_bytes(data), digest)
        return True

    def _replace(self, path: str, fill: Callable[[Path], object], digest: str) -> None:
        """Replace the output file at `path` with what `fill` writes into a
        temporary file beside it: readers see the old or the new file, never half."""
        target = self.out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.sitegen-tmp")
        fill(temporary)
        os.replace(temporary, target)
        self.written[path] = digest

    def _remove(self, path: str) -> None:
        target = self.out / path
        target.unlink(missing_ok=True)
        del self.written[path]
        parent = target.parent
        while parent != self.out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


class _Serve:
    """A serve rebuild as the engine's target (rebuild.py): the watcher's paths
    say what changed, the session's memory holds the record."""

    def __init__(self, builder: IncrementalBuilder, changed: Iterable[str] | None,
                 started: float) -> None:
        self.builder, self.started = builder, started
        self.changed = set(changed) if changed is not None and builder.ok else None

    def changes(self) -> set[str] | None:
        return self.changed or None  # told of no file: read everything

    def unchanged(self) -> RebuildReport:
        raise AssertionError("serve rebuilds when told of a change")

    def in_place(self, edited: Edited) -> RebuildReport | None:
        # the GC would scan the new archive's copies of the lookups (hundreds of
        # thousands of references) again and again; they are frozen afterwards
        # like the rest of the archive, until the next whole rebuild
        with long_lived():
            return self.builder._rebuild_in_place(edited, self.started)

    def whole(self) -> RebuildReport:
        return self.builder._rebuild_all(self.started)


class MemoryPlans(PlanSource):
    """A serve session's record as `in_place` reads it."""

    def __init__(self, builder: IncrementalBuilder) -> None:
        self.builder = builder
        self._values: InputValues | None = None

    def users(self, inputs: Iterable[str]) -> set[str]:
        return self.builder.record.users(inputs)

    def made_from(self, paths: Iterable[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
        pages = self.builder.record.pages
        return {path: (pages[path].fingerprint, pages[path].reads) for path in paths}

    def replanned(self, paths: list[str], old: Archive, new: Archive,
                  swap: Mapping[int, object]) -> list[PagePlan] | None:
        builder = self.builder
        return replan(new, [builder.plans[builder.index[path]] for path in paths], swap)

    def values(self, updated: dict[str, str], archive: Archive,
               names: Iterable[str]) -> Mapping[str, str]:
        # the lookups' values stay: an in-place edit keeps every object's place in them
        if self._values is None:
            self._values = InputValues(archive)
            self._values.update(self.builder.record.values)
            self._values.update(updated)
        return self._values
