"""The archive of the last build as the build record stores it, read back
lazily: articles and claims are unpickled (after their signature is checked)
only when a page shows them, lookups one key at a time (state/record.py
writes them)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol, TypeVar

from sitegen.content.document import Document, parse_document
from sitegen.content.model import Archive, Article, Claim, Entity


class Store(Protocol):
    """Where a StoredArchive reads from (state/record.py's BuildState)."""

    def meta(self, name: str) -> Any: ...

    def rows(self, name: str, decode: Callable[[str], Any] | None = None) -> Rows[Any]: ...

    def preload(self, articles: Iterable[str] = (), claims: Iterable[str] = ()) -> None: ...

V = TypeVar("V")


class ParsedLater:
    """An article's parsed body, parsed again from its text when first used
    (Document is a pure function of the text; the pages a quick rebuild renders
    seldom need other articles' bodies)."""

    def __init__(self, body: str) -> None:
        self._body = body
        self._document: Document | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return ParsedLater, (self._body,)

    # what a template sees of it is the Document's: its fields, and its text when printed
    __dataclass_fields__ = Document.__dataclass_fields__

    def __getattr__(self, name: str) -> Any:
        return getattr(self.document, name)

    @property
    def document(self) -> Document:
        if self._document is None:
            self._document = parse_document(self._body)
        return self._document

    def __repr__(self) -> str:
        return repr(self.document)

    __str__ = __repr__


class Rows(Mapping[str, V]):
    """A table of the state's `rows` as a mapping, each row read when first asked
    for (a quick rebuild reads a few of tens of thousands); `known` values (new
    versions of some rows) take precedence. Iterated in the saved order."""

    def __init__(self, db: sqlite3.Connection, name: str,
                 decode: Callable[[str], V] | None = None,
                 known: Mapping[str, V] | None = None) -> None:
        self._db, self._name, self._decode = db, name, decode
        self._known: dict[str, V] = dict(known or {})
        self._read: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        if key in self._known:
            return self._known[key]
        if key not in self._read:
            row = self._db.execute("SELECT value FROM rows WHERE name = ? AND key = ?",
                                   (self._name, key)).fetchone() if isinstance(key, str) else None
            if row is None:
                raise KeyError(key)
            self._read[key] = self._decode(row[0]) if self._decode else row[0]
        return self._read[key]

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def fetch(self, keys: Iterable[str]) -> None:
        """Read these rows at once (those that exist), instead of one by one."""
        wanted = sorted(k for k in set(keys) if k not in self._known and k not in self._read)
        for key, value in select_in(
                self._db, "SELECT key, value FROM rows WHERE name = ? AND key IN ({})",
                (self._name,), wanted):
            self._read[key] = self._decode(value) if self._decode else value

    def __iter__(self) -> Iterator[str]:
        keys = [key for (key,) in self._db.execute(
            "SELECT key FROM rows WHERE name = ? ORDER BY n", (self._name,))]
        saved = set(keys)
        return iter([*keys, *(key for key in self._known if key not in saved)])

    def __len__(self) -> int:
        (count,) = self._db.execute("SELECT COUNT(*) FROM rows WHERE name = ?",
                                    (self._name,)).fetchone()
        return count + sum(1 for key in self._known if not self._saved(key))

    def _saved(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM rows WHERE name = ? AND key = ?",
                                (self._name, key)).fetchone() is not None

    def with_values(self, new: Mapping[str, V]) -> Rows[V]:
        """A copy in which `new` replaces the values of those keys."""
        copy = Rows(self._db, self._name, self._decode, {**self._known, **new})
        copy._read = self._read
        return copy


def select_in(db: sqlite3.Connection, query: str, fixed: tuple[Any, ...],
               keys: list[str]) -> Iterator[Any]:
    """The rows of `query`, whose "IN ({})" is given `keys`, 500 at a time (SQLite
    limits the number of parameters of a statement)."""
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        yield from db.execute(query.format(",".join("?" * len(chunk))), (*fixed, *chunk))


def split_ids(ids: str) -> list[str]:
    return ids.split("\n") if ids else []


class Lazy(Mapping[str, V]):
    """A mapping whose keys are known and whose values are loaded when first read;
    `known` values (new versions of some) take precedence."""

    def __init__(self, keys: Mapping[str, Any], load: Callable[[str], V],
                 known: dict[str, V] | None = None) -> None:
        self._keys, self._load = keys, load
        self._known: dict[str, V] = dict(known or {})

    def __getitem__(self, key: str) -> V:
        try:
            return self._known[key]
        except KeyError:
            if key not in self._keys:
                raise
        value = self._known[key] = self._load(key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def with_values(self, new: Mapping[str, V]) -> Lazy[V]:
        """A copy in which `new` replaces the values of those keys."""
        return Lazy(self._keys, self._load, {**self._known, **new})


@dataclass(frozen=True, eq=False)
class StoredArchive(Archive):
    """An Archive read from a build state: the same content and lookups, with
    articles and claims unpickled only when a page or check reads them."""

    store: Store | None = field(default=None, repr=False)

    def replacing(self, articles: dict[str, Article], claims: dict[str, Claim],
                  file_hashes: dict[str, str], entities: Mapping[str, Entity] | None = None,
                  ) -> tuple[Archive, dict[int, object]]:
        swap = self.swap_table(articles, claims, entities)
        assert isinstance(self.articles, Lazy) and isinstance(self.claims, Lazy)
        assert isinstance(self.file_hashes, Rows)
        copy = StoredArchive(config=self.config, articles=self.articles.with_values(articles),
                             claims=self.claims.with_values(claims),
                             entities={**self.entities, **entities} if entities else self.entities,
                             pages=self.pages,
                             file_hashes=self.file_hashes.with_values(file_hashes),  # type: ignore[arg-type]
                             store=self.store)
        return copy, swap

    def _stored(self, name: str) -> Any:
        assert self.store is not None
        return self.store.meta(name)

    def _lookup(self, name: str) -> Rows[list[str]]:
        assert self.store is not None
        return self.store.rows(name, split_ids)

    def _claims_of(self, ids: list[str]) -> list[Claim]:
        """These claims, read with their articles (what pages show of them) at once."""
        assert self.store is not None
        self.store.preload(claims=ids)
        claims = [self.claims[i] for i in ids]
        self.store.preload(articles=(c.article for c in claims))
        return claims

    @cached_property
    def claims_by_article(self) -> dict[str, list[Claim]]:
        ids = self._lookup("by_article")
        return Lazy(ids, lambda slug: self._claims_of(ids[slug]))  # type: ignore[return-value]

    @cached_property
    def claims_by_claimant(self) -> dict[str, list[Claim]]:
        ids = self._lookup("by_claimant")
        return Lazy(ids, lambda e: self._claims_of(ids[e]))  # type: ignore[return-value]

    @cached_property
    def same_claims(self) -> dict[str, list[Claim]]:
        ids = self._lookup("same")
        return Lazy(ids, lambda c: self._claims_of(ids[c]))  # type: ignore[return-value]

    @cached_property
    def claims_about(self) -> dict[str, list[Claim]]:
        ids = self._lookup("about")
        return Lazy(ids, lambda e: self._claims_of(ids[e]))  # type: ignore[return-value]

    @cached_property
    def claim_counts(self) -> dict[str, int]:
        return self._stored("counts")

    @cached_property
    def articles_mentioning(self) -> dict[str, list[Article]]:
        slugs = self._lookup("mentioning")
        return Lazy(slugs, lambda e: self._articles_of(slugs[e]))  # type: ignore[return-value]

    def _articles_of(self, slugs: list[str]) -> list[Article]:
        assert self.store is not None
        self.store.preload(articles=slugs)
        return [self.articles[slug] for slug in slugs]

    @cached_property
    def articles_newest_first(self) -> list[Article]:
        return [self.articles[slug] for slug in self._stored("newest_articles")]

    @cached_property
    def claims_newest_first(self) -> list[Claim]:
        return [self.claims[claim_id] for claim_id in self._stored("newest_claims")]
