"""Pagefind bundles settled into one order (site/index_order.py), tested on the
real Pagefind binary's output."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from pathlib import Path

import pytest

from sitegen.site.index_order import (
    SIGNATURE,
    IndexFormatError,
    decode,
    encode,
    settle_bundle,
)
from sitegen.site.search import pagefind_binary

PAGES = 40


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pages with many filter values, so that Pagefind's hash-map order shows."""
    site = tmp_path_factory.mktemp("pages")
    for n in range(PAGES):
        folder = site / f"p{n}"
        folder.mkdir()
        filters = "".join(
            f'<span data-pagefind-filter="{name}">{name}-{value}</span>'
            for name, value in (("tag", n % 23), ("topic", n % 17), ("year", 2000 + n % 11),
                                ("rating", n % 5), ("person", n % 13), ("place", n % 7)))
        (folder / "index.html").write_text(
            f'<!doctype html><html lang="en"><head><title>Page {n}</title></head>'
            f'<body><main data-pagefind-body><h1>Page {n}</h1><p>word{n} shared text</p>'
            f'{filters}<span data-pagefind-sort="date">{2000 + n}</span></main></body></html>',
            encoding="utf-8")
    return site


def index(pages: Path, output: Path) -> Path:
    subprocess.run([pagefind_binary(), "--site", str(pages), "--output-path", str(output),
                    "--force-language", "en", "--silent"], check=True, timeout=120)
    return output


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def raw(path: Path) -> bytes:
    data = gzip.decompress(path.read_bytes())
    assert data.startswith(SIGNATURE)
    return data[len(SIGNATURE):]


def contents(folder: Path) -> tuple[list, dict[str, dict[str, list[int]]]]:
    """What a bundle's metadata and filter chunks hold, whatever their order:
    the metadata without its filters, and filter → value → pages."""
    entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
    meta = decode(raw(folder / f"pagefind.{entry['languages']['en']['hash']}.pf_meta"))[0]
    assert isinstance(meta, list)
    filters = {}
    for name, chunk in meta[3]:
        chunk_name, values = decode(raw(folder / "filter" / f"{chunk}.pf_filter"))[0]
        assert chunk_name == name
        filters[name] = {value: pages for value, pages in values}
    sorts = {name: pages for name, pages, *_ in meta[4]}
    return [meta[0], meta[1], meta[2], sorts, meta[5:]], filters


def test_the_codec_reads_and_writes_pagefinds_own_bytes(pages: Path, tmp_path: Path) -> None:
    bundle = index(pages, tmp_path / "bundle")
    written = [*bundle.glob("*.pf_meta"), *(bundle / "filter").glob("*.pf_filter")]
    assert len(written) == 7  # the metadata and one chunk per filter
    for path in written:
        data = raw(path)
        value, end = decode(data)
        assert end == len(data)
        assert encode(value) == data, path.name


def test_three_runs_give_the_same_bytes_once_settled(pages: Path, tmp_path: Path) -> None:
    runs = [index(pages, tmp_path / f"run{n}") for n in range(3)]
    for bundle in runs:
        settle_bundle(bundle)
    first = files(runs[0])
    for bundle in runs[1:]:
        other = files(bundle)
        assert other.keys() == first.keys()
        assert [name for name in first if first[name] != other[name]] == []
    # settling a settled bundle changes nothing
    settle_bundle(runs[0])
    assert files(runs[0]) == first


def test_settling_keeps_what_the_bundle_holds(pages: Path, tmp_path: Path) -> None:
    bundle = index(pages, tmp_path / "bundle")
    before, before_files = contents(bundle), files(bundle)
    settle_bundle(bundle)
    after, after_files = contents(bundle), files(bundle)
    assert after == before
    assert len(after[1]["tag"]) == 23 and len(after[1]["year"]) == 11
    # the words and page fragments are Pagefind's own bytes; only names of the
    # metadata and filter chunks may change, one for one
    unchanged = [n for n in before_files if n.startswith(("fragment/", "index/"))]
    assert unchanged and all(after_files[n] == before_files[n] for n in unchanged)
    assert len(after_files) == len(before_files)
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    meta_name = f"pagefind.{entry['languages']['en']['hash']}.pf_meta"
    assert [n for n in after_files if n.endswith(".pf_meta")] == [meta_name]
    # each filter's values in order, the filters in order of name
    meta = decode(raw(bundle / meta_name))[0]
    assert [name for name, _ in meta[3]] == sorted(before[1])
    for _, chunk in meta[3]:
        values = decode(raw(bundle / "filter" / f"{chunk}.pf_filter"))[0][1]
        assert [value for value, _ in values] == sorted(value for value, _ in values)


def test_a_bundle_in_another_format_is_an_error(pages: Path, tmp_path: Path) -> None:
    bundle = index(pages, tmp_path / "bundle")
    meta = next(bundle.glob("*.pf_meta"))
    meta.write_bytes(gzip.compress(SIGNATURE + b"\xa1\x61a\x01"))  # a CBOR map
    with pytest.raises(IndexFormatError, match=re.escape(meta.name)):
        settle_bundle(bundle)


def test_a_chunk_that_is_not_gzip_is_an_error_naming_it(pages: Path, tmp_path: Path) -> None:
    bundle = index(pages, tmp_path / "bundle")
    chunk = next((bundle / "filter").glob("*.pf_filter"))
    chunk.write_bytes(b"not gzip at all")
    with pytest.raises(IndexFormatError, match=re.escape(chunk.name)):
        settle_bundle(bundle)
    (bundle / "pagefind-entry.json").write_text('{"languages": []}', encoding="utf-8")
    with pytest.raises(IndexFormatError, match=r"pagefind-entry\.json"):
        settle_bundle(bundle)
