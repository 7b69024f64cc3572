"""Pagefind's filter chunks and metadata put in one order, so that the same pages
give the same bundle, byte for byte.

Pagefind 1.5 gathers a bundle's filters in hash maps seeded at random in each
run (its own source says "TODO: Change filter indexes to BTree to give them a
stable hash"), so the values inside each `filter/*.pf_filter` chunk, the list
of filters in `pagefind.*.pf_meta`, and with them the chunks' and the
metadata's hashed names (and `pagefind-entry.json`, which names the metadata)
came out different from one build of the same site to the next. A deploy then
uploaded those files every time and a reproducibility check could not pass.

`settle_bundle` rewrites them once Pagefind is done: every filter's values in
order of value, the filters and sort orders in order of name, each file named
as Pagefind names it (its language and the SHA-1 of its uncompressed bytes,
written as Pagefind writes it) and compressed with a fixed gzip header. What
the files hold is unchanged, so the search page reads them as before; the
words and the page fragments, which Pagefind already writes the same way every
time, are left as they are.

The files are CBOR (RFC 8949) in the few forms Pagefind's encoder uses for
them: unsigned integers, text strings and arrays of definite length.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zlib
from pathlib import Path

SIGNATURE = b"pagefind_dcd"  # before the CBOR of every compressed file
_ENTRY = "pagefind-entry.json"

Value = int | str | list["Value"]


class IndexFormatError(Exception):
    """A bundle file that is not in the form Pagefind 1.5 writes."""


def settle_bundle(folder: Path) -> None:
    """Rewrite the filter chunks and metadata of the Pagefind bundle in `folder`
    in one order (see the module). Raises IndexFormatError if they are not
    what Pagefind 1.5 writes, and OSError if they cannot be read or written."""
    entry_path = folder / _ENTRY
    try:
        entry = json.loads(entry_path.read_bytes())
        languages = sorted((language, about, about["hash"])
                           for language, about in entry["languages"].items())
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IndexFormatError(f"{entry_path}: not Pagefind 1.5's entry file ({exc!r})") from None
    for language, about, meta_hash in languages:
        old_meta = folder / f"pagefind.{meta_hash}.pf_meta"
        data = _read(old_meta)
        try:
            # version, pages, word chunks, filters, sorts (and in 1.5 the names
            # of the pages' metadata, already in order)
            head, fields = _items(data, 0)
            if len(fields) < 5:
                raise ValueError("fewer than 5 fields")
            filters = decode(data, fields[3][0])[0]
            if not isinstance(filters, list):
                raise ValueError("the filters are not a list")
            sorts_head, sorts = _items(data, fields[4][0])
            meta = b"".join([
                head, *(data[start:end] for start, end in fields[:3]),
                encode(_settle_filters(folder / "filter", language, filters)),
                sorts_head, *_by_name(data, sorts),
                *(data[start:end] for start, end in fields[5:])])
        except (IndexError, ValueError) as exc:
            raise IndexFormatError(f"{old_meta}: not Pagefind 1.5 metadata ({exc})") from None
        name = f"{language}_{_sha1(meta)[: len(language) + 8]}"
        _write(folder / f"pagefind.{name}.pf_meta", meta)
        if name != meta_hash:
            old_meta.unlink()
            about["hash"] = name
    text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    entry_path.write_text(text, encoding="utf-8")


def _settle_filters(folder: Path, language: str, filters: list[Value]) -> list[Value]:
    """Rewrite the filter chunks that `filters` (the metadata's [name, chunk]
    pairs) name, each with its values in order; the pairs in order of name,
    with the chunks' new names."""
    chunks: dict[str, bytes] = {}  # new name → bytes
    settled: list[Value] = []
    for item in sorted(filters, key=_first):
        name, chunk = item  # type: ignore[misc]
        path = folder / f"{chunk}.pf_filter"
        data = _read(path)
        try:  # [filter name, [[value, [page, ...]], ...]]
            head, (name_span, values_span) = _items(data, 0)
            values_head, values = _items(data, values_span[0])
            encoded = b"".join([head, data[name_span[0]:name_span[1]], values_head,
                                *_by_name(data, values)])
        except (IndexError, ValueError) as exc:
            raise IndexFormatError(f"{path}: not a Pagefind 1.5 filter chunk ({exc})") from None
        # Pagefind's name: the language, then 7 characters of the hash, more only
        # to tell two chunks of the bundle apart (decided in order of filter name)
        full = f"{language}_{_sha1(encoded)}"
        short = full[: len(language) + 8]
        while short in chunks and len(short) < len(full):
            short = full[: len(short) + 1]
        chunks[short] = encoded
        settled.append([name, short])
    for item in filters:
        (folder / f"{item[1]}.pf_filter").unlink()  # type: ignore[index]
    for short, encoded in chunks.items():
        _write(folder / f"{short}.pf_filter", encoded)
    return settled


def _first(item: Value) -> str:
    if not (isinstance(item, list) and item and isinstance(item[0], str)):
        raise IndexFormatError("a filter entry without its name")
    return item[0]


def _by_name(data: bytes, spans: list[tuple[int, int]]) -> list[bytes]:
    """The arrays at `spans` of `data`, each [name, ...], in order of name."""
    named = []
    for start, end in spans:
        if data[start] >> 5 != 4:
            raise ValueError(f"not an array at byte {start}")
        name = decode(data, _head_end(data, start))[0]
        if not isinstance(name, str):
            raise ValueError(f"an entry without a name at byte {start}")
        named.append((name, data[start:end]))
    named.sort(key=lambda pair: pair[0])
    return [item for _, item in named]


def _sha1(data: bytes) -> str:
    # as Pagefind writes it: each byte in hexadecimal without a leading zero
    return "".join(f"{byte:x}" for byte in hashlib.sha1(data).digest())


def _read(path: Path) -> bytes:
    compressed = path.read_bytes()
    try:
        raw = gzip.decompress(compressed)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise IndexFormatError(f"{path}: not gzip ({exc})") from None
    if not raw.startswith(SIGNATURE):
        raise IndexFormatError(f"{path}: no Pagefind signature")
    return raw[len(SIGNATURE):]


def _write(path: Path, data: bytes) -> None:
    compressed = gzip.compress(SIGNATURE + data, compresslevel=9, mtime=0)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(compressed)
    os.replace(temporary, path)


def _items(data: bytes, at: int) -> tuple[bytes, list[tuple[int, int]]]:
    """The head of the array at `at` and the (start, end) of each of its items."""
    if data[at] >> 5 != 4:
        raise ValueError(f"not an array at byte {at}")
    start = _head_end(data, at)
    count = _argument(data, at)
    spans = []
    for _ in range(count):
        end = _skip(data, start)
        spans.append((start, end))
        start = end
    return data[at:_head_end(data, at)], spans


def _head_end(data: bytes, at: int) -> int:
    info = data[at] & 0x1F
    return at + 1 + (0 if info < 24 else 1 << (info - 24))


def _argument(data: bytes, at: int) -> int:
    info = data[at] & 0x1F
    if info < 24:
        return info
    if info > 27:
        raise ValueError(f"unsupported CBOR head 0x{data[at]:02x} at byte {at}")
    end = _head_end(data, at)
    if end > len(data):
        raise ValueError("the data ends inside a value")
    return int.from_bytes(data[at + 1 : end], "big")


def _skip(data: bytes, at: int) -> int:
    """The offset after the value at `at` (integers, texts and arrays in it)."""
    pending = 1
    while pending:
        pending -= 1
        head = data[at]
        major, info = head >> 5, head & 0x1F
        if info < 24:  # the usual heads inline: this runs once per page number
            argument, at = info, at + 1
        elif info == 24:
            argument, at = data[at + 1], at + 2
        elif info == 25:
            argument, at = data[at + 1] << 8 | data[at + 2], at + 3
        else:
            argument, at = _argument(data, at), _head_end(data, at)
        if major == 4:
            pending += argument
        elif major == 3:
            at += argument
        elif major != 0:
            raise ValueError(f"unsupported CBOR major type {major} at byte {at}")
    if at > len(data):
        raise ValueError("the data ends inside a value")
    return at


def decode(data: bytes, at: int = 0) -> tuple[Value, int]:
    """The CBOR value at `at` in `data` and the offset after it (unsigned
    integers, text strings and definite arrays only: ValueError otherwise)."""
    major = data[at] >> 5
    argument, at = _argument(data, at), _head_end(data, at)
    if major == 0:
        return argument, at
    if major == 3:
        end = at + argument
        if end > len(data):
            raise ValueError("the data ends inside a text string")
        return data[at:end].decode("utf-8"), end
    if major == 4:
        items: list[Value] = []
        for _ in range(argument):
            item, at = decode(data, at)
            items.append(item)
        return items, at
    raise ValueError(f"unsupported CBOR major type {major} before byte {at}")


def encode(value: Value) -> bytes:
    """The CBOR of `value`, each head in its shortest form (as Pagefind writes)."""
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def _encode(value: Value, out: bytearray) -> None:
    if isinstance(value, int):
        _head(0, value, out)
    elif isinstance(value, str):
        data = value.encode("utf-8")
        _head(3, len(data), out)
        out += data
    else:
        _head(4, len(value), out)
        for item in value:
            _encode(item, out)


def _head(major: int, argument: int, out: bytearray) -> None:
    if argument < 0:
        raise ValueError("negative integers are not written")
    if argument < 24:
        out.append(major << 5 | argument)
        return
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            out.append(major << 5 | info)
            out += argument.to_bytes(size, "big")
            return
    raise ValueError("an integer too large for CBOR")
