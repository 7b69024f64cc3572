"""Page fingerprints: one hash per page over everything it depends on.

The loader records the hash of every file it reads (Archive.file_hashes); the page
plan declares each page's inputs. A page's fingerprint hashes its inputs'
current values, so after an edit exactly the pages whose fingerprint changed
are rendered again, including pages whose input *set* changed (an entity page
that a claim no longer mentions). Templates and site.yaml are inputs of every
page: editing a template renders again the pages that use it (through
extends, import and include), editing site.yaml or the theme's words
everything.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import jinja2
from jinja2 import meta

from sitegen.content.config import CONFIG_FILE
from sitegen.content.model import Archive, Entity
from sitegen.site.i18n import UI_TEXT_FILE
from sitegen.site.pages import PagePlan
from sitegen.site.reads import field_value, lookup_value

EVERY_PAGE = ("config", "nav")


def _hash(parts: Iterable[str]) -> str:
    """sha256 of the parts, each followed by a NUL (one encode: this runs per page)."""
    text = "".join(f"{part}\0" for part in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


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


def template_hashes(env: jinja2.Environment, names: Iterable[str]) -> dict[str, str]:
    """"template:<name>" → a hash of the template and of every template it
    extends, imports or includes, and of the theme's words (ui-text.yaml), so
    editing one template renders again only the pages that use it."""
    texts: dict[str, str] = {}
    referenced: dict[str, set[str | None]] = {}

    def visit(name: str) -> None:
        if name in texts:
            return
        try:
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            found = set(meta.find_referenced_templates(env.parse(source)))
        except jinja2.TemplateError:
            # rendering reports it, with file and line; depend on every template meanwhile
            source, found = "", {None}
        texts[name] = source
        referenced[name] = found
        for other in referenced[name]:
            if other is not None:
                visit(other)

    words = ""
    for folder in getattr(env.loader, "searchpath", []):
        path = Path(folder) / UI_TEXT_FILE
        if path.is_file():
            words += hashlib.sha256(path.read_bytes()).hexdigest()
    values = {}
    for name in sorted(set(names)):
        visit(name)
        closure, todo = set(), [name]
        dynamic = False
        while todo:
            current = todo.pop()
            if current in closure:
                continue
            closure.add(current)
            for other in referenced[current]:
                if other is None:
                    dynamic = True  # a computed name: depend on every template
                else:
                    todo.append(other)
        parts = [words, *(f"{n}\0{texts[n]}" for n in sorted(closure))]
        if dynamic:
            parts.append(tree_hash(Path(p) for p in getattr(env.loader, "searchpath", [])))
        values[f"template:{name}"] = _hash(parts)
    return values


class InputValues(dict[str, str]):
    """Input name → its current value; the values of archive lookups and entity
    fields that a template read (site/reads.py) are computed when first asked for."""

    def __init__(self, archive: Archive) -> None:
        super().__init__()
        self.archive = archive
        self.computed: dict[str, str] = {}  # those computed when asked for

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        value = super().get(name)
        if value is None:
            if name.startswith("lookup:"):
                value = lookup_value(self.archive, name)
            elif "#" in name:
                value = field_value(self.archive, name)
            if value is not None:
                self[name] = self.computed[name] = value
        return default if value is None else value


def input_values(archive: Archive, templates: dict[str, str]) -> InputValues:
    """The current value (a hash) of every input a page can declare or read;
    `templates` from template_hashes()."""
    hashes = archive.file_hashes
    config = archive.config
    values = InputValues(archive)
    values.update({
        "config": _hash([hashes.get(CONFIG_FILE, ""), config.base_url]),
        "nav": _hash(f"{slug}={page.title}" for slug, page in sorted(archive.pages.items())),
        # what other pages show of an entity: its name (links, mentions), type and
        # QID (the ClaimReview JSON-LD of claim pages), aliases (mentions found)
        "entity-names": _hash(
            f"{e.id}|{e.name}|{e.type}|{e.wikidata}|{'|'.join(e.aliases)}"
            for e in sorted(archive.entities.values(), key=lambda e: e.id)),
        "ids": _hash([*(f"c:{i}" for i in sorted(archive.claims)),
                      *(f"e:{i}" for i in sorted(archive.entities)),
                      *(f"a:{i}" for i in sorted(archive.articles)),
                      *(f"p:{i}" for i in sorted(archive.pages))]),
    })
    for slug in archive.articles:
        values[f"article:{slug}"] = hashes.get(f"content/articles/{slug}.md", "")
        values[f"claims:{slug}"] = hashes.get(f"content/claims/{slug}.yaml", "")
    for entity_id in archive.entities:
        values[f"entity:{entity_id}"] = hashes.get(f"content/entities/{entity_id}.yaml", "")
    for slug in archive.pages:
        values[f"page:{slug}"] = hashes.get(f"content/pages/{slug}.md", "")
    values["*"] = whole_archive_value(archive)
    values.update(templates)
    return values


def whole_archive_value(archive: Archive) -> str:
    """The value of "*": every file read, the base URL, and which articles are
    built (drafts are left out of lists without any file changing). Every other
    content value is a function of these."""
    return _hash([archive.config.base_url,
                  *(f"{k}={v}" for k, v in sorted(archive.file_hashes.items())),
                  *sorted(archive.articles)])


# what a template can read of an entity: its fields and properties
# ("entity:<id>#<name>"; any other name's value is "-" before and after an edit)
ENTITY_ATTRIBUTES = tuple(sorted(
    {f.name for f in dataclasses.fields(Entity)}
    | {name for name, member in vars(Entity).items() if isinstance(member, property)}))


def edit_values(archive: Archive, slugs: Iterable[str], entity_ids: Iterable[str] = (),
                whole: bool = True) -> dict[str, str]:
    """The values of the inputs of the given articles, their claims files and the
    given entities, and of "*" if `whole` (to update input_values() after
    content/load.py's reload_files)."""
    hashes = archive.file_hashes
    values = {"*": whole_archive_value(archive)} if whole else {}
    for slug in slugs:
        values[f"article:{slug}"] = hashes.get(f"content/articles/{slug}.md", "")
        values[f"claims:{slug}"] = hashes.get(f"content/claims/{slug}.yaml", "")
    for entity_id in entity_ids:
        values[f"entity:{entity_id}"] = hashes.get(f"content/entities/{entity_id}.yaml", "")
        for attribute in ENTITY_ATTRIBUTES:
            name = f"entity:{entity_id}#{attribute}"
            values[name] = field_value(archive, name) or "-"
    return values


def fingerprint_inputs(plan: PagePlan, reads: Iterable[str] = ()) -> list[str]:
    """The inputs whose values a page's fingerprint covers, in order: those it
    declares, and those its templates read when it was last rendered (`reads`)."""
    return sorted({*plan.inputs, *EVERY_PAGE, f"template:{plan.template}", *reads})


def fingerprint(plan: PagePlan, values: Mapping[str, str], reads: Iterable[str] = ()) -> str:
    """A hash of everything the page was made from. `reads`: what its templates
    read the last time it was rendered (site/reads.py); while none of those
    values changed, rendering it again would read the same."""
    return _hash([plan.url, plan.template, plan.listing,
                  *(f"{name}={values.get(name, '-')}"
                    for name in fingerprint_inputs(plan, reads))])


def extra_reads(plan: PagePlan, reads: Iterable[str]) -> tuple[str, ...]:
    """What a page's templates read beyond the inputs it declares (what needs
    keeping between builds), sorted."""
    declared = {*plan.inputs, *EVERY_PAGE, f"template:{plan.template}"}
    return tuple(sorted(name for name in reads if name not in declared))
