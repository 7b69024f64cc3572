"""The page plan: every page of the site, its template, data and inputs.

Planning is separate from rendering so that the whole site is known before
any page is written (links, sitemap, feed), and so that `serve` re-renders
only the pages whose inputs changed (see site/deps.py). An input names what a
page shows: "article:<slug>", "claims:<slug>", "entity:<id>", "page:<slug>"
(one file each), "entity-names" (every entity's id, name, type, QID and
aliases: names in links, JSON-LD and the mentions found in texts), "ids" (which ids exist, for
claim:/entity: links), or "*" (the whole archive; the default, though every
page of the theme declares what it shows).
Every page also depends on site.yaml, the templates and the navigation.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from sitegen.content.dates import qualifiers
from sitegen.content.model import Archive, Article, Claim, Entity, Source
from sitegen.content.reader import ENTITY_TYPES
from sitegen.site import urls
from sitegen.site.i18n import UIText, load_ui_text
from sitegen.site.search import SearchPage, bundle_language, bundles
from sitegen.slots import fast_pickling

LATEST_ON_HOME = 10
SEARCHABLE_KINDS = ("article", "claim", "entity")
FEED_ENTRIES = 50


@fast_pickling
@dataclass(frozen=True, eq=False, slots=True)
class PagePlan:
    url: str  # site path: "", "articles/<slug>/", "feed.xml"
    template: str
    kind: str
    title: str
    lang: str
    context: dict[str, Any] = field(default_factory=dict)
    inputs: frozenset[str] = frozenset({"*"})
    lastmod: dt.date | None = None
    root: str | None = None  # links from root-absolute paths (404.html) instead of relative
    in_sitemap: bool = True
    description: str = ""
    # what else the page shows beside its inputs' files: the items of a list page
    # in order, counts... (hashed into the page's fingerprint, site/deps.py)
    listing: str = ""
    path: str = field(init=False)  # the output file (urls.output_path)

    def __post_init__(self) -> None:
        # made once and interned: the path keys every per-page table of a build, and
        # a read name (inputs) recurs on thousands of pages; one copy each, not one
        # per table and page (it counts at 100,000 articles)
        object.__setattr__(self, "path", sys.intern(urls.output_path(self.url)))
        object.__setattr__(self, "inputs", frozenset(map(sys.intern, self.inputs)))

    @property
    def searchable(self) -> bool:
        """Indexed for search (these templates mark their body for Pagefind)."""
        return self.kind in SEARCHABLE_KINDS


def search_pages(plans: list[PagePlan]) -> list[SearchPage]:
    """The pages the search index holds: (output path, language, year)."""
    return [(p.path, p.lang, str(p.lastmod.year) if p.lastmod else "")
            for p in plans if p.searchable]


@fast_pickling
@dataclass(frozen=True, slots=True)
class SearchFields:
    """What Pagefind records for a page beside its text: filters (facets),
    metadata shown in results, and the date it sorts by."""

    filters: tuple[tuple[str, str], ...]
    meta: tuple[tuple[str, str], ...]
    date: dt.date | None


def _article_search(archive: Archive, article: Article) -> SearchFields:
    entity_ids = {m.entity for m in article.mentions if m.entity}
    for claim in archive.claims_by_article.get(article.slug, []):
        entity_ids |= set(claim.about)
    filters = [("kind", "article"), ("language", article.lang)]
    filters += [("entity", name) for name in sorted({archive.entity_name(e) for e in entity_ids})]
    if article.publisher:
        filters.append(("publisher", archive.entity_name(article.publisher)))
    if article.date:
        filters.append(("year", str(article.date.year)))
    # an estimated or annotated date: results say so (search.js)
    estimated, note = qualifiers(article.date)
    meta = (("kind", "article"), ("summary", article.summary),
            ("date_estimated", "true" if estimated else ""), ("date_note", note))
    return SearchFields(tuple(filters), meta, article.date)


def _claim_search(archive: Archive, claim: Claim) -> SearchFields:
    article = archive.articles[claim.article]
    # a claim counts for whoever made it as far as the review established, and for
    # an unconfirmed claimant (the attribution facet tells them apart); never for
    # the person it is wrongly attributed to
    named = claim.claimant if claim.attribution == "unconfirmed" else claim.speaker
    entity_ids = {*claim.about, named} - {""}
    filters = [("kind", "claim"), ("rating", claim.rating), ("attribution", claim.attribution),
               ("language", claim.lang)]
    filters += [("entity", name) for name in sorted({archive.entity_name(e) for e in entity_ids})]
    if article.publisher:
        filters.append(("publisher", archive.entity_name(article.publisher)))
    if claim.reviewed:
        filters.append(("year", str(claim.reviewed.year)))
    meta = (("kind", "claim"), ("rating", claim.rating),
            ("claimant", archive.entity_name(claim.claimant)),
            ("attribution", claim.attribution),
            ("actual_claimant", archive.entity_name(claim.actual_claimant)
             if claim.actual_claimant else ""),
            ("summary", article.title))
    return SearchFields(tuple(filters), meta, claim.reviewed)


@fast_pickling
@dataclass(frozen=True, slots=True)
class Pager:
    """One page of a paginated list."""

    number: int
    count: int
    base: str  # URL of page 1
    items: list[Any]

    def url_of(self, number: int) -> str:
        return self.base if number == 1 else f"{self.base}page/{number}/"

    @property
    def prev_url(self) -> str | None:
        return self.url_of(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url_of(self.number + 1) if self.number < self.count else None


@fast_pickling
@dataclass(frozen=True, slots=True)
class SourceUse:
    """A source and the claims that cite it."""

    source: Source
    claims: tuple[Claim, ...]


def plan_site(archive: Archive, text: UIText | None = None) -> list[PagePlan]:
    """Every page of the site, in a stable order (`text`: the theme's words, for titles)."""
    config = archive.config
    if text is None:
        from sitegen.site.render import theme_dir

        text = load_ui_text([theme_dir()], config.language)
    plans: list[PagePlan] = [_home(archive)]
    plans += [_article_page(archive, article) for article in archive.articles_newest_first]
    plans += [_claim_page(archive, claim) for claim in archive.claims.values()]
    for entity in sorted(archive.entities.values(), key=lambda e: e.id):
        plans.append(_entity_page(archive, entity))
        plans.append(_entity_feed(archive, entity))
    for page in archive.pages.values():
        plans.append(PagePlan(
            url=urls.page_url(page.slug), template="page.html", kind="page", title=page.title,
            lang=page.lang, description=page.summary, context={"free_page": page},
            inputs=frozenset({f"page:{page.slug}", "ids"}),
        ))
    plans += _paginated(archive, text, "articles/", "articles.html", text("title_articles"),
                        [("", archive.articles_newest_first)])
    plans += _paginated(archive, text, "claims/", "claims.html", text("title_claims"),
                        _claims_by_rating(archive))
    plans += _paginated(archive, text, "entities/", "entities.html", text("title_entities"),
                        _entities_by_type(archive))
    plans += _paginated(archive, text, "sources/", "sources.html", text("title_sources"),
                        _sources_by_publisher(archive))
    plans += _redirects(archive)
    search_bundles = [[name, bundle_language(name)] for name in bundles(
        search_pages(plans), config.search_shard_pages)]
    plans.append(PagePlan(url="search/", template="search.html", kind="search",
                          title=text("title_search"),
                          lang=config.language, context={
                              "search_bundles": json.dumps(search_bundles),
                              "search_text": json.dumps(
                                  {k: v for k, v in text.entries.items()
                                   if k.startswith(("search_", "facet_", "kind_", "attribution_",
                                                   "claimant_", "date_"))},
                                  ensure_ascii=False, sort_keys=True),
                              "search_ratings": json.dumps(
                                  {r.id: {"label": r.label, "final": r.final}
                                   for r in config.ratings}, ensure_ascii=False),
                          }, inputs=frozenset(), listing=repr(search_bundles)))
    plans.append(PagePlan(url="404.html", template="404.html", kind="404",
                          title=text("not_found_title"), lang=config.language,
                          root=config.base_path,
                          in_sitemap=False, inputs=frozenset()))
    plans.append(_feed(archive, "feed.xml", config.title, _feed_entries(
        (*archive.articles.values(), *archive.claims.values()))))
    log = corrections(archive)
    plans += _paginated(archive, text, "corrections/", "corrections.html",
                        text("title_corrections"), _by_year(log))
    plans.append(_feed(archive, "corrections/feed.xml", text("title_corrections"),
                       [_correction_entry(c) for c in log[:FEED_ENTRIES]], log=True))
    plans.append(PagePlan(url="robots.txt", template="robots.txt", kind="robots",
                          title="robots.txt", lang=config.language, in_sitemap=False,
                          inputs=frozenset()))
    return plans


def replan(archive: Archive, plans: Iterable[PagePlan],
           swap: Mapping[int, object]) -> list[PagePlan] | None:
    """The given pages planned again after content/load.py's reload_files put new
    versions of some articles and claims in place of the old (`swap`: id of the old
    object → the new). The edit kept every page's place, so item pages are planned
    afresh and list pages keep their items, swapped. None for a page that cannot be
    planned again this way (the caller then plans the whole site)."""
    replanned = []
    for plan in plans:
        context = plan.context
        if plan.kind in ("article", "claim", "entity"):
            replanned.append(plan_item(archive, plan.kind, item_key(plan)))
        elif plan.kind in ("list", "home"):
            replanned.append(replace(plan, context=_swapped(context, swap)))
        elif plan.kind == "feed":
            entries = []
            for entry in context["entries"]:
                new = swap.get(id(entry.item))
                again = entry if new is None else _entry_again(entry, new)
                if again is None:
                    return None
                entries.append(again)
            replanned.append(replace(plan, context={**context, "entries": entries}))
        else:
            return None
    return replanned


def item_key(plan: PagePlan) -> str:
    """The id of what an article, claim or entity page shows."""
    context = plan.context
    if plan.kind == "article":
        return context["article"].slug
    if plan.kind == "claim":
        return context["claim"].id
    return context["entity"].id


def plan_item(archive: Archive, kind: str, key: str) -> PagePlan:
    """The page of an article, claim or entity, planned on its own."""
    if kind == "article":
        return _article_page(archive, archive.articles[key])
    if kind == "claim":
        return _claim_page(archive, archive.claims[key])
    return _entity_page(archive, archive.entities[key])


def _swapped(value: Any, swap: Mapping[int, object]) -> Any:
    """A list page's data with the swapped objects replaced (see replan)."""
    found = swap.get(id(value))
    if found is not None:
        return found
    if isinstance(value, list):
        return [_swapped(item, swap) for item in value]
    if isinstance(value, tuple):
        return tuple(_swapped(item, swap) for item in value)
    if isinstance(value, dict):
        return {key: _swapped(item, swap) for key, item in value.items()}
    if isinstance(value, (Pager, SourceUse, Correction)):
        return replace(value, **{f.name: _swapped(getattr(value, f.name), swap)
                                 for f in fields(value)})
    return value


def _article_page(archive: Archive, article: Article) -> PagePlan:
    return PagePlan(
        url=urls.article_url(article.slug), template="article.html", kind="article",
        title=article.title, lang=article.lang, lastmod=article.date,
        description=article.summary,
        context={"article": article, "claims": archive.claims_by_article.get(article.slug, []),
                 "search": _article_search(archive, article)},
        inputs=frozenset({f"article:{article.slug}", f"claims:{article.slug}",
                          "entity-names", "ids"}),
    )


def _claim_page(archive: Archive, claim: Claim) -> PagePlan:
    same = archive.same_claims.get(claim.id, [])
    return PagePlan(
        url=urls.claim_url(claim.id), template="claim.html", kind="claim", title=claim.claim,
        lang=claim.lang, lastmod=claim.modified, description=claim.claim,
        context={"claim": claim, "article": archive.articles[claim.article],
                 "search": _claim_search(archive, claim), "same_claims": same},
        inputs=frozenset({f"article:{claim.article}", f"claims:{claim.article}",
                          "entity-names", "ids"}
                         | {f"claims:{c.article}" for c in same}
                         | {f"article:{c.article}" for c in same}),
    )


def _redirects(archive: Archive) -> list[PagePlan]:
    """A page at each earlier URL (`aliases`) that sends readers to the current one."""
    moves: list[tuple[str, str, str]] = []
    for article in archive.articles.values():
        moves += [(urls.article_url(old), urls.article_url(article.slug), article.title)
                  for old in article.aliases]
    for claim in archive.claims.values():
        moves += [(urls.claim_url(old), urls.claim_url(claim.id), claim.claim)
                  for old in claim.aliases]
    for page in archive.pages.values():
        moves += [(urls.page_url(old), urls.page_url(page.slug), page.title)
                  for old in page.aliases]
    return [PagePlan(url=old, template="redirect.html", kind="redirect", title=title,
                     lang=archive.config.language, in_sitemap=False,
                     context={"target": target}, inputs=frozenset({"ids"}))
            for old, target, title in sorted(moves)]


def _home(archive: Archive) -> PagePlan:
    config = archive.config
    counts = Counter(c.rating for c in archive.claims.values())
    group_pages = _group_pages(_claims_by_rating(archive), config.page_size, "claims/")
    latest_articles = archive.articles_newest_first[:LATEST_ON_HOME]
    latest_claims = archive.claims_newest_first[:LATEST_ON_HOME]
    rating_urls = {key: f"{url}#rating-{key}" for key, url in group_pages.items()}
    keys = [_item_inputs(archive, item)[0] for item in (*latest_articles, *latest_claims)]
    inputs = {"entity-names"}
    for item in (*latest_articles, *latest_claims):
        inputs |= _item_inputs(archive, item)[1]
    lastmod = max((d for d in _dates(archive)), default=None)
    listing = "\n".join([*keys, repr(sorted(counts.items())), repr(sorted(rating_urls.items())),
                           f"{len(archive.articles)} {len(archive.claims)} "
                           f"{len(archive.entities)} {lastmod}"])
    return PagePlan(
        url="", template="home.html", kind="home", title=config.title, lang=config.language,
        description=config.description, lastmod=lastmod,
        context={
            "latest_articles": latest_articles,
            "latest_claims": latest_claims,
            "rating_counts": [(r, counts[r.id]) for r in config.ratings],
            "rating_urls": rating_urls,
        },
        inputs=frozenset(inputs), listing=listing,
    )


def _dates(archive: Archive) -> list[dt.date]:
    dates = [a.date for a in archive.articles.values() if a.date]
    dates += [c.modified for c in archive.claims.values() if c.modified]
    return dates


ENTITY_GROUPS = ("made", "unconfirmed", "misattributed", "about")


def _entity_page(archive: Archive, entity: Entity) -> PagePlan:
    named = archive.claims_by_claimant.get(entity.id, [])
    # claims named with the entity as claimant, by what the review established:
    # made by it (confirmed, or its the actual claimant of a misattributed one),
    # attributed to it without confirmation, or wrongly attributed to it
    groups = {relation: [c for c in named if c.relation(entity.id) == relation]
              for relation in ENTITY_GROUPS[:3]}
    groups["about"] = archive.claims_about.get(entity.id, [])
    mentioned_in = archive.articles_mentioning.get(entity.id, [])
    every = {c.id: c for claims in groups.values() for c in claims}.values()
    dates = [c.modified for c in every if c.modified]
    related_articles = {c.article for c in every} | {a.slug for a in mentioned_in}
    tallies = []
    for relation, claims in groups.items():
        tally = Counter(c.rating for c in claims)
        counts = [(r, tally[r.id]) for r in archive.config.ratings if tally[r.id]]
        if counts:
            tallies.append((relation, counts))
    # the claims it made, or (an organisation, a product) those about it
    charted = groups["made"] or groups["about"]
    return PagePlan(
        url=urls.entity_url(entity.id), template="entity.html", kind="entity", title=entity.name,
        lang=archive.config.language, lastmod=max(dates, default=None),
        description=entity.description,
        context={
            "search": SearchFields(
                filters=(("kind", "entity"), ("entity", entity.name),
                         ("language", archive.config.language)),
                meta=(("kind", "entity"), ("summary", entity.description)),
                date=max(dates, default=None)),
            "entity": entity, "claims_by": groups["made"],
            "claims_unconfirmed": groups["unconfirmed"],
            "claims_misattributed": groups["misattributed"], "claims_about": groups["about"],
            "articles": mentioned_in,
            "timeline": sorted((c.reviewed, c.rating) for c in charted if c.reviewed),
            "timeline_of": "made" if groups["made"] else "about",
            "tallies": tallies,
        },
        inputs=frozenset({f"entity:{entity.id}", "entity-names", "ids"}
                         | {f"claims:{slug}" for slug in related_articles}
                         | {f"article:{slug}" for slug in related_articles}),
    )


def _by_year(log: list[Correction]) -> list[tuple[str, list[Correction]]]:
    groups: dict[str, list[Correction]] = {}
    for correction in log:
        groups.setdefault(str(correction.date.year), []).append(correction)
    return list(groups.items())


def _claims_by_rating(archive: Archive) -> list[tuple[str, list[Claim]]]:
    groups: dict[str, list[Claim]] = {rating.id: [] for rating in archive.config.ratings}
    for claim in archive.claims_newest_first:
        group = groups.get(claim.rating)
        if group is not None:
            group.append(claim)
    return [(rating_id, claims) for rating_id, claims in groups.items() if claims]


def _entities_by_type(archive: Archive) -> list[tuple[str, list[Entity]]]:
    groups = []
    for etype in ENTITY_TYPES:
        entities = sorted((e for e in archive.entities.values() if e.type == etype),
                          key=lambda e: (e.name.casefold(), e.id))
        if entities:
            groups.append((etype, entities))
    return groups


def _sources_by_publisher(archive: Archive) -> list[tuple[str, list[SourceUse]]]:
    uses: dict[str, tuple[Source, dict[str, Claim]]] = {}  # url → source, claims by id
    for claim in archive.claims.values():
        for source in claim.sources:
            uses.setdefault(source.url, (source, {}))[1].setdefault(claim.id, claim)
    groups: dict[str, list[SourceUse]] = {}
    for source, claims in uses.values():
        groups.setdefault(source.publisher or "", []).append(
            SourceUse(source, tuple(claims[i] for i in sorted(claims))))
    ordered = []
    for publisher in sorted(groups, key=lambda p: (p == "", p.casefold())):
        items = sorted(groups[publisher], key=lambda u: (u.source.title.casefold(), u.source.url))
        ordered.append((publisher, items))
    return ordered


def _group_pages(groups: list[tuple[str, list[Any]]], size: int, base: str) -> dict[str, str]:
    """The URL of the list page on which each group starts."""
    result = {}
    index = 0
    for key, items in groups:
        number = index // size + 1
        result[key] = base if number == 1 else f"{base}page/{number}/"
        index += len(items)
    return result


def _item_inputs(archive: Archive, item: Any) -> tuple[str, set[str]]:
    """What a list item shows: a key for the page's listing, and its inputs."""
    if isinstance(item, Claim):
        return item.id, {f"claims:{item.article}", f"article:{item.article}"}
    if isinstance(item, Article):
        claims = len(archive.claims_by_article.get(item.slug, []))
        return f"{item.slug}={claims}", {f"article:{item.slug}"}
    if isinstance(item, Entity):
        return f"{item.id}={archive.claim_counts.get(item.id, 0)}", {f"entity:{item.id}"}
    if isinstance(item, Correction):
        return (f"{item.claim.id}#{item.index}",
                {f"claims:{item.claim.article}", f"article:{item.claim.article}"})
    if isinstance(item, SourceUse):
        return (f"{item.source.url}={','.join(c.id for c in item.claims)}",
                {f"claims:{c.article}" for c in item.claims})
    raise TypeError(item)


def _paginated(archive: Archive, text: UIText, base: str, template: str, title: str,
               groups: list[tuple[str, list[Any]]]) -> list[PagePlan]:
    """Split grouped items into pages of `page_size`; each page gets its groups' slices
    and depends on exactly the items it shows."""
    size = archive.config.page_size
    flat = [(key, item) for key, items in groups for item in items]
    count = max(1, -(-len(flat) // size))
    plans = []
    for number in range(1, count + 1):
        chunk = flat[(number - 1) * size : number * size]
        page_groups: list[tuple[str, list[Any]]] = []
        for key, item in chunk:
            if not page_groups or page_groups[-1][0] != key:
                page_groups.append((key, []))
            page_groups[-1][1].append(item)
        pager = Pager(number, count, base, page_groups)
        keys = [f"{number}/{count}"]
        inputs = {"entity-names"}
        for group, item in chunk:
            key, item_inputs = _item_inputs(archive, item)
            keys.append(f"{group}:{key}")
            inputs |= item_inputs
        plans.append(PagePlan(
            url=pager.url_of(number), template=template, kind="list",
            title=title if number == 1 else text("title_page", title=title, n=number),
            lang=archive.config.language, context={"pager": pager, "groups": page_groups},
            inputs=frozenset(inputs), listing="\n".join(keys),
        ))
    return plans


@fast_pickling
@dataclass(frozen=True, slots=True)
class FeedEntry:
    kind: str  # "article" | "claim" | "correction"
    url: str
    title: str
    published: dt.date
    updated: dt.date
    summary: str  # an article's; a claim's is written by the template (its rating, attribution)
    lang: str
    input: str  # the file it comes from ("article:<slug>", "claims:<slug>")
    item: Article | Claim | None = None  # what the entry is made from
    update: int = -1  # a correction: its place in the claim's updates

    @property
    def claim(self) -> Claim | None:
        return self.item if isinstance(self.item, Claim) else None

    @property
    def correction(self) -> Correction | None:
        claim = self.claim
        return Correction(claim, self.update) if claim is not None and self.update >= 0 else None


@fast_pickling
@dataclass(frozen=True, slots=True)
class Correction:
    """One dated change to a published review (an update of a claim), which may
    change its rating. A list item of the corrections log."""

    claim: Claim
    index: int  # its place in claim.updates

    @property
    def date(self) -> dt.date:
        return self.claim.updates[self.index].date

    @property
    def note(self) -> str:
        return self.claim.updates[self.index].note

    @property
    def previous_rating(self) -> str:
        """The rating this update replaced ("" if it kept the rating)."""
        return self.claim.updates[self.index].previous_rating

    @property
    def rating(self) -> str:
        """The claim's rating from this update on."""
        return self.claim.rating_before(self.index + 1)

    @property
    def url(self) -> str:
        return f"{urls.claim_url(self.claim.id)}#update-{self.index + 1}"


def corrections(archive: Archive) -> list[Correction]:
    """Every update of every claim, newest first."""
    found = [Correction(claim, index) for claim in archive.claims.values()
             for index in range(len(claim.updates))]
    return sorted(found, key=lambda c: (c.date, c.claim.id, c.index), reverse=True)


def _feed(archive: Archive, url: str, title: str, entries: list[FeedEntry],
          entity: Entity | None = None, log: bool = False) -> PagePlan:
    """An Atom feed: the site's, an entity's (its claims, by and about it), or the
    corrections log's (`log`)."""
    inputs = {entry.input for entry in entries}
    if entity is not None:
        inputs.add(f"entity:{entity.id}")
    return PagePlan(url=url, template="feed.xml", kind="feed", title=title,
                    lang=archive.config.language, in_sitemap=False,
                    context={"entries": entries, "entity": entity, "log": log},
                    inputs=frozenset(inputs),
                    listing="\n".join(f"{e.url} {e.updated}" for e in entries))


def _entity_feed(archive: Archive, entity: Entity) -> PagePlan:
    claims = {c.id: c for c in (*archive.claims_by_claimant.get(entity.id, []),
                                *archive.claims_about.get(entity.id, []))}
    return _feed(archive, urls.entity_feed_url(entity.id), entity.name,
                 _feed_entries(claims.values()), entity)


def _feed_entries(items: Iterable[object]) -> list[FeedEntry]:
    """The newest entries of these articles and claims, most recently updated first."""
    # ranked by key, the entries made for the newest only (tens of thousands of
    # items for the site's feed: making each an entry was most of its cost)
    keyed = ((_feed_key(item), item) for item in items)
    newest = heapq.nlargest(FEED_ENTRIES, ((key, item) for key, item in keyed if key),
                            key=lambda pair: pair[0])
    return [entry for _, item in newest if (entry := _feed_entry(item)) is not None]


def _feed_key(item: object) -> tuple[dt.date, str] | None:
    """Where an article or claim ranks in a feed: (updated, url); None without a date."""
    if isinstance(item, Article) and item.date:
        return item.date, urls.article_url(item.slug)
    if isinstance(item, Claim) and item.reviewed:
        return item.modified or item.reviewed, urls.claim_url(item.id)
    return None


def _feed_entry(item: object) -> FeedEntry | None:
    """An article's or claim's entry in the feed (None without a date)."""
    key = _feed_key(item)
    if key is None:
        return None
    updated, url = key
    if isinstance(item, Article):
        return FeedEntry("article", url, item.title, updated, updated, item.summary, item.lang,
                         f"article:{item.slug}", item)
    assert isinstance(item, Claim) and item.reviewed
    return FeedEntry("claim", url, item.claim, item.reviewed, updated, "", item.lang,
                     f"claims:{item.article}", item)


def _correction_entry(correction: Correction) -> FeedEntry:
    claim = correction.claim
    return FeedEntry("correction", correction.url, claim.claim, correction.date,
                     correction.date, "", claim.lang, f"claims:{claim.article}", claim,
                     correction.index)


def _entry_again(entry: FeedEntry, item: object) -> FeedEntry | None:
    """A feed entry made again from the new version of its article or claim."""
    if entry.kind == "correction" and isinstance(item, Claim):
        return _correction_entry(Correction(item, entry.update))
    return _feed_entry(item)
