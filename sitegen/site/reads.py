"""What a template reads while a page renders: its recorded inputs.

A page's declared inputs (site/pages.py) cover what planning put in its
context, but a template can reach further: through the global `archive`, or
by reading a field of an object that sitegen's own theme never shows (a site's
`macros.html` that prints `entity.description` on every link). So the Jinja
environment records every content object a template reads an attribute or
item of, and every lookup of the archive it consults, as input names:

- an article → "article:<slug>"; a claim → "claims:<slug>" and "article:<slug>"
  (its anchor and number come from the article's text); a field of an entity →
  "entity:<id>#<field>", whose value is that field's (links show an entity's
  name on thousands of pages; its description is shown on one); a free page →
  "page:<slug>"; the site settings → "config";
- `archive.<lookup>[key]`, `.get(key)`, `key in archive.<lookup>` →
  "lookup:<lookup>:<key>", whose value is which objects the lookup holds there
  (ids and numbers, not their content: reading those records their files);
- anything else of a lookup (its length, iterating it) → "lookup:<lookup>",
  the ids of everything it holds; anything else of the archive → "*".

These names join the page's fingerprint (site/deps.py), so a page is
rendered again when anything it read changed, whatever its templates. The
recording is per process and per page: `recording()` around one render.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import jinja2

from sitegen.content.config import SiteConfig
from sitegen.content.model import Archive, Article, Claim, Entity, FreePage

# The lookups of Archive a template may consult; any other attribute of the
# archive (its file hashes, its methods) makes the page depend on everything.
LOOKUPS = frozenset({
    "articles", "claims", "entities", "pages", "claims_by_article", "claims_by_claimant",
    "claims_about", "claim_counts", "articles_mentioning", "articles_newest_first",
    "claims_newest_first", "same_claims",
})
WHOLE = "*"

# the reads of the page being rendered, innermost memo block last (None: not recording)
_stack: list[set[str]] = []


def record(*names: str) -> None:
    """Note that the page being rendered depends on these inputs."""
    if _stack:
        _stack[-1].update(names)


@contextlib.contextmanager
def recording() -> Iterator[set[str]]:
    """Collect the inputs read inside the block (nested blocks also count for
    the enclosing ones, as a memoised fragment counts for its page)."""
    reads: set[str] = set()
    _stack.append(reads)
    try:
        yield reads
    finally:
        _stack.pop()
        if _stack:
            _stack[-1].update(reads)


# The inputs that reading an object makes a page depend on, by its exact type
# (as the content model makes them: a subclass is not content); none for others.
_INPUTS: dict[type, Callable[[Any], tuple[str, ...]]] = {
    Claim: lambda claim: (f"claims:{claim.article}", f"article:{claim.article}"),
    Article: lambda article: (f"article:{article.slug}",),
    Entity: lambda entity: (f"entity:{entity.id}",),
    FreePage: lambda page: (f"page:{page.slug}",),
    SiteConfig: lambda config: ("config",),
}

# The object whose inputs were recorded last, and into which reads: a template
# reads several fields of one claim in a row, and each would make the same names.
_last: list[object] = [None, None]


class RecordingEnvironment(jinja2.Environment):
    """A Jinja environment that records what templates read (see the module).

    Called for every `x.y` and `x[y]` of every template (about 250 times a
    page), so the common case is kept short: content objects are told by their
    exact type, anything else by one isinstance test."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if _stack:
            kind = type(obj)
            if kind in _INPUTS:
                _record_read(obj, kind, attribute)
            elif isinstance(obj, Archive):
                return _archive_attribute(obj, attribute)
        try:  # as jinja2.Environment.getattr: the attribute first, then the item
            return getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if _stack:
            kind = type(obj)
            if kind in _INPUTS:
                _record_read(obj, kind, argument)
            elif isinstance(obj, Archive) and isinstance(argument, str):
                return _archive_attribute(obj, argument)
        return super().getitem(obj, argument)


def _record_read(obj: object, kind: type, attribute: object) -> None:
    reads = _stack[-1]
    if kind is Entity and isinstance(attribute, str) and not attribute.startswith("_"):
        reads.add(f"entity:{obj.id}#{attribute}")  # type: ignore[attr-defined]
        return
    if _last[0] is obj and _last[1] is reads:
        return
    reads.update(_INPUTS[kind](obj))
    _last[0], _last[1] = obj, reads


def field_value(archive: Archive, name: str) -> str | None:
    """The value of an "entity:<id>#<field>" input: a digest of that field as the
    entity now has it ("-" for a missing entity or field). None for other names."""
    kind, _, rest = name.partition(":")
    entity_id, hash_sign, attribute = rest.partition("#")
    if kind != "entity" or not hash_sign:
        return None
    entity = archive.entities.get(entity_id)
    value = getattr(entity, attribute, _MISSING) if entity is not None else _MISSING
    return "-" if value is _MISSING else _digest(repr(value))


def _archive_attribute(archive: Archive, name: str) -> Any:
    if name == "config":
        record("config")
        return archive.config
    if name not in LOOKUPS:
        record(WHOLE)
        return getattr(archive, name)
    value = getattr(archive, name)
    if isinstance(value, Mapping):
        return LookupView(name, value)
    return SequenceView(name, value)


class LookupView(Mapping[str, Any]):
    """A lookup of the archive as a template sees it: reading one key records
    that key; anything that sees them all records the whole lookup."""

    def __init__(self, name: str, lookup: Mapping[str, Any]) -> None:
        self._name = name
        self._lookup = lookup

    def __getitem__(self, key: str) -> Any:
        record(f"lookup:{self._name}:{key}")
        return self._lookup[key]

    def get(self, key: str, default: Any = None) -> Any:
        record(f"lookup:{self._name}:{key}")
        return self._lookup.get(key, default)

    def __contains__(self, key: object) -> bool:
        record(f"lookup:{self._name}:{key}")
        return key in self._lookup

    def __iter__(self) -> Iterator[str]:
        record(f"lookup:{self._name}")
        return iter(self._lookup)

    def __len__(self) -> int:
        record(f"lookup:{self._name}")
        return len(self._lookup)

    def keys(self) -> Any:
        record(f"lookup:{self._name}")
        return self._lookup.keys()

    def values(self) -> Any:
        record(f"lookup:{self._name}")
        return self._lookup.values()

    def items(self) -> Any:
        record(f"lookup:{self._name}")
        return self._lookup.items()


class SequenceView(Sequence[Any]):
    """A list of the archive (newest articles, newest claims) as a template sees
    it: any use records the whole list."""

    def __init__(self, name: str, items: Sequence[Any]) -> None:
        self._name = name
        self._items = items

    def __getitem__(self, index: Any) -> Any:
        record(f"lookup:{self._name}")
        return self._items[index]

    def __len__(self) -> int:
        record(f"lookup:{self._name}")
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        record(f"lookup:{self._name}")
        return iter(self._items)


def lookup_value(archive: Archive, name: str) -> str | None:
    """The value of a "lookup:<lookup>[:<key>]" input: which objects the archive
    holds there, by id. None for a name that is not a lookup input."""
    lookup, _, key = name.removeprefix("lookup:").partition(":")
    if lookup not in LOOKUPS or not name.startswith("lookup:"):
        return None
    table = getattr(archive, lookup)
    if key or ":" in name.removeprefix("lookup:"):
        held = table.get(key, _MISSING) if isinstance(table, Mapping) else _MISSING
        return _digest(_identity(held))
    if isinstance(table, Mapping):
        return _digest("".join(f"{k}\0{_identity(v)}\0" for k, v in table.items()))
    return _digest(_identity(table))


_MISSING = object()


def _identity(value: object) -> str:
    """What a lookup holds, by id: objects by kind and id, numbers by value."""
    if value is _MISSING:
        return "-"
    kind = type(value)
    if kind is Claim:
        return f"c:{value.id}"  # type: ignore[attr-defined]
    if kind is Article:
        return f"a:{value.slug}"  # type: ignore[attr-defined]
    if kind is Entity:
        return f"e:{value.id}"  # type: ignore[attr-defined]
    if kind is FreePage:
        return f"p:{value.slug}"  # type: ignore[attr-defined]
    if isinstance(value, list | tuple):
        return "[" + ",".join(_identity(item) for item in value) + "]"
    return repr(value)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
