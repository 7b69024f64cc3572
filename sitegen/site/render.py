"""The Jinja environment: theme lookup, filters and per-page helpers.

A site's own `templates/` overrides the default theme file by file. Every
template gets `page` (the PagePlan being rendered) and the globals `archive`
and `config`; `url()`, `abs_url()` and `markdown()` depend on the page and are
exposed as context functions. docs/templates.md documents the whole context.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from sitegen.content.dates import first_day
from sitegen.content.markup import Compiled, compile_markdown, fill
from sitegen.content.model import Archive
from sitegen.diagnostics import Diagnostic
from sitegen.site import charts, urls
from sitegen.site.calls import CallingContext, never_pass_context
from sitegen.site.exports import script_safe_json
from sitegen.site.i18n import UIText, load_ui_text
from sitegen.site.reads import RecordingEnvironment, record, recording


def theme_dir() -> Path:
    """The default theme: packaged in the wheel, or the repo's templates/."""
    packaged = Path(__file__).resolve().parent.parent / "_theme"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "templates"


def template_dirs(src: Path) -> list[Path]:
    """Template folders in lookup order: the site's own, then the theme."""
    dirs = []
    own = src / "templates"
    if own.is_dir() and own.resolve() != theme_dir().resolve():
        dirs.append(own)
    dirs.append(theme_dir())
    return dirs


def template_errors(src: Path) -> list[Diagnostic]:
    """Syntax errors in the site's own templates, used by a page or not (the theme
    is tested with sitegen): every command reports them."""
    found = []
    for folder in template_dirs(src):
        if folder.resolve() == theme_dir().resolve():
            continue
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True)
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.suffix not in (".html", ".xml", ".txt"):
                continue
            if "static" in path.relative_to(folder).parts:
                continue
            name = path.relative_to(folder).as_posix()
            try:
                env.parse(path.read_text(encoding="utf-8"), name, str(path))
            except jinja2.TemplateSyntaxError as exc:
                found.append(Diagnostic(
                    path.relative_to(src).as_posix(), exc.lineno or 0, 0, "error",
                    f"template syntax error: {exc.message}",
                    "check the {% %} and {{ }} tags on this line and the blocks they close"))
            except UnicodeDecodeError:
                found.append(Diagnostic(path.relative_to(src).as_posix(), 1, 1, "error",
                                        "the template is not UTF-8 text", "save it as UTF-8"))
    return found


def ui_text(src: Path, archive: Archive) -> UIText:
    return load_ui_text(template_dirs(src), archive.config.language)


def make_environment(src: Path, archive: Archive, compiled: bool = False,
                     text: UIText | None = None) -> jinja2.Environment:
    """The Jinja environment of the site's templates. `compiled`: keep compiled
    templates between processes (bytecode_cache()), for short builds; `text`: the
    theme's words, if read already (ui_text())."""
    env = RecordingEnvironment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(src)]),
        bytecode_cache=bytecode_cache() if compiled else None,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # a template is read once per environment, not stat()ed again at each
        # import and include (thousands a second); an environment never outlives
        # an edit of its templates (serve makes a new one when they change)
        auto_reload=False,
    )
    env.context_class = CallingContext  # calls without Jinja's probes (site/calls.py)
    text = text or load_ui_text(template_dirs(src), archive.config.language)
    env.filters["date"] = text.date
    env.filters["isodate"] = iso_date
    env.filters["first_day"] = first_day_iso
    env.filters["tojson_ld"] = json_ld
    positions = {rating.id: index for index, rating in enumerate(archive.config.ratings)}
    env.globals["memo"] = Memo()
    env.globals.update(
        url=_url, abs_url=_abs_url, link=_link, markdown=_markdown,
        t=text, tm=text.markup, ui_language=text.language,
        rating_position=lambda rating_id: positions.get(rating_id, 0),
        rating_chart=lambda tally, label: charts.rating_chart(tally, positions, label),
        timeline_chart=lambda points, label: charts.timeline_chart(points, positions, label),
    )
    env.globals["archive"] = archive
    env.globals["config"] = archive.config
    return env


def rebind(env: jinja2.Environment, archive: Archive, *, forget_memo: bool) -> None:
    """Point an environment kept between rebuilds (`serve`) at a new archive: its
    globals, and the modules of templates imported without context, which Jinja
    keeps with the globals of their first import (a site's
    `{% import "macros.html" as m %}` would go on showing the old archive).
    `forget_memo`: clear the memo too (its keys hold only the objects that an
    in-place edit replaces)."""
    env.globals.update(archive=archive, config=archive.config)
    if forget_memo:
        env.globals["memo"].clear()
    for template in list(env.cache.values()) if env.cache is not None else []:
        template._module = None  # made again, with the new globals, when next imported


def bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates, kept in this user's private cache folder (beside the key
    that signs the load cache), never in the site's: compiled code is run when
    loaded, so it must not travel with a site. Jinja checks each against its
    template's source. None when the folder cannot be made."""
    from sitegen.signing import key_file

    folder = key_file().parent / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


MEMO_ENTRIES = 200_000  # about 230 MB of claim list items


class Memo:
    """`{% call memo(key...) %}...{% endcall %}`: the block is rendered once per
    key and reused (site header and footer by page depth, claim list items):
    the same HTML on thousands of pages. Keys must hold everything the block
    depends on: content objects themselves rather than their ids, since a
    `serve` rebuild swaps edited objects for new ones and keeps this memo
    (but for entities, which blocks reach through ids: `forget()` drops the
    blocks that read an edited one); `clear()` forgets all (after other
    changes). What the block read (site/reads.py) is kept with it and counts
    for every page that reuses it.

    At most `MEMO_ENTRIES` blocks are kept, the oldest forgotten first: there are
    about two per claim (22,086 holding 14 MB of HTML at 2,000 articles, so
    over a gigabyte at 100,000). A forgotten block is rendered again, to the
    same bytes."""

    def __init__(self) -> None:
        self.store: dict[tuple[object, ...], tuple[str, frozenset[str]]] = {}

    def __call__(self, *key: object, caller: Callable[[], str]) -> str:
        found = self.store.get(key)
        if found is None:
            with recording() as reads:
                html = caller()
            if len(self.store) >= MEMO_ENTRIES:
                del self.store[next(iter(self.store))]
            self.store[key] = (html, frozenset(reads))
            return html
        html, reads = found
        record(*reads)
        return html

    def clear(self) -> None:
        self.store.clear()

    def forget(self, stale: Callable[[str], bool]) -> None:
        """Forget the blocks that read an input for which `stale` is true (an
        entity edited in place: a block keyed by a claim may show its fields)."""
        for key in [key for key, (_, reads) in self.store.items() if any(map(stale, reads))]:
            del self.store[key]


never_pass_context(UIText, Memo)  # `t()`, `tm()` and `memo()`: site/calls.py


def link_resolver(archive: Archive, page_url: str, root: str | None = None):
    """A function mapping 'claim:ID' etc. to a link from the page at `page_url`."""
    def resolve(href: str) -> str | None:
        scheme, _, rest = href.partition(":")
        ident, _, fragment = rest.partition("#")
        target = {
            "claim": (archive.claims, urls.claim_url),
            "entity": (archive.entities, urls.entity_url),
            "article": (archive.articles, urls.article_url),
            "page": (archive.pages, urls.page_url),
        }.get(scheme)
        if target is None or ident not in target[0]:
            return None
        path = target[1](ident) + (f"#{fragment}" if fragment else "")
        return root + path if root is not None else urls.relative_url(page_url, path)
    return resolve


@jinja2.pass_context
def _url(ctx: jinja2.runtime.Context, target: str) -> str:
    page = ctx["page"]
    if page.root is not None:
        return page.root + target
    return urls.relative_url(page.url, target)


@jinja2.pass_context
def _link(ctx: jinja2.runtime.Context, href: str) -> str:
    """An href from content: relative when it points inside this site, else unchanged."""
    base = ctx["config"].base_url
    if href.startswith(base):
        return _url(ctx, href[len(base) :])
    return href


@jinja2.pass_context
def _abs_url(ctx: jinja2.runtime.Context, target: str) -> str:
    return urls.absolute_url(ctx["config"].base_url, target)


@jinja2.pass_context
def _markdown(ctx: jinja2.runtime.Context, compiled: Compiled | str | None,
              cite_prefix: str | None = None, sources: int = 0) -> Markup:
    """A compiled review or page body, its links and citations filled in for this
    page; plain text (a description, a field under `extra:`) is compiled first, as
    content is: Markdown with raw HTML off, never trusted as markup."""
    if compiled is None:
        return Markup("")
    if isinstance(compiled, str):
        compiled = compile_markdown(compiled)
    page = ctx["page"]
    record("ids")  # its claim:, entity:, article: and page: links
    return fill(compiled, link_resolver(ctx["archive"], page.url, page.root),
                cite_prefix, sources)


def iso_date(value: dt.date | None) -> str:
    """ISO 8601 to the precision known: "2025", "2025-01" or "2025-01-24"."""
    return value.isoformat() if value else ""


def first_day_iso(value: dt.date | None) -> str:
    """ISO 8601 of the first day a date may stand for (feeds, sort keys)."""
    return first_day(value).isoformat() if value else ""


def json_ld(data: Any) -> Markup:
    """JSON for a <script> element: '<', '>' and '&' escaped so it cannot end the script."""
    return Markup(script_safe_json(data))
