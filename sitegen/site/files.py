"""The bytes of every output file: pages rendered through the templates (in
forked worker processes for large sites), claims.json and its schema, the
sitemap and the theme's static files."""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

import jinja2
from markupsafe import escape

from sitegen import progress
from sitegen.content.model import Archive
from sitegen.diagnostics import ContentError, Diagnostic
from sitegen.memory import affordable, own_rss_bytes, usable_cpus
from sitegen.schemas import schema_dir
from sitegen.site import urls
from sitegen.site.annotate import render_article_body, render_passage, render_title
from sitegen.site.deps import InputValues, extra_reads, fingerprint
from sitegen.site.exports import (
    claim_review,
    claims_csv,
    claims_csv_chunks,
    claims_json,
    claims_json_chunks,
)
from sitegen.site.output import Stager
from sitegen.site.pages import PagePlan
from sitegen.site.reads import recording
from sitegen.site.render import link_resolver, template_dirs
from sitegen.workers import can_fork, fork_map, worker_number

SITEMAP_LIMIT = 50_000


# output path → what its templates read beyond the inputs it declares (site/reads.py,
# deps.extra_reads)
Reads = dict[str, tuple[str, ...]]


def render_pages(env: jinja2.Environment, src: Path, archive: Archive,
                 plans: Iterable[PagePlan]) -> tuple[dict[str, bytes], Reads]:
    """The given pages, rendered (output path → bytes), and what each read."""
    files: dict[str, bytes] = {}
    reads: Reads = {}
    plans = list(plans)
    progress.phase("rendering pages", len(plans))
    for plan in plans:
        files[plan.path], reads[plan.path] = render_recorded(env, src, archive, plan)
        progress.advance()
    return files, reads


def render_recorded(env: jinja2.Environment, src: Path, archive: Archive,
                    plan: PagePlan) -> tuple[bytes, tuple[str, ...]]:
    """One page's bytes, and what its templates read beyond its declared inputs."""
    with recording() as reads:
        text = render_page(env, src, archive, plan)
    # interned: the same names recur on thousands of pages (one copy each); kept as
    # a tuple until the build's end, a fifth of a set's memory (1 GB at 100,000 articles)
    return text.encode("utf-8"), tuple(map(sys.intern, extra_reads(plan, reads)))


def stage_pages(stager: Stager, env: jinja2.Environment, src: Path, archive: Archive,
                plans: list[PagePlan], workers: int | None = None,
                meanwhile: Callable[[], None] | None = None,
                values: InputValues | None = None,
                fingerprints: dict[str, str] | None = None) -> Reads:
    """Render the pages straight into the staging folder, in parallel worker
    processes when the site is large enough to pay for them (they are forked,
    so they share the loaded archive and compiled templates without copying).
    `meanwhile` is called in this process while the workers render (after the
    pages when there are none): work that does not need the pages. Returns what
    each page read. Given the input `values`, the render workers put each page's
    fingerprint over what it read into `fingerprints` too (and add the values
    they computed on the way to `values`, as rendering here would). Rendering
    here leaves the fingerprints to the caller (rebuild.settle), which replaces
    the earlier ones one by one: made here, all the new ones would sit beside
    the old ones until then (80 MB at 100,000 articles, rendered in-process)."""
    count = workers if workers is not None else default_workers(len(plans))
    reads: Reads = {}
    if fingerprints is None:
        values = None  # fingerprints are made from them, and only when asked for
    progress.phase("rendering pages", len(plans))
    if count <= 1 or not can_fork():  # in-process, _render_task would reset the stager
        for plan in plans:
            data, reads[plan.path] = render_recorded(env, src, archive, plan)
            stager.add(plan.path, data)
            progress.advance()
        if meanwhile is not None:
            meanwhile()
        return reads
    for name in sorted({plan.template for plan in plans}):
        env.get_template(name)  # compile once, before forking
    global _JOB
    tasks = render_tasks(plans, count)
    _JOB = (stager, env, src, archive, tasks, values)
    try:
        with fork_map(_render_task, range(len(tasks)), workers=count,
                      work="rendering") as results:
            if meanwhile is not None:
                meanwhile()
            # taken as the tasks end: the workers go on meanwhile
            for done in results:
                if done.diagnostics:
                    raise ContentError(done.diagnostics)
                stager.written += done.written
                stager.unchanged += done.unchanged
                stager.kept |= done.kept  # a patching build must know every file it keeps
                stager.changed |= done.changed  # and which it wrote anew (their search bundles)
                reads.update(done.reads)
                if values is not None and fingerprints is not None:
                    fingerprints.update(done.fingerprints)
                    values.update(done.computed)
    finally:
        _JOB = None
    return reads


PARALLEL_FROM = 1500  # pages; below this, starting processes costs more than it saves
_JOB: tuple[Stager, jinja2.Environment, Path, Archive, list[list[PagePlan]],
            InputValues | None] | None = None
FIRST_SHARE = 0.3  # of the pages, in each worker's first task: see render_tasks
TASKS_PER_WORKER = 40  # after the first: small, so that the workers end together


def default_workers(pages: int) -> int:
    """One render process per CPU for large sites, as far as memory allows: a forked
    worker shares the archive with its parent, but Python's reference counts make it
    copy, page by page, what it reads, so each may come to need as much as the parent
    holds now (a 100,000-article archive is ~12 GB). When not even two fit, the pages
    are rendered in this process."""
    if pages < PARALLEL_FROM or not can_fork():
        return 1
    count = affordable(min(usable_cpus(), 8), own_rss_bytes() or 0)
    return count if count > 1 else 1


def render_tasks(plans: list[PagePlan], count: int) -> list[list[PagePlan]]:
    """The pages cut into tasks for `count` render workers, which take them as
    they end their last. The pages made from one article (its page, then its
    claims' pages) stay in one task, so the article's body is parsed once
    (body_tokens keeps the last parses), not once by each worker that renders
    one of them. Each worker's first task is large (a share of FIRST_SHARE of
    the pages: no task is handed out while this process works on `meanwhile`),
    the others small (fixed shares of the work ended 13 % apart at 10,000
    articles, one CPU idle meanwhile)."""
    groups: dict[str, list[PagePlan]] = {}
    others: list[list[PagePlan]] = []
    for plan in plans:
        article = plan.context.get("article") if plan.kind in ("article", "claim") else None
        if article is None:
            others.append([plan])
        else:
            groups.setdefault(article.slug, []).append(plan)
    first = max(1, int(len(plans) * FIRST_SHARE / count))
    small = max(1, len(plans) // (count * TASKS_PER_WORKER))
    tasks: list[list[PagePlan]] = [[]]
    for unit in (*groups.values(), *others):
        if len(tasks[-1]) >= (first if len(tasks) <= count else small):
            tasks.append([])
        tasks[-1].extend(unit)
    return [task for task in tasks if task]


class _TaskDone(NamedTuple):
    """What a render task sends back to the parent."""

    written: int
    unchanged: int
    kept: set[str]
    changed: set[str]
    diagnostics: list[Diagnostic]  # the error that stopped it, if one did
    reads: Reads
    fingerprints: dict[str, str]  # given the input values: each page's
    computed: dict[str, str]  # the input values computed on the way


def _render_task(index: int) -> _TaskDone:
    """In a worker: render the pages of task `index` (render_tasks)."""
    assert _JOB is not None
    stager, env, src, archive, tasks, values = _JOB
    stager.written = stager.unchanged = 0
    stager.kept, stager.changed = set(), set()
    if values is not None:
        values.computed = {}  # this task's, not the last task's again
    reads: Reads = {}
    prints: dict[str, str] = {}
    try:
        for plan in tasks[index]:
            data, reads[plan.path] = render_recorded(env, src, archive, plan)
            stager.add(plan.path, data)
            if values is not None:
                prints[plan.path] = fingerprint(plan, values, reads[plan.path])
            progress.advance(slot=worker_number())
    except ContentError as exc:
        return _TaskDone(stager.written, stager.unchanged, stager.kept, stager.changed,
                         exc.diagnostics, reads, prints, {})
    return _TaskDone(stager.written, stager.unchanged, stager.kept, stager.changed, [], reads,
                     prints, values.computed if values is not None else {})


def stage_site_files(stager: Stager, src: Path, archive: Archive,
                     plans: list[PagePlan]) -> None:
    """Stage the files that are not pages; claims.json and claims.csv are
    streamed to disk as they are made (whole, they are 158 MB at 10,000
    articles, so about 1.6 GB at 100,000)."""
    stager.add_chunks("claims.json", claims_json_chunks(archive))
    stager.add_chunks("claims.csv", claims_csv_chunks(archive))
    for path, data in sorted(_fixed_files(src, archive, plans).items()):
        stager.add(path, data)


def site_files(env: jinja2.Environment, src: Path, archive: Archive,
               plans: list[PagePlan]) -> dict[str, bytes]:
    """The files that are not pages, whole: claims.json, claims.csv, and the
    rest (_fixed_files)."""
    return {"claims.json": claims_json(archive), "claims.csv": claims_csv(archive),
            **_fixed_files(src, archive, plans)}


def _fixed_files(src: Path, archive: Archive, plans: list[PagePlan]) -> dict[str, bytes]:
    """claims.json's schema, the sitemap and the theme's static files."""
    files = {"claims.schema.json": (schema_dir() / "claims.schema.json").read_bytes()}
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
        context["title_html"] = render_title(context["article"], context["claims"])
    elif plan.kind == "claim":
        claim = context["claim"]
        context["passage"] = render_passage(
            context["article"], claim, link_resolver(archive, plan.url))
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
