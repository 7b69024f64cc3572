"""Incremental builds for `sitegen serve`: keep the last build's state and
render again only the pages whose fingerprint changed (site/deps.py).

The whole archive is reloaded after every edit, but through a LoadCache, so
only changed files are parsed again; cross-checks (anchors, references,
mentions) always run on the whole archive, so a rebuild reports exactly what
a clean build would. Files are written into the output folder only when
their bytes changed, each by an atomic replace, and pages that no longer exist
are removed, so the folder always equals a clean build of the same content.
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from sitegen.build import long_lived, render_pages, site_files
from sitegen.check import template_syntax
from sitegen.config import normalise_base_url
from sitegen.content.cache import LoadCache
from sitegen.content.load import load_archive
from sitegen.content.model import Archive
from sitegen.diagnostics import ContentError, Diagnostic
from sitegen.site.deps import fingerprint, input_values, template_hashes, tree_hash
from sitegen.site.pages import PagePlan, plan_site, search_pages
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
        self._env = None
        self._templates = ""

    @property
    def searchable(self) -> list[SearchPage]:
        return search_pages(self.plans)

    def rebuild(self) -> RebuildReport:
        """Bring the output folder up to date with the sources."""
        started = time.perf_counter()
        gc.unfreeze()  # the last rebuild's archive: collectable again once replaced
        with long_lived():
            loaded = load_archive(self.src, drafts=self.drafts, cache=self.cache)
        diags = loaded.diagnostics
        diags.extend(template_syntax(self.src))
        if loaded.archive is None or diags.errors:
            return RebuildReport(False, diags.sorted(), seconds=time.perf_counter() - started)
        archive = loaded.archive
        if self.base_url:
            archive = replace(archive, config=archive.config.with_base_url(self.base_url))
        templates = tree_hash(template_dirs(self.src))
        if self._env is None or templates != self._templates:
            self._env = make_environment(self.src, archive)
            self._templates = templates
        else:
            self._env.globals.update(archive=archive, config=archive.config)
            self._env.globals["memo"].clear()
        with long_lived():
            plans = plan_site(archive, ui_text(self.src, archive))
        values = input_values(archive, template_hashes(self._env, (p.template for p in plans)))
        fingerprints = {plan.path: fingerprint(plan, values) for plan in plans}
        todo = [p for p in plans if self.fingerprints.get(p.path) != fingerprints[p.path]]
        try:
            files = render_pages(self._env, self.src, archive, todo)
            files.update(site_files(self._env, self.src, archive, plans))
        except ContentError as exc:
            self._env = None  # a template error: start afresh after the fix
            return RebuildReport(False, sorted(exc.diagnostics, key=Diagnostic.sort_key),
                                 seconds=time.perf_counter() - started)
        current = set(fingerprints) | set(files)
        written = sum(self._write(path, data) for path, data in sorted(files.items()))
        gone = sorted(path for path in self.written if path not in current)
        for path in gone:
            self._remove(path)
        old_search = {p.path for p in self.plans if p.searchable}
        new_search = {p.path for p in plans if p.searchable}
        search_changed = old_search != new_search or any(p.searchable for p in todo)
        self.archive, self.plans, self.fingerprints = archive, plans, fingerprints
        return RebuildReport(True, diags.sorted(), rendered=len(todo), written=written,
                             removed=len(gone), seconds=time.perf_counter() - started,
                             search_changed=search_changed,
                             rendered_urls=tuple(p.url for p in todo))

    def _write(self, path: str, data: bytes) -> bool:
        digest = hashlib.sha256(data).hexdigest()
        if self.written.get(path) == digest:
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
