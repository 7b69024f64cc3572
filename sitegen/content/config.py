"""site.yaml → SiteConfig."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sitegen.content.fields import Fields, as_map
from sitegen.content.limits import MAX_YAML_BYTES, oversize
from sitegen.content.yamlfile import YamlError, YamlMap, load_yaml
from sitegen.diagnostics import Diagnostics

CONFIG_FILE = "site.yaml"
# site.yaml search.recent_pages: a language's recent search bundle is merged into
# its main bundles past this many pages (site/searchplan.py)
RECENT_PAGES = 200
# site.yaml search.shard_pages: the least a language's bundle may be cut down to
# (site/search.py SHARD_PAGES is the default)
MIN_SHARD_PAGES = 1000
LANG_RE = re.compile(r"[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*")


@dataclass(frozen=True)
class Rating:
    """One verdict of the site's scale."""

    id: str
    label: str
    description: str = ""
    value: int | None = None
    final: bool = True


@dataclass(frozen=True)
class Publisher:
    name: str
    url: str = ""


@dataclass(frozen=True)
class SiteConfig:
    title: str
    base_url: str
    language: str = "en"
    description: str = ""
    output: str = "public"
    publisher: Publisher = Publisher("")
    ratings: tuple[Rating, ...] = ()
    boilerplate: tuple[str, ...] = ()
    page_size: int = 50
    search_recent_pages: int = RECENT_PAGES
    search_shard_pages: int | None = None  # None: site/search.py's SHARD_PAGES
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base_path(self) -> str:
        """The path part of base_url, always ending in '/': '/sub/' or '/'."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    def rating(self, rating_id: str) -> Rating | None:
        return self._ratings_by_id.get(rating_id)

    @cached_property
    def _ratings_by_id(self) -> dict[str, Rating]:
        return {r.id: r for r in self.ratings}

    def with_base_url(self, base_url: str) -> SiteConfig:
        from dataclasses import replace

        return replace(self, base_url=normalise_base_url(base_url))


def normalise_base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def load_config(src: Path, diags: Diagnostics) -> SiteConfig | None:
    """Read SRC/site.yaml; None (with diagnostics) when it is missing or unusable."""
    path = src / CONFIG_FILE
    if not path.is_file():
        diags.error(
            CONFIG_FILE, (0, 0), f"no {CONFIG_FILE} in {src}",
            "run sitegen in the site's folder or pass it with -s; "
            "every site needs a site.yaml with at least title and base_url",
        )
        return None
    problem = oversize(path, MAX_YAML_BYTES, "a YAML file")
    if problem:
        diags.error(CONFIG_FILE, (1, 1), problem,
                    "site.yaml holds the site's settings; keep large data outside the site")
        return None
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        diags.error(CONFIG_FILE, (1, exc.start + 1), "site.yaml is not UTF-8 text",
                    "save the file as UTF-8")
        return None
    try:
        data = load_yaml(text)
    except YamlError as exc:
        diags.error(CONFIG_FILE, exc.pos, exc.message, exc.hint)
        return None
    data = as_map(data, CONFIG_FILE, (1, 1), diags, "site.yaml")
    if data is None:
        return None
    return _read_config(data, diags)


def _read_config(data: YamlMap, diags: Diagnostics) -> SiteConfig:
    f = Fields(data, CONFIG_FILE, diags, "site.yaml")
    title = f.text("title", required=True)
    base_url = f.url("base_url", required=True) or "https://example.org/"
    language = f.text("language", default="en")
    if not LANG_RE.fullmatch(language):
        f.error("language", f"'language' is not a BCP 47 language tag: {language!r}",
                "use a tag such as 'en' or 'de'")
    output = f.text("output", default="public")
    page_size = f.integer("page_size", default=50)
    if page_size is None or page_size < 1:
        f.error("page_size", "'page_size' must be at least 1")
        page_size = 50
    publisher = Publisher(title)
    pub_map = f.mapping("publisher")
    if pub_map is not None:
        pf = Fields(pub_map, CONFIG_FILE, diags, "publisher")
        publisher = Publisher(pf.text("name", required=True), pf.url("url"))
        pf.finish()
    ratings = _read_ratings(f, diags)
    boilerplate: tuple[str, ...] = ()
    seeds_map = f.mapping("seeds")
    if seeds_map is not None:
        sf = Fields(seeds_map, CONFIG_FILE, diags, "seeds")
        boilerplate = sf.strings("boilerplate")
        patterns = sf.items("boilerplate", single_ok=True)
        for index, pattern in enumerate(boilerplate):
            try:
                re.compile(pattern)
            except re.error as exc:
                diags.error(CONFIG_FILE, patterns.where(index),
                            f"invalid regular expression {pattern!r}: {exc}",
                            "escape special characters such as . ( ) [ ] with a backslash")
        sf.finish()
    recent_pages = RECENT_PAGES
    shard_pages: int | None = None
    search_map = f.mapping("search")
    if search_map is not None:
        qf = Fields(search_map, CONFIG_FILE, diags, "search")
        recent_pages = qf.integer("recent_pages", default=RECENT_PAGES)
        if recent_pages is None or recent_pages < 0:
            qf.error("recent_pages", "'recent_pages' must be 0 or more",
                     "0 indexes every change into the main search bundles")
            recent_pages = RECENT_PAGES
        shard_pages = qf.integer("shard_pages")
        if shard_pages is not None and shard_pages < MIN_SHARD_PAGES:
            qf.error("shard_pages", f"'shard_pages' must be {MIN_SHARD_PAGES} or more",
                     "Pagefind needs 0.1 to 0.3 MB a page (English, German): 10000 keeps "
                     "a run within about 3 GB")
            shard_pages = None
        qf.finish()
    config = SiteConfig(
        title=title,
        base_url=normalise_base_url(base_url),
        language=language,
        description=f.text("description"),
        output=output,
        publisher=publisher,
        ratings=ratings,
        boilerplate=boilerplate,
        page_size=page_size,
        search_recent_pages=recent_pages,
        search_shard_pages=shard_pages,
        extra=f.extra(),
    )
    f.finish()
    return config


def _read_ratings(f: Fields, diags: Diagnostics) -> tuple[Rating, ...]:
    items = f.items("ratings", required=True)
    ratings: list[Rating] = []
    for index, item in enumerate(items):
        data = as_map(item, CONFIG_FILE, items.where(index), diags, "a rating")
        if data is None:
            continue
        rf = Fields(data, CONFIG_FILE, diags, "a rating")
        rating = Rating(
            id=rf.ident("id", required=True),
            label=rf.text("label", required=True),
            description=rf.text("description"),
            value=rf.integer("value"),
            final=rf.boolean("final", default=True),
        )
        rf.finish()
        if any(r.id == rating.id for r in ratings):
            rf.error("id", f"rating '{rating.id}' is defined twice", "give each rating its own id")
            continue
        ratings.append(rating)
    if "ratings" in f.data and not ratings:
        f.error("ratings", "the rating scale is empty", "define at least one rating")
    return tuple(ratings)
