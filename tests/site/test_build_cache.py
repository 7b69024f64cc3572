"""Incremental `sitegen build`: unchanged pages are carried over, the result is
byte for byte a clean build, and a doubtful cache is never trusted."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from sitegen.cli import main
from sitegen.state import record as state_module
from sitegen.state.record import BuildState, state_path
from tests.conftest import REPO
from tests.site.conftest import BUDGET, assert_equals_clean_build, edit


def test_second_build_renders_only_what_changed(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(BuildOptions(src=site, out=out))
    assert first.rendered > 30
    unchanged = build(BuildOptions(src=site, out=out))
    assert unchanged.rendered == 0 and unchanged.search is None  # the index was kept too
    edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    edited = build(BuildOptions(src=site, out=out))
    assert 0 < edited.rendered < first.rendered
    # a claim page and its article changed: they are indexed into the recent bundle
    assert edited.search is not None and set(edited.search.pages) == {"en-recent"}
    assert_equals_clean_build(site, out, tmp_path)
    edit(site, "content/entities/tobias-wren.yaml", "Mayor of the fictional", "Mayor of the")
    build(BuildOptions(src=site, out=out))
    assert_equals_clean_build(site, out, tmp_path)


@pytest.mark.parametrize("damage", ["corrupt", "version", "foreign", "shape"])
def test_a_doubtful_state_is_discarded_with_a_warning(site: Path, tmp_path: Path, damage: str,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert main(["build", "-s", str(site), "-o", str(out)]) == 0
    path = state_path(site, out)
    if damage == "corrupt":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "version":  # made by another sitegen (its format, or its code)
        monkeypatch.setattr(state_module, "FORMAT", state_module.FORMAT + 1)
    elif damage == "foreign":  # e.g. copied along with the site from another machine
        other = tmp_path / "other"
        assert main(["build", "-s", str(site), "-o", str(other)]) == 0
        shutil.copyfile(state_path(site, other), path)
    else:
        db = sqlite3.connect(path)
        db.execute("DROP TABLE pages")
        db.commit()
        db.close()
    edit(site, BUDGET, "rating: no-verdict", "rating: wrong")
    capsys.readouterr()
    assert main(["build", "-s", str(site), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "warning: " in captured.err and "ignored" in captured.err
    assert "Traceback" not in captured.err
    assert_equals_clean_build(site, out, tmp_path)


@pytest.mark.parametrize("how", ["a full build", "--no-cache"])
def test_a_changed_output_file_is_rendered_again(site: Path, tmp_path: Path, how: str) -> None:
    """A full build checks the output files it keeps; a quick one (sitegen/quick.py)
    trusts the output folder, and --no-cache always renders everything."""
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out))
    page = out / "claims" / "council-tax-unchanged" / "index.html"
    page.write_text("tampered")
    if how == "a full build":  # an edit that moves a claim between lists
        edit(site, "content/entities/tobias-wren.yaml", "name: Tobias Wren", "name: T. Wren")
    result = build(BuildOptions(src=site, out=out, cache=how != "--no-cache"))
    assert not result.quick
    assert "tampered" not in page.read_text()
    assert_equals_clean_build(site, out, tmp_path)


def test_a_template_edit_renders_the_pages_that_use_it(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out, search=False))
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Lost</h1>{% endblock %}')
    only_404 = build(BuildOptions(src=site, out=out, search=False))
    assert only_404.rendered == 1
    assert "Lost" in (out / "404.html").read_text()
    theme_macros = (REPO / "templates" / "macros.html").read_text()
    (site / "templates" / "macros.html").write_text(theme_macros.replace(
        'class="claim-item attribution-', 'class="claim-item claim-row attribution-'))
    with_macros = build(BuildOptions(src=site, out=out, search=False))
    assert with_macros.rendered > 1
    assert "claim-row" in (out / "claims" / "index.html").read_text()
    assert "claim-row" not in (out / "404.html").read_text()
    assert_equals_clean_build(site, out, tmp_path, search=False)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_rebuild_patches_the_output_in_place(site: Path, tmp_path: Path, workers: int) -> None:
    out = tmp_path / "out"
    extra = site / "content" / "articles" / "short-note.md"
    extra.write_text("---\ntitle: A short note\ndate: 2024-05-02\n---\n\nThe council met.\n")
    build(BuildOptions(src=site, out=out, workers=workers))
    assert (out / "articles" / "short-note" / "index.html").is_file()
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    extra.unlink()
    result = build(BuildOptions(src=site, out=out, workers=workers, cache=False))
    assert result.rendered > 30  # without the cache every page is rendered, few are written
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    site_files = [p for p in after if p.relative_to(out).parts[0] != "pagefind"]
    kept = [p for p in site_files if before.get(p) == after[p] and p.name != ".sitegen-output"]
    # the untouched pages are the very same files (never rewritten, not even linked anew)
    assert result.stats.unchanged >= len(kept) > len(site_files) // 2
    # the stager's files: the site's, less the marker, plus pagefind/recent.json
    assert len(site_files) == result.stats.written + result.stats.unchanged
    assert not (out / "articles" / "short-note").exists()  # folder removed with its page
    assert not list(out.rglob(".sitegen-patching"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]  # nothing left beside
    claim_pages = out.glob("claims/*/index.html")
    assert any("the rest of Port Ellery" in page.read_text() for page in claim_pages)
    assert_equals_clean_build(site, out, tmp_path)


def test_an_interrupted_patch_is_repaired_by_a_full_rebuild(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(BuildOptions(src=site, out=out))
    # what a build killed outright (SIGKILL) halfway through patching leaves
    (out / ".sitegen-patching").write_text("sitegen build is updating this folder\n")
    (out / "claims" / "council-tax-unchanged" / "index.html").write_text("half")
    (out / "stray.html").write_text("left over")
    result = build(BuildOptions(src=site, out=out))
    assert result.rendered == first.rendered  # the cache is not trusted: everything again
    assert not (out / ".sitegen-patching").exists() and not (out / "stray.html").exists()
    assert_equals_clean_build(site, out, tmp_path)


def test_an_edit_indexes_only_the_changed_pages_and_leaves_the_main_bundles(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sitegen.site.search as search

    monkeypatch.setattr(search, "SHARD_PAGES", 3)  # the mini site's pages, in several bundles
    out = tmp_path / "out"
    first = build(BuildOptions(src=site, out=out))
    assert first.search is not None and len(first.search.pages) > 2
    inodes = {p.name: p.stat().st_ino for p in (out / "pagefind").iterdir() if p.is_dir()}
    edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    edited = build(BuildOptions(src=site, out=out))
    assert edited.search is not None and edited.search.pages == {"en-recent": 2}
    for name, inode in inodes.items():
        assert (out / "pagefind" / name).stat().st_ino == inode  # carried over whole
    recent = json.loads((out / "pagefind/recent.json").read_text(encoding="utf-8"))
    assert recent["recent"] == [["en-recent", "en"]]
    assert sum(len(ids) for ids in recent["stale"].values()) == 2  # their old versions
    assert build(BuildOptions(src=site, out=out)).search is None  # nothing changed: none
    assert_equals_clean_build(site, out, tmp_path)


def test_a_page_that_moves_to_another_year_bundle_is_found_there_only(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sitegen.site.search as search

    monkeypatch.setattr(search, "SHARD_PAGES", 3)  # a bundle per year
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out))
    article = "content/articles/council-budget-vote.md"
    edit(site, article, "date: 2024-04-10", "date: 2023-04-10")  # its pages change year
    edited = build(BuildOptions(src=site, out=out))
    assert edited.search is not None
    assert "en-2023" in edited.search.pages  # a new year: its bundle is indexed whole
    recent = json.loads((out / "pagefind/recent.json").read_text(encoding="utf-8"))
    assert any(name.startswith("en-2024") for name in recent["stale"])  # left there
    assert_equals_clean_build(site, out, tmp_path)


def test_past_the_limit_the_recent_bundle_is_merged_into_the_main_bundles(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sitegen.site.search as search

    monkeypatch.setattr(search, "SHARD_PAGES", 3)
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "search:\n  recent_pages: 3\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out))
    inodes = {p.name: p.stat().st_ino for p in (out / "pagefind").iterdir() if p.is_dir()}
    edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    assert build(BuildOptions(src=site, out=out)).search.pages == {"en-recent": 2}
    # the rating too: the pages that list it change as well, more than 3 pages are
    # kept apart: the bundles holding most of them are merged, until at most 1 is left
    edit(site, BUDGET, "rating: no-verdict", "rating: wrong")
    merged = build(BuildOptions(src=site, out=out))
    assert merged.search is not None
    again = set(merged.search.pages) - {"en-recent"}
    assert again and again < set(inodes)  # some, not all, of the main bundles
    for name, inode in inodes.items():
        assert ((out / "pagefind" / name).stat().st_ino == inode) == (name not in again)
    state = BuildState.open(site, out)
    assert state is not None
    try:
        bundles = state.meta("search").main
    finally:
        state.close()
    apart = {page for bundle in bundles.values() for page in (*bundle.recent, *bundle.stale)}
    assert len(apart) <= 1
    assert all(not bundles[name].recent and not bundles[name].stale for name in again)
    assert_equals_clean_build(site, out, tmp_path)
    # a single bundle per language: the whole language is merged, the recent bundle goes
    monkeypatch.setattr(search, "SHARD_PAGES", 20_000)
    edit(site, BUDGET, "rating: wrong", "rating: no-verdict")
    assert build(BuildOptions(src=site, out=out)).search is not None  # a new layout: all
    edit(site, BUDGET, "the rest of Port Ellery [2].", "the rest of the town [2].")
    build(BuildOptions(src=site, out=out))
    edit(site, BUDGET, "rating: no-verdict", "rating: wrong")
    last = build(BuildOptions(src=site, out=out))
    assert last.search is not None and set(last.search.pages) == {"en"}
    assert not (out / "pagefind/en-recent").exists()
    assert json.loads((out / "pagefind/recent.json").read_text()) == {
        "recent": [], "stale": {}, "version": 1}
    assert_equals_clean_build(site, out, tmp_path)


def test_pages_rendered_again_to_the_same_bytes_leave_the_search_index_as_it_is(
        site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out))
    index = {p: p.stat().st_ino for p in (out / "pagefind").rglob("*") if p.is_file()}
    # a comment in the article template: every article page renders again, to the
    # same bytes
    theme = REPO / "templates" / "article.html"
    (site / "templates").mkdir()
    (site / "templates" / "article.html").write_text(
        "{# a comment #}" + theme.read_text(encoding="utf-8"), encoding="utf-8")
    result = build(BuildOptions(src=site, out=out))
    assert result.rendered > 0 and result.stats.written == 0 and result.search is None
    assert {p: p.stat().st_ino for p in (out / "pagefind").rglob("*") if p.is_file()} == index
    assert_equals_clean_build(site, out, tmp_path)


def test_a_state_that_cannot_be_saved_leaves_the_site_built_and_says_so(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fails while the state's thread notes the pages' files: the build
    still puts its output in place (equal to a clean build), warns that the next
    build will be a full one, and leaves no state behind."""
    def failing(*args: object) -> object:
        raise OSError("No space left on device")

    monkeypatch.setattr(state_module, "_file_stats", failing)
    out = tmp_path / "out"
    result = build(BuildOptions(src=site, out=out))
    assert any("could not be saved" in note and "No space left" in note
               for note in result.notes), result.notes
    assert not state_path(site, out).exists()
    assert not list(state_path(site, out).parent.glob(".state-*.tmp"))
    assert_equals_clean_build(site, out, tmp_path)
    monkeypatch.undo()
    again = build(BuildOptions(src=site, out=out))  # as the warning said: a full one
    assert again.rendered == result.rendered and state_path(site, out).exists()

