"""The rebuild engine's decisions, shared by `sitegen build` and `serve`.

Every rebuild asks the same questions in the same order, whichever command
runs it and wherever the record of the last build is kept (the build state on
disk for `build`, memory for `serve`):

1. What changed since the last build? (`changed_files`: size and time
   against the record, confirmed by the file's hash; `serve` passes the
   watcher's paths instead.) Nothing: nothing to do.
2. Does the edit move anything? (`edited_files` and content/load.py's
   reload_files.) Articles, claims and entity files edited in a way that
   keeps every object's place: `in_place` reads only those files, plans again
   only the pages that declare or read them (the record's uses), and renders
   those whose fingerprint changed.
3. Anything else: the whole site is read, with every check `sitegen check`
   runs (`read_site`), and every page planned and fingerprinted against the
   record (`fingerprints_against`); the pages whose fingerprint differs are
   rendered.

A page's fingerprint covers what it declares and what its templates read
when it was last rendered (site/reads.py); `settle` replaces the latter with
what they read now, once rendered.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, TypeVar

import jinja2

from sitegen.content.cache import LoadCache
from sitegen.content.config import normalise_base_url
from sitegen.content.load import Reloaded, cross_file, load_archive, reload_files
from sitegen.content.model import Archive, Claim
from sitegen.diagnostics import Diagnostic, Diagnostics
from sitegen.memory import usable_cpus
from sitegen.site.deps import edit_values, fingerprint
from sitegen.site.files import Reads, render_pages
from sitegen.site.output import WriteStats
from sitegen.site.pages import PagePlan
from sitegen.site.render import template_errors
from sitegen.site.search import SearchStats

R = TypeVar("R")
Stats = dict[str, tuple[int, int]]  # file relative to the site → (size, mtime_ns)


@dataclass(frozen=True)
class BuildOptions:
    src: Path = Path(".")
    out: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    strict: bool = False
    search: bool = True  # build the Pagefind index
    cache: bool = True  # reuse unchanged pages of the last build (.sitegen-cache/)
    workers: int | None = None  # rendering processes (default: by site size and CPUs)
    # Called with the name of each phase as it ends ("loaded", "planned",
    # "rendered", "staged"); tests use it to interrupt a build at every phase.
    hook: Callable[[str], None] | None = None

    def shape(self) -> str:
        """The options that shape the output (a quick rebuild must match them)."""
        base = normalise_base_url(self.base_url) if self.base_url else ""
        return repr((self.drafts, base, self.search))

    def phase(self, name: str) -> None:
        if self.hook is not None:
            self.hook(name)


@dataclass(frozen=True)
class BuildResult:
    out: Path
    pages: Counter[str]
    claims: int
    entities: int
    seconds: float
    stats: WriteStats
    search: SearchStats | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    rendered: int = 0  # pages rendered (the others were unchanged since the last build)
    notes: list[str] = field(default_factory=list)
    quick: bool = False  # rebuilt from the saved state of the last build (sitegen/quick.py)

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.pages.items()))
        total = sum(self.pages.values())
        search = f"; {self.search.summary()}" if self.search else ""
        how = " (quick rebuild)" if self.quick else ""
        return (f"built {total} pages ({kinds}), {self.rendered} rendered{how}; "
                f"{self.claims} claims, {self.entities} entities; "
                f"{self.stats.written} files written, {self.stats.unchanged} unchanged"
                f"{search}; {self.seconds:.2f} s → {self.out}")


class Target(Protocol[R]):
    """A command's side of a rebuild: where its record is kept and how it writes."""

    def changes(self) -> set[str] | None:
        """The input files changed since the record was made; None without a
        usable record (or when the command cannot tell)."""

    def unchanged(self) -> R:
        """The result when nothing changed."""

    def in_place(self, edited: Edited) -> R | None:
        """Rebuild after an edit to these articles and claims files (`in_place`
        below); None when the edit moves something."""

    def whole(self) -> R:
        """Read the whole site and rebuild every page whose fingerprint changed."""


def run(target: Target[R]) -> R:
    """The one decision every rebuild takes, for every command: nothing changed,
    an edit that moves nothing, or everything read again."""
    changed = target.changes()
    if changed is not None:
        if not changed:
            return target.unchanged()
        edited = edited_files(changed)
        if edited is not None:
            done = target.in_place(edited)
            if done is not None:
                return done
    return target.whole()


def changed_files(path_of: Callable[[str], Path], stats: Stats, before: Stats,
                  recorded: Callable[[list[str]], Mapping[str, str]]) -> set[str]:
    """The input files that changed since the record's `before` stats: added,
    removed, or of other size or time and other content (a file only touched,
    its hash as `recorded(files)` gives it, did not change: a fresh checkout in
    CI gives every file a new time, so all of them are hashed then). Of a seed,
    only its presence counts: its bytes are read by `sitegen import`, never by
    a build."""
    edited, touched = set(), []
    for rel in stats.keys() | before.keys():
        if stats.get(rel) == before.get(rel):
            continue
        if rel.startswith("seeds/") and rel in stats and rel in before:
            continue
        if rel in stats:
            touched.append(rel)
        else:
            edited.add(rel)
    touched.sort()
    hashes = recorded(touched)
    known = [rel for rel in touched if hashes.get(rel)]
    edited.update(rel for rel in touched if not hashes.get(rel))
    now = file_hashes([path_of(rel) for rel in known])
    edited.update(rel for rel, digest in zip(known, now, strict=True) if digest != hashes[rel])
    return edited


def input_hashes(path_of: Callable[[str], Path], stats: Stats) -> dict[str, str]:
    """The hashes of the input files a build does not read as content (those
    of the template folders: templates, static files, ui-text), so that a
    rebuild can tell a file only touched from one edited. Content files are
    hashed as they are read; seeds' bytes never count (changed_files). Taken
    with the stats, before anything is read: a file edited during the build
    is found changed next time. `path_of` gives the file of a key of `stats`."""
    names = [rel for rel in sorted(stats)
             if rel != "site.yaml" and not rel.startswith(("content/", "seeds/"))]
    return dict(zip(names, file_hashes([path_of(rel) for rel in names]), strict=True))


_HASH_BATCH = 256  # files per thread task: one file per task costs more than it saves


def file_hashes(paths: Sequence[Path]) -> list[str]:
    """The sha256 of each file's bytes ("" for one that cannot be read). Many
    files are hashed by a few threads (reading and hashing let go of the GIL):
    the 22,000 files of a fresh checkout at 10,000 articles took 0.4 s so
    against 0.5 to 1.1 s one by one, and 1.6 s through pathlib."""
    if len(paths) <= _HASH_BATCH:
        return _hash_batch(paths)
    batches = [paths[start:start + _HASH_BATCH] for start in range(0, len(paths), _HASH_BATCH)]
    with ThreadPoolExecutor(max_workers=min(4, usable_cpus())) as pool:
        return [digest for batch in pool.map(_hash_batch, batches) for digest in batch]


def _hash_batch(paths: Sequence[Path]) -> list[str]:
    return [file_hash(path) for path in paths]


def file_hash(path: Path) -> str:
    """The sha256 of the file's bytes, "" if it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return ""
    try:
        digest = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return ""
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Edited:
    """The content files of an edit that may keep everything's place."""

    articles: frozenset[str] = frozenset()  # slugs: the article, its claims file, or both
    entities: frozenset[str] = frozenset()  # entity ids


# folder and suffix of the files an in-place edit may read → which set of Edited
_IN_PLACE = {("content/articles", ".md"): "articles", ("content/claims", ".yaml"): "articles",
             ("content/entities", ".yaml"): "entities"}


def edited_files(changed: Iterable[str]) -> Edited | None:
    """The articles (by slug: their file or claims file) and the entities among
    `changed`, or None if anything else changed too."""
    found: dict[str, set[str]] = {"articles": set(), "entities": set()}
    for name in changed:
        folder, _, file = name.rpartition("/")
        stem, dot, suffix = file.rpartition(".")
        kind = _IN_PLACE.get((folder, dot + suffix))
        if kind is None or not stem:
            return None
        found[kind].add(stem)
    if not any(found.values()):
        return None
    return Edited(frozenset(found["articles"]), frozenset(found["entities"]))


class PlanSource:
    """What `in_place` needs of the last build's record: which pages use an
    input, what each page was made from, and the page planned again."""

    def users(self, inputs: Iterable[str]) -> set[str]:
        raise NotImplementedError

    def made_from(self, paths: Iterable[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
        """path → (fingerprint, reads) of the last build."""
        raise NotImplementedError

    def replanned(self, paths: list[str], old: Archive, new: Archive,
                  swap: Mapping[int, object]) -> list[PagePlan] | None:
        """These pages planned again in the new archive (None: cannot be done so)."""
        raise NotImplementedError

    def values(self, updated: dict[str, str], archive: Archive,
               names: Iterable[str]) -> Mapping[str, str]:
        """The input values with `updated` put in (those of `names` at hand)."""
        raise NotImplementedError


@dataclass(frozen=True)
class InPlace:
    """An in-place rebuild, rendered and not yet written."""

    reloaded: Reloaded  # the new archive, its swap table, the files read and their checks
    updated: dict[str, str]  # the input values that changed
    plans: list[PagePlan]  # every page planned again
    fingerprints: dict[str, str]  # of those pages, as the next build will compute them
    reads: Reads  # of those pages
    todo: list[PagePlan]  # those rendered: their fingerprint changed
    files: dict[str, bytes]  # what they rendered
    edited_claims: list[Claim]  # the claims of the files read again

    @property
    def archive(self) -> Archive:
        return self.reloaded.archive


def in_place(src: Path, archive: Archive, cache: LoadCache, edited: Edited,
             record: PlanSource, environment: Callable[[Archive], jinja2.Environment],
             ) -> InPlace | None:
    """Rebuild the pages of an edit to these articles, claims and entity files, if
    it keeps everything's place (else None: the caller reads the whole site).
    `environment` gives the templates' environment for the new archive.
    Raises ContentError for a template error."""
    slugs = edited.articles
    reloaded = reload_files(src, archive, cache, slugs, edited.entities)
    if reloaded is None:
        return None
    new = reloaded.archive
    uses_whole = bool(record.users(["*"]))
    updated = edit_values(new, slugs, edited.entities, whole=uses_whole)
    # every page that declares or read one of the swapped objects, whether its file
    # changed or not (a claim is read again when its article changes)
    paths = sorted(record.users(updated))
    plans = record.replanned(paths, archive, new, reloaded.swap)
    if plans is None:
        return None
    made = record.made_from(paths)
    reads = {path: made[path][1] for path in paths}
    values = record.values(updated, new, (name for plan in plans
                                          for name in (*plan.inputs, *reads[plan.path])))
    fingerprints = {plan.path: fingerprint(plan, values, reads[plan.path]) for plan in plans}
    todo = [plan for plan in plans if fingerprints[plan.path] != made[plan.path][0]]
    files, fresh = render_pages(environment(new), src, new, todo)  # what they read now
    if any("*" in names for names in fresh.values()) and not uses_whole:
        return None  # a page now reads the whole archive, whose value was not computed
    values = record.values(updated, new, (name for names in fresh.values() for name in names))
    settle(todo, fresh, values, reads, fingerprints)
    claims = [c for slug in sorted(slugs) for c in new.claims_by_article.get(slug, [])]
    return InPlace(reloaded, updated, plans, fingerprints, reads, todo, files, claims)


def settle(rendered: Iterable[PagePlan], fresh: Mapping[str, Iterable[str]],
           values: Mapping[str, str], reads: dict[str, tuple[str, ...]],
           fingerprints: dict[str, str], made: Mapping[str, str] | None = None) -> None:
    """Record what the rendered pages read now, and their fingerprints over it
    (what the next build will compare with; `made`: those the render workers
    computed already)."""
    made = made or {}
    for plan in rendered:  # interned: worker processes send copies of the same names
        reads[plan.path] = tuple(map(sys.intern, fresh[plan.path]))
        known = made.get(plan.path)
        fingerprints[plan.path] = known or fingerprint(plan, values, reads[plan.path])


def read_site(src: Path, *, drafts: bool, base_url: str | None, cache: LoadCache,
              parallel: bool = False) -> tuple[Archive | None, Diagnostics]:
    """Read the whole site with every check `sitegen check` runs (content, then
    the site's own templates). The archive is None when it could not be made;
    errors are in the diagnostics either way. `base_url` overrides site.yaml's.
    `parallel`: a large archive's first read may fork (only from a process with
    no other thread)."""
    loaded = load_archive(src, drafts=drafts, cache=cache, parallel=parallel)
    diags = loaded.diagnostics
    diags.extend(template_errors(src))
    archive = loaded.archive
    if archive is not None and base_url:
        archive = replace(archive, config=archive.config.with_base_url(
            normalise_base_url(base_url)))
    return archive, diags


def fingerprints_against(plans: Iterable[PagePlan], values: Mapping[str, str],
                         reads_before: Mapping[str, tuple[str, ...]]
                         ) -> tuple[dict[str, str], Reads]:
    """Every page's fingerprint over what it declares and what it read when it
    was last rendered (`reads_before`, from the record): a page whose
    fingerprint equals the record's would render the same bytes again."""
    reads = {plan.path: reads_before.get(plan.path, ()) for plan in plans}
    return {plan.path: fingerprint(plan, values, reads[plan.path]) for plan in plans}, reads


def merged_diagnostics(before: list[Diagnostic], reloaded: Reloaded) -> list[Diagnostic]:
    """The last build's diagnostics with those of the files read again replaced
    (but for those the other files decide, which an in-place edit keeps)."""
    return sorted([d for d in before if d.path not in reloaded.files or cross_file(d)]
                  + reloaded.diagnostics, key=Diagnostic.sort_key)


__all__ = ["BuildOptions", "BuildResult", "Edited", "InPlace", "PlanSource", "Target",
           "changed_files", "edited_files", "file_hash", "file_hashes", "fingerprints_against",
           "in_place",
           "input_hashes",
           "merged_diagnostics", "read_site", "run", "settle"]
