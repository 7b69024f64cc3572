"""content/ → Archive + diagnostics.

Reading never stops at the first problem: each file is read as far as it can
be, every problem becomes a diagnostic, and the caller decides what to do
with errors. The order is entities, articles, pages, then claims, because
claims refer to all the others.
"""

from __future__ import annotations

import hashlib
from collections import ChainMap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from sitegen.content.cache import LoadCache
from sitegen.content.config import CONFIG_FILE, load_config
from sitegen.content.fields import as_map
from sitegen.content.model import (
    Archive,
    Article,
    Claim,
    Entity,
)
from sitegen.content.reader import Reader
from sitegen.content.yamlfile import YamlError, load_yaml
from sitegen.diagnostics import Diagnostic, Diagnostics


@dataclass(frozen=True)
class LoadResult:
    archive: Archive | None
    diagnostics: Diagnostics


def load_archive(src: Path, *, drafts: bool = False, cache: LoadCache | None = None,
                 parallel: bool = False) -> LoadResult:
    """Read and validate a whole site. `archive` is None only when site.yaml
    is unusable; otherwise it holds everything that could be read, and
    `archive.file_hashes` the hash of every file read (the inputs of the build).
    `parallel`: parse a large archive on every CPU first (content/parallel.py)."""
    diags = Diagnostics()
    config = load_config(src, diags)
    if config is None:
        return LoadResult(None, diags)
    cache = cache or LoadCache(keep_anchorers=False)
    cache.begin()  # before the parallel read: what it adds is new, and to be saved
    if parallel:
        from sitegen.content.parallel import read_in_parallel

        read_in_parallel(src, config, cache)
    reader = Reader(src, config, diags, cache)
    entities = reader.read_entities()
    articles = reader.read_articles()
    pages = reader.read_pages()
    claims = reader.read_claims(articles, entities, pages)
    finder = cache.finder(entities)
    articles = {
        slug: replace(article, mentions=cache.mentions(finder, article.body))
        for slug, article in articles.items()
    }
    for article in articles.values():
        _warn_undecided(src, article, entities, diags)
    _warn_unused(src, entities, articles, claims, diags)
    if not drafts:
        articles = {s: a for s, a in articles.items() if not a.draft}
        claims = {i: c for i, c in claims.items() if c.article in articles}
        pages = {s: p for s, p in pages.items() if not p.draft}
    file_hashes = dict(reader.file_hashes)
    config_path = src / CONFIG_FILE
    file_hashes[CONFIG_FILE] = hashlib.sha256(config_path.read_bytes()).hexdigest()
    cache.prune()
    archive = Archive(config=config, articles=articles, claims=claims, entities=entities,
                      pages=pages, file_hashes=dict(sorted(file_hashes.items())))
    return LoadResult(archive, diags)


@dataclass(frozen=True)
class Reloaded:
    """Articles, their claims and entities read again into an archive (reload_files)."""

    archive: Archive
    swap: dict[int, object]  # id() of each replaced object → its new version (replacing())
    files: frozenset[str]  # the files read again, relative to the site
    # theirs: they replace what these files had before, but for those that the
    # other files decide (cross_file), which stay
    diagnostics: list[Diagnostic]
    file_hashes: dict[str, str]  # the files read again → sha256 of their bytes


def reload_files(src: Path, archive: Archive, cache: LoadCache,
                 slugs: Iterable[str], entity_ids: Iterable[str] = ()) -> Reloaded | None:
    """Read the given articles and their claims files, and the given entity files,
    again into `archive`, if the edit leaves the archive's arrangement as it was.

    Arrangement is everything other files and other pages depend on: which
    claims exist, their numbers, claimants, entities, ratings, dates, sources
    and aliases, the article's date, language, publisher and aliases, the
    entities it mentions and the ids it links to, an entity's name, type,
    Wikidata id and aliases. When all of it is unchanged (an edit to a review, a
    quote, a claim's wording, an article's text, an entity's description or
    links), every cross-file check keeps its result and every page its place in
    every list, so the new archive is the old one with these objects swapped.
    Returns None when the edit does more, or a file has an error: the caller
    then loads the whole archive, which reports the errors."""
    diags = Diagnostics()
    reader = Reader(src, archive.config, diags, cache)
    finder = cache.finder(archive.entities)
    articles: dict[str, Article] = {}
    claims: dict[str, Claim] = {}
    entities: dict[str, Entity] = {}
    files = set()
    for slug in sorted(set(slugs)):
        old = archive.articles.get(slug)
        path = src / "content" / "articles" / f"{slug}.md"
        claims_path = src / "content" / "claims" / f"{slug}.yaml"
        claims_rel = f"content/claims/{slug}.yaml"
        had_claims = claims_rel in archive.file_hashes
        if (old is None or not path.is_file() or path.is_symlink()
                or claims_path.is_symlink() or claims_path.is_file() != had_claims):
            return None
        article = reader.read_article(path)
        if article is None:
            return None
        article = replace(article, mentions=cache.mentions(finder, article.body))
        _warn_undecided(src, article, archive.entities, diags)
        new_claims: tuple[Claim, ...] = ()
        if had_claims:
            found = reader.read_claims_path(
                claims_path, ChainMap({slug: article}, archive.articles))
            if found is None:
                return None
            diags.extend(found.diagnostics)
            new_claims = found.claims
            files.add(claims_rel)
        old_claims = archive.claims_by_article.get(slug, [])
        if (_article_place(article) != _article_place(old)
                or [_claim_place(c) for c in new_claims] != [_claim_place(c) for c in old_claims]):
            return None
        files.add(f"content/articles/{slug}.md")
        articles[slug] = article
        claims.update((claim.id, claim) for claim in new_claims)
    for entity_id in sorted(set(entity_ids)):
        old_entity = archive.entities.get(entity_id)
        path = src / "content" / "entities" / f"{entity_id}.yaml"
        if old_entity is None or not path.is_file() or path.is_symlink():
            return None
        entity = reader.read_entity(path)
        if entity is None or _entity_place(entity) != _entity_place(old_entity):
            return None
        files.add(entity.origin.path)
        entities[entity_id] = entity
    if diags.errors:
        return None
    new, swap = archive.replacing(articles, claims, reader.file_hashes, entities)
    return Reloaded(new, swap, frozenset(files), list(diags), dict(reader.file_hashes))


def _article_place(article: Article) -> tuple[object, ...]:
    """What of an article other pages and checks depend on (reload_files)."""
    return (article.date, article.lang, article.draft, article.publisher, article.aliases,
            article.seed, tuple(step.publisher for step in article.translation_of),
            frozenset(m.entity for m in article.mentions),
            frozenset(href for _, href in article.document.links))


def _claim_place(claim: Claim) -> tuple[object, ...]:
    """What of a claim other pages and checks depend on (reload_files)."""
    return (claim.id, claim.number, claim.claimant, claim.actual_claimant, claim.about,
            claim.rating, claim.reviewed, claim.lang, claim.aliases,
            tuple((u.date, u.previous_rating) for u in claim.updates), claim.same_as,
            tuple((s.url, s.title, s.publisher) for s in claim.sources),
            frozenset(href for _, href in claim.review_html.links) if claim.review_html else None)


def _entity_place(entity: Entity) -> tuple[object, ...]:
    """What of an entity other pages and checks depend on (reload_files): what
    links and mentions show and find, and the ClaimReview markup names."""
    return (entity.id, entity.name, entity.type, entity.wikidata, entity.aliases)


def _warn_undecided(src: Path, article: Article, entities: Mapping[str, Entity],
                    diags: Diagnostics) -> None:
    """Warn, once per alias, about an alias several entities share that the
    article does not decide between (none or several of them are named in it
    by another name); it stays unlinked."""
    undecided = {}
    for mention in article.mentions:
        if mention.candidates:
            alias = article.document.blocks[mention.block].text[mention.start : mention.end]
            undecided.setdefault(alias, mention.candidates)
    if not undecided:
        return
    rel = article.origin.path
    text = (src / rel).read_text(encoding="utf-8")
    body_start = len(text) - len(article.body)
    for alias, candidates in undecided.items():
        at = text.find(alias, body_start)
        line = text.count("\n", 0, at) + 1 if at >= 0 else 1
        col = at - text.rfind("\n", 0, at) if at >= 0 else 1
        names = " or ".join(f"'{entities[c].name}' ({c})" for c in candidates)
        first = entities[candidates[0]]
        diags.warning(rel, (line, col),
                      f"'{alias}' may name {names}; the article does not say which, so it is "
                      "left unlinked",
                      f"name one of them in full somewhere in the article (e.g. '{first.name}'), "
                      f"or link it: [{alias}](entity:{first.id})")


# The end of the one warning an entity file gets from other files: an in-place
# edit of the entity keeps it (nothing that decides it changed).
UNUSED_ENTITY = "is never mentioned nor referenced"


def cross_file(diagnostic: Diagnostic) -> bool:
    """Whether a diagnostic of an entity file comes from the other files."""
    return diagnostic.message.endswith(UNUSED_ENTITY)


def _warn_unused(src: Path, entities: dict[str, Entity], articles: dict[str, Article],
                 claims: dict[str, Claim], diags: Diagnostics) -> None:
    """Warnings for entities nothing points to and seeds no article imports."""
    used = {m.entity for a in articles.values() for m in a.mentions}
    used |= {c for a in articles.values() for m in a.mentions for c in m.candidates}
    used |= {a.publisher for a in articles.values()}
    used |= {s.publisher for a in articles.values() for s in a.translation_of}
    for claim in claims.values():
        used |= {claim.claimant, claim.actual_claimant, *claim.about}
    for entity in entities.values():
        if entity.id not in used:
            diags.warning(entity.origin.path, (1, 1),
                          f"the entity '{entity.id}' {UNUSED_ENTITY}",
                          "add an alias that appears in an article, use it in a claim, "
                          "or delete the file")
    seeds = src / "seeds"
    if seeds.is_dir():
        imported = {a.seed for a in articles.values()}
        for path in sorted(seeds.iterdir()):
            if path.is_file() and not path.name.startswith(".") and path.name not in imported:
                diags.warning(f"seeds/{path.name}", (0, 0), "no article imports this seed",
                              f"run: sitegen import seeds/{path.name}")




def check_claims_edit(src: Path, archive: Archive, slug: str, text: str,
                      added: Mapping[str, Entity] | None = None) -> list[Diagnostic]:
    """The errors the claims file of article `slug` would have if it held `text`:
    its own checks (YAML, fields, quotes) and those against the rest of the site
    as `archive` holds it (claim ids, entity ids and links), with the entities of
    `added` counted as existing. Nothing is read from disk but the site's seeds."""
    diags = Diagnostics()
    rel = f"content/claims/{slug}.yaml"
    try:
        parsed = load_yaml(text)
    except YamlError as exc:
        return [Diagnostic(rel, exc.pos[0], exc.pos[1], "error", exc.message, exc.hint)]
    data = as_map(parsed, rel, (1, 1), diags, "a claims file")
    if data is None:
        return diags.errors
    reader = Reader(src, archive.config, diags, LoadCache(keep_anchorers=False))
    found = reader.read_claims_file(data, rel, slug, archive.articles.get(slug),
                                    archive.articles)
    diags.extend(found.diagnostics)
    claims = {i: c for i, c in archive.claims.items() if c.article != slug}
    reader.add_claims(claims, found.claims, rel)
    reader.check_references(claims, {**archive.entities, **(added or {})}, archive.articles,
                            archive.pages, list(found.links))
    return sorted((d for d in diags.errors if d.path == rel), key=Diagnostic.sort_key)
