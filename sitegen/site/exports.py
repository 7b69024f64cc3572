"""Machine-readable exports: ClaimReview JSON-LD, claims.json and claims.csv.

All use absolute URLs from base_url. claims.json gives every claim's anchor
as W3C TextQuoteSelector and TextPositionSelector over its article's plain
text (see content/document.py) and is described by schemas/claims.schema.json.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

from sitegen.content.dates import qualifiers
from sitegen.content.model import Anchor, Archive, Article, Claim, Entity
from sitegen.site import urls

CLAIMS_JSON_VERSION = 2  # 2: target.part (title anchors), partial dates, same_as


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
    same = archive.same_claims.get(claim.id, [])
    if same:  # the same claim made elsewhere, reviewed on its own page
        item["sameAs"] = [_abs(archive, urls.claim_url(c.id)) + "#claim" for c in same]
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
    return b"".join(claims_json_chunks(archive))


def claims_json_chunks(archive: Archive) -> Iterator[bytes]:
    """claims.json piece by piece (a build streams it to disk: whole, it is about
    1 GB at 100,000 articles)."""
    head = {
        "$schema": _abs(archive, "claims.schema.json"),
        "version": CLAIMS_JSON_VERSION,
        "site": {"title": archive.config.title, "url": archive.config.base_url},
    }
    # json's fast encoder (no indent), line by line
    yield script_safe_json(head)[:-1].encode("utf-8") + b',"claims":[\n'
    separator = b""
    for claim in archive.claims.values():
        yield separator + claim_line(archive, claim)
        separator = b",\n"
    yield b"\n]}\n"


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
            **_date_fields(claim.appearance.date),
        },
        "sources": [{
            "url": s.url, "title": s.title or None, "title_supplied": s.title_supplied,
            "publisher": s.publisher or None, **_date_fields(s.date),
            "accessed": s.accessed.isoformat() if s.accessed else None,
            "archive_url": s.archive_url or None, "note": s.note or None,
        } for s in claim.sources],
        "updates": [{"date": u.date.isoformat(), "note": u.note,
                     "previous_rating": u.previous_rating or None} for u in claim.updates],
        "same_as": [c.id for c in archive.same_claims.get(claim.id, [])],
        "target": {
            "article": claim.article,
            "source": _abs(archive, urls.article_url(claim.article)),
            "lang": article.lang,
            "part": anchor.part if anchor else "body",
            "selector": [] if anchor is None else _selectors(anchor),
        },
    }


# claims.csv: one row per claim, in claims.json's order (README, "claims.csv").
CSV_COLUMNS = (
    "id", "url", "claim", "lang", "rating", "rating_label", "rating_final",
    "attribution", "claimant", "claimant_name", "actual_claimant", "actual_claimant_name",
    "about", "about_names", "reviewed", "modified", "quote", "article", "article_title",
    "article_url", "appearance_url", "appearance_date", "sources", "review",
)
CSV_BOM = b"\xef\xbb\xbf"  # spreadsheets read the file as UTF-8 only with it
CSV_NEWLINE = "\r\n"  # RFC 4180; a newline inside a cell stays "\n", quoted
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def claims_csv(archive: Archive) -> bytes:
    """Every claim as a row of CSV_COLUMNS, after a header row."""
    return b"".join(claims_csv_chunks(archive))


def claims_csv_chunks(archive: Archive) -> Iterator[bytes]:
    """claims.csv piece by piece: the byte order mark and header row, then a row
    per claim."""
    newline = CSV_NEWLINE.encode()
    yield CSV_BOM + _csv_row(list(CSV_COLUMNS)) + newline
    for claim in archive.claims.values():
        yield claim_row(archive, claim) + newline


def claim_row(archive: Archive, claim: Claim) -> bytes:
    """claims.csv's row of a claim (without its line end)."""
    rating = archive.config.rating(claim.rating)
    article = archive.articles[claim.article]
    name = archive.entity_name
    appearance = claim.appearance
    return _csv_row([
        claim.id, _abs(archive, urls.claim_url(claim.id)), claim.claim, claim.lang,
        claim.rating, rating.label if rating else claim.rating,
        "true" if rating and rating.final else "false",
        claim.attribution, claim.claimant, name(claim.claimant), claim.actual_claimant,
        name(claim.actual_claimant) if claim.actual_claimant else "",
        "; ".join(claim.about), "; ".join(name(e) for e in claim.about),
        claim.reviewed.isoformat() if claim.reviewed else "",
        claim.modified.isoformat() if claim.modified else "",
        claim.quote, claim.article, article.title,
        _abs(archive, urls.article_url(claim.article)),
        appearance.url if appearance else "",
        appearance.date.isoformat() if appearance and appearance.date else "",
        " ".join(source.url for source in claim.sources), claim.review,
    ])


def _csv_row(cells: list[str]) -> bytes:
    # a cell a spreadsheet would run as a formula (content comes from outside
    # contributors) starts with an apostrophe, which spreadsheets show as text
    safe = [f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell for cell in cells]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=CSV_NEWLINE).writerow(safe)
    return buffer.getvalue()[: -len(CSV_NEWLINE)].encode("utf-8")


def _selectors(anchor: Anchor) -> list[dict[str, Any]]:
    """W3C selectors of an anchor: over the article's plain text, or (a title
    anchor) over its title, named by a CssSelector of the page's h1."""
    text = [{"type": "TextQuoteSelector", "exact": anchor.exact, "prefix": anchor.prefix,
             "suffix": anchor.suffix},
            {"type": "TextPositionSelector", "start": anchor.start, "end": anchor.end}]
    if anchor.part == "title":
        return [{"type": "CssSelector", "value": "h1", "refinedBy": selector}
                for selector in text]
    return text


def _date_fields(value: dt.date | None) -> dict[str, Any]:
    """A date to the precision known, whether it is estimated, and its note."""
    estimated, note = qualifiers(value)
    return {"date": value.isoformat() if value else None,
            "date_estimated": estimated, "date_note": note or None}


def script_safe_json(data: Any) -> str:
    """Compact JSON in which '<', '>' and '&' are escaped, so it can never close
    a <script> element or open an HTML comment wherever it is embedded."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
