"""`sitegen new`: a ready site (`new site`, like `hugo new site`), and stubs of
a claim or an entity for editors who write YAML in their own editor.

The site comes from `sitegen/starter/`: an example article with claims and
entities that builds with `--strict`, a documented rating scale, a
.gitignore, and a GitHub Pages workflow equal to docs/examples/github-pages-site.yml.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from sitegen.content.config import SiteConfig, load_config
from sitegen.content.document import ascii_slug
from sitegen.content.edit import (
    EditError,
    claim_ids,
    entity_text,
    insert_claim,
    read_for_edit,
    write_text_atomic,
)
from sitegen.content.reader import ENTITY_TYPES
from sitegen.diagnostics import ContentError, Diagnostics, did_you_mean

STARTER = Path(__file__).parent / "starter"
# starter files stored under another name (a dot file would be left out of the wheel)
PLACES = {"gitignore": ".gitignore", "github-pages.yml": ".github/workflows/pages.yml"}
FOLDERS = ("content/articles", "content/claims", "content/entities", "content/pages", "seeds")
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class NewSite:
    """What `new_site` wrote, and what it left as it was."""

    root: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # existing files (with force)
    requirement: str = ""  # the line of requirements.txt that installs sitegen
    pinned: bool = False  # False: no install source was found; the editor must pin one


def new_site(root: Path, *, force: bool = False) -> NewSite:
    """Write a ready site into `root` (created if missing). A folder that is not
    empty is refused unless `force`; existing files are never overwritten."""
    if root.exists() and not root.is_dir():
        raise EditError(f"{root} is a file", "choose a folder name")
    if root.is_dir() and any(root.iterdir()) and not force:
        raise EditError(f"{root} is not empty",
                       "choose a new folder, or pass --force to add the site's files "
                       "to this one (existing files are kept)")
    made = NewSite(root)
    files = {path.relative_to(STARTER).as_posix(): path.read_bytes()
             for path in sorted(STARTER.rglob("*")) if path.is_file()}
    made.requirement, made.pinned = sitegen_requirement()
    files["requirements.txt"] = _requirements(made.requirement, made.pinned).encode()
    for name, data in files.items():
        target = root / PLACES.get(name, name)
        if target.exists():
            made.kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        made.written.append(target)
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    return made


def sitegen_requirement() -> tuple[str, bool]:
    """How the running sitegen was installed, as a requirement line, when it can
    be installed the same way elsewhere: from a git repository at a commit
    (PEP 610's direct_url.json). Otherwise `sitegen==VERSION`, not pinned to a
    source (sitegen is not on a package index)."""
    try:
        dist = metadata.distribution("sitegen")
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
        version = dist.version
    except (metadata.PackageNotFoundError, ValueError):
        return "sitegen", False
    vcs = direct.get("vcs_info", {})
    url = str(direct.get("url", ""))
    if vcs.get("vcs") == "git" and vcs.get("commit_id") and url.startswith("https://"):
        return f"sitegen @ git+{url}@{vcs['commit_id']}", True
    return f"sitegen=={version}", False


def _requirements(requirement: str, pinned: bool) -> str:
    lines = ["# What the build job installs (.github/workflows/pages.yml)."]
    if not pinned:
        lines += ["# sitegen is not on a package index: replace the line below with its git",
                  "# repository at a tag or commit, for example",
                  "#   sitegen @ git+https://HOST/ORG/sitegen.git@REF",
                  "# (docs/publishing.md, \"Installing sitegen in a build job\")."]
    return "\n".join([*lines, requirement]) + "\n"


def _site_config(src: Path) -> SiteConfig:
    diags = Diagnostics()
    config = load_config(src, diags)
    if config is None:
        raise ContentError(diags)
    return config


@dataclass(frozen=True)
class NewClaim:
    path: Path
    id: str
    line: int  # where the new item starts


def new_claim(src: Path, article: str, *, claim_id: str | None = None,
              quote: str = "") -> NewClaim:
    """Append a claim stub to content/claims/ARTICLE.yaml (created when missing):
    every field there, to be filled in; `sitegen check` says what is missing."""
    config = _site_config(src)
    articles = src / "content" / "articles"
    if not _ID.fullmatch(article) or not (articles / f"{article}.md").is_file():
        known = sorted(p.stem for p in articles.glob("*.md")) if articles.is_dir() else []
        raise EditError(f"no article {article!r} in content/articles/",
                       did_you_mean(article, known) or "give the slug of an existing article")
    path = src / "content" / "claims" / f"{article}.yaml"
    text, expected = read_for_edit(path)
    text = text if expected is not None else f"article: {article}\nclaims: []\n"
    taken = set(claim_ids(text))
    claim_id = claim_id or _free_id(ascii_slug(quote, 60) or f"{article[:60]}-claim", taken)
    if not _ID.fullmatch(claim_id):
        raise EditError(f"invalid claim id {claim_id!r}",
                       "an id uses lowercase letters, digits and single hyphens")
    if claim_id in taken:
        raise EditError(f"claim {claim_id!r} is already in {path.name}", "choose another id")
    pending = [r.id for r in config.ratings if not r.final]
    fields: dict[str, Any] = {
        "id": claim_id, "quote": quote, "claim": "", "claimant": "",
        "attribution": "unconfirmed", "about": [],
        "rating": (pending or [r.id for r in config.ratings])[0],
        "reviewed": dt.date.today(), "review": "", "sources": [],
    }
    new_text, line = insert_claim(text, fields)
    write_text_atomic(path, new_text, expected, create=expected is None)
    return NewClaim(path, claim_id, line)


def _free_id(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def new_entity(src: Path, name: str, *, entity_type: str = "other",
               entity_id: str | None = None) -> Path:
    """Write content/entities/ID.yaml for `name` (id from the name unless given)."""
    _site_config(src)
    name = name.strip()
    entity_id = entity_id or ascii_slug(name)
    if not name or not _ID.fullmatch(entity_id):
        raise EditError(f"cannot make an id from {name!r}", "give one with --id")
    if entity_type not in ENTITY_TYPES:
        raise EditError(f"unknown entity type {entity_type!r}",
                       did_you_mean(entity_type, ENTITY_TYPES)
                       or "use one of: " + ", ".join(ENTITY_TYPES))
    path = src / "content" / "entities" / f"{entity_id}.yaml"
    if path.exists():
        raise EditError(f"content/entities/{entity_id}.yaml already exists",
                       "edit it, or give another id with --id")
    write_text_atomic(path, entity_text(name, entity_type), create=True)
    return path
