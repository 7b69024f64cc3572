"""Incremental rebuilds: exactly the touched pages are rendered again, and the
result is always what a clean build of the same content gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from sitegen.serve.builder import IncrementalBuilder
from tests.conftest import MINI, output_tree

BUDGET = "content/claims/council-budget-vote.yaml"


def _edit(site: Path, path: str, old: str, new: str) -> None:
    file = site / path
    text = file.read_text(encoding="utf-8")
    assert old in text, old
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def _site_files(out: Path) -> dict[str, bytes]:
    return {k: v for k, v in output_tree(out).items()
            if not k.startswith("pagefind/") and k != ".sitegen-output"}


def _assert_same_as_clean_build(site: Path, served: Path, tmp: Path) -> None:
    clean = tmp / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    build(BuildOptions(src=site, out=clean, drafts=True, search=False))
    expected, actual = _site_files(clean), _site_files(served)
    assert sorted(actual) == sorted(expected)
    assert [k for k in expected if expected[k] != actual[k]] == []


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    dest = tmp_path / "site"
    shutil.copytree(MINI, dest)
    return dest


def test_a_claim_edit_renders_its_article_claims_entities_and_lists(site: Path,
                                                                     tmp_path: Path) -> None:
    builder = IncrementalBuilder(site, tmp_path / "out")
    first = builder.rebuild()
    assert first.ok and first.rendered == len(builder.plans)
    _edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    report = builder.rebuild()
    assert report.ok
    # what a claim edit must touch
    budget_claims = ["budget-fairest-in-a-generation", "harbour-roads-twelve-per-cent",
                     "council-tax-unchanged"]
    expected = {"articles/council-budget-vote/",
                *(f"claims/{c}/" for c in budget_claims),
                # entities the budget claims are by or about, or that the article mentions
                "entities/tobias-wren/", "entities/port-ellery/", "entities/north-quay-plan/",
                "entities/ellery-gazette/", "entities/ellery-port-authority/"}
    rendered = set(report.rendered_urls)
    assert expected <= rendered, expected - rendered
    # list pages are rendered again only where they show an edited claim
    lists = {p.url for p in builder.plans if p.kind == "list"}
    shown = {p.url for p in builder.plans if p.kind == "list"
             and "claims:council-budget-vote" in p.inputs}
    assert rendered & lists == shown and lists - shown
    # the harbour article, its claims and the pages that show only them were not touched
    untouched = {"articles/harbour-expansion-will-double-cargo/", "claims/berths-open-by-2026/",
                 "entities/tidelift-400/", "404.html", "search/"}
    assert not untouched & rendered
    _assert_same_as_clean_build(site, tmp_path / "out", tmp_path)


def test_sequence_of_edits_equals_a_clean_build(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    builder = IncrementalBuilder(site, out)
    assert builder.rebuild().ok
    steps = [
        lambda: _edit(site, BUDGET, "rating: no-verdict", "rating: wrong"),
        lambda: _edit(site, BUDGET, "about: [port-ellery]", "about: [port-ellery, tobias-wren]"),
        lambda: _edit(site, "content/entities/tobias-wren.yaml", '"Wren"]', '"Wren", "Tobias"]'),
        # a QID is in the ClaimReview JSON-LD of the claims by or about the entity
        lambda: (site / "content/entities/tobias-wren.yaml").write_text(
            (site / "content/entities/tobias-wren.yaml").read_text() + "wikidata: Q12345\n"),
        lambda: _edit(site, "content/entities/port-ellery.yaml", "name: Port Ellery",
                      "name: Port Ellery (town)"),
        lambda: (site / "content/articles/council-budget-vote.md").rename(
            site / "content/articles/budget-vote.md"),
        lambda: (site / BUDGET).rename(site / "content/claims/budget-vote.yaml"),
        lambda: _edit(site, "content/claims/budget-vote.yaml", "article: council-budget-vote",
                      "article: budget-vote"),
        lambda: _edit(site, "content/articles/budget-vote.md", "authors: [Nell Ashby]",
                      "authors: [Nell Ashby]\naliases: [council-budget-vote]"),
        lambda: (site / "content/pages/about.md").write_text(
            "---\ntitle: About us\n---\n\nNew text with a [claim](claim:council-tax-unchanged).\n"),
        lambda: (site / "content/pages/contact.md").write_text(
            "---\ntitle: Contact\n---\n\nMail.\n"),
        lambda: _edit(site, "content/articles/draft-notes.md", "draft: true", "draft: false"),
        lambda: (site / "content/entities/tidelift-400.yaml").unlink(),
        lambda: _edit(site, "site.yaml", "page_size: 2", "page_size: 3"),
        lambda: (site / "templates").mkdir(),
        lambda: (site / "templates" / "404.html").write_text(
            '{% extends "base.html" %}{% block main %}<h1>Gone</h1>{% endblock %}'),
    ]
    for number, step in enumerate(steps):
        step()
        report = builder.rebuild()
        if not report.ok:
            # renaming an article and its claims file takes two steps; in between the
            # claims file points at a missing article, and the last good site stays
            assert number in (5, 6), report.diagnostics
            continue
        _assert_same_as_clean_build(site, out, tmp_path)
    assert (out / "articles" / "council-budget-vote" / "index.html").read_text().count(
        "budget-vote/") >= 1  # the old URL now redirects
    assert not (out / "entities" / "tidelift-400").exists()


def test_errors_keep_the_last_good_site(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    builder = IncrementalBuilder(site, out)
    assert builder.rebuild().ok
    before = _site_files(out)
    _edit(site, BUDGET, "rating: no-verdict", "rating: no-verdit")
    report = builder.rebuild()
    assert not report.ok
    assert [d.message for d in report.diagnostics] == ["unknown rating 'no-verdit'"]
    assert _site_files(out) == before
    _edit(site, BUDGET, "rating: no-verdit", "rating: wrong")
    assert builder.rebuild().ok
    _assert_same_as_clean_build(site, out, tmp_path)


def test_a_broken_ui_text_is_reported_and_keeps_the_last_good_site(site: Path,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "out"
    builder = IncrementalBuilder(site, out)
    assert builder.rebuild().ok
    before = _site_files(out)
    (site / "templates").mkdir()
    (site / "templates" / "ui-text.yaml").write_text("en:\n  a: &x A\n  b: *x\n")
    report = builder.rebuild()
    assert not report.ok
    assert [(d.path, d.line, d.message) for d in report.diagnostics] == [
        ("templates/ui-text.yaml", 3, "YAML alias '*x' is not allowed")]
    assert _site_files(out) == before
    shutil.rmtree(site / "templates")
    assert builder.rebuild().ok

HARBOUR = "content/claims/harbour-expansion-will-double-cargo.yaml"
HARBOUR_ARTICLE = "content/articles/harbour-expansion-will-double-cargo.md"
BUDGET_ARTICLE = "content/articles/council-budget-vote.md"
WREN = "content/entities/tobias-wren.yaml"
QUAY = "content/entities/north-quay-plan.yaml"

# (file, old, new): edits that change what pages show but not where anything is
# listed, so `serve` reads only the edited files again (the short way)
IN_PLACE_EDITS = [
    (BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2]."),  # a review
    (BUDGET, 'claim: "This is the fairest town budget in a generation"',
     'claim: "The fairest budget <b>in</b> a generation"'),  # a claim's wording, escaped
    (BUDGET, "date: 2024-04-09", "date: 2024-04-08"),  # a source's date (on sources/ pages)
    (HARBOUR, 'note: "Both berths scheduled to open in autumn 2026."',
     'note: "Both berths scheduled for autumn 2026."'),
    (HARBOUR, "rating still pending.", "rating still pending (board minutes)."),  # an update
    (HARBOUR_ARTICLE, "Harbour expansion will double cargo,", "Harbour plan will double cargo,"),
    (HARBOUR_ARTICLE, "which limits the harbour", "which restricts the harbour"),  # body text
    (BUDGET_ARTICLE, "which runs to 212 pages", "which runs to 214 pages"),
    # an entity's description (on its page, in its feed, and wherever a theme shows it)
    (WREN, "Mayor of the fictional town", "Mayor of the <invented> town"),
    (QUAY, 'description: "The Ellery', 'links:\n  - {title: "Plan", url: "https://example.org/q"}\n'
     'description: "The Ellery'),  # an entity's links
]


def _fresh_fingerprints(site: Path, tmp_path: Path) -> dict[str, str]:
    fresh = IncrementalBuilder(site, tmp_path / "fresh")
    assert fresh.rebuild().ok
    shutil.rmtree(tmp_path / "fresh")
    return fresh.fingerprints


@pytest.mark.parametrize("edit", IN_PLACE_EDITS, ids=lambda e: e[2][:30])
def test_an_in_place_edit_reads_only_its_files_and_equals_a_clean_build(
        site: Path, tmp_path: Path, edit: tuple[str, str, str]) -> None:
    path, old, new = edit
    short, whole = IncrementalBuilder(site, tmp_path / "short"), IncrementalBuilder(
        site, tmp_path / "whole")
    assert short.rebuild().ok and whole.rebuild().ok
    _edit(site, path, old, new)
    report = short.rebuild({path})
    assert report.ok and not report.whole
    # the same pages as reading everything again renders, and the same state after
    reference = whole.rebuild()
    assert reference.whole
    assert sorted(report.rendered_urls) == sorted(reference.rendered_urls)
    assert report.rendered > 0
    assert short.fingerprints == _fresh_fingerprints(site, tmp_path)
    _assert_same_as_clean_build(site, tmp_path / "short", tmp_path)


def test_a_series_of_in_place_edits_stays_equal_to_a_clean_build(site: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "out"
    builder = IncrementalBuilder(site, out)
    assert builder.rebuild().ok
    for path, old, new in IN_PLACE_EDITS:
        _edit(site, path, old, new)
        report = builder.rebuild({path})
        assert report.ok and not report.whole, path
    # objects swapped by earlier edits are found again by later ones (the article
    # list holds the article edited last, not the one read first)
    assert builder.fingerprints == _fresh_fingerprints(site, tmp_path)
    _assert_same_as_clean_build(site, out, tmp_path)


@pytest.mark.parametrize(("path", "old", "new"), [
    (BUDGET, "rating: no-verdict", "rating: wrong"),  # moves the claim between lists
    (BUDGET, "about: [port-ellery]", "about: [port-ellery, tobias-wren]"),
    (BUDGET, "reviewed: 2024-04-12", "reviewed: 2024-04-13"),  # order by date
    (BUDGET, 'title: "Budget 2025"', 'title: "Budget 2025 & more"'),  # order of sources/
    (BUDGET, "the rest of the town [2].", "the rest of the [town](entity:port-ellery)."),
    (BUDGET_ARTICLE, "date: 2024-04-10", "date: 2024-04-11"),
    (BUDGET_ARTICLE, "that the Ellery Port Authority expects", "that the port expects"),
    ("content/entities/tobias-wren.yaml", "name: Tobias Wren", "name: Tobias J. Wren"),
])
def test_an_edit_that_moves_things_reads_everything(site: Path, tmp_path: Path, path: str,
                                                    old: str, new: str) -> None:
    out = tmp_path / "out"
    builder = IncrementalBuilder(site, out)
    assert builder.rebuild().ok
    _edit(site, path, old, new)
    report = builder.rebuild({path})
    assert report.ok and report.whole
    assert builder.fingerprints == _fresh_fingerprints(site, tmp_path)
    _assert_same_as_clean_build(site, out, tmp_path)


def test_an_error_in_an_edited_file_is_reported_and_the_next_fix_reads_everything(
        site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    builder = IncrementalBuilder(site, out)
    assert builder.rebuild().ok
    before = _site_files(out)
    _edit(site, BUDGET, "quote: \"the fairest budget", "quote: \"the fairest budgett")
    report = builder.rebuild({BUDGET})
    assert not report.ok
    assert [(d.path, d.severity) for d in report.diagnostics] == [(BUDGET, "error")]
    assert "quote" in report.diagnostics[0].message
    assert _site_files(out) == before
    _edit(site, BUDGET, "quote: \"the fairest budgett", "quote: \"the fairest budget")
    _edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    report = builder.rebuild({BUDGET})
    assert report.ok and report.whole  # after a failure the whole archive is read again
    assert builder.rebuild({BUDGET}).whole is False  # then the short way again
    _assert_same_as_clean_build(site, out, tmp_path)


@pytest.mark.parametrize("changed", [
    {"content/claims/new-article.yaml"},  # a file that was not there
    {"content/claims/"},  # a folder moved or deleted
    {"templates/claim.html"},
    {"site.yaml"},
    {BUDGET, "content/pages/about.md"},
    {"content/entities/nell-ashby.yaml"},  # an entity that was not there
])
def test_changes_beyond_articles_claims_and_entity_files_read_everything(
        site: Path, tmp_path: Path, changed: set[str]) -> None:
    builder = IncrementalBuilder(site, tmp_path / "out")
    assert builder.rebuild().ok
    assert builder.rebuild(changed).whole
