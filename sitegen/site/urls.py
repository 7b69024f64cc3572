"""Site URLs: where each object lives, and links between pages.

Every page has a site path such as "articles/<slug>/" ("" for the home page).
Links between pages are relative, so a site works unchanged from any folder;
only a few (canonical, OpenGraph, feed, sitemap, JSON-LD) are absolute.
"""

from __future__ import annotations

from urllib.parse import urljoin


def article_url(slug: str) -> str:
    return f"articles/{slug}/"


def claim_url(claim_id: str) -> str:
    return f"claims/{claim_id}/"


def entity_url(entity_id: str) -> str:
    return f"entities/{entity_id}/"


def entity_feed_url(entity_id: str) -> str:
    return f"entities/{entity_id}/feed.xml"


def page_url(slug: str) -> str:
    return f"{slug}/"


def output_path(url: str) -> str:
    """The file that serves `url`: directory URLs get an index.html."""
    return url + "index.html" if url == "" or url.endswith("/") else url


def relative_url(from_url: str, to_url: str) -> str:
    """A link from the page at `from_url` to the site path `to_url`: up to the
    site root, then down. It depends only on the page's depth, so the same
    markup (site header, list items) can be reused on every page at that depth."""
    to_url, hash_, fragment = to_url.partition("#")
    if to_url == from_url and hash_:
        return "#" + fragment
    link = "../" * from_url.count("/") + to_url
    return (link or "./") + hash_ + fragment


def absolute_url(base_url: str, to_url: str) -> str:
    """base_url (which ends in '/') joined with a site path."""
    if base_url.endswith("/") and not to_url.startswith("/") and ":" not in to_url.split("/")[0]:
        return base_url + to_url
    return urljoin(base_url, to_url)
