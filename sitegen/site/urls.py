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


def page_url(slug: str) -> str:
    return f"{slug}/"


def output_path(url: str) -> str:
    """The file that serves `url`: directory URLs get an index.html."""
    return url + "index.html" if url == "" or url.endswith("/") else url


def relative_url(from_url: str, to_url: str) -> str:
    """The shortest relative link from the page at `from_url` to the site path `to_url`."""
    to_url, hash_, fragment = to_url.partition("#")
    fragment = hash_ + fragment
    if to_url == from_url and fragment:
        return fragment
    from_dirs = from_url.split("/")[:-1]
    to_dir, _, to_file = to_url.rpartition("/")
    to_dirs = to_dir.split("/") if to_dir else []
    common = 0
    while common < min(len(from_dirs), len(to_dirs)) and from_dirs[common] == to_dirs[common]:
        common += 1
    down = to_dirs[common:]
    link = "../" * (len(from_dirs) - common) + "".join(d + "/" for d in down) + to_file
    return (link or "./") + fragment


def absolute_url(base_url: str, to_url: str) -> str:
    return urljoin(base_url, to_url)
