"""The archive's content model: plain, immutable data.

Objects are built by `sitegen.content.load` and never changed afterwards;
derived lookups (claims by article, by claimant, about an entity) live on
`Archive` and are computed once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sitegen.content.config import SiteConfig
from sitegen.content.document import Document
from sitegen.content.markup import Compiled
from sitegen.slots import fast_pickling


@fast_pickling
@dataclass(frozen=True, slots=True)
class Origin:
    """Where an object was defined: a path relative to the site and a position."""

    path: str
    line: int = 0
    col: int = 0


@fast_pickling
@dataclass(frozen=True, slots=True)
class Link:
    url: str
    title: str = ""


@fast_pickling
@dataclass(frozen=True, slots=True)
class TranslationStep:
    """One text in the chain an article was translated or rewritten from."""

    url: str
    lang: str
    publisher: str = ""  # entity id
    title: str = ""
    title_supplied: bool = False  # the title is the editor's description, not quoted


@fast_pickling
@dataclass(frozen=True, slots=True)
class Source:
    url: str
    title: str = ""
    title_supplied: bool = False  # the title is the editor's description, not quoted
    publisher: str = ""
    date: dt.date | None = None
    accessed: dt.date | None = None
    archive_url: str = ""
    note: str = ""


@fast_pickling
@dataclass(frozen=True, slots=True)
class Update:
    date: dt.date
    note: str
    previous_rating: str = ""  # the rating this update replaced ("" if it kept the rating)


@fast_pickling
@dataclass(frozen=True, slots=True)
class Appearance:
    url: str = ""
    title: str = ""
    date: dt.date | None = None


@fast_pickling
@dataclass(frozen=True, slots=True)
class Anchor:
    """A claim's quote located in its article's plain text (W3C selectors)."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    block: int  # index of the paragraph or heading in Document.blocks (-1: the title)
    part: str = "body"  # "body": offsets in Document.text; "title": in the article's title


@fast_pickling
@dataclass(frozen=True, eq=False, slots=True)
class Claim:
    id: str
    article: str
    quote: str
    claim: str
    lang: str
    claimant: str
    attribution: str
    about: tuple[str, ...]
    rating: str
    reviewed: dt.date | None
    review: str
    origin: Origin
    review_html: Compiled | None = None  # the review, rendered once (content/markup.py)
    prefix: str = ""
    suffix: str = ""
    appearance: Appearance | None = None
    actual_claimant: str = ""
    sources: tuple[Source, ...] = ()
    updates: tuple[Update, ...] = ()
    aliases: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    anchor: Anchor | None = None
    number: int = 0  # 1-based position among its article's claims, in text order
    same_as: tuple[str, ...] = ()  # ids of the same claim made elsewhere, as declared here

    @property
    def modified(self) -> dt.date | None:
        """Date of the latest update, else the review date."""
        return self.updates[-1].date if self.updates else self.reviewed

    def rating_before(self, index: int) -> str:
        """The rating the claim had just before its update at `index` (its current
        rating if no update from there on changed it)."""
        for update in self.updates[index:]:
            if update.previous_rating:
                return update.previous_rating
        return self.rating

    @property
    def rating_history(self) -> tuple[tuple[str, dt.date | None, dt.date], ...]:
        """Its earlier ratings, oldest first: (rating id, from, until), where `from`
        is the review date or the update that gave it, and `until` the update
        that replaced it."""
        history = []
        start = self.reviewed
        for update in self.updates:
            if update.previous_rating:
                history.append((update.previous_rating, start, update.date))
                start = update.date
        return tuple(history)

    @property
    def speaker(self) -> str:
        """Who made the claim as far as the review established: the claimant when
        the attribution is confirmed, the actual claimant of a misattributed claim
        (if known), else "" (nobody is established)."""
        if self.attribution == "confirmed":
            return self.claimant
        if self.attribution == "misattributed":
            return self.actual_claimant
        return ""

    def relation(self, entity_id: str) -> str:
        """How the claim stands to an entity named as its claimant: "made" (it is
        the speaker), "unconfirmed" or "misattributed" (attributed to it, not
        established or wrongly), or "" (neither)."""
        if entity_id and entity_id == self.speaker:
            return "made"
        if entity_id == self.claimant:
            return self.attribution
        return ""


@fast_pickling
@dataclass(frozen=True, eq=False, slots=True)
class Entity:
    id: str
    name: str
    type: str
    origin: Origin
    aliases: tuple[str, ...] = ()
    description: str = ""
    wikidata: str = ""
    links: tuple[Link, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def all_aliases(self) -> tuple[str, ...]:
        """The name and the aliases, without repeats."""
        return tuple(dict.fromkeys((self.name, *self.aliases)))


@fast_pickling
@dataclass(frozen=True, slots=True)
class Mention:
    """An entity alias found in an article block; `linked` marks the first per section."""

    entity: str  # "" when the alias names several entities and the article does not decide
    block: int
    start: int  # offsets in the block's text
    end: int
    linked: bool
    candidates: tuple[str, ...] = ()  # the entities an undecided alias may name


@fast_pickling
@dataclass(frozen=True, eq=False, slots=True)
class Article:
    slug: str
    title: str
    date: dt.date | None
    lang: str
    body: str
    document: Document
    origin: Origin
    seed: str = ""
    url: str = ""
    publisher: str = ""
    translation_of: tuple[TranslationStep, ...] = ()
    authors: tuple[str, ...] = ()
    summary: str = ""
    draft: bool = False
    aliases: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    mentions: tuple[Mention, ...] = ()


@fast_pickling
@dataclass(frozen=True, eq=False, slots=True)
class FreePage:
    """A page of content/pages/ (about, methodology...)."""

    slug: str
    title: str
    body: str
    lang: str
    origin: Origin
    body_html: Compiled | None = None  # the body, rendered once (content/markup.py)
    summary: str = ""
    draft: bool = False
    aliases: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Archive:
    """Everything a site is made of, validated and cross-referenced."""

    config: SiteConfig
    articles: dict[str, Article]
    claims: dict[str, Claim]
    entities: dict[str, Entity]
    pages: dict[str, FreePage]
    # every file read (path relative to the site → sha256 of its bytes)
    file_hashes: dict[str, str] = field(default_factory=dict)

    def replacing(self, articles: dict[str, Article], claims: dict[str, Claim],
                  file_hashes: dict[str, str], entities: Mapping[str, Entity] | None = None,
                  ) -> tuple[Archive, dict[int, object]]:
        """A copy in which some articles, claims and entities are new versions of
        themselves that keep their place: same ids, dates, ratings, claimants,
        entities, names and aliases (content/load.py's reload_files checks
        that), and `file_hashes` the hashes of the files read again. The derived lookups
        computed so far are carried over with the new objects put in place of
        the old, instead of being computed again over the whole archive. Returns the
        copy and the swap table: id() of each replaced object → its new version
        (claims' sources too: list pages show them)."""
        swap = self.swap_table(articles, claims, entities)
        # the keys of the lookups that can hold them: articles, claimants, entities
        # (no lookup holds entity objects: they are keys)
        keys = set(articles)
        for article in articles.values():
            keys.update(m.entity for m in article.mentions)
        for claim in claims.values():
            keys.update((claim.id, claim.article, claim.claimant, claim.actual_claimant,
                         *claim.about, *claim.same_as))
            keys.update(c.id for c in self.same_claims.get(claim.id, ()))
        copy = Archive(config=self.config, articles={**self.articles, **articles},
                       claims={**self.claims, **claims},
                       entities={**self.entities, **entities} if entities else self.entities,
                       pages=self.pages, file_hashes={**self.file_hashes, **file_hashes})
        for name, value in self.__dict__.items():
            if name in _DERIVED:
                copy.__dict__[name] = _swapped(value, swap, keys)
        return copy, swap

    def entity_name(self, entity_id: str) -> str:
        """An entity's name; its id when there is no such entity."""
        entity = self.entities.get(entity_id)
        return entity.name if entity else entity_id

    def swap_table(self, articles: dict[str, Article], claims: dict[str, Claim],
                   entities: Mapping[str, Entity] | None = None) -> dict[int, object]:
        """id() of each object that `articles`, `claims` and `entities` replace → its
        new version (claims' sources too: list pages show them)."""
        swap: dict[int, object] = {id(self.articles[slug]): new for slug, new in articles.items()}
        swap.update((id(self.entities[key]), new) for key, new in (entities or {}).items())
        for claim_id, new in claims.items():
            old = self.claims[claim_id]
            swap[id(old)] = new
            swap.update((id(a), b) for a, b in zip(old.sources, new.sources, strict=True))
        return swap

    @cached_property
    def claims_by_article(self) -> dict[str, list[Claim]]:
        result: dict[str, list[Claim]] = defaultdict(list)
        for claim in self.claims.values():
            result[claim.article].append(claim)
        for claims in result.values():
            claims.sort(key=lambda c: c.number)
        return dict(result)

    @cached_property
    def claims_by_claimant(self) -> dict[str, list[Claim]]:
        result: dict[str, list[Claim]] = defaultdict(list)
        for claim in self.claims_newest_first:
            result[claim.claimant].append(claim)
            if claim.actual_claimant and claim.actual_claimant != claim.claimant:
                result[claim.actual_claimant].append(claim)
        return dict(result)

    @cached_property
    def same_claims(self) -> dict[str, list[Claim]]:
        """Claim id → the other appearances of the same claim, newest first:
        claims linked by `same_as`, declared on either side, and the claims
        linked to those (only claims with links are keys)."""
        group = {claim_id: claim_id for claim_id in self.claims}

        def root(claim_id: str) -> str:
            while group[claim_id] != claim_id:
                group[claim_id] = group[group[claim_id]]
                claim_id = group[claim_id]
            return claim_id

        for claim in self.claims.values():
            for other in claim.same_as:
                if other in group:
                    group[root(claim.id)] = root(other)
        members: dict[str, list[Claim]] = defaultdict(list)
        for claim in self.claims_newest_first:
            members[root(claim.id)].append(claim)
        return {claim.id: [c for c in together if c is not claim]
                for together in members.values() if len(together) > 1 for claim in together}

    @cached_property
    def claims_about(self) -> dict[str, list[Claim]]:
        result: dict[str, list[Claim]] = defaultdict(list)
        for claim in self.claims_newest_first:
            for entity_id in claim.about:
                result[entity_id].append(claim)
        return dict(result)

    @cached_property
    def claim_counts(self) -> dict[str, int]:
        """Entity id → number of distinct claims by or about it."""
        ids: dict[str, set[str]] = defaultdict(set)
        for table in (self.claims_by_claimant, self.claims_about):
            for entity_id, claims in table.items():
                ids[entity_id].update(c.id for c in claims)
        return {entity_id: len(claim_ids) for entity_id, claim_ids in ids.items()}

    @cached_property
    def articles_mentioning(self) -> dict[str, list[Article]]:
        result: dict[str, list[Article]] = defaultdict(list)
        for article in self.articles_newest_first:
            for entity_id in dict.fromkeys(m.entity for m in article.mentions if m.entity):
                result[entity_id].append(article)
        return dict(result)

    @cached_property
    def articles_newest_first(self) -> list[Article]:
        return sorted(
            self.articles.values(),
            key=lambda a: (a.date or _EPOCH, a.slug),
            reverse=True,
        )

    @cached_property
    def claims_newest_first(self) -> list[Claim]:
        return sorted(
            self.claims.values(),
            key=lambda c: (c.reviewed or _EPOCH, c.article, -c.number),
            reverse=True,
        )


_EPOCH = dt.date(1, 1, 1)


def _swapped(value: Any, swap: dict[int, object], keys: set[str]) -> Any:
    """A derived lookup (a list, or a dict of lists or counts) with objects
    replaced; in a dict, only the lists under `keys` can hold them."""
    if isinstance(value, list):
        return [swap.get(id(item), item) for item in value]
    if isinstance(value, dict):
        copy = dict(value)
        for key in keys & copy.keys():
            if isinstance(copy[key], list):
                copy[key] = [swap.get(id(item), item) for item in copy[key]]
        return copy
    return value


_DERIVED = frozenset(name for name, member in vars(Archive).items()
                     if isinstance(member, cached_property))
