"""The persisted load cache (.sitegen-cache/load.pickle): a second build parses
only what changed, gives the same site, and a cache that could run someone
else's code or is stale is never unpickled."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen import signing
from sitegen.build import BuildOptions, build
from sitegen.content.cache import CACHE_FILE, MAGIC, LoadCache, code_key
from sitegen.content.load import LoadResult, load_archive
from sitegen.diagnostics import ContentError
from sitegen.state.record import discard_state
from tests.conftest import REPO
from tests.site.conftest import BUDGET, assert_equals_clean_build, edit


def _cached_load(site: Path) -> LoadCache:
    cache, note = LoadCache.open(site / ".sitegen-cache")
    assert note == ""
    load_archive(site, cache=cache)
    return cache


def test_a_second_build_parses_only_the_changed_file(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False))
    assert (site / ".sitegen-cache" / CACHE_FILE).is_file()
    assert _cached_load(site).added == 0  # everything came from the cache
    edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    cache = _cached_load(site)
    # the edited claims file and its one changed review, nothing else
    assert cache.added == 2
    build(BuildOptions(src=site, out=out, search=False))
    assert_equals_clean_build(site, out, tmp_path, search=False)


def test_cached_and_uncached_loads_give_the_same_archive(site: Path) -> None:
    fresh = load_archive(site)
    build(BuildOptions(src=site, out=site.parent / "out", search=False))
    cached = load_archive(site, cache=LoadCache.open(site / ".sitegen-cache")[0])
    _assert_same_load(cached, fresh)


def _assert_same_load(actual: LoadResult, expected: LoadResult) -> None:
    """The same claims (anchors, compiled reviews, numbers), mentions and diagnostics."""
    assert actual.archive is not None and expected.archive is not None
    assert list(actual.archive.claims) == list(expected.archive.claims)
    for claim_id, claim in expected.archive.claims.items():
        other = actual.archive.claims[claim_id]
        assert (claim.anchor, claim.review_html.html, claim.number) == (
            other.anchor, other.review_html.html, other.number)
    for slug, article in expected.archive.articles.items():
        assert article.mentions == actual.archive.articles[slug].mentions
    assert actual.diagnostics.sorted() == expected.diagnostics.sorted()


def test_a_parallel_read_gives_what_a_sequential_one_gives(site: Path) -> None:
    # forking is only safe from a process without threads (as `sitegen build` is);
    # this test process has Playwright's, so the check runs in a fresh interpreter
    # a file-local error and a cross-file one, which the workers must not swallow
    edit(site, BUDGET, "rating: no-verdict", "rating: no-verdit")
    edit(site, BUDGET, "about: [port-ellery]", "about: [port-elery]")
    check = (f"from pathlib import Path; from tests.site.test_load_cache import "
             f"check_parallel_read as check; check(Path({str(site)!r}))")
    done = subprocess.run([sys.executable, "-c", check], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "parallel read checked"


def check_parallel_read(site: Path) -> None:
    """The parallel read's checks, in a process of its own (see the test above)."""
    from sitegen.content import parallel
    from sitegen.content.config import load_config
    from sitegen.diagnostics import Diagnostics

    parallel.PARALLEL_FROM = 1  # the mini site has 3 articles
    parallel.CHUNK = 1  # one article per task, over two workers
    sequential = load_archive(site)
    cache = LoadCache(keep_anchorers=False)
    config = load_config(site, Diagnostics())
    assert config is not None
    assert parallel.read_in_parallel(site, config, cache, workers=2) == 2
    parsed = cache.size
    assert parsed > 0
    result = load_archive(site, cache=cache)
    assert cache.added == 0  # the single pass found every parse result in the cache
    # through a build (failing here, on the errors), the parallel read's results are
    # saved for the next build
    with pytest.raises(ContentError):
        build(BuildOptions(src=site, out=site.parent / "out", search=False, workers=2))
    saved, note = LoadCache.open(site / ".sitegen-cache")
    assert note == "" and saved.size >= parsed
    # the workers' records were taken into the file, and their files removed
    assert not list((site / ".sitegen-cache").glob(".load-part-*"))
    load_archive(site, cache=saved)
    assert saved.added == 0
    _assert_same_load(result, sequential)
    assert {d.message for d in result.diagnostics.errors} >= {
        "unknown rating 'no-verdit'", "unknown entity 'port-elery' in 'about'"}
    print("parallel read checked")


def test_record_files_of_a_killed_build_are_removed(site: Path, tmp_path: Path) -> None:
    """A reading worker's file of records (content/parallel.py) left by a build
    that was killed goes at the next save; one of a running build stays."""
    folder = site / ".sitegen-cache"
    folder.mkdir()
    dead, live = folder / ".load-part-4999999-x", folder / f".load-part-{os.getppid()}-x"
    for part in (dead, live):
        part.write_bytes(b"records")
    build(BuildOptions(src=site, out=tmp_path / "out", search=False))
    assert not dead.exists() and live.exists()
    saved, note = LoadCache.open(folder)
    assert note == "" and saved.size > 0


class _Payload:
    """Unpickling this would create a file: proof that a cache was trusted."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.marker),))  # type: ignore[return-value]


@pytest.mark.parametrize("damage", ["unsigned", "flipped", "other-code", "truncated", "junk"])
def test_an_untrusted_cache_is_discarded_unread(site: Path, tmp_path: Path, damage: str) -> None:
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False))
    path = site / ".sitegen-cache" / CACHE_FILE
    data = path.read_bytes()
    head = len(MAGIC)
    marker = tmp_path / "code-ran"
    evil = pickle.dumps(_Payload(marker))
    if damage == "unsigned":  # e.g. a cache committed to the site's repository by someone
        data = MAGIC + code_key() + bytes(32) + evil
    elif damage == "flipped":
        data = data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]
    elif damage == "other-code":
        data = MAGIC + bytes(32) + data[head + 32 :]
    elif damage == "truncated":
        data = data[: head + 40]
    else:
        data = b"\x80\x05junk"
    path.write_bytes(data)
    discard_state(site, out)  # a full build, which reads the load cache
    result = build(BuildOptions(src=site, out=out, search=False))
    assert not marker.exists()
    assert any("load.pickle" in note and "ignored" in note for note in result.notes), result.notes
    assert_equals_clean_build(site, out, tmp_path, search=False)
    assert LoadCache.open(site / ".sitegen-cache")[1] == ""  # rewritten, trusted again


def test_a_cache_signed_with_another_key_is_refused(site: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    build(BuildOptions(src=site, out=tmp_path / "out", search=False))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    cache, note = LoadCache.open(site / ".sitegen-cache")
    assert "not written by sitegen for this user" in note and cache.size == 0
    assert signing.key_file().stat().st_mode & 0o777 == 0o600


def test_no_cache_neither_reads_nor_writes_it(site: Path, tmp_path: Path) -> None:
    build(BuildOptions(src=site, out=tmp_path / "out", search=False, cache=False))
    assert not (site / ".sitegen-cache").exists()


def test_new_entries_are_appended_and_unused_ones_compacted_away(site: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False))
    path = site / ".sitegen-cache" / CACHE_FILE
    before = path.stat()
    edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    discard_state(site, out)  # full builds, which read and save the load cache
    build(BuildOptions(src=site, out=out, search=False))
    after = path.stat()
    assert after.st_ino == before.st_ino and after.st_size > before.st_size  # appended
    assert _cached_load(site).added == 0
    # every article changes: most entries are replaced, so the file is rewritten
    for article in (site / "content" / "articles").glob("*.md"):
        article.write_text(article.read_text(encoding="utf-8") + "\nA closing line.\n",
                           encoding="utf-8")
    discard_state(site, out)
    build(BuildOptions(src=site, out=out, search=False))
    assert path.stat().st_ino != after.st_ino
    cache = _cached_load(site)
    assert cache.added == 0 and cache.dropped == 0  # it holds exactly what the site uses
