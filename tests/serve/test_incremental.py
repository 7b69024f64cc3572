"""Incremental rebuilds: exactly the touched pages are rendered again, and the
result is always what a clean build of the same content gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from sitegen.incremental import IncrementalBuilder
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
            assert number in (4, 5), report.diagnostics
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
