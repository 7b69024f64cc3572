"""Quick rebuilds (sitegen/quick.py): `sitegen build` after an edit to articles,
claims and entity files works from the saved state of the last build, and its output
is always what a clean build of the same content gives."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, BuildResult, build
from sitegen.diagnostics import ContentError
from sitegen.serve.builder import IncrementalBuilder
from sitegen.state.record import state_path
from tests.conftest import output_tree
from tests.serve.test_incremental import BUDGET, IN_PLACE_EDITS, _edit
from tests.site.conftest import assert_equals_clean_build


def _build(site: Path, out: Path, **options: object) -> BuildResult:
    return build(BuildOptions(src=site, out=out, search=False, **options))  # type: ignore[arg-type]


@pytest.mark.parametrize("edit", IN_PLACE_EDITS, ids=lambda e: e[2][:30])
def test_an_in_place_edit_is_rebuilt_quickly_and_equals_a_clean_build(
        site: Path, tmp_path: Path, edit: tuple[str, str, str]) -> None:
    out = tmp_path / "out"
    assert not _build(site, out).quick
    path, old, new = edit
    _edit(site, path, old, new)
    result = _build(site, out)
    assert result.quick
    assert 0 < result.rendered < sum(result.pages.values())
    assert result.stats.written >= 1
    assert_equals_clean_build(site, out, tmp_path, search=False)


def test_a_series_of_quick_rebuilds_stays_equal_to_a_clean_build(site: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out)
    for path, old, new in IN_PLACE_EDITS:
        _edit(site, path, old, new)
        assert _build(site, out).quick, path
    assert_equals_clean_build(site, out, tmp_path, search=False)
    # a full build after them (a template changed) reuses what they made
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Gone</h1>{% endblock %}')
    result = _build(site, out)
    assert not result.quick and result.rendered == 1 and result.stats.written == 1
    assert_equals_clean_build(site, out, tmp_path, search=False)


@pytest.mark.parametrize(("path", "old", "new"), [
    (BUDGET, "rating: no-verdict", "rating: wrong"),  # moves the claim between lists
    (BUDGET, "reviewed: 2024-04-12", "reviewed: 2024-04-13"),
    (BUDGET, "the rest of the town [2].", "the rest of the [town](entity:port-ellery)."),
    ("content/entities/tobias-wren.yaml", "name: Tobias Wren", "name: Tobias J. Wren"),
    ("site.yaml", "page_size: 2", "page_size: 3"),
])
def test_an_edit_that_moves_things_takes_the_full_build(site: Path, tmp_path: Path, path: str,
                                                        old: str, new: str) -> None:
    out = tmp_path / "out"
    _build(site, out)
    _edit(site, path, old, new)
    assert not _build(site, out).quick
    assert_equals_clean_build(site, out, tmp_path, search=False)
    assert _build(site, out).quick  # and the state it leaves serves the next build


def test_a_build_run_inside_the_site_takes_the_quick_path(site: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`sitegen build` with the default source folder ".": the state's keys for
    the site's files once lost their first two characters there, so every edit
    (and every file only touched, as in a fresh checkout) took the full build."""
    monkeypatch.chdir(site)
    out = tmp_path / "out"
    assert not _build(Path("."), out).quick
    _edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    result = _build(Path("."), out)
    assert result.quick and 0 < result.rendered < sum(result.pages.values())
    for path in site.rglob("*"):  # new times, same bytes: content hashes decide
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    result = _build(Path("."), out)
    assert result.quick and result.rendered == 0 and result.stats.written == 0
    assert_equals_clean_build(site, out, tmp_path, search=False)


def test_an_entity_edited_in_place_keeps_the_warnings_other_files_decide(
        site: Path, tmp_path: Path) -> None:
    """That an entity is never mentioned depends on the other files, which an
    in-place edit of the entity leaves as they were: the warning stays."""
    nell = "content/entities/nell-ashby.yaml"
    (site / nell).write_text("name: Nell Ashby\ntype: person\ndescription: Reporter.\n")
    out = tmp_path / "out"
    full = _build(site, out)
    assert [d.message for d in full.diagnostics if d.path == nell] == [
        "the entity 'nell-ashby' is never mentioned nor referenced"]
    served = IncrementalBuilder(site, tmp_path / "served", drafts=False)
    assert served.rebuild().ok
    _edit(site, nell, "Reporter.", "Reporter at the Gazette.")
    quick = _build(site, out)
    assert quick.quick and quick.rendered > 0
    assert quick.diagnostics == full.diagnostics
    report = served.rebuild({nell})
    assert report.ok and not report.whole and report.diagnostics == full.diagnostics
    # an error in the edited entity file: the full build reports it, where it is
    _edit(site, nell, "type: person", "type: persn")
    with pytest.raises(ContentError) as raised:
        _build(site, out)
    errors = [d for d in raised.value.diagnostics if d.severity == "error"]
    assert [(d.path, d.line) for d in errors] == [(nell, 2)]
    assert "did you mean 'person'" in errors[0].hint


def test_new_and_deleted_files_take_the_full_build(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out)
    (site / "content/pages/contact.md").write_text("---\ntitle: Contact\n---\n\nMail.\n")
    assert not _build(site, out).quick
    (site / "content/entities/tidelift-400.yaml").unlink()
    assert not _build(site, out).quick
    assert_equals_clean_build(site, out, tmp_path, search=False)


def test_nothing_changed_or_only_touched_does_nothing(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    full = _build(site, out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    result = _build(site, out)
    assert result.quick and result.rendered == 0 and result.stats.written == 0
    # the summary's counts, from the state's rows
    assert (result.pages, result.claims, result.entities) == (
        full.pages, full.claims, full.entities)
    os.utime(site / BUDGET)  # same bytes, new time
    result = _build(site, out)
    assert result.quick and result.rendered == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def _fails_leaving_the_output(site: Path, out: Path, edit: tuple[str, str],
                              blamed: str) -> None:
    """This edit to the budget claims makes the build fail, blaming the file
    `blamed`, and OUT stays as it was."""
    before = output_tree(out)
    _edit(site, BUDGET, *edit)
    with pytest.raises(ContentError) as error:
        _build(site, out)
    assert [d.path for d in error.value.diagnostics] == [blamed]
    assert output_tree(out) == before


def test_an_error_takes_the_full_build_which_reports_it(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out)
    _fails_leaving_the_output(site, out, ('quote: "the fairest budget',
                                          'quote: "the fairest budgett'), BUDGET)
    _edit(site, BUDGET, 'quote: "the fairest budgett', 'quote: "the fairest budget')
    _edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    assert _build(site, out).quick
    assert_equals_clean_build(site, out, tmp_path, search=False)


def test_a_template_error_in_a_quick_rebuild_leaves_the_output_as_it_was(
        site: Path, tmp_path: Path) -> None:
    # the edit is one the quick path takes, then the site's claim template fails on
    # the edited claim, and the full build reports the error
    (site / "templates").mkdir()
    (site / "templates" / "claim.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>{{ claim.claim }}</h1>'
        '{% if "boom" in claim.claim %}{{ claim.nothing.deeper }}{% endif %}{% endblock %}')
    out = tmp_path / "out"
    _build(site, out)
    _fails_leaving_the_output(site, out, ('claim: "This is the fairest',
                                          'claim: "boom: This is the fairest'),
                              "templates/claim.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]  # no staging left
    _edit(site, BUDGET, "claim: \"boom: This is the fairest", "claim: \"This is surely the fairest")
    _build(site, out)  # a full one: the failed full build left no state
    assert_equals_clean_build(site, out, tmp_path, search=False)


def test_a_build_without_the_cache_leaves_no_state_behind(site: Path, tmp_path: Path) -> None:
    """Otherwise undoing an edit would make the old state look current."""
    out = tmp_path / "out"
    _build(site, out)
    _edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    _build(site, out, cache=False)
    assert not state_path(site, out).exists()
    _edit(site, BUDGET, "the rest of Port Ellery [2].", "the rest of the town [2].")
    assert not _build(site, out).quick
    assert_equals_clean_build(site, out, tmp_path, search=False)


def test_other_options_or_a_damaged_state_take_the_full_build(site: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out)
    assert not _build(site, out, drafts=True).quick  # drafts change the page set
    assert _build(site, out, drafts=True).quick
    db = sqlite3.connect(state_path(site, out))
    with db:  # a record altered: its signature no longer matches
        altered = db.execute("UPDATE records SET blob = blob || x'00' WHERE name = ?",
                             ("article:council-budget-vote",))
        assert altered.rowcount == 1
    db.close()
    _edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    assert not _build(site, out, drafts=True).quick
    clean = tmp_path / "clean"
    build(BuildOptions(src=site, out=clean, search=False, cache=False, drafts=True))
    assert output_tree(out) == output_tree(clean)


def test_a_quick_rebuild_indexes_the_changed_pages_into_the_recent_bundle(
        site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(src=site, out=out))
    index = {k: v for k, v in output_tree(out).items() if k.startswith("pagefind/")}
    _edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    result = build(BuildOptions(src=site, out=out))
    assert result.quick and result.search is not None
    assert result.search.pages == {"en-recent": 2}  # the claim's page and its article's
    now = {k: v for k, v in output_tree(out).items() if k.startswith("pagefind/")}
    assert {k: v for k, v in now.items() if k.startswith("pagefind/en/")} == {
        k: v for k, v in index.items() if k.startswith("pagefind/en/")}  # left as it is
    assert now != index
    assert_equals_clean_build(site, out, tmp_path)
    # a full build next (another template) neither renders nor indexes that again
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Gone</h1>{% endblock %}')
    result = build(BuildOptions(src=site, out=out))
    assert not result.quick and result.rendered == 1 and result.search is None


def _values(obj: object, *leave_out: str) -> tuple[object, ...]:
    """A content object's field values (Claim and Article compare by identity)."""
    return tuple(getattr(obj, f.name) for f in dataclasses.fields(obj)  # type: ignore[arg-type]
                 if f.name not in leave_out)


def test_the_state_gives_back_the_archive_as_built(site: Path, tmp_path: Path) -> None:
    """What quick rebuilds read from the state (rows, records, lookups) is the
    archive the full build had: the same objects' values in the same order."""
    from sitegen.content.load import load_archive
    from sitegen.state.record import BuildState

    out = tmp_path / "out"
    _build(site, out)
    built = load_archive(site).archive
    state = BuildState.open(site, out)
    assert state is not None
    try:
        stored = state.archive()
        assert list(stored.articles) == list(built.articles)
        assert list(stored.claims) == list(built.claims) and len(stored.claims) == len(built.claims)
        assert [_values(stored.claims[i]) for i in built.claims] == [
            _values(c) for c in built.claims.values()]
        assert [_values(stored.articles[s], "document") for s in built.articles] == [
            _values(a, "document") for a in built.articles.values()]
        assert [(stored.articles[s].document.text, stored.articles[s].document.links)
                for s in built.articles] == [
            (a.document.text, a.document.links) for a in built.articles.values()]  # parsed again
        assert dict(stored.file_hashes) == built.file_hashes
        for lookup in ("claims_by_article", "claims_by_claimant", "claims_about"):
            mine, theirs = getattr(stored, lookup), getattr(built, lookup)
            assert {k: [c.id for c in mine[k]] for k in mine} == {
                k: [c.id for c in v] for k, v in theirs.items()}, lookup
        assert {k: [a.slug for a in stored.articles_mentioning[k]]
                for k in stored.articles_mentioning} == {
            k: [a.slug for a in v] for k, v in built.articles_mentioning.items()}
        assert [c.id for c in stored.claims_newest_first] == [
            c.id for c in built.claims_newest_first]
        assert "no-such-claim" not in stored.claims and 3 not in stored.file_hashes
    finally:
        state.close()
