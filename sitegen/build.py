"""The build pipeline: read → plan → render → write.

`build()` gathers and validates everything before writing anything; content
errors raise `ContentError` and leave the previous output untouched.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import sqlite3
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import escape

from sitegen.config import normalise_base_url
from sitegen.content.cache import LoadCache
from sitegen.content.load import load_archive
from sitegen.content.model import Archive
from sitegen.diagnostics import ContentError, Diagnostic, Diagnostics
from sitegen.memory import affordable, gc_paused, own_rss_bytes, usable_cpus
from sitegen.schemas import schema_dir
from sitegen.site import urls
from sitegen.site.annotate import render_article_body, render_passage
from sitegen.site.deps import extra_reads, fingerprint, input_values, template_hashes
from sitegen.site.exports import claim_review, claims_json, claims_json_from
from sitegen.site.output import JOURNAL, MARKER, Stager, WriteStats, check_output_dir, write_site
from sitegen.site.pages import PagePlan, plan_site, search_pages
from sitegen.site.reads import recording
from sitegen.site.render import (
    link_resolver,
    make_environment,
    template_dirs,
    template_errors,
    ui_text,
)
from sitegen.site.search import SEARCH_DIR, SearchStats, bundles, index_site
from sitegen.site.state import (
    CACHE_DIR,
    BuildRecord,
    BuildState,
    PageEntry,
    StateError,
    StateSaver,
    bundle_key,
    discard_state,
    input_stats,
    state_path,
)

SITEMAP_LIMIT = 50_000


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


def load_checked(options: BuildOptions, notes: list[str] | None = None
                 ) -> tuple[Archive, Diagnostics]:
    """Load and validate the site; raise ContentError on errors (or warnings if strict).

    With options.cache, parse results are reused from and saved to the load cache
    (content/cache.py); a warning about a discarded cache goes to `notes`."""
    folder = options.src / CACHE_DIR
    cache = LoadCache(keep_anchorers=False)
    if options.cache:
        cache, note = LoadCache.open(folder)
        if note and notes is not None:
            notes.append(note)
    loaded = load_archive(options.src, drafts=options.drafts, cache=cache,
                          parallel=options.workers != 1)
    if options.cache and cache.changed:
        cache.save(folder)
    diags = loaded.diagnostics
    diags.extend(template_errors(options.src))
    if loaded.archive is None or diags.errors or (options.strict and diags.warnings):
        raise ContentError(diags)
    archive = loaded.archive
    if options.base_url:
        from dataclasses import replace

        archive = replace(archive, config=archive.config.with_base_url(
            normalise_base_url(options.base_url)))
    return archive, diags


def build(options: BuildOptions) -> BuildResult:
    """Build the site at options.src into its output folder."""
    started = time.perf_counter()
    if options.cache:
        from sitegen.quick import quick_build  # it builds on incremental.py, which needs this

        quick = quick_build(options, started)
        if quick is not None:
            return quick
    # before anything is read: a file edited during the build is found changed next time
    stats = input_stats(options.src, template_dirs(options.src)) if options.cache else {}
    notes: list[str] = []
    with long_lived():
        archive, diags = load_checked(options, notes)
        options.phase("loaded")
        out = options.out or options.src / archive.config.output
        check_output_dir(options.src, out)
        text = ui_text(options.src, archive)
        plans = plan_site(archive, text)
        options.phase("planned")
    env = make_environment(options.src, archive, text=text)
    values = input_values(archive, template_hashes(env, (p.template for p in plans)))
    previous, indexed_before = last_build(options, out, notes)
    # a page is unchanged when nothing it declares nor anything its templates read
    # the last time changed: it would read the same again
    reads = {plan.path: previous[plan.path].reads if plan.path in previous else ()
             for plan in plans}
    fingerprints = {plan.path: fingerprint(plan, values, reads[plan.path]) for plan in plans}
    reusable = {p.path for p in plans if p.path in previous
                and previous[p.path].reusable(out, p.path, fingerprints[p.path])}
    fresh = [p for p in plans if p.path not in reusable]
    reused = [p for p in plans if p.path in reusable]
    indexed = search_pages(plans)
    layout = bundles(indexed) if options.search else {}
    # one cache entry per search bundle: a bundle is indexed again only when one of
    # its pages changed, or its set of pages did
    bundle_keys = {f"{SEARCH_DIR}/{name}": bundle_key(paths, fingerprints)
                   for name, paths in layout.items()}
    search: list[SearchStats] = []
    pages = Counter(p.kind for p in plans if p.path.endswith(".html"))
    extra = {"kinds": pages, "whole_used": False, "ui_text": text, "bundle-keys": {}}
    saver = StateSaver(options.src, out, BuildRecord(
        options.shape(), stats, archive, plans, fingerprints, values, diags.sorted(),
        bundles(indexed), extra, reads)) if options.cache else None

    def produce(stager: Stager) -> None:
        todo = list(fresh)
        for plan in reused:
            if not stager.keep(plan.path):
                todo.append(plan)
        rendered = stage_pages(stager, env, options.src, archive, todo, workers=options.workers)
        for plan in todo:  # what they read now
            reads[plan.path] = extra_reads(plan, rendered[plan.path])
            fingerprints[plan.path] = fingerprint(plan, values, reads[plan.path])
        extra["whole_used"] = any("*" in p.inputs or "*" in reads[p.path] for p in plans)
        # as the next build will compute them, from what the pages read now
        extra["bundle-keys"] = {tree: bundle_key(layout[tree.split("/", 1)[1]], fingerprints)
                                for tree in bundle_keys}
        for path, data in sorted(site_files(env, options.src, archive, plans).items()):
            stager.add(path, data)
        options.phase("rendered")

    def finish(stager: Stager) -> None:
        if saver is not None:
            saver.start()  # the render workers are done: no fork from here on
        todo = [tree for tree, key in bundle_keys.items()
                if not (indexed_before.get(tree) == key and stager.keep_tree(tree))]
        for tree in todo:
            stager.replace_tree(tree)
        if todo:
            only = {tree.split("/", 1)[1] for tree in todo}
            search.append(index_site(stager.roots, indexed, stager.staging / SEARCH_DIR,
                                     only=only))

    discard_state(options.src, out)  # it describes the output about to change
    try:
        written = write_site(out, produce, hook=options.hook, finish=finish)
    except BaseException:
        if saver is not None:
            saver.abandon()
        raise
    if saver is not None:
        note = saver.install()
        notes += [note] if note else []
    return BuildResult(
        out=out, pages=pages, claims=len(archive.claims), entities=len(archive.entities),
        seconds=time.perf_counter() - started, stats=written,
        search=search[0] if search else None, diagnostics=diags.sorted(),
        rendered=len(plans) - len(reused), notes=notes,
    )


def last_build(options: BuildOptions, out: Path,
               notes: list[str]) -> tuple[dict[str, PageEntry], dict[str, str]]:
    """What the last build into `out` made each page from, and the keys of its
    search bundles (build state, site/state.py); nothing without the cache, when
    the output is not sitegen's or a patch of it was interrupted."""
    if not options.cache or not (out / MARKER).is_file() or (out / JOURNAL).exists():
        return {}, {}
    state, note = BuildState.open_noting(options.src, out)
    notes += [note] if note else []
    if state is None:
        return {}, {}
    try:
        return state.page_entries(), state.meta("bundle-keys")
    except (sqlite3.Error, StateError, ValueError, TypeError):
        notes.append(f"{state_path(options.src, out)}: the build state is damaged; ignored "
                     "(every page is rendered, and a new state written)")
        return {}, {}
    finally:
        state.close()


@contextlib.contextmanager
def long_lived() -> Iterator[None]:
    """For what lives until the end of the build (the archive, the page plan): the
    cyclic GC would scan these millions of objects again and again while they are
    made (a third of the planning time at 2,000 articles), and in forked render
    workers its bookkeeping would copy their memory page by page. So it is paused
    while they are made, and they are then frozen out of its sight (reading leaves
    a few hundred objects in cycles behind; they are kept)."""
    with gc_paused():
        try:
            yield
        finally:
            gc.freeze()


Reads = dict[str, frozenset[str]]  # output path → what its templates read (site/reads.py)


def render_pages(env: jinja2.Environment, src: Path, archive: Archive,
                 plans: Iterable[PagePlan]) -> tuple[dict[str, bytes], Reads]:
    """The given pages, rendered (output path → bytes), and what each read."""
    files: dict[str, bytes] = {}
    reads: Reads = {}
    for plan in plans:
        files[plan.path], reads[plan.path] = render_recorded(env, src, archive, plan)
    return files, reads


def render_recorded(env: jinja2.Environment, src: Path, archive: Archive,
                    plan: PagePlan) -> tuple[bytes, frozenset[str]]:
    """One page's bytes, and the inputs its templates read."""
    with recording() as reads:
        text = render_page(env, src, archive, plan)
    return text.encode("utf-8"), frozenset(reads)


def stage_pages(stager: Stager, env: jinja2.Environment, src: Path, archive: Archive,
                plans: list[PagePlan], workers: int | None = None) -> Reads:
    """Render the pages straight into the staging folder, in parallel worker
    processes when the site is large enough to pay for them (they are forked,
    so they share the loaded archive and compiled templates without copying).
    Returns what each page read."""
    count = workers if workers is not None else default_workers(len(plans))
    reads: Reads = {}
    if count <= 1:
        for plan in plans:
            data, reads[plan.path] = render_recorded(env, src, archive, plan)
            stager.add(plan.path, data)
        return reads
    for name in sorted({plan.template for plan in plans}):
        env.get_template(name)  # compile once, before forking
    global _JOB
    _JOB = (stager, env, src, archive, plans, count)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(count) as pool:
            results = pool.map(_render_share, range(count))
    finally:
        _JOB = None
    for written, unchanged, kept, diagnostics, share_reads in results:
        if diagnostics:
            raise ContentError(diagnostics)
        stager.written += written
        stager.unchanged += unchanged
        stager.kept |= kept  # a patching build must know every file it keeps
        reads.update(share_reads)
    return reads


PARALLEL_FROM = 1500  # pages; below this, starting processes costs more than it saves
_JOB: tuple[Stager, jinja2.Environment, Path, Archive, list[PagePlan], int] | None = None


def default_workers(pages: int) -> int:
    """One render process per CPU for large sites, as far as memory allows: a forked
    worker shares the archive with its parent, but Python's reference counts make it
    copy, page by page, what it reads, so each may come to need as much as the parent
    holds now (a 100,000-article archive is ~12 GB). When not even two fit, the pages
    are rendered in this process."""
    if pages < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    count = affordable(min(usable_cpus(), 8), own_rss_bytes() or 0)
    return count if count > 1 else 1


def _render_share(index: int) -> tuple[int, int, set[str], list[Diagnostic], Reads]:
    """In a worker: render every count-th page, starting at `index`; the counts,
    the files kept, errors, and what each page read go back to the parent."""
    assert _JOB is not None
    stager, env, src, archive, plans, count = _JOB
    stager.written = stager.unchanged = 0
    stager.kept = set()
    reads: Reads = {}
    try:
        for plan in plans[index::count]:
            data, reads[plan.path] = render_recorded(env, src, archive, plan)
            stager.add(plan.path, data)
    except ContentError as exc:
        return stager.written, stager.unchanged, stager.kept, exc.diagnostics, reads
    return stager.written, stager.unchanged, stager.kept, [], reads


def site_files(env: jinja2.Environment, src: Path, archive: Archive, plans: list[PagePlan],
               lines: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The files that are not pages: claims.json (from its `lines`, if made
    already) and its schema, sitemap, static files."""
    files = {
        "claims.json": claims_json(archive) if lines is None
        else claims_json_from(archive, lines.values()),
        "claims.schema.json": (schema_dir() / "claims.schema.json").read_bytes(),
    }
    files.update(sitemap_files(archive, plans))
    files.update(static_files(src))
    return files


def render_page(env: jinja2.Environment, src: Path, archive: Archive, plan: PagePlan) -> str:
    context = dict(plan.context)
    if plan.kind == "article":
        resolve = link_resolver(archive, plan.url)
        context["chunks"] = render_article_body(
            context["article"], context["claims"],
            lambda entity_id: urls.relative_url(plan.url, urls.entity_url(entity_id)),
            resolve,
        )
    elif plan.kind == "claim":
        claim = context["claim"]
        context["passage"] = render_passage(
            context["article"].document, claim, link_resolver(archive, plan.url))
        context["review_ld"] = claim_review(archive, claim)
    try:
        return env.get_template(plan.template).render(page=plan, **context)
    except jinja2.TemplateSyntaxError as exc:
        message = f"template syntax error: {exc.message}"
        raise ContentError([_template_diagnostic(src, exc.filename, exc.lineno, message)]) from None
    except Exception as exc:
        # an error raised by template code ({{ page.title + 1 }}) is the template's;
        # anything else is a bug in sitegen and keeps its traceback
        filename, line = _template_frame(exc)
        if filename is None and not isinstance(exc, jinja2.TemplateError):
            raise
        raise ContentError([_template_diagnostic(
            src, filename, line, f"template error while rendering /{plan.url}: "
            f"{type(exc).__name__}: {exc}")]) from None


def _template_frame(exc: BaseException) -> tuple[str | None, int]:
    """The innermost template file and line in a rendering traceback."""
    found: tuple[str | None, int] = (None, 0)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".txt")):
            found = (frame.filename, frame.lineno or 0)
    return found


def _template_diagnostic(src: Path, filename: str | None, line: int | None,
                         message: str) -> Diagnostic:
    path = filename or "templates"
    with contextlib.suppress(ValueError):
        path = Path(path).resolve().relative_to(src.resolve()).as_posix()
    return Diagnostic(path, line or 0, 0, "error", message,
                      "fix the template; a site's templates/ overrides the default theme "
                      "file by file")


def sitemap_files(archive: Archive, plans: list[PagePlan]) -> dict[str, bytes]:
    """sitemap.xml, split into numbered sitemaps under an index past 50,000 URLs."""
    base = archive.config.base_url
    entries = [p for p in plans if p.in_sitemap]
    if len(entries) <= SITEMAP_LIMIT:
        return {"sitemap.xml": _urlset(base, entries)}
    files = {}
    names = []
    for number, start in enumerate(range(0, len(entries), SITEMAP_LIMIT), start=1):
        name = f"sitemap-{number}.xml"
        names.append(name)
        files[name] = _urlset(base, entries[start : start + SITEMAP_LIMIT])
    index = "".join(f"  <sitemap><loc>{escape(urls.absolute_url(base, name))}</loc></sitemap>\n"
                    for name in names)
    files["sitemap.xml"] = (f'{XML_HEAD}<sitemapindex xmlns="{SITEMAP_NS}">\n{index}'
                            "</sitemapindex>\n").encode()
    return files


XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _urlset(base: str, entries: list[PagePlan]) -> bytes:
    rows = []
    for plan in entries:
        lastmod = f"<lastmod>{plan.lastmod.isoformat()}</lastmod>" if plan.lastmod else ""
        rows.append(f"  <url><loc>{escape(urls.absolute_url(base, plan.url))}</loc>"
                    f"{lastmod}</url>\n")
    return f'{XML_HEAD}<urlset xmlns="{SITEMAP_NS}">\n{"".join(rows)}</urlset>\n'.encode()


def static_files(src: Path) -> dict[str, bytes]:
    """templates/static/ of the theme, overridden file by file by the site's own."""
    files: dict[str, bytes] = {}
    for folder in reversed(template_dirs(src)):
        static = folder / "static"
        if not static.is_dir():
            continue
        for path in sorted(static.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                files["static/" + path.relative_to(static).as_posix()] = path.read_bytes()
    return files

