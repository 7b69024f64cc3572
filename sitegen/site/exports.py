"""Machine-readable exports: ClaimReview JSON-LD and claims.json.

Both use absolute URLs from base_url. claims.json gives every claim's anchor
as W3C TextQuoteSelector and TextPositionSelector over its article's plain
text (see content/document.py) and is described by schemas/claims.schema.json.
"""

from __future__ import annotations

import json
from typing import Any

from sitegen.content.model import Archive, Article, Claim, Entity
from sitegen.site import urls

CLAIMS_JSON_VERSION = 1


def _abs(archive: Archive, path: str) -> str:
    return urls.absolute_url(archive.config.base_url, path)


def _entity_ld(entity: Entity | None, fallback: str) -> dict[str, Any]:
    if entity is None:
        return {"@type": "Thing", "name": fallback}
    kind = {"person": "Person", "organization": "Organization",
            "publication": "Organization", "product": "Product", "place": "Place",
            "event": "Event"}.get(entity.type, "Thing")
    data: dict[str, Any] = {"@type": kind, "name": entity.name}
    if entity.wikidata:
        data["sameAs"] = f"https://www.wikidata.org/wiki/{entity.wikidata}"
    return data


def claim_review(archive: Archive, claim: Claim) -> dict[str, Any] | None:
    """The schema.org ClaimReview of a claim, or None when its rating is not final."""
    config = archive.config
    rating = config.rating(claim.rating)
    if rating is None or not rating.final:
        return None
    article = archive.articles[claim.article]
    page = _abs(archive, urls.claim_url(claim.id))
    review_rating: dict[str, Any] = {"@type": "Rating", "alternateName": rating.label}
    if rating.value is not None:
        values = [r.value for r in config.ratings if r.value is not None]
        review_rating.update(ratingValue=rating.value, bestRating=max(values),
                             worstRating=min(values))
    if rating.description:
        review_rating["ratingExplanation"] = rating.description
    appearances: list[dict[str, Any]] = [{
        "@type": "NewsArticle", "url": article.url or _abs(archive, urls.article_url(article.slug)),
        "headline": article.title, "inLanguage": article.lang,
    }]
    if article.date:
        appearances[0]["datePublished"] = article.date.isoformat()
    item: dict[str, Any] = {
        "@type": "Claim",
        "@id": page + "#claim",
        "appearance": appearances,
    }
    # the claim's author is whoever the review established made it: nobody for an
    # unconfirmed attribution, or a misattributed claim whose source is unknown
    if claim.speaker:
        item["author"] = _entity_ld(archive.entities.get(claim.speaker), claim.speaker)
    if claim.appearance and claim.appearance.url:
        first: dict[str, Any] = {"@type": "CreativeWork", "url": claim.appearance.url}
        if claim.appearance.title:
            first["name"] = claim.appearance.title
        if claim.appearance.date:
            first["datePublished"] = claim.appearance.date.isoformat()
        item["firstAppearance"] = first
    if claim.appearance and claim.appearance.date:
        item["datePublished"] = claim.appearance.date.isoformat()
    if claim.about:
        item["about"] = [_entity_ld(archive.entities.get(e), e) for e in claim.about]
    publisher: dict[str, Any] = {"@type": "Organization", "name": config.publisher.name}
    if config.publisher.url:
        publisher["url"] = config.publisher.url
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "@id": page + "#review",
        "url": page,
        "claimReviewed": claim.claim,
        "inLanguage": claim.lang,
        "author": publisher,
        "reviewRating": review_rating,
        "itemReviewed": item,
    }
    if claim.reviewed:
        data["datePublished"] = claim.reviewed.isoformat()
    if claim.modified:
        data["dateModified"] = claim.modified.isoformat()
    return data


def claims_json(archive: Archive) -> bytes:
    """Every claim with its fields, anchor selectors and absolute URLs: one claim
    per line (claim_line), which keeps the file readable in a diff and lets an
    in-place edit splice its claims' lines in (site/publish.py)."""
    head = {
        "$schema": _abs(archive, "claims.schema.json"),
        "version": CLAIMS_JSON_VERSION,
        "site": {"title": archive.config.title, "url": archive.config.base_url},
    }
    lines = (claim_line(archive, claim) for claim in archive.claims.values())
    # json's fast encoder (no indent), line by line
    return b"".join([script_safe_json(head)[:-1].encode("utf-8"), b',"claims":[\n',
                     b",\n".join(lines), b"\n]}\n"])


def claim_line(archive: Archive, claim: Claim) -> bytes:
    """claims.json's line of a claim."""
    record = _claim_record(archive, claim, archive.articles[claim.article])
    return script_safe_json(record).encode("utf-8")


def _claim_record(archive: Archive, claim: Claim, article: Article) -> dict[str, Any]:
    rating = archive.config.rating(claim.rating)
    anchor = claim.anchor
    return {
        "id": claim.id,
        "url": _abs(archive, urls.claim_url(claim.id)),
        "claim": claim.claim,
        "lang": claim.lang,
        "claimant": claim.claimant,
        "attribution": claim.attribution,
        "actual_claimant": claim.actual_claimant or None,
        "about": list(claim.about),
        "rating": {"id": claim.rating, "label": rating.label if rating else claim.rating,
                   "final": bool(rating and rating.final)},
        "reviewed": claim.reviewed.isoformat() if claim.reviewed else None,
        "modified": claim.modified.isoformat() if claim.modified else None,
        "review": claim.review,
        "appearance": None if claim.appearance is None else {
            "url": claim.appearance.url or None, "title": claim.appearance.title or None,
            "date": claim.appearance.date.isoformat() if claim.appearance.date else None,
        },
        "sources": [{
            "url": s.url, "title": s.title or None, "publisher": s.publisher or None,
            "date": s.date.isoformat() if s.date else None,
            "accessed": s.accessed.isoformat() if s.accessed else None,
            "archive_url": s.archive_url or None, "note": s.note or None,
        } for s in claim.sources],
        "updates": [{"date": u.date.isoformat(), "note": u.note} for u in claim.updates],
        "target": {
            "article": claim.article,
            "source": _abs(archive, urls.article_url(claim.article)),
            "lang": article.lang,
            "selector": [] if anchor is None else [
                {"type": "TextQuoteSelector", "exact": anchor.exact,
                 "prefix": anchor.prefix, "suffix": anchor.suffix},
                {"type": "TextPositionSelector", "start": anchor.start, "end": anchor.end},
            ],
        },
    }


def script_safe_json(data: Any) -> str:
    """Compact JSON in which '<', '>' and '&' are escaped, so it can never close
    a <script> element or open an HTML comment wherever it is embedded."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
