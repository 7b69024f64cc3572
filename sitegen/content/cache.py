"""What reading content costs, computed once per content: the load cache.

Parsing Markdown (markdown-it-py), reading and anchoring a claims file and
finding entity mentions are pure functions of file contents, so their results
are kept by a digest of what they were computed from:

- YAML of front matter and entity files, by text;
- parsed article bodies (`Document`) and compiled reviews and pages, by text;
- whole claims files (`ClaimsFile`: claims, anchors, compiled reviews and that
  file's own diagnostics), by the file's name and text, its article's body and
  the site settings a claim is checked against;
- the mentions in an article body, by body and the entities' names and aliases.

`sitegen serve` keeps one cache in memory across rebuilds. `sitegen build`
persists it in `.sitegen-cache/load.pickle`, so a second build parses only the
files that changed. Pickle runs code when it is read, so the file is signed
with a key private to this user on this machine (HMAC-SHA256, key in
~/.cache/sitegen/); a cache that was copied from elsewhere, written by other
sitegen code, or damaged is discarded with a warning and never unpickled.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import struct
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import markdown_it
import yaml

from sitegen import __version__
from sitegen.content.anchors import Anchorer
from sitegen.content.document import Document, parse_document
from sitegen.content.markup import Compiled, compile_markdown
from sitegen.content.mentions import MentionFinder
from sitegen.content.model import Claim, Entity, Mention
from sitegen.content.yamlfile import Pos, YamlError, load_yaml
from sitegen.diagnostics import Diagnostic
from sitegen.memory import gc_paused
from sitegen.signing import Signer, code_digest, machine_key
from sitegen.slots import fast_pickling
from sitegen.workers import owner_gone

CACHE_FILE = "load.pickle"
PART_PREFIX = ".load-part-"  # the record files of reading workers, until save()
MAGIC = b"sitegen-load-cache\n"
Key = bytes
T = TypeVar("T")


def digest(*parts: str) -> Key:
    """A 16-byte digest of texts (their boundaries included)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.digest()


@fast_pickling
@dataclass(frozen=True, slots=True)
class ClaimsFile:
    """What one claims file yields on its own."""

    claims: tuple[Claim, ...]
    diagnostics: tuple[Diagnostic, ...]
    links: tuple[tuple[str, Pos, str, str], ...]
    aliases: tuple[tuple[str, Pos, str, str, str], ...]


class LoadCache:
    """Results of the costly steps of reading content, by content digest.

    `keep_anchorers`: also keep each document's quote matcher (its folded text);
    worth its memory only in `serve`, where claims files are edited one by one."""

    def __init__(self, keep_anchorers: bool = True) -> None:
        self.keep_anchorers = keep_anchorers
        self.yaml: dict[tuple[Key, int], Any] = {}
        self.documents: dict[Key, Document] = {}
        self.markup: dict[Key, Compiled] = {}
        self.claims_files: dict[Key, ClaimsFile] = {}
        self.found: dict[tuple[Key, Key], tuple[Mention, ...]] = {}
        self.anchorers: dict[int, Anchorer] = {}
        self._finder: tuple[Key, MentionFinder] | None = None
        self.used: set[object] = set()  # keys read or written since begin()
        self.added = 0  # entries computed since begin()
        self.dropped = 0  # entries forgotten since begin()
        # the file this cache was read from or last saved to
        self._stored_path: Path | None = None
        self._stored: set[tuple[int, Any]] = set()  # (table, key) of the entries in it
        self._records = 0  # entries in the file, including replaced and unused ones
        # the folder it is saved to (LoadCache.open), where workers' records wait
        self.folder: Path | None = None
        # files of signed records written by reading workers (write_part), and the
        # (table, key) of the entries each holds: save() takes them whole
        self._parts: list[tuple[Path, set[tuple[int, Any]]]] = []

    def begin(self) -> None:
        """Start a load: forget which entries the last one used."""
        self.used = set()
        self.added = self.dropped = 0

    def _get(self, table: dict[Any, T], key: Any, compute: Callable[[], T]) -> T:
        self.used.add(key)
        try:
            return table[key]
        except KeyError:
            value = table[key] = compute()
            self.added += 1
            return value

    def load_yaml(self, text: str, line_offset: int) -> Any:
        def parse() -> Any:
            try:
                return load_yaml(text, line_offset=line_offset)
            except YamlError as exc:
                return exc

        result = self._get(self.yaml, (digest(text), line_offset), parse)
        if isinstance(result, YamlError):
            raise result
        return result

    def document(self, body: str) -> Document:
        return self._get(self.documents, digest(body), lambda: parse_document(body))

    def compiled(self, text: str) -> Compiled:
        return self._get(self.markup, digest(text), lambda: compile_markdown(text))

    def anchorer(self, document: Document, title: str = "") -> Anchorer:
        """The quote matcher of an article's body and title."""
        if not self.keep_anchorers:
            return Anchorer(document, title)
        key = id(document)
        found = self.anchorers.get(key)
        if found is None or found.document is not document or found.title != title:
            self.anchorers[key] = found = Anchorer(document, title)
        return found

    def claims_file(self, key: Key) -> ClaimsFile | None:
        found = self.claims_files.get(key)
        if found is not None:
            self.used.add(key)
            # its compiled reviews stay too: they are what an edit of one claim reuses
            self.used.update(digest(claim.review) for claim in found.claims)
        return found

    def store_claims_file(self, key: Key, found: ClaimsFile) -> None:
        self.claims_files[key] = found
        self.used.add(key)
        self.added += 1

    def finder(self, entities: dict[str, Entity]) -> MentionFinder:
        """The alias matcher, rebuilt only when names or aliases change."""
        names = digest(*(f"{e.id}\x01{chr(2).join(e.all_aliases)}"
                         for e in entities.values()))
        if self._finder is None or self._finder[0] != names:
            self._finder = (names, MentionFinder(entities.values()))
        return self._finder[1]

    def mentions(self, finder: MentionFinder, body: str) -> tuple[Mention, ...]:
        assert self._finder is not None and self._finder[1] is finder
        key = (self._finder[0], digest(body))
        return self._get(self.found, key, lambda: finder.in_document(self.document(body)))

    def empty_copy(self) -> LoadCache:
        """An empty cache that shares this one's mention finder (built once for
        all of content/parallel.py's chunks)."""
        copy = LoadCache(keep_anchorers=self.keep_anchorers)
        copy._finder = self._finder
        return copy

    def merge(self, tables: dict[str, dict[Any, Any]], part: Path | None = None) -> None:
        """Take in the entries of another cache's tables (entries()); `part`: the
        file of their records that cache wrote (write_part)."""
        for name, table in tables.items():
            mine: dict[Any, Any] = getattr(self, name)
            for key, value in table.items():
                if key not in mine:
                    mine[key] = value
                    self.added += 1
        if part is not None:
            self._parts.append((part, {(number, key) for number, table in enumerate(
                tables.values()) for key in table}))

    def write_part(self, folder: Path, owner: int) -> Path | None:
        """Write this cache's entries as signed records to a new file in `folder`,
        for the cache of process `owner` they are merged into to save without
        pickling them again (content/parallel.py's workers do it, in parallel,
        instead of their parent after them); None without a signing key."""
        key = machine_key()
        if key is None:
            return None
        fd, name = tempfile.mkstemp(prefix=f"{PART_PREFIX}{owner}-", dir=folder)
        with os.fdopen(fd, "wb") as stream:
            _write_records(stream, key, [(number, entry) for number, table in enumerate(
                self.entries().values()) for entry in table.items()])
        return Path(name)

    def discard_parts(self) -> None:
        """Remove the workers' record files (after save(), or when not saving),
        and those of builds that were killed before they could."""
        self._parts = []
        if self.folder is None:
            return
        with contextlib.suppress(OSError):
            for part in self.folder.glob(f"{PART_PREFIX}*-*"):
                if (part.name.startswith(f"{PART_PREFIX}{os.getpid()}-")
                        or owner_gone(part.name, PART_PREFIX)):
                    part.unlink(missing_ok=True)

    @property
    def changed(self) -> bool:
        """Whether entries were computed or forgotten since begin()."""
        return self.added > 0 or self.dropped > 0

    def prune(self) -> None:
        """Forget what the last load did not use (bounded memory, small files)."""
        before = self.size
        self.yaml = {k: v for k, v in self.yaml.items() if k in self.used}
        self.documents = {k: v for k, v in self.documents.items() if k in self.used}
        self.markup = {k: v for k, v in self.markup.items() if k in self.used}
        self.claims_files = {k: v for k, v in self.claims_files.items() if k in self.used}
        self.found = {k: v for k, v in self.found.items() if k in self.used}
        live = {id(d) for d in self.documents.values()}
        self.anchorers = {k: v for k, v in self.anchorers.items() if k in live}
        self.dropped += before - self.size

    @property
    def size(self) -> int:
        return sum(len(table) for table in self.entries().values())

    # -- persistence ------------------------------------------------------------

    def entries(self) -> dict[str, dict[Any, Any]]:
        """The cache's tables by name: what is saved, and what another process
        sends to merge()."""
        return {"yaml": {k: v for k, v in self.yaml.items() if not isinstance(v, YamlError)},
                "documents": self.documents, "markup": self.markup,
                "claims_files": self.claims_files, "found": self.found}

    def save(self, folder: Path) -> None:
        """Bring folder/load.pickle up to date (nothing when no signing key is available).

        The file is a log of entries, each pickled and signed on its own: entries
        computed since the file was read are appended; the file is rewritten only when
        entries no longer used make up more than a quarter of it. Either way only one
        entry is ever pickled at a time (no whole pickle in memory, even at 100,000
        articles). A rewrite takes the records that reading workers wrote (write_part)
        as they are; every record is checked against its signature when read."""
        try:
            self._save(folder)
        finally:
            self.discard_parts()

    def _save(self, folder: Path) -> None:
        key = machine_key()
        if key is None:
            return
        folder.mkdir(exist_ok=True)
        path = folder / CACHE_FILE
        live = [(number, entry) for number, table in enumerate(self.entries().values())
                for entry in table.items()]
        stored = self._stored if self._stored_path == path else set()
        fresh = [(n, e) for n, e in live if (n, e[0]) not in stored]
        dead = self._records - (len(live) - len(fresh))
        if not fresh and dead == 0 and path.exists():
            return
        if stored and path.exists() and dead * 4 <= len(live):
            with open(path, "ab") as stream:
                _write_records(stream, key, fresh)
            self._records += len(fresh)
            self._stored |= {(n, e[0]) for n, e in fresh}
            return
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        records = 0
        taken: set[tuple[int, Any]] = set()
        try:
            with open(temporary, "wb") as stream:
                stream.write(MAGIC + code_key())
                for part, keys in self._parts:  # whole: pickled and signed by the workers
                    with open(part, "rb") as records_file:
                        shutil.copyfileobj(records_file, stream, 1 << 20)
                    records += len(keys)
                    taken |= keys
                rest = [(n, e) for n, e in live if (n, e[0]) not in taken]
                _write_records(stream, key, rest)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        self._stored_path, self._stored = path, {(n, e[0]) for n, e in live} | taken
        self._records = records + len(rest)

    @classmethod
    def open(cls, folder: Path) -> tuple[LoadCache, str]:
        """The cache saved in `folder` (an empty one if there is none), and a warning
        when the file, or part of it, cannot be trusted. Each entry's signature is
        checked before the entry is unpickled; reading stops at the first that fails."""
        cache = cls._empty(folder)
        path = folder / CACHE_FILE
        key = machine_key()
        if key is None or not path.exists():
            return cache, ""
        ignored = "ignored (it will be rebuilt)"
        code = code_key()
        signer = Signer(key, code)
        tables = list(cache.entries())
        try:
            with open(path, "rb") as stream:
                head = stream.read(len(MAGIC) + len(code))
                if not head.startswith(MAGIC) or len(head) < len(MAGIC) + len(code):
                    return cache, f"{path}: not a sitegen load cache; {ignored}"
                if head[len(MAGIC) :] != code:
                    return cache, f"{path}: written by another version of sitegen; {ignored}"
                stored: set[tuple[int, Any]] = set()
                records = 0
                with gc_paused():
                    while header := stream.read(_RECORD.size):
                        signature = stream.read(32)
                        if len(header) < _RECORD.size or len(signature) < 32:
                            return cache._loaded(path, stored, records, damaged=True)
                        number, size = _RECORD.unpack(header)
                        blob = stream.read(size)
                        if len(blob) < size or number >= len(tables) or not signer.check(
                                header.hex(), blob, signature):
                            return cache._loaded(path, stored, records, damaged=True)
                        entry_key, value = pickle.loads(blob)
                        getattr(cache, tables[number])[entry_key] = value
                        stored.add((number, entry_key))
                        records += 1
        except OSError as exc:
            return cls._empty(folder), f"{path}: cannot be read ({exc.strerror}); {ignored}"
        except Exception:  # a signed entry that still fails: trust nothing of it
            return cls._empty(folder), f"{path}: the cache is damaged; {ignored}"
        return cache._loaded(path, stored, records, damaged=False)

    @classmethod
    def _empty(cls, folder: Path) -> LoadCache:
        cache = cls(keep_anchorers=False)
        cache.folder = folder
        return cache

    def _loaded(self, path: Path, stored: set[tuple[int, Any]], records: int,
                damaged: bool) -> tuple[LoadCache, str]:
        if damaged:  # keep what was verified; the file is rewritten at the next save
            self._stored_path, self._stored, self._records = None, set(), 0
            return self, (f"{path}: not written by sitegen for this user on this machine, "
                          "or damaged; the rest of it is ignored (it will be rebuilt)")
        self._stored_path, self._stored, self._records = path, stored, records
        return self, ""


def _write_records(stream: Any, key: bytes, entries: list[tuple[int, tuple[Any, Any]]]) -> None:
    signer = Signer(key, code_key())
    with gc_paused():
        for number, entry in entries:
            blob = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
            header = _RECORD.pack(number, len(blob))
            stream.write(header + signer.sign(header.hex(), blob))
            stream.write(blob)


# table number and size of the pickled (key, value) that follows a record's signature
_RECORD = struct.Struct("<BI")


_CODE_KEY: bytes | None = None


def code_key() -> bytes:
    """32 bytes naming the code that computed the cache's entries: sitegen's own reading
    code (hashed, so that an edited checkout never reuses stale results), its version,
    Python's and the parsers'."""
    global _CODE_KEY
    if _CODE_KEY is None:
        package = Path(__file__).resolve().parent.parent
        _CODE_KEY = code_digest(
            [*package.glob("content/*.py"), package / "diagnostics.py"],
            package, __version__, sys.version, markdown_it.__version__, yaml.__version__)
    return _CODE_KEY
