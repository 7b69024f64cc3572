"""The build record: what the last build was made from, for the next one.

`.sitegen-cache/state-<output>.sqlite` holds what `sitegen build` needs to
bring the output up to date after an edit to articles and claims files
without reading the whole archive again:

- the size and modification time of every input file when the build began,
  and the hash of every file read;
- each article and each claim as built, one row each, read back only for
  those that the pages to rebuild show (`StoredArchive`); an article's parsed
  body is left out (most of the size) and parsed again from the text if a
  page needs it;
- the entities, free pages and settings, the archive's lookups as ids (one
  row per key: a rebuild reads a few), the input values (site/deps.py, one row
  each), the diagnostics and the searchable pages;
- every page's fingerprint and how to plan it again: its kind and key, or
  for list pages, home and the feed the plan itself, with the content
  objects it holds pickled as references; and which pages use each article
  and claims file.

Pickle runs code when it is read, so every pickled value is signed with the
load cache's key (content/cache.py) and checked before it is unpickled; a
state that fails any check is discarded. A full build removes the state before
it changes the output and writes it afterwards, so the state never describes
an output other than the one in place; deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sqlite3
import sys
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any

from sitegen import __version__
from sitegen.content.markup import Compiled
from sitegen.content.model import Anchor, Archive, Article, Claim, Entity, Source
from sitegen.signing import Signer, code_digest, machine_key
from sitegen.site.pages import PagePlan, item_key
from sitegen.state.schema import Record
from sitegen.state.stored import Lazy, ParsedLater, Rows, StoredArchive, select_in, split_ids

CACHE_DIR = ".sitegen-cache"
FORMAT = 7
ITEM_KINDS = ("article", "claim", "entity")  # planned again from their key
STORED_KINDS = ("home", "list", "feed")  # planned again from their stored plan
Stats = dict[str, tuple[int, int]]  # file relative to the site → (size, mtime_ns)


def state_path(src: Path, out: Path) -> Path:
    """One state per output folder, named after it: by its path inside the site
    when it is there (so a cache restored into a checkout at another path, as
    in CI, still finds it), else by its absolute path."""
    key = hashlib.sha256(_output_path(src, out).encode()).hexdigest()[:12]
    return src / CACHE_DIR / f"state-{key}.sqlite"


def search_ids_path(src: Path, out: Path) -> Path:
    """Where the page ids of the output's search bundles are cached
    (site/searchplan.py's PageIds), beside its state."""
    return state_path(src, out).with_suffix(".search")


def _output_path(src: Path, out: Path) -> str:
    """The output folder as the state records it: relative to the site when
    inside it, else absolute."""
    resolved = out.resolve()
    try:
        return "site:" + resolved.relative_to(src.resolve()).as_posix()
    except ValueError:
        return str(resolved)


def discard_state(src: Path, out: Path) -> None:
    """Forget the state (before a full build changes the output)."""
    state_path(src, out).unlink(missing_ok=True)


def input_path(src: Path, folders: Sequence[Path], rel: str) -> Path:
    """The file an input_stats() key names: "content/…" under the site,
    "<n>:<path>" under the n-th template folder."""
    number, colon, rest = rel.partition(":")
    if colon and number.isdigit() and int(number) < len(folders):
        return folders[int(number)] / rest
    return src / rel


def input_stats(src: Path, folders: Iterable[Path]) -> Stats:
    """Size and modification time of site.yaml and of every file under
    content/, seeds/ and the template folders (hidden files left out: editors'
    swap files are not content)."""
    stats: Stats = {}
    config = src / "site.yaml"
    if config.is_file():
        info = config.stat()
        stats["site.yaml"] = (info.st_size, info.st_mtime_ns)
    # keys are cut from the paths os.scandir gives, so the roots are joined as
    # strings: Path(".") / "content" drops the "./" that len() would count
    site = str(src)
    roots = [("", os.path.join(site, "content"), site), ("", os.path.join(site, "seeds"), site)]
    roots += [(f"{number}:", str(folder), str(folder)) for number, folder in enumerate(folders)]
    for prefix, root, base in roots:
        _walk(root, len(os.path.join(base, "")), prefix, stats)
    return stats


def _walk(folder: str, cut: int, prefix: str, stats: Stats) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            _walk(entry.path, cut, prefix, stats)
        else:
            try:
                info = entry.stat()
            except OSError:
                continue
            stats[prefix + entry.path[cut:]] = (info.st_size, info.st_mtime_ns)


_PACKAGE_KEY: bytes | None = None


def package_key() -> bytes:
    """What the saved objects and plans were made by: every module of sitegen,
    Python and the version (a state from other code is never trusted)."""
    global _PACKAGE_KEY
    if _PACKAGE_KEY is None:
        package = Path(__file__).resolve().parent.parent
        _PACKAGE_KEY = code_digest(package.rglob("*.py"), package, __version__, sys.version,
                                   str(FORMAT))
    return _PACKAGE_KEY


@dataclass
class BuildRecord:
    """What a full build leaves for the next one (StateSaver writes it): the
    dependency record (state/schema.py), and what a quick rebuild needs beside it
    to plan pages again without reading the whole site."""

    options: str  # the build options that shape the output (drafts, base URL, search)
    stats: Stats
    archive: Archive
    plans: list[PagePlan]
    record: Record
    layout: dict[str, list[str]]  # search bundle → its pages (search.bundles())
    extra: dict[str, Any] = field(default_factory=dict)  # further metadata, pickled
    # hashes of the input files the build does not read as content (templates,
    # static files), so that a rebuild can tell a file only touched from one edited
    others: dict[str, str] = field(default_factory=dict)


class StateError(Exception):
    """The state cannot be trusted (damaged, foreign, or other code's)."""


class _RefPickler(pickle.Pickler):
    """Pickles content objects as references (a list page holds claims and
    articles, which the state has in their own rows): `refs` maps id() of each
    to its reference."""

    def __init__(self, stream: io.BytesIO, refs: dict[int, tuple[str, ...]]) -> None:
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self.used: set[tuple[str, ...]] = set()
        # looked up by type, so other objects are pickled at full speed; not a bound
        # method, which would make the pickler a cycle that keeps its memo (every
        # object it pickled) and `refs` until the garbage collector runs
        self.dispatch_table = dict.fromkeys((Article, Claim, Entity, Source),
                                            partial(_reference, refs, self.used))


def _reference(refs: dict[int, tuple[str, ...]], used: set[tuple[str, ...]], obj: Any) -> Any:
    ref = refs.get(id(obj))
    if ref is None:
        return obj.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    used.add(ref)
    return _ref, ref


def _ref(*ref: str) -> Any:
    """What a reference unpickles to, through _RefUnpickler, which resolves it."""
    raise StateError(f"reference {ref!r} read without an archive")


class _RefUnpickler(pickle.Unpickler):
    def __init__(self, stream: io.BytesIO, resolve: Callable[..., Any]) -> None:
        super().__init__(stream)
        self.resolve = resolve

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == (__name__, "_ref"):
            return self.resolve
        return super().find_class(module, name)


def _dumps(value: Any, refs: dict[int, tuple[str, ...]] | None = None) -> bytes:
    """`value` pickled; with `refs`, the content objects in it as references, and
    the list of those references pickled first (BuildState.plan reads them at once)."""
    if not refs:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream = io.BytesIO()
    pickler = _RefPickler(stream, refs)
    pickler.dump(value)
    return pickle.dumps(sorted(pickler.used), protocol=pickle.HIGHEST_PROTOCOL) + stream.getvalue()


def _refs(articles: Iterable[Article], claims: Iterable[Claim],
          entities: Mapping[str, Entity]) -> dict[int, tuple[str, ...]]:
    """id() of each content object → its reference (_RefPickler): the articles, the
    claims and their sources, and the entities."""
    refs: dict[int, tuple[str, ...]] = {id(a): ("a", a.slug) for a in articles}
    for claim in claims:
        refs[id(claim)] = ("c", claim.id)
        for n, source in enumerate(claim.sources):
            refs[id(source)] = ("s", claim.id, str(n))
    refs.update((id(e), ("e", entity_id)) for entity_id, e in entities.items())
    return refs


class StateSaver:
    """Writes a full build's state in a thread while the build indexes and puts
    its output in place (pickling the archive takes seconds at 10,000 articles,
    while Pagefind's processes do the indexing), then installs it once the
    output is written. Started only after the render workers were forked, and
    once every page is staged. It first notes the size and time of each page's
    file where it is then, in `roots` (the staging folder, then the output):
    those of the file that will be in place, which is moved, never copied. The
    output must not change until `noted()` returns."""

    def __init__(self, src: Path, out: Path, record: BuildRecord,
                 roots: Sequence[Path]) -> None:
        self.path = state_path(src, out)
        self.temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self.record: BuildRecord | None = record  # let go of once written
        self.roots = [str(root) for root in roots]
        self.out_name = _output_path(src, out)
        self.error: BaseException | None = None
        self._noted = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sitegen-state", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def noted(self) -> None:
        """Wait until the pages' files are noted (then the output may change)."""
        if self.thread.ident is not None:
            self._noted.wait()

    def _run(self) -> None:
        try:
            assert self.record is not None
            key = machine_key()
            if key is None:  # nothing is saved without a key: nothing to note either
                return
            files = _file_stats(self.roots, self.record.plans)
            self._noted.set()
            _write_state(self.temporary, self.out_name, self.record, files, key)
        except BaseException as exc:
            self.error = exc
        finally:
            self._noted.set()  # whatever happened: noted() never waits on a dead thread

    def written(self) -> None:
        """Wait for the state to be written, and let go of what it was written
        from (the build's archive and plan)."""
        self.thread.join()
        self.record = None

    def install(self) -> str:
        """Wait for the state and put it in place (once the output is); a
        warning if it could not be saved."""
        self.written()
        if isinstance(self.error, (OSError, sqlite3.Error)):
            self.temporary.unlink(missing_ok=True)
            return (f"the build state could not be saved ({self.error}); "
                    "the next build will be a full one")
        if self.error is not None:
            self.temporary.unlink(missing_ok=True)
            raise self.error
        if self.temporary.exists():  # not written without a signing key
            os.replace(self.temporary, self.path)
        return ""

    def abandon(self) -> None:
        """The build failed: wait for the thread and forget what it wrote."""
        if self.thread.is_alive() or self.thread.ident is not None:
            self.thread.join()
        self.temporary.unlink(missing_ok=True)


def _write_state(temporary: Path, out: str, record: BuildRecord, files: _FileStats,
                 key: bytes) -> None:
    """Write the state of a full build into `temporary`, signed with `key`, with
    the size and time of its pages' files (_file_stats)."""
    signer = Signer(key, package_key())
    temporary.parent.mkdir(exist_ok=True)
    temporary.unlink(missing_ok=True)
    archive = record.archive
    try:
        db = sqlite3.connect(temporary)
        try:
            db.executescript(_SCHEMA)
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            meta = {
                "header": {"format": FORMAT, "out": out,
                           "options": record.options},
                "stats": record.stats, "stats-changed": {}, "config": archive.config,
                "entities": archive.entities, "pages": archive.pages,
                "articles": list(archive.articles),
                "counts": archive.claim_counts,
                "newest_articles": [a.slug for a in archive.articles_newest_first],
                "newest_claims": [c.id for c in archive.claims_newest_first],
                "diagnostics": record.record.diagnostics,
                **record.extra,
            }
            db.executemany("INSERT INTO meta VALUES (?, ?, ?)", _signed_rows(
                signer, ((f"meta:{name}", _dumps(value)) for name, value in meta.items())))
            tables: dict[str, Iterable[tuple[str, str]]] = {  # each row made when stored
                "files": record.record.files.items(), "others": record.others.items(),
                # sorted, as the render workers add the values they computed in any
                # order; by key, each row made as stored (a list of every pair: about
                # 50 MB at 100,000 articles)
                "inputs": _sorted_items(record.record.values),
                "claims": ((claim_id, c.article) for claim_id, c in archive.claims.items()),
                "by_article": _ids(archive.claims_by_article),
                "by_claimant": _ids(archive.claims_by_claimant),
                "about": _ids(archive.claims_about),
                "mentioning": _ids(archive.articles_mentioning, "slug"),
                "same": _ids(archive.same_claims),
            }
            db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?)", (
                (name, key, n, value) for name, table in tables.items()
                for n, (key, value) in enumerate(table)))
            db.executemany("INSERT INTO records VALUES (?, ?, ?)", _signed_rows(
                signer, _records(archive.articles.values(), archive.claims.values())))
            refs = _refs(archive.articles.values(), archive.claims.values(), archive.entities)
            db.executemany("INSERT INTO meta VALUES (?, ?, ?)", _signed_rows(
                signer, ((f"meta:bundle:{name}", _dumps(paths))
                         for name, paths in record.layout.items())))
            # rows made as SQLite takes them, not listed first (a gigabyte at
            # 100,000 articles, on top of everything the build holds)
            db.executemany("INSERT INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           _page_rows(record, signer, refs, files))
            db.executemany("INSERT INTO users VALUES (?, ?)", _user_rows(record))
            db.commit()
        finally:
            db.close()
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _sorted_items(table: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    for key in sorted(table):
        yield key, table[key]


def _user_rows(record: BuildRecord) -> Iterator[tuple[str, str]]:
    """The users table's rows: each input and the pages that declare or read it.
    Gathered in lists of the plans' own path strings, each let go of once its row
    is made (Record.uses's sets took about a gigabyte at 100,000 articles)."""
    users: dict[str, list[str]] = {}
    for plan in record.plans:
        path = plan.path
        for name in (*plan.inputs, *record.record.pages[path].reads):
            listed = users.get(name)
            if listed is None:
                users[name] = [path]
            else:
                listed.append(path)
    for name in sorted(users):
        paths = users.pop(name)
        if paths:
            yield name, "\n".join(sorted(set(paths)))


def _page_rows(record: BuildRecord, signer: Signer, refs: dict[int, tuple[str, ...]],
               files: _FileStats) -> Iterator[tuple[Any, ...]]:
    """The pages table's rows: what each page was made from; the plan itself for
    list pages, home and feed (item pages are planned again from their key); the
    size and time of its file."""
    sizes, times = files
    for number, plan in enumerate(record.plans):
        plan_blob = b""
        key = ""
        if plan.kind in ITEM_KINDS:
            key = item_key(plan)
        elif plan.kind in STORED_KINDS:
            plan_blob = _dumps(plan, refs)
        page = record.record.pages[plan.path]
        yield (plan.path, plan.kind, key, page.fingerprint, page.bundle, plan_blob,
               signer.sign(f"plan:{plan.path}", plan_blob), "\n".join(page.reads),
               sizes[number], times[number])


_FileStats = tuple[array, array]  # size and time of each plan's file, in the plans' order


def _file_stats(roots: Sequence[str], plans: Sequence[PagePlan]) -> _FileStats:
    """Size and modification time of each page's file, in the first of `roots`
    that has it (-1: in none); in arrays, not tuples (700,000 pages at 100,000
    articles)."""
    sizes, times = array("q"), array("q")
    for plan in plans:
        for root in roots:
            try:
                info = os.stat(f"{root}/{plan.path}")
            except OSError:
                continue
            sizes.append(info.st_size)
            times.append(info.st_mtime_ns)
            break
        else:
            sizes.append(-1)
            times.append(-1)
    return sizes, times


_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, blob BLOB, signature BLOB);
CREATE TABLE records (name TEXT PRIMARY KEY, blob BLOB, signature BLOB);
CREATE TABLE pages (path TEXT PRIMARY KEY, kind TEXT, key TEXT, fingerprint TEXT,
                    bundle TEXT, plan BLOB, signature BLOB, reads TEXT,
                    size INTEGER, mtime INTEGER);
CREATE TABLE users (input TEXT PRIMARY KEY, paths TEXT);
CREATE TABLE rows (name TEXT, key TEXT, n INTEGER, value TEXT, PRIMARY KEY (name, key))
    WITHOUT ROWID;
"""


def _signed_rows(signer: Signer, rows: Iterable[tuple[str, bytes]]
                 ) -> Iterator[tuple[str, bytes, bytes]]:
    for name, blob in rows:
        yield name, blob, signer.sign(name, blob)


def _records(articles: Iterable[Article], claims: Iterable[Claim]
             ) -> Iterator[tuple[str, bytes]]:
    """One row per article, pickled without its parsed body, and one per claim (a
    page that lists claims from hundreds of articles reads only those claims)."""
    stream = io.BytesIO()
    pickler = _TextPickler(stream)
    for name, value in chain(((f"article:{a.slug}", a) for a in articles),
                             ((f"claim:{c.id}", c) for c in claims)):
        stream.seek(0)
        stream.truncate()
        pickler.clear_memo()
        pickler.dump(value)
        yield name, stream.getvalue()


class _TextPickler(pickle.Pickler):
    """Pickles articles and claims with their non-ASCII text as UTF-8 bytes, and
    an article without its parsed body (ParsedLater parses it again when used).

    CPython keeps the UTF-8 form of every non-ASCII str that pickle writes inside
    that str, for as long as the str lives: writing the state gave every text of
    the archive a second copy (51 MB at 10,000 articles) until the build ended."""

    def __init__(self, stream: io.BytesIO) -> None:
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        # looked up by type: the other objects (a million at 10,000 articles) are
        # pickled without a call into Python, as reducer_override would make
        self.dispatch_table = dict.fromkeys(_TEXT_KINDS, _text_reduced)


def _text_reduced(obj: Any) -> Any:
    kind = type(obj)
    values: list[Any] = []
    encoded = 0
    for number, name in enumerate(kind.__slots__):
        value = getattr(obj, name)
        if type(value) is str and not value.isascii():
            value, encoded = value.encode(), encoded | 1 << number
        elif kind is Article and name == "document":
            value = None
        values.append(value)
    return _with_text, (kind, encoded, tuple(values))


_TEXT_KINDS = (Article, Claim, Compiled, Anchor, Source)


def _with_text(kind: type, encoded: int, values: tuple[Any, ...]) -> Any:
    """What _TextPickler wrote, made again (the bytes of `encoded` fields decoded)."""
    made = object.__new__(kind)
    for number, (name, value) in enumerate(zip(kind.__slots__, values, strict=True)):
        object.__setattr__(made, name, value.decode() if encoded >> number & 1 else value)
    if kind is Article:
        object.__setattr__(made, "document", ParsedLater(made.body))
    return made


def _ids(table: Mapping[str, list[Any]], attribute: str = "id") -> Iterator[tuple[str, str]]:
    """A lookup's lists as the ids (or slugs) of what they hold, one per line
    (read back by split_ids)."""
    for key, items in table.items():
        yield key, "\n".join(getattr(item, attribute) for item in items)


@dataclass(frozen=True)
class PageEntry:
    """What a page was last made from, and its file in the output as written."""

    fingerprint: str
    reads: tuple[str, ...]
    size: int
    mtime_ns: int

    def reusable(self, out: Path, path: str, fingerprint: str) -> bool:
        """Whether the page's file in `out` is what these inputs make."""
        if fingerprint != self.fingerprint:
            return False
        try:
            stat = os.stat(f"{out}/{path}")
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns


def _record_output(db: sqlite3.Connection, out: Path, pages: Iterable[str]) -> None:
    """Note the size and time of these pages' files in `out` (a full build that
    finds a file changed renders it again)."""
    rows = []
    for path in pages:
        try:
            stat = os.stat(f"{out}/{path}")
        except OSError:
            continue
        rows.append((stat.st_size, stat.st_mtime_ns, path))
    db.executemany("UPDATE pages SET size = ?, mtime = ? WHERE path = ?", rows)


@dataclass(frozen=True)
class StoredPage:
    kind: str
    key: str  # article, claim or entity pages: the id of what they show
    fingerprint: str
    bundle: str  # the search bundle that indexes the page ("" if none)
    plan: bytes  # list pages, home, feed: the pickled plan (BuildState.plan)
    reads: tuple[str, ...] = ()  # what its templates read beyond its declared inputs


class BuildState:
    """An open state file: values are read and unpickled when first asked for."""

    def __init__(self, db: sqlite3.Connection, signer: Signer) -> None:
        self.db = db
        self.signer = signer
        self._meta: dict[str, Any] = {}
        self._articles: dict[str, Article] = {}
        self._claims: dict[str, Claim] = {}
        self._read: dict[str, dict[str, Any]] = {"article": self._articles,
                                                 "claim": self._claims}

    @classmethod
    def open(cls, src: Path, out: Path) -> BuildState | None:
        """The state saved for building `src` into `out`, if there is a usable one."""
        return cls.open_noting(src, out)[0]

    @classmethod
    def open_noting(cls, src: Path, out: Path) -> tuple[BuildState | None, str]:
        """The state saved for building `src` into `out`, if there is a usable one;
        and a warning when there is one that cannot be used."""
        path = state_path(src, out)
        key = machine_key()
        if key is None or not path.is_file():
            return None, ""
        db = None
        try:
            db = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
            state = cls(db, Signer(key, package_key()))
            header = state.meta("header")
            if header.get("format") != FORMAT or header.get("out") != _output_path(src, out):
                raise StateError("made for another output folder")
        except (sqlite3.Error, StateError, pickle.UnpicklingError, AttributeError, KeyError,
                TypeError, ValueError, EOFError):
            if db is not None:
                db.close()
            return None, (f"{path}: the build state is damaged, or was made by another "
                          "sitegen or for another output folder; ignored (every page is "
                          "rendered, and a new state written)")
        return state, ""

    def page_entries(self) -> dict[str, PageEntry]:
        """What the last build made each page from, and the size and time of its
        file in the output (for a full build to reuse the pages that did not change)."""
        return {path: PageEntry(fingerprint, tuple(split_ids(reads)), size, mtime)
                for path, fingerprint, reads, size, mtime in self.db.execute(
                    "SELECT path, fingerprint, reads, size, mtime FROM pages")}

    def close(self) -> None:
        self.db.close()

    def _blob(self, table: str, name: str) -> bytes:
        row = self.db.execute(f"SELECT blob, signature FROM {table} WHERE name = ?",
                              (name,)).fetchone()
        if row is None or not self.signer.check(name, row[0], row[1]):
            raise StateError(f"{name}: missing or not signed")
        return row[0]

    def meta(self, name: str) -> Any:
        if name not in self._meta:
            self._meta[name] = pickle.loads(self._blob("meta", f"meta:{name}"))
        return self._meta[name]

    def stats(self) -> Stats:
        """The input files' size and time as the last build (full or quick) saw them."""
        return {**self.meta("stats"), **self.meta("stats-changed")}

    def rows(self, name: str, decode: Callable[[str], Any] | None = None) -> Rows[Any]:
        """One of the tables of text saved row by row (files, inputs, lookups)."""
        return Rows(self.db, name, decode)

    def preload(self, articles: Iterable[str] = (), claims: Iterable[str] = ()) -> None:
        """Read these articles and claims in one query, not one by one (a page that
        lists claims reads hundreds)."""
        wanted = [f"article:{slug}" for slug in set(articles) if slug not in self._articles]
        wanted += [f"claim:{claim_id}" for claim_id in set(claims)
                   if claim_id not in self._claims]
        for name, blob, signature in select_in(
                self.db, "SELECT name, blob, signature FROM records WHERE name IN ({})",
                (), sorted(wanted)):
            if not self.signer.check(name, blob, signature):
                raise StateError(f"{name}: not signed")
            kind, _, key = name.partition(":")
            self._read[kind][key] = pickle.loads(blob)

    def article(self, slug: str) -> Article:
        """An article as built (the same object on every call)."""
        return self._record("article", slug)

    def claim(self, claim_id: str) -> Claim:
        """A claim as built (the same object on every call)."""
        return self._record("claim", claim_id)

    def _record(self, kind: str, key: str) -> Any:
        read = self._read[kind]
        if key not in read:
            read[key] = pickle.loads(self._blob("records", f"{kind}:{key}"))
        return read[key]

    def users(self, inputs: Iterable[str]) -> set[str]:
        """The pages that declare or read any of these inputs."""
        found: set[str] = set()
        for name in inputs:
            row = self.db.execute("SELECT paths FROM users WHERE input = ?", (name,)).fetchone()
            if row is not None:
                found.update(row[0].split("\n"))
        return found

    def pages(self, paths: Iterable[str]) -> dict[str, StoredPage]:
        """What the state holds of the given pages."""
        found = {}
        for path in paths:
            row = self.db.execute("SELECT kind, key, fingerprint, bundle, plan, signature, "
                                  "reads FROM pages WHERE path = ?", (path,)).fetchone()
            if row is None or not self.signer.check(f"plan:{path}", row[4], row[5]):
                raise StateError(f"{path}: missing or not signed")
            found[path] = StoredPage(*row[:5], tuple(split_ids(row[6])))
        return found

    def plan(self, blob: bytes, archive: Archive) -> PagePlan:
        """A stored plan, its references resolved in `archive`."""
        def resolve(kind: str, key: str, number: str = "") -> Any:
            if kind == "a":
                return archive.articles[key]
            if kind == "c":
                return archive.claims[key]
            if kind == "e":
                return archive.entities[key]
            if kind == "s":
                return archive.claims[key].sources[int(number)]
            raise StateError(f"unknown reference {kind!r}")
        stream = io.BytesIO(blob)
        used = pickle.load(stream)
        self.preload(articles=[ref[1] for ref in used if ref[0] == "a"],
                     claims=[ref[1] for ref in used if ref[0] in "cs"])
        return _RefUnpickler(stream, resolve).load()

    def archive(self) -> StoredArchive:
        """The archive of the build, its articles and claims read when used."""
        return StoredArchive(
            config=self.meta("config"),
            articles=Lazy(dict.fromkeys(self.meta("articles")), self.article),
            claims=Lazy(self.rows("claims"), self.claim),
            entities=self.meta("entities"), pages=self.meta("pages"),
            file_hashes=self.rows("files"), store=self)  # type: ignore[arg-type]

    def update(self, *, stats: Stats, files: dict[str, str] | None = None,
               values: dict[str, str] | None = None, diagnostics: list[Any] | None = None,
               articles: dict[str, Article] | None = None, claims: Iterable[Claim] = (),
               entities: Mapping[str, Entity] | None = None,
               fingerprints: dict[str, str] | None = None,
               plans: Iterable[PagePlan] = (),
               reads: dict[str, tuple[str, ...]] | None = None,
               reads_before: Mapping[str, tuple[str, ...]] | None = None,
               out: Path = Path(), written: Iterable[str] = (),
               search: Any = None) -> None:
        """Record a quick rebuild: the input files' size and time, the hashes of the
        files read again (`files`) and the input values that changed (`values`),
        and the pages planned (`plans`: those planned again; the stored ones among
        them are saved) with what the rendered ones read (`reads`), the size and
        time of the files `written` into `out`, the search index
        (`search`: site/searchplan.py's SearchState) and the entities (all of
        them) when they changed."""
        sign = self.signer.sign
        full = self.meta("stats")  # the full build's, kept; what changed since is small
        changed = {rel: stat for rel, stat in stats.items() if full.get(rel) != stat}
        meta = {"stats-changed": changed, "diagnostics": diagnostics, "search": search,
                "entities": entities}
        with self.db:
            for name, table in (("files", files), ("inputs", values)):
                self.db.executemany(
                    "UPDATE rows SET value = ? WHERE name = ? AND key = ?",
                    [(value, name, key) for key, value in (table or {}).items()])
            for name, value in meta.items():
                if value is None:
                    continue
                blob = _dumps(value)
                self.db.execute("UPDATE meta SET blob = ?, signature = ? WHERE name = ?",
                                (blob, sign(f"meta:{name}", blob), f"meta:{name}"))
                self._meta[name] = value
            claims = list(claims)
            self.db.executemany(
                "UPDATE records SET blob = ?, signature = ? WHERE name = ?",
                [(blob, sign(name, blob), name)
                 for name, blob in _records((articles or {}).values(), claims)])
            self.db.executemany("UPDATE pages SET fingerprint = ? WHERE path = ?",
                                [(fp, path) for path, fp in (fingerprints or {}).items()])
            self._add_reads(reads or {}, reads_before or {})
            _record_output(self.db, out, written)
            stored = [plan for plan in plans if plan.kind in STORED_KINDS]
            if stored:
                # every content object read so far, and the new versions
                refs = _refs([*self._articles.values(), *(articles or {}).values()],
                             [*self._claims.values(), *claims], self.meta("entities"))
                for plan in stored:
                    blob = _dumps(plan, refs)
                    self.db.execute("UPDATE pages SET plan = ?, signature = ? WHERE path = ?",
                                    (blob, sign(f"plan:{plan.path}", blob), plan.path))


    def _add_reads(self, reads: dict[str, tuple[str, ...]],
                   before: Mapping[str, tuple[str, ...]]) -> None:
        """Record what re-rendered pages read now (`before`: what they read when
        last rendered): their rows, and the users of each input they read now and
        did not before (a page no longer reading an input stays listed as its user,
        which costs a fingerprint comparison, never a stale page)."""
        changed = {path: names for path, names in reads.items()
                   if names != before.get(path, ())}
        self.db.executemany("UPDATE pages SET reads = ? WHERE path = ?",
                            [("\n".join(names), path) for path, names in changed.items()])
        added: dict[str, set[str]] = {}
        for path, names in changed.items():
            for name in set(names) - set(before.get(path, ())):
                added.setdefault(name, set()).add(path)
        for name, paths in added.items():
            known = self.users([name])
            if not paths <= known:
                self.db.execute("INSERT OR REPLACE INTO users VALUES (?, ?)",
                                (name, "\n".join(sorted(known | paths))))
