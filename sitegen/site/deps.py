"""Page fingerprints: one hash per page over everything it depends on.

The loader records the hash of every file it reads (Archive.sources); the page
plan declares each page's inputs. A page's fingerprint hashes its inputs'
current values, so after an edit exactly the pages whose fingerprint changed
are rendered again, including pages whose input *set* changed (an entity page
that a claim no longer mentions). Templates and site.yaml are inputs of every
page, so changing them re-renders everything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from sitegen.config import CONFIG_FILE
from sitegen.content.model import Archive
from sitegen.site.pages import PagePlan

EVERY_PAGE = ("config", "templates", "nav")


def _hash(parts: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def tree_hash(folders: Iterable[Path]) -> str:
    """Hash of every file (path and bytes) under the given folders."""
    parts = []
    for number, folder in enumerate(folders):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                parts.append(f"{number}:{path.relative_to(folder).as_posix()}")
                parts.append(hashlib.sha256(path.read_bytes()).hexdigest())
    return _hash(parts)


def input_values(archive: Archive, templates: str) -> dict[str, str]:
    """The current value (a hash) of every input a page can declare."""
    sources = archive.sources
    config = archive.config
    values = {
        "config": _hash([sources.get(CONFIG_FILE, ""), config.base_url]),
        "templates": templates,
        "nav": _hash(f"{slug}={page.title}" for slug, page in sorted(archive.pages.items())),
        "entity-names": _hash(
            f"{e.id}|{e.name}|{e.type}|{'|'.join(e.aliases)}"
            for e in sorted(archive.entities.values(), key=lambda e: e.id)),
        "ids": _hash([*(f"c:{i}" for i in sorted(archive.claims)),
                      *(f"e:{i}" for i in sorted(archive.entities)),
                      *(f"a:{i}" for i in sorted(archive.articles)),
                      *(f"p:{i}" for i in sorted(archive.pages))]),
    }
    for slug in archive.articles:
        values[f"article:{slug}"] = sources.get(f"content/articles/{slug}.md", "")
        values[f"claims:{slug}"] = sources.get(f"content/claims/{slug}.yaml", "")
    for entity_id in archive.entities:
        values[f"entity:{entity_id}"] = sources.get(f"content/entities/{entity_id}.yaml", "")
    for slug in archive.pages:
        values[f"page:{slug}"] = sources.get(f"content/pages/{slug}.md", "")
    # "*" covers every file read and which articles are built (drafts are left
    # out of lists without any file changing)
    values["*"] = _hash([*(f"{k}={v}" for k, v in sorted(values.items())),
                         *(f"{k}={v}" for k, v in sorted(sources.items())),
                         *sorted(archive.articles)])
    return values


def fingerprint(plan: PagePlan, values: dict[str, str]) -> str:
    inputs = sorted({*plan.inputs, *EVERY_PAGE})
    return _hash([plan.url, plan.template, plan.signature,
                  *(f"{name}={values.get(name, '-')}" for name in inputs)])
