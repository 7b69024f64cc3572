"""Reading the files of a site, one kind at a time: front matter and
Markdown, entities, free pages, claims files (with their anchors and checks),
each into model objects and located diagnostics (content/load.py puts the
archive together from them)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from sitegen import progress
from sitegen.content.anchors import Anchorer
from sitegen.content.cache import ClaimsFile, LoadCache, digest
from sitegen.content.config import LANG_RE, SiteConfig
from sitegen.content.document import Document
from sitegen.content.fields import ID_RE, Fields, as_map
from sitegen.content.limits import (
    MAX_MARKDOWN_BYTES,
    MAX_MARKDOWN_NESTING,
    MAX_YAML_BYTES,
    oversize,
    size_text,
)
from sitegen.content.markup import (
    INTERNAL_SCHEMES,
    SAFE_SCHEMES,
    Compiled,
    link_scheme,
)
from sitegen.content.model import (
    Appearance,
    Article,
    Claim,
    Entity,
    FreePage,
    Link,
    Origin,
    Source,
    TranslationStep,
    Update,
)
from sitegen.content.yamlfile import Pos, YamlError, YamlList, YamlMap, load_yaml
from sitegen.diagnostics import Diagnostics, byte_position, did_you_mean

ENTITY_TYPES = ("person", "organization", "product", "place", "event", "policy",
                "publication", "other")
ATTRIBUTIONS = ("confirmed", "unconfirmed", "misattributed")
# top-level folders of a built site that a free page (or its alias) cannot take
RESERVED_PATHS = frozenset({"articles", "claims", "entities", "sources", "search", "static",
                            "pagefind", "page"})
_FRONT_MATTER_END = re.compile(r"^---[ \t]*$", re.MULTILINE)
FAILED = object()  # read_yaml's result for a file that does not parse


class Reader:
    def __init__(self, src: Path, config: SiteConfig, diags: Diagnostics,
                 cache: LoadCache) -> None:
        self.src = src
        self.config = config
        self.diags = diags
        self.cache = cache
        self.file_hashes: dict[str, str] = {}  # file read → sha256 of its bytes
        self._prefix = os.fspath(src / "x")[:-1]  # "" for Path("."), as pathlib joins it
        # (file, position, entity id, field) of article references, checked with the claims'
        self._pending_refs: list[tuple[str, Pos, str, str]] = []
        # (file, position, 'scheme:id' link, field) found in article and page bodies
        self._body_links: list[tuple[str, Pos, str, str]] = []
        # (file, position, kind, id, alias) of the earlier URLs that redirect
        self._aliases: list[tuple[str, Pos, str, str, str]] = []

    # -- files ---------------------------------------------------------------

    def rel(self, path: Path) -> str:
        text = os.fspath(path)
        if text.startswith(self._prefix):  # every file files() lists: no pathlib per file
            return text[len(self._prefix):].replace(os.sep, "/")
        return path.relative_to(self.src).as_posix()

    def files(self, folder: str, suffix: str) -> list[Path]:
        base = self.src / "content" / folder
        if not base.is_dir():
            return []
        found = []
        root = self.src.resolve()
        for path in sorted(base.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            if path.is_symlink() and root not in path.resolve().parents:
                self.diags.error(self.rel(path), (0, 0),
                                 "the file is a symbolic link to a file outside the site",
                                 "copy the file into the site instead of linking to it")
                continue
            if path.suffix == suffix:
                found.append(path)
            elif path.suffix in (".yml", ".markdown", ".yaml", ".md"):
                self.diags.error(self.rel(path), (0, 0),
                                 f"files in content/{folder}/ must end in {suffix}",
                                 f"rename it to {path.stem}{suffix}")
        return found

    def read_text(self, path: Path) -> str | None:
        rel = self.rel(path)
        if not self.within_limit(path, rel):
            return None
        raw = path.read_bytes()
        self.file_hashes[rel] = hashlib.sha256(raw).hexdigest()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.diags.error(rel, byte_position(raw, exc.start), "the file is not UTF-8 text",
                             "save it as UTF-8 (most editors: 'Save with encoding')")
            return None
        if not text.strip():
            self.diags.error(rel, (1, 1), "the file is empty",
                             "add its content or delete the file")
            return None
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def within_limit(self, path: Path, rel: str) -> bool:
        """Whether the file is small enough to read (content/limits.py)."""
        if path.suffix == ".yaml":
            problem = oversize(path, MAX_YAML_BYTES, "a YAML file")
            hint = "a YAML file holds text and small data; keep large data outside the site"
        else:
            problem = oversize(path, MAX_MARKDOWN_BYTES, "a Markdown file")
            hint = "split the text into several articles or pages"
        if problem:
            self.diags.error(rel, (1, 1), problem, hint)
        return problem is None

    def read_yaml(self, path: Path, text: str, line_offset: int = 0) -> Any:
        """The parsed YAML, or FAILED after reporting a syntax error."""
        try:
            return self.cache.load_yaml(text, line_offset)
        except YamlError as exc:
            self.diags.error(self.rel(path), exc.pos, exc.message, exc.hint)
            return FAILED

    def document(self, body: str) -> Document:
        return self.cache.document(body)

    def compiled(self, text: str) -> Compiled:
        return self.cache.compiled(text)

    def file_id(self, path: Path, what: str) -> str | None:
        if ID_RE.fullmatch(path.stem):
            return path.stem
        self.diags.error(self.rel(path), (0, 0),
                         f"the file name {path.name!r} is not a valid {what}",
                         "use lowercase letters, digits and single hyphens, e.g. 'scale-ai'")
        return None

    def read_markdown_file(self, path: Path) -> tuple[YamlMap, str, int] | None:
        """Front matter (as a map), body and the body's first line number."""
        text = self.read_text(path)
        if text is None:
            return None
        rel = self.rel(path)
        if not text.startswith("---\n"):
            self.diags.error(rel, (1, 1), "the file has no front matter",
                             "start it with a '---' line, 'title: ...', and another '---' line")
            return None
        end = _FRONT_MATTER_END.search(text, 4)
        if end is None:
            self.diags.error(rel, (1, 1), "the front matter is not closed",
                             "end the front matter with a line holding only '---'")
            return None
        if end.start() - 4 > MAX_YAML_BYTES:  # characters: at least as many bytes
            self.diags.error(rel, (2, 1), "the front matter is more than the "
                             f"{size_text(MAX_YAML_BYTES)} of YAML a file may hold",
                             "keep the text below the front matter, and large data "
                             "outside the site")
            return None
        data = self.read_yaml(path, text[4 : end.start()], line_offset=1)
        if data is FAILED:
            return None
        data = as_map(data if data is not None else YamlMap(), rel, (2, 1), self.diags,
                      "the front matter")
        if data is None:
            return None
        body = text[end.end() :].lstrip("\n")
        body_line = text[: len(text) - len(body)].count("\n") + 1
        return data, body, body_line

    # -- entities -------------------------------------------------------------

    def read_entities(self) -> dict[str, Entity]:
        entities: dict[str, Entity] = {}
        for path in self.files("entities", ".yaml"):
            entity = self.read_entity(path)
            if entity is not None:
                entities[entity.id] = entity
        return entities

    def read_entity(self, path: Path) -> Entity | None:
        """One entity file (None when it cannot be read; the errors are reported)."""
        entity_id = self.file_id(path, "entity id")
        text = self.read_text(path)
        if entity_id is None or text is None:
            return None
        rel = self.rel(path)
        data = self.read_yaml(path, text)
        if data is FAILED:
            return None
        data = as_map(data, rel, (1, 1), self.diags, "an entity file")
        if data is None:
            return None
        f = Fields(data, rel, self.diags, "the entity")
        name = f.text("name", required=True)
        etype = f.text("type", required=True, default="other")
        if etype not in ENTITY_TYPES:
            f.error("type", f"unknown entity type '{etype}'",
                    did_you_mean(etype, ENTITY_TYPES) or
                    "use one of: " + ", ".join(ENTITY_TYPES))
        wikidata = f.text("wikidata")
        if wikidata and not re.fullmatch(r"Q[1-9]\d*", wikidata):
            f.error("wikidata", f"'{wikidata}' is not a Wikidata id",
                    "write the QID alone, e.g. Q182477")
        links = []
        link_items = f.items("links")
        for index, item in enumerate(link_items):
            lm = as_map(item, rel, link_items.where(index), self.diags, "a link")
            if lm is None:
                continue
            lf = Fields(lm, rel, self.diags, "a link")
            links.append(Link(url=lf.url("url", required=True), title=lf.text("title")))
            lf.finish()
        entity = Entity(
            id=entity_id, name=name, type=etype, origin=Origin(rel, 1, 1),
            aliases=f.strings("aliases"), description=f.text("description"),
            wikidata=wikidata, links=tuple(links), extra=f.extra(),
        )
        f.finish()
        return entity

    # -- articles and pages ----------------------------------------------------

    def read_articles(self) -> dict[str, Article]:
        articles: dict[str, Article] = {}
        paths = self.files("articles", ".md")
        progress.phase("reading articles", len(paths))
        for path in paths:
            article = self.read_article(path)
            if article is not None:
                articles[article.slug] = article
            progress.advance()
        return articles

    def read_article(self, path: Path) -> Article | None:
        slug = self.file_id(path, "article slug")
        parsed = self.read_markdown_file(path)
        if slug is None or parsed is None:
            return None
        data, body, body_line = parsed
        rel = self.rel(path)
        document = self.document(body)
        self.check_nesting(rel, (body_line, 1), document.too_deep)
        self.check_body_links(rel, body_line, document.links, self._body_links)
        f = Fields(data, rel, self.diags, "the article's front matter")
        title = f.text("title", required=True) or slug
        lang = self.lang(f)
        seed = f.text("seed")
        if seed and ("/" in seed or "\\" in seed or seed.startswith(".")):
            f.error("seed", f"'seed' must be a file name in seeds/, not a path: {seed!r}",
                    "write only the file name, e.g. 000_8b633944bfffd8f9.txt")
        elif seed and not (self.src / "seeds" / seed).is_file():
            f.error("seed", f"the seed '{seed}' is not in seeds/",
                    "give the file name of the seed in seeds/, or remove 'seed'")
        steps = []
        items = f.items("translation_of", single_ok=True)
        for index, item in enumerate(items):
            sm = as_map(item, rel, items.where(index), self.diags, "a translation_of entry")
            if sm is None:
                continue
            sf = Fields(sm, rel, self.diags, "a translation_of entry")
            step = TranslationStep(url=sf.url("url", required=True), lang=self.lang(sf),
                                   publisher=sf.ident("publisher"), title=sf.text("title"),
                                   title_supplied=sf.boolean("title_supplied"))
            sf.finish()
            steps.append((step, sm.where("publisher")))
        article = Article(
            slug=slug, title=title, date=f.partial_date("date"), lang=lang, body=body,
            document=document, origin=Origin(rel, 1, 1), seed=seed,
            url=f.url("url"), publisher=f.ident("publisher"),
            translation_of=tuple(s for s, _ in steps), authors=f.strings("authors"),
            summary=f.text("summary"), draft=f.boolean("draft"), aliases=f.ids("aliases"),
            extra=f.extra(),
        )
        f.finish()
        self.record_aliases(rel, data, "article", slug, article.aliases)
        self._pending_refs.append((rel, data.where("publisher"), article.publisher,
                                   "publisher"))
        for step, pos in steps:
            self._pending_refs.append((rel, pos, step.publisher, "publisher"))
        return article

    def read_pages(self) -> dict[str, FreePage]:
        pages: dict[str, FreePage] = {}
        for path in self.files("pages", ".md"):
            slug = self.file_id(path, "page slug")
            parsed = self.read_markdown_file(path)
            if slug is None or parsed is None:
                continue
            data, body, body_line = parsed
            rel = self.rel(path)
            if slug in RESERVED_PATHS:
                self.diags.error(rel, (0, 0), f"a page cannot be called '{slug}': /{slug}/ is "
                                 "one of the site's own folders", "rename the file")
                continue
            compiled = self.compiled(body)
            self.check_nesting(rel, (body_line, 1), compiled.too_deep)
            self.check_body_links(rel, body_line, compiled.links, self._body_links)
            f = Fields(data, rel, self.diags, "the page's front matter")
            page = FreePage(
                slug=slug, title=f.text("title", required=True) or slug, body=body,
                body_html=compiled,
                lang=self.lang(f), origin=Origin(rel, body_line, 1), summary=f.text("summary"),
                draft=f.boolean("draft"), aliases=f.ids("aliases"), extra=f.extra(),
            )
            f.finish()
            self.record_aliases(rel, data, "page", slug, page.aliases)
            pages[slug] = page
        return pages

    def lang(self, f: Fields) -> str:
        lang = f.text("lang", default=self.config.language)
        if not LANG_RE.fullmatch(lang):
            f.error("lang", f"'{lang}' is not a language tag", "use a tag such as 'de' or 'en'")
            return self.config.language
        return lang

    # -- claims ----------------------------------------------------------------

    def read_claims(
        self, articles: dict[str, Article], entities: dict[str, Entity],
        pages: dict[str, FreePage],
    ) -> dict[str, Claim]:
        claims: dict[str, Claim] = {}
        links: list[tuple[str, Pos, str, str]] = list(self._body_links)
        for path in self.files("claims", ".yaml"):
            found = self.read_claims_path(path, articles)
            if found is None:
                continue
            rel = self.rel(path)
            self.diags.extend(found.diagnostics)
            links += found.links
            self._aliases += found.aliases
            self.add_claims(claims, found.claims, rel)
        self.check_references(claims, entities, articles, pages, links)
        self.check_aliases({"article": set(articles), "claim": set(claims), "page": set(pages)})
        return dict(sorted(claims.items()))

    def add_claims(self, claims: dict[str, Claim], found: Iterable[Claim], rel: str) -> None:
        """Add the claims of file `rel` to the site's, reporting an id used twice."""
        for claim in found:
            if claim.id in claims:
                other = claims[claim.id].origin
                self.diags.error(rel, (claim.origin.line, claim.origin.col + 4),
                                 f"the claim id '{claim.id}' is already used "
                                 f"({other.path}:{other.line})",
                                 "claim ids are unique across the site; rename one")
                continue
            claims[claim.id] = claim

    def read_claims_path(self, path: Path,
                         articles: Mapping[str, Article]) -> ClaimsFile | None:
        """One claims file on its own (its diagnostics are in the result, not yet
        reported); None when it cannot be read as a claims file at all."""
        slug = self.file_id(path, "claims file name (the article's slug)")
        text = self.read_text(path)
        if slug is None or text is None:
            return None
        rel = self.rel(path)
        article = articles.get(slug)
        # what a claims file yields depends on itself, its article and the site's
        # language and ratings (a file without its article is never cached)
        key = digest(rel, text, article.body if article else "",
                     article.title if article else "", *self.config_key)
        found = self.cache.claims_file(key) if article else None
        if found is None:
            try:
                data = load_yaml(text)  # not kept: the claims file's result is
            except YamlError as exc:
                self.diags.error(rel, exc.pos, exc.message, exc.hint)
                return None
            data = as_map(data, rel, (1, 1), self.diags, "a claims file")
            if data is None:
                return None
            found = self.read_claims_file(data, rel, slug, article, articles)
            if article:
                self.cache.store_claims_file(key, found)
        return found

    @property
    def config_key(self) -> tuple[str, ...]:
        return (self.config.language, *(r.id for r in self.config.ratings))

    def read_claims_file(self, data: YamlMap, rel: str, slug: str, article: Article | None,
                         articles: Mapping[str, Article]) -> ClaimsFile:
        """The claims of one file, numbered, with the diagnostics, links and
        aliases found in it (what does not depend on other files)."""
        outer, outer_aliases = self.diags, self._aliases
        self.diags, self._aliases = Diagnostics(), []
        links: list[tuple[str, Pos, str, str]] = []
        claims: list[Claim] = []
        try:
            f = Fields(data, rel, self.diags, "the claims file")
            named = f.text("article")
            if named and named != slug:
                f.error("article", f"'article: {named}' differs from the file name '{slug}'",
                        f"the claims of article '{slug}' are in content/claims/{slug}.yaml; "
                        f"write 'article: {slug}' or rename the file")
            if article is None:
                self.diags.error(rel, data.pos, f"there is no article '{slug}' for these claims",
                                 did_you_mean(slug, articles) or
                                 f"create content/articles/{slug}.md or rename this file")
            items = f.items("claims", required=True)
            f.finish()
            anchorer = (self.cache.anchorer(article.document, article.title)
                        if article else None)
            for index, item in enumerate(items):
                cm = as_map(item, rel, items.where(index), self.diags, "a claim")
                if cm is None:
                    continue
                claim = self.read_claim(cm, rel, slug, anchorer, links)
                if claim is not None:
                    claims.append(claim)
            return ClaimsFile(tuple(_numbered(claims)), tuple(self.diags), tuple(links),
                              tuple(self._aliases))
        finally:
            self.diags, self._aliases = outer, outer_aliases

    def read_claim(self, data: YamlMap, rel: str, slug: str, anchorer: Anchorer | None,
                   links: list[tuple[str, Pos, str, str]]) -> Claim | None:
        f = Fields(data, rel, self.diags, "the claim")
        claim_id = f.ident("id", required=True)
        if not claim_id:
            return None
        quote = f.text("quote", required=True)
        prefix, suffix = f.text("prefix"), f.text("suffix")
        anchor = None
        if quote and anchorer is not None:
            result = anchorer.locate(quote, prefix, suffix)
            anchor = result.anchor
            if anchor is None:
                f.error("quote", result.problem, result.hint)
        attribution = f.text("attribution", default="confirmed")
        if attribution not in ATTRIBUTIONS:
            f.error("attribution", f"unknown attribution '{attribution}'",
                    did_you_mean(attribution, ATTRIBUTIONS) or
                    "use confirmed, unconfirmed or misattributed")
        actual = f.ident("actual_claimant")
        if actual and attribution != "misattributed":
            f.error("actual_claimant", "'actual_claimant' is only for misattributed claims",
                    "set 'attribution: misattributed' or remove 'actual_claimant'")
        rating = f.text("rating", required=True)
        if rating and self.config.rating(rating) is None:
            ids = [r.id for r in self.config.ratings]
            f.error("rating", f"unknown rating '{rating}'",
                    did_you_mean(rating, ids)
                    or "use one of site.yaml's ratings: " + ", ".join(ids))
        sources = self.read_sources(f, rel)
        review = f.text("review", required=True)
        review_html = self.compiled(review)
        self.check_review(data, rel, review_html, len(sources), links)
        appearance = None
        am = f.mapping("appearance")
        if am is not None:
            af = Fields(am, rel, self.diags, "the appearance")
            appearance = Appearance(url=af.url("url"), title=af.text("title"),
                                    date=af.partial_date("date"))
            af.finish()
        updates: list[Update] = []
        update_items = f.items("updates")
        reviewed = f.date("reviewed", required=True)
        for index, item in enumerate(update_items):
            um = as_map(item, rel, update_items.where(index), self.diags, "an update")
            if um is None:
                continue
            uf = Fields(um, rel, self.diags, "an update")
            update_date = uf.date("date", required=True)
            note = uf.text("note", required=True)
            previous = uf.text("previous_rating")
            if previous and self.config.rating(previous) is None:
                ids = [r.id for r in self.config.ratings]
                uf.error("previous_rating", f"unknown rating '{previous}'",
                         did_you_mean(previous, ids)
                         or "use one of site.yaml's ratings: " + ", ".join(ids))
            uf.finish()
            if update_date is None:
                continue
            latest = updates[-1].date if updates else reviewed
            if latest and update_date < latest:
                uf.error("date", f"this update ({update_date}) is dated before the "
                         f"{'update' if updates else 'review'} above it ({latest})",
                         "list updates oldest first, each on or after the review date: "
                         "the last one is the claim's date of modification")
            updates.append(Update(update_date, note, previous))
        claim = Claim(
            id=claim_id, article=slug, quote=quote, claim=f.text("claim", required=True),
            lang=self.lang(f), claimant=f.ident("claimant", required=True),
            attribution=attribution, about=f.ids("about"), rating=rating,
            reviewed=reviewed, review=review, review_html=review_html,
            origin=Origin(rel, *data.pos), prefix=prefix, suffix=suffix, appearance=appearance,
            actual_claimant=actual, sources=tuple(sources), updates=tuple(updates),
            aliases=f.ids("aliases"), extra=f.extra(), anchor=anchor,
            same_as=f.ids("same_as"),
        )
        f.finish()
        self.record_aliases(rel, data, "claim", claim_id, claim.aliases)
        for key in ("claimant", "actual_claimant"):
            value = getattr(claim, key)
            if value:
                links.append((rel, data.where(key), f"entity:{value}", key))
        about_items = data.get("about")
        for index, entity_id in enumerate(claim.about):
            pos = about_items.where(index) if hasattr(about_items, "where") else data.where("about")
            links.append((rel, pos, f"entity:{entity_id}", "about"))
        same_items = data.get("same_as")
        for index, other in enumerate(claim.same_as):
            pos = same_items.where(index) if hasattr(same_items, "where") else data.where("same_as")
            if other == claim_id:
                self.diags.error(rel, pos, "a claim cannot be the same as itself",
                                 "give the id of the same claim made elsewhere")
            else:
                links.append((rel, pos, f"claim:{other}", "same_as"))
        return claim

    def read_sources(self, f: Fields, rel: str) -> list[Source]:
        items = f.items("sources")
        sources = []
        for index, item in enumerate(items):
            sm = as_map(item, rel, items.where(index), self.diags, "a source")
            if sm is None:
                continue
            sf = Fields(sm, rel, self.diags, "a source")
            sources.append(Source(
                url=sf.url("url", required=True), title=sf.text("title"),
                title_supplied=sf.boolean("title_supplied"),
                publisher=sf.text("publisher"), date=sf.partial_date("date"),
                accessed=sf.date("accessed"), archive_url=sf.url("archive_url"),
                note=sf.text("note"),
            ))
            sf.finish()
        if not items:
            f.warning("sources" if "sources" in f.data else "id", "the claim has no sources",
                      "add at least one source with an http(s) URL")
        return sources

    def check_review(self, data: YamlMap, rel: str, review: Compiled, n_sources: int,
                     links: list[tuple[str, Pos, str, str]]) -> None:
        line, col = data.where("review")
        self.check_nesting(rel, (line, col), review.too_deep)
        for offset, href in review.links:
            self.check_link(rel, (line + offset, col), href, links)
        cited = set()
        for offset, n in review.citations:
            cited.add(n)
            if not 1 <= n <= n_sources:
                self.diags.error(rel, (line + offset, col),
                                 f"the review cites [{n}] but the claim has {n_sources} source(s)",
                                 f"add source {n} under 'sources' or fix the number")
        source_items = data.get("sources")
        for n in range(1, n_sources + 1):
            if n not in cited:
                where = (source_items.where(n - 1) if isinstance(source_items, YamlList)
                         else data.where("sources"))
                self.diags.warning(rel, where,
                                   f"source [{n}] is never cited in the review",
                                   f"cite it as [{n}] where the review relies on it, "
                                   "or remove it")

    def check_nesting(self, rel: str, start: Pos, too_deep: int | None) -> None:
        """Report text that the Markdown parser left out for being nested too
        deeply (`too_deep`: its line offset from `start`, where the text begins)."""
        if too_deep is not None:
            self.diags.error(rel, (start[0] + too_deep, start[1]),
                             f"block quotes and lists nest more than {MAX_MARKDOWN_NESTING} "
                             "levels deep here: the text inside would be left out",
                             "nest them less deeply (a list and its items count as two levels)")

    def check_link(self, rel: str, pos: Pos, href: str,
                   links: list[tuple[str, Pos, str, str]]) -> None:
        """Queue internal links for checking; report links with a forbidden scheme."""
        scheme = link_scheme(href)
        if scheme in INTERNAL_SCHEMES:
            links.append((rel, pos, href, "link"))
        elif scheme and scheme not in SAFE_SCHEMES:
            self.diags.error(rel, pos, f"a link uses the '{scheme}:' scheme: {href!r}",
                             "link with https://, mailto:, or claim:/entity:/article:/page: ids")

    def check_body_links(self, rel: str, body_line: int,
                         found: tuple[tuple[int, str], ...],
                         links: list[tuple[str, Pos, str, str]]) -> None:
        for offset, href in found:
            self.check_link(rel, (body_line + offset, 1), href, links)

    def record_aliases(self, rel: str, data: YamlMap, kind: str, ident: str,
                       aliases: tuple[str, ...]) -> None:
        items = data.get("aliases")
        for index, alias in enumerate(aliases):
            pos = items.where(index) if isinstance(items, YamlList) else data.where("aliases")
            self._aliases.append((rel, pos, kind, ident, alias))

    def check_aliases(self, live: dict[str, set[str]]) -> None:
        """An earlier URL (alias) must not be a live page or another page's alias."""
        seen: dict[tuple[str, str], str] = {}
        for rel, pos, kind, ident, alias in self._aliases:
            if alias in live[kind]:
                self.diags.error(rel, pos, f"the alias '{alias}' is the URL of the existing "
                                 f"{kind} '{alias}'",
                                 "an alias is an earlier URL that now redirects here; remove it")
            elif kind == "page" and alias in RESERVED_PATHS:
                self.diags.error(rel, pos, f"the alias '{alias}' is one of the site's own "
                                 f"folders (/{alias}/)",
                                 "an alias is an earlier URL that now redirects here; remove it")
            elif (kind, alias) in seen and seen[(kind, alias)] != ident:
                self.diags.error(rel, pos, f"the alias '{alias}' is also an alias of "
                                 f"'{seen[(kind, alias)]}'", "keep it on one page only")
            seen.setdefault((kind, alias), ident)

    def check_references(self, claims: dict[str, Claim], entities: dict[str, Entity],
                         articles: dict[str, Article], pages: dict[str, FreePage],
                         links: list[tuple[str, Pos, str, str]]) -> None:
        targets: dict[str, dict[str, Any]] = {
            "claim": claims, "entity": entities, "article": articles, "page": pages,
        }
        for rel, pos, entity_id, field in self._pending_refs:
            if entity_id and entity_id not in entities:
                self.diags.error(rel, pos, f"unknown {field} entity '{entity_id}'",
                                 did_you_mean(entity_id, entities) or
                                 f"create content/entities/{entity_id}.yaml")
        # (file, id declared in `same_as`) → the claims of that file declaring it,
        # for the rating check (made once: a scan of every claim per link is
        # quadratic in a large archive)
        declaring: dict[tuple[str, str], list[Claim]] = {}
        for claim in claims.values():
            for other in claim.same_as:
                declaring.setdefault((claim.origin.path, other), []).append(claim)
        for rel, pos, href, field in links:
            scheme = link_scheme(href)
            ident = href.strip()[len(scheme) + 1 :].split("#", 1)[0]
            if ident in targets[scheme]:
                if field == "same_as":
                    self._check_same_rating(declaring.get((rel, ident), []), pos,
                                            claims[ident], rel)
                continue
            hint = did_you_mean(ident, targets[scheme])
            if field == "same_as":
                self.diags.error(rel, pos, f"unknown claim '{ident}' in 'same_as'",
                                 hint or "give the id of a claim in content/claims/")
            elif field == "link":
                self.diags.error(rel, pos, f"a link points to unknown {scheme} '{ident}'",
                                 hint or f"check the {scheme} id after '{scheme}:'")
            else:
                self.diags.error(rel, pos, f"unknown entity '{ident}' in '{field}'",
                                 hint or f"create content/entities/{ident}.yaml")


    def _check_same_rating(self, candidates: list[Claim], pos: Pos, other: Claim,
                           rel: str) -> None:
        """Warn when a claim declared the same as another is rated differently
        and neither review links the other (readers would see two verdicts on
        one claim, unexplained). `candidates`: the claims of the file declaring
        `other`; the one declaring it at `pos` starts last before it."""
        declaring = max((c for c in candidates if c.origin.line <= pos[0]),
                        key=lambda c: c.origin.line, default=None)
        other_id = other.id
        if declaring is None or declaring.rating == other.rating:
            return

        def links_to(claim: Claim, target: str) -> bool:
            return claim.review_html is not None and any(
                href.split("#", 1)[0] == f"claim:{target}" for _, href in claim.review_html.links)

        if not (links_to(declaring, other_id) or links_to(other, declaring.id)):
            self.diags.warning(
                rel, pos, f"'{declaring.id}' is rated '{declaring.rating}' but the same claim "
                f"'{other_id}' is rated '{other.rating}'",
                f"explain the difference in one review with a link to the other "
                f"([...](claim:{other_id})), or align the ratings")


def _numbered(claims: list[Claim]) -> list[Claim]:
    """One article's claims numbered 1, 2, ... in text order."""
    # the title's first, then the body's in text order
    ordered = sorted(claims, key=lambda c: (c.anchor.part != "title" if c.anchor else True,
                                            c.anchor.start if c.anchor else 1 << 60,
                                            c.anchor.end if c.anchor else 0, c.origin.line))
    return [replace(claim, number=number) for number, claim in enumerate(ordered, start=1)]
