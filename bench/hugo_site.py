"""The synthetic archive of bench/gen_archive.py as a Hugo site (Hugo 0.146 or later).

`HugoSite` receives the archive while gen_archive.py generates it and writes a Hugo project
that builds the same page set as `sitegen build` on the sitegen copy of the archive:

- ``content/articles/<slug>.md``: one page per article, its claims and their notes (the
  claims come from ``data/claims/<slug>.yaml``, sitegen's claims file plus the article's title
  and language). The body is sitegen's Markdown; mentions are not linked in the text and
  quotes are not highlighted, but every note (rating, claim, attribution, review, sources,
  updates) is on the page, as in sitegen.
- ``content/claims/_content.gotmpl``: a content adapter that makes one page per claim from
  the same data files; its review is the page's Markdown content.
- ``content/entities/<id>/_index.md``: one term page per entity of the ``entities`` taxonomy,
  to which articles (the entities they mention) and claims (claimant, actual claimant and
  what they are about) belong; the term page lists the claims by and about the entity and
  the articles that mention it.
- ``content/sources/_content.gotmpl``: one unrendered page per distinct source URL (with the
  claims that cite it), so that the sources list can be paginated.
- Paginated lists of 50: articles (newest first), claims (grouped by rating), entities (the
  taxonomy page, grouped by type) and sources (grouped by publisher); the home page, the
  search page, 404.html, ``feed.xml`` (RSS, 50 newest articles and claims), ``sitemap.xml``
  (Hugo's own), ``robots.txt``, ``claims.json`` and ``claims.csv`` (one row per claim, the
  columns of sitegen's).
- The corrections log: ``content/corrections/_content.gotmpl`` makes one unrendered page per
  claim update; ``/corrections/`` lists them newest first, grouped by year and paginated,
  with ``corrections/feed.xml``.
- One feed per entity, ``entities/<id>/feed.xml`` (RSS: its 50 latest claims by or about
  it), as sitegen's entity feeds.

Pagefind indexes the same parts as in sitegen's pages: ``data-pagefind-body`` is on the
article, on the claim page and on the entity page's header; notes, kickers and passages are
``data-pagefind-ignore``; ``<html lang>`` is the article's language (the others are "en").
Layouts are minimal but real (bench/hugo_skeleton/, copied into the site); no theme.

Known differences from sitegen's pages (none changes the indexed text): mentions in the
body are not linked and quotes not highlighted; the notes follow the body instead of
sitting beside their paragraphs; entity pages have the ratings chart but no timeline; a
claim's number is its place in the claims file (sitegen: in the text); the entities list
counts distinct claims (sitegen adds "by" and "about"); links are root-relative; the feed
is RSS (sitegen: Atom) and Hugo's sitemap leaves out list pages 2 and later. The groups of
the paginated lists are computed once per list (partialCached): passed straight to
.Paginate they are sorted again on every pager page, which made the N=1000 build 2.5 times
slower. The unrendered source pages cost about a quarter of Hugo's CPU time at N=1000.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

# The fixed part of the Hugo project: layouts, the two content adapters, static/style.css.
SKELETON = Path(__file__).resolve().parent / "hugo_skeleton"
ENTITY_TYPE_ORDER = ("person", "organization", "product", "place", "policy", "publication",
                     "event", "other")
ENTITY_TYPE_LABELS = {"person": "People", "organization": "Organisations",
                      "product": "Products", "place": "Places", "policy": "Policies",
                      "publication": "Publications", "event": "Events", "other": "Other"}


class EntityLike(Protocol):
    """What HugoSite needs of gen_archive.Entity."""

    id: str
    name: str
    type: str
    aliases: list[str]
    description: str
    wikidata: str
    links: list[tuple[str, str]]


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


class HugoSite:
    """Writes the Hugo project into `root` as the archive is generated.

    Call `start()` once with the site facts and entities, `add_article()` for each article,
    then `finish()`.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.aliases: dict[str, list[str]] = {}  # entity id -> name and aliases

    # -- site ------------------------------------------------------------------------------

    def start(self, *, base_url: str, title: str, description: str, page_size: int,
              ratings: Sequence[tuple[str, str, str, int | None, bool]],
              entities: Iterable[EntityLike]) -> None:
        """Write the configuration, layouts, static files, fixed pages and entity pages."""
        for name in ("content", "data", "layouts", "static"):
            if (self.root / name).exists():
                raise FileExistsError(f"{self.root / name} already exists")
        entities = list(entities)
        _write(self.root / "hugo.yaml", self._config(base_url, title, description, page_size,
                                                     ratings))
        shutil.copytree(SKELETON, self.root, dirs_exist_ok=True)
        content = self.root / "content"
        _write(content / "_index.md", f"---\ntitle: {q(title)}\n---\n")
        _write(content / "articles" / "_index.md", "---\ntitle: Articles\n---\n")
        _write(content / "claims" / "_index.md", "---\ntitle: Claims\n---\n")
        _write(content / "sources" / "_index.md",
               "---\ntitle: Sources\n"
               "description: Every source cited in a review, by publisher, with the claims "
               "that cite it.\n---\n")
        _write(content / "entities" / "_index.md", "---\ntitle: Entities\n---\n")
        _write(content / "search.md", "---\ntitle: Search\nlayout: search\n---\n")
        _write(content / "corrections" / "_index.md",
               "---\ntitle: Corrections\noutputs: [html, rss]\n---\n")
        names = {}
        for entity in entities:
            self.aliases[entity.id] = list(dict.fromkeys([entity.name, *entity.aliases]))
            names[entity.id] = {"name": entity.name, "type": entity.type}
            _write(content / "entities" / entity.id / "_index.md", self._entity(entity))
        _write(self.root / "data" / "entities.json",
               json.dumps(names, ensure_ascii=False, sort_keys=True, indent=0) + "\n")

    @staticmethod
    def _config(base_url: str, title: str, description: str, page_size: int,
                ratings: Sequence[tuple[str, str, str, int | None, bool]]) -> str:
        lines = [
            "# Hugo version of the synthetic benchmark archive (bench/gen_archive.py --hugo).",
            f"baseURL: {base_url}",
            f"title: {q(title)}",
            "locale: en",
            "enableRobotsTXT: true",
            "disableHugoGeneratorInject: true",
            "taxonomies:",
            "  entity: entities",
            "pagination:",
            f"  pagerSize: {page_size}",
            "  disableAliases: true",
            "outputFormats:",
            "  rss:",
            "    baseName: feed",
            "  claimsjson:",
            "    mediaType: application/json",
            "    baseName: claims",
            "    isPlainText: true",
            "    notAlternative: true",
            "  claimscsv:",
            "    mediaType: text/csv",
            "    baseName: claims",
            "    isPlainText: true",
            "    notAlternative: true",
            "outputs:",
            "  home: [html, rss, claimsjson, claimscsv]",
            "  section: [html]",
            "  taxonomy: [html]",
            "  term: [html, rss]",
            "  page: [html]",
            "markup:",
            "  goldmark:",
            "    extensions:",
            "      typographer:",
            "        disable: true  # sitegen keeps straight quotes; same text for Pagefind",
            "params:",
            f"  description: {q(description)}",
            "  rating_order: [" + ", ".join(r[0] for r in ratings) + "]",
            "  ratings:",
        ]
        for pos, (rating_id, label, rating_description, _value, final) in enumerate(ratings):
            lines += [f"    {rating_id}:", f"      label: {q(label)}",
                      f"      description: {q(rating_description)}", f"      pos: {pos}",
                      f"      final: {'true' if final else 'false'}"]
        lines.append("  type_labels:")
        lines += [f"    {t}: {q(label)}" for t, label in ENTITY_TYPE_LABELS.items()]
        return "\n".join(lines) + "\n"

    @staticmethod
    def _entity(entity: EntityLike) -> str:
        lines = [
            "---",
            f"title: {q(entity.name)}",
            f"description: {q(entity.description)}",
            "params:",
            f"  type: {entity.type}",
            # the entities list groups by this key (GroupByParam gives no groups for numbers)
            f"  type_group: {ENTITY_TYPE_ORDER.index(entity.type)}-{entity.type}",
            "  aliases: [" + ", ".join(q(a) for a in entity.aliases) + "]",
        ]
        if entity.wikidata:
            lines.append(f"  wikidata: {entity.wikidata}")
        if entity.links:
            lines.append("  links:")
            lines += [f"    - {{title: {q(t)}, url: {q(u)}}}" for t, u in entity.links]
        return "\n".join([*lines, "---", ""])

    # -- articles --------------------------------------------------------------------------

    def mentions(self, body: str, cast: Iterable[str]) -> list[str]:
        """The entities of `cast` whose name or an alias occurs in `body` as a whole word
        (sitegen's rule; the generator writes only the cast's names into an article)."""
        found = []
        for entity_id in cast:
            words = sorted(self.aliases[entity_id], key=lambda a: (-len(a), a))
            pattern = r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)"
            if re.search(pattern, body):
                found.append(entity_id)
        return sorted(found)

    def add_article(self, *, slug: str, title: str, date: dt.date, lang: str, url: str,
                    publisher: str, authors: Sequence[str], summary: str, body: str,
                    cast: Iterable[str], claims_yaml: str) -> None:
        """Write one article page and its claims data file (sitegen's claims file, with the
        article's title, language and date added after its `article:` line)."""
        front = [
            "---",
            f"title: {q(title)}",
            f"date: {date.isoformat()}",
            f"summary: {q(summary)}",
            f"description: {q(summary)}",
            "entities: [" + ", ".join(self.mentions(body, cast)) + "]",
            "params:",
            f"  lang: {lang}",
            f"  source_url: {q(url)}",
            f"  publisher: {publisher}",
            "  authors: [" + ", ".join(q(a) for a in authors) + "]",
            "---",
            "",
        ]
        _write(self.root / "content" / "articles" / f"{slug}.md", "\n".join(front) + "\n" + body)
        lines = claims_yaml.split("\n")
        at = next(i for i, line in enumerate(lines) if line.startswith("article:")) + 1
        lines[at:at] = [f"article_title: {q(title)}", f"article_lang: {lang}",
                        f"article_date: {date.isoformat()}"]
        _write(self.root / "data" / "claims" / f"{slug}.yaml", "\n".join(lines))

    def finish(self) -> None:
        """Nothing is buffered; kept so that callers need not know."""
