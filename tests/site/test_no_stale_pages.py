"""No cached or served rebuild may ever publish a stale page, whatever the
templates: one list of edits (every field of every file kind, new, renamed and
deleted files, a template, site.yaml, the theme's words) is applied one by one,
and after each the output of every mode is compared byte for byte with a clean
build of the same content.

Modes: `sitegen build` with its caches (which takes the quick path when the
edit allows it), and `serve`'s rebuilds, told what changed (the watcher's
paths) or not. Themes: the default one, and an override that prints every
field reachable from the template context (the page's data, the entities its
claims point to, the archive's lookups, the settings, the theme's words), so
that a page depends on far more than the default theme shows.

Search is left out (its own tests compare indexes). The whole matrix runs
under the `matrix` marker (`make test-all`); `make test` runs a
representative subset: every mode and theme on the mini site with the edits
of QUICK_SET, and two combinations on the demo and a generated archive.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from sitegen.serve.builder import IncrementalBuilder
from sitegen.site.render import theme_dir
from tests.conftest import MINI, REPO, output_tree
from tests.site.conftest import TITLE_CLAIM

BUDGET = "content/claims/council-budget-vote.yaml"
HARBOUR = "content/claims/harbour-expansion-will-double-cargo.yaml"
BUDGET_ARTICLE = "content/articles/council-budget-vote.md"
HARBOUR_ARTICLE = "content/articles/harbour-expansion-will-double-cargo.md"
WREN = "content/entities/tobias-wren.yaml"
QUAY = "content/entities/north-quay-plan.yaml"
ABOUT = "content/pages/about.md"

# Prints every field of an object (of dataclasses: their fields), the entities
# its ids point to and what the archive's lookups hold for it.
DUMP_MACROS = """\
{% macro dump(v, depth=0) -%}
{%- if v is none or v is string or v is number or v is boolean -%}{{ v }}
{%- elif v is mapping -%}{ {% for k, x in v | dictsort %}{{ k }}={{ dump(x, depth + 1) }} {% endfor %}}
{%- elif v.__dataclass_fields__ is defined and depth < 5 -%}<{% for k in v.__dataclass_fields__ | sort %}{{ k }}={{ dump(v[k], depth + 1) }};{% endfor %}
{%- if v.claimant is defined %}claimant:{{ entity(v.claimant, depth) }} actual:{{ entity(v.actual_claimant, depth) }}{% for e in v.about %} about:{{ entity(e, depth) }}{% endfor %} modified={{ v.modified }}{% endif %}
{%- if v.slug is defined and v.publisher is defined %}publisher:{{ entity(v.publisher, depth) }} n={{ archive.claims_by_article.get(v.slug, []) | length }}{% for m in v.mentions %} m:{{ entity(m.entity, depth) }}{% endfor %}{% endif %}
{%- if v.type is defined and v.wikidata is defined %} by={{ archive.claims_by_claimant.get(v.id, []) | map(attribute='id') | join(',') }} about={{ archive.claims_about.get(v.id, []) | map(attribute='claim') | join(',') }} count={{ archive.claim_counts.get(v.id, 0) }} in={{ archive.articles_mentioning.get(v.id, []) | map(attribute='title') | join(',') }}{% endif %}>
{%- elif v is iterable -%}[{% for x in v %}{{ dump(x, depth + 1) }},{% endfor %}]
{%- else -%}{{ v }}{%- endif -%}
{%- endmacro %}
{% macro entity(entity_id, depth) -%}
{% set e = archive.entities.get(entity_id) %}{% if e and depth < 3 %}{{ dump(e, depth + 1) }}{% else %}{{ entity_id }}{% endif %}
{%- endmacro %}
"""

DUMP_PAGE = """\
{% import "dump-macros.html" as d %}
<div class="dump" hidden>
{{ d.dump(config) }} {{ t("title_claims") }} {{ ui_language }}
{% for key, value in page.context | dictsort %}{{ key }}: {{ d.dump(value) }}
{% endfor %}
{% if page.kind == "page" %}
{% for claim in archive.claims.values() %}{{ d.dump(claim) }}{% endfor %}
{% for slug in archive.articles %}{{ archive.articles[slug].title }}{% endfor %}
{% for e in archive.articles_newest_first[:2] %}{{ e.summary }}{% endfor %}
{% endif %}
</div>
"""


def dump_theme(site: Path) -> None:
    """Give the site templates that print everything reachable (see above), and
    entity links that carry the entity's description (the reported case)."""
    own = site / "templates"
    own.mkdir(exist_ok=True)
    base = (theme_dir() / "base.html").read_text(encoding="utf-8")
    assert "</body>" in base
    (own / "base.html").write_text(
        base.replace("</body>", '{% include "dump.html" %}\n</body>'), encoding="utf-8")
    macros = (theme_dir() / "macros.html").read_text(encoding="utf-8")
    link = "<a href=\"{{ url('entities/' ~ entity_id ~ '/') }}\">"
    assert link in macros
    (own / "macros.html").write_text(macros.replace(
        link, "<a href=\"{{ url('entities/' ~ entity_id ~ '/') }}\" "
              "title=\"{{ entity.description }}\">"), encoding="utf-8")
    (own / "dump-macros.html").write_text(DUMP_MACROS, encoding="utf-8")
    (own / "dump.html").write_text(DUMP_PAGE, encoding="utf-8")


@dataclass(frozen=True)
class Edit:
    id: str
    apply: Callable[[Path], list[str]]  # edits the site; returns the paths it changed


def replace(path: str, old: str, new: str) -> Callable[[Path], list[str]]:
    def apply(site: Path) -> list[str]:
        file = site / path
        text = file.read_text(encoding="utf-8")
        assert old in text, f"{path}: {old!r} not found"
        file.write_text(text.replace(old, new, 1), encoding="utf-8")
        return [path]
    return apply


def append(path: str, text: str) -> Callable[[Path], list[str]]:
    def apply(site: Path) -> list[str]:
        file = site / path
        file.parent.mkdir(parents=True, exist_ok=True)
        with file.open("a", encoding="utf-8") as stream:
            stream.write(text)
        return [path]
    return apply


def rename(old: str, new: str) -> Callable[[Path], list[str]]:
    def apply(site: Path) -> list[str]:
        (site / old).rename(site / new)
        return [old, new]
    return apply


def delete(path: str) -> Callable[[Path], list[str]]:
    def apply(site: Path) -> list[str]:
        (site / path).unlink()
        return [path]
    return apply


def both(*edits: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
    def apply(site: Path) -> list[str]:
        return [path for edit in edits for path in edit(site)]
    return apply


NEW_CLAIM = """
  - id: wren-third-year
    quote: "keep council tax unchanged for a third year running"
    claim: "Council tax stays unchanged for a third year"
    claimant: tobias-wren
    attribution: unconfirmed
    about: [port-ellery]
    rating: correct
    reviewed: 2024-04-13
    review: |
      The budget keeps the rate as it is [1].
    sources:
      - url: "https://council.example.org/budget-2025"
        title: "Budget 2025"
"""

NEW_ARTICLE = """---
title: Ferry timetable changes in June
date: 2024-05-01
lang: en
publisher: ellery-gazette
summary: The ferry leaves earlier; Mayor Wren welcomes it.
---

The morning ferry will leave earlier from June. Mayor Wren welcomed the change for the North Quay.
"""

EDITS = [
    # claims files: fields that keep the archive's arrangement (the quick way) ...
    Edit("claim-review", replace(BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")),
    Edit("claim-wording", replace(BUDGET, 'claim: "This is the fairest town budget in a generation"',
                                  'claim: "The fairest town budget for a generation"')),
    Edit("claim-quote", replace(BUDGET, 'quote: "the fairest budget this town has seen in a generation"',
                                'quote: "the fairest budget this town has seen"')),
    Edit("source-note", replace(BUDGET, "2.8 million euros (2.5 million this year).",
                                "2.8 million euros, up from 2.5 million.")),
    Edit("source-date", replace(HARBOUR, "date: 2024-02-20", "date: 2024-02-21")),
    Edit("claim-extra", replace(BUDGET, "    rating: no-verdict\n",
                                "    rating: no-verdict\n    extra: {desk: night}\n")),
    # ... and those that move things
    Edit("claim-rating", replace(BUDGET, "rating: no-verdict", "rating: half-right")),
    Edit("claim-attribution", replace(BUDGET, "attribution: confirmed", "attribution: unconfirmed")),
    Edit("claim-about", replace(BUDGET, "about: [port-ellery]\n    rating: half-right",
                                "about: [port-ellery, north-quay-plan]\n    rating: half-right")),
    Edit("claim-claimant", replace(HARBOUR, "claimant: ellery-port-authority",
                                   "claimant: tobias-wren")),
    Edit("claim-reviewed", replace(HARBOUR, "reviewed: 2024-03-12", "reviewed: 2024-03-14")),
    Edit("claim-update", replace(HARBOUR, "rating still pending.", "rating still pending.\"}\n"
                                 "      - {date: 2024-06-01, note: \"Dredging began.")),
    Edit("claim-update-note", replace(HARBOUR, "rating still pending.", "rating still open.")),
    Edit("claim-update-rating", replace(HARBOUR, "- {date: 2024-05-20, note:",
                                        "- {date: 2024-05-20, previous_rating: wrong, note:")),
    Edit("claim-misattributed", replace(BUDGET, "attribution: unconfirmed",
                                        "attribution: misattributed\n"
                                        "    actual_claimant: ellery-gazette")),
    Edit("claim-same-as", replace(BUDGET, "    claimant: ellery-gazette\n",
                                  "    claimant: ellery-gazette\n    same_as: [berths-open-by-2026]\n")),
    Edit("source-title", replace(HARBOUR, 'title: "Dredging contract, schedule annex"',
                                 'title: "Dredging contract: schedule"')),
    Edit("source-title-supplied", replace(HARBOUR, 'title: "Dredging contract: schedule"',
                                          'title: "Dredging contract: schedule"\n'
                                          '        title_supplied: true')),
    Edit("claim-new", append(BUDGET, NEW_CLAIM)),
    Edit("claim-aliased", replace(BUDGET, "  - id: wren-third-year\n",
                                  "  - id: wren-tax-third-year\n    aliases: [wren-third-year]\n")),
    # articles
    Edit("article-text", replace(BUDGET_ARTICLE, "which runs to 212 pages", "which runs to 214 pages")),
    Edit("article-title", replace(BUDGET_ARTICLE, "title: Council passes budget with more money",
                                  "title: Council approves budget with more money")),
    Edit("article-summary", replace(BUDGET_ARTICLE, "by seven votes to four;", "by 7 votes to 4;")),
    Edit("article-date", replace(HARBOUR_ARTICLE, "date: 2024-03-05", "date: 2024-03-06")),
    Edit("article-partial-date", replace(HARBOUR_ARTICLE, "date: 2024-03-06",
                                         'date: "2024-03"\ndate_estimated: true\n'
                                         "date_note: print edition only")),
    Edit("claim-in-title", append(HARBOUR, TITLE_CLAIM)),
    Edit("article-extra", replace(BUDGET_ARTICLE, "authors: [Nell Ashby]",
                                  "authors: [Nell Ashby]\nextra: {section: politics}")),
    Edit("article-new", append("content/articles/ferry-timetable.md", NEW_ARTICLE)),
    Edit("article-renamed", rename("content/articles/ferry-timetable.md",
                                   "content/articles/ferry-leaves-earlier.md")),
    Edit("article-deleted", delete("content/articles/ferry-leaves-earlier.md")),
    # entities
    Edit("entity-description", replace(WREN, "Mayor of the fictional town", "Mayor of the invented town")),
    Edit("entity-name", replace(QUAY, "name: North Quay Expansion Plan", "name: North Quay Plan")),
    Edit("entity-wikidata", append(WREN, "wikidata: Q4115189\n")),
    Edit("entity-aliases", replace(WREN, '"Mayor Wren", "Wren"]', '"Mayor Wren", "Wren", "Mr Wren"]')),
    Edit("entity-links", append(WREN, "links:\n  - {title: \"Office\", url: \"https://example.org/wren\"}\n")),
    Edit("entity-extra", append(QUAY, "extra: {budget: 120 million}\n")),
    Edit("entity-type", replace("content/entities/tidelift-400.yaml", "type: product", "type: other")),
    Edit("entity-new", append("content/entities/nell-ashby.yaml",
                              "name: Nell Ashby\ntype: person\ndescription: Reporter.\n")),
    Edit("entity-deleted", delete("content/entities/nell-ashby.yaml")),
    Edit("entity-shared-alias", append("content/entities/nell-wren.yaml",
                                       'name: Nell Wren\ntype: person\naliases: ["Wren"]\n')),
    # free pages, settings, theme
    Edit("page-body", replace(ABOUT, "it exists only to test", "it exists to test")),
    Edit("page-title", replace(ABOUT, "title: About Port Ellery Checks", "title: About these checks")),
    Edit("site-title", replace("site.yaml", "title: Port Ellery Checks", "title: Port Ellery Fact Checks")),
    Edit("site-rating-label", replace("site.yaml", "label: Half right", "label: Partly right")),
    Edit("ui-text", append("templates/ui-text.yaml", "en:\n  title_claims: Reviewed claims\n")),
    Edit("template", append("templates/robots.txt", "# robots\nUser-agent: *\n")),
    Edit("template-edited", replace("templates/robots.txt", "# robots\n", "# robots.txt\n")),
    Edit("claims-file-deleted", both(delete("content/claims/draft-notes.yaml"),
                                     delete("content/articles/draft-notes.md"))),
]

# the edits every test run tries (the reported case among them); the rest under `slow`
QUICK_SET = {"claim-review", "claim-rating", "article-text", "entity-description",
             "entity-name", "claim-new", "ui-text", "claim-update-note", "template",
             "template-edited"}
MODES = ["build", "serve-told", "serve-untold"]
THEMES = ["default", "dump"]


def _site_files(out: Path) -> dict[str, bytes]:
    return {k: v for k, v in output_tree(out).items()
            if not k.startswith("pagefind/") and k != ".sitegen-output"}


class Runner:
    """One mode's rebuilds of one site."""

    def __init__(self, mode: str, site: Path, out: Path) -> None:
        self.mode, self.site, self.out = mode, site, out
        self.drafts = mode != "build"
        self.builder = IncrementalBuilder(site, out) if self.drafts else None
        assert self.rebuild(None)

    def rebuild(self, changed: list[str] | None) -> bool:
        if self.builder is not None:
            report = self.builder.rebuild(changed if self.mode == "serve-told" else None)
            return report.ok
        build(BuildOptions(src=self.site, out=self.out, search=False))
        return True


def generic_edits(site: Path) -> list[Edit]:
    """Edits any site allows: a review's text, a claim's rating, an article's
    text and title, an entity's description and name, the site's title."""
    claims = next(p for p in sorted((site / "content/claims").glob("*.yaml"))
                  if "review: |" in p.read_text(encoding="utf-8"))
    text = claims.read_text(encoding="utf-8")
    rel = claims.relative_to(site).as_posix()
    review_line = text.split("review: |\n", 1)[1].split("\n", 1)[0]
    rating = re.search(r"^    rating: (\S+)$", text, re.M)
    assert rating
    ratings = re.findall(r"^  - id: (\S+)$", (site / "site.yaml").read_text(encoding="utf-8"), re.M)
    other = next(r for r in ratings if r != rating.group(1))
    article = site / "content/articles" / f"{claims.stem}.md"
    body_line = article.read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[1]
    title = re.search(r"^title: ([^\n]*[a-zA-Z])", article.read_text(encoding="utf-8"), re.M)
    assert title
    entity = next(p for p in sorted((site / "content/entities").glob("*.yaml"))
                  if "\ndescription: " in p.read_text(encoding="utf-8"))
    described = re.search(r'^description: "?', entity.read_text(encoding="utf-8"), re.M)
    named = re.search(r"^name: ([^\n]*[a-zA-Z])", entity.read_text(encoding="utf-8"), re.M)
    assert described and named
    erel = entity.relative_to(site).as_posix()
    arel = article.relative_to(site).as_posix()
    site_title = re.search(r"^title: ([^\n]*[a-zA-Z])", (site / "site.yaml").read_text(encoding="utf-8"), re.M)
    assert site_title
    return [
        Edit("review", replace(rel, review_line, review_line + " Checked again.")),
        Edit("rating", replace(rel, rating.group(0), f"    rating: {other}")),
        Edit("article-text", replace(arel, body_line, body_line + " Edited.")),
        Edit("article-title", replace(arel, title.group(0), title.group(0) + " (edited)")),
        Edit("entity-description", replace(erel, described.group(0), described.group(0) + "Edited - ")),
        Edit("entity-name", replace(erel, named.group(0), named.group(0) + " Jr")),
        Edit("site-title", replace("site.yaml", site_title.group(0), site_title.group(0) + " II")),
    ]


def make_site(kind: str, dest: Path) -> Path:
    """A copy of the mini fixture or the demo, or a generated archive of 24 articles."""
    if kind == "mini":
        shutil.copytree(MINI, dest)
    elif kind == "demo":
        dest.mkdir()
        for name in ("site.yaml", "content", "seeds"):
            source = REPO / name
            (shutil.copytree if source.is_dir() else shutil.copyfile)(source, dest / name)
    else:
        subprocess.run([sys.executable, str(REPO / "bench" / "gen_archive.py"), str(dest),
                        "--articles", "24"], check=True, capture_output=True)
    return dest


def _run(mode: str, theme: str, edits: list[Edit] | None, tmp_path: Path,
         kind: str = "mini") -> None:
    site = make_site(kind, tmp_path / "site")
    if edits is None:
        edits = generic_edits(site)
    if theme == "dump":
        dump_theme(site)
    runner = Runner(mode, site, tmp_path / "out")
    clean = tmp_path / "clean"
    stale = {}
    for edit in edits:
        changed = edit.apply(site)
        assert runner.rebuild(changed), edit.id
        shutil.rmtree(clean, ignore_errors=True)
        build(BuildOptions(src=site, out=clean, drafts=runner.drafts, search=False, cache=False))
        expected, actual = _site_files(clean), _site_files(runner.out)
        wrong = sorted(k for k in expected.keys() | actual.keys()
                       if expected.get(k) != actual.get(k))
        if wrong:
            stale[edit.id] = wrong
    assert stale == {}


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("mode", MODES)
def test_every_rebuild_equals_a_clean_build(mode: str, theme: str, tmp_path: Path) -> None:
    _run(mode, theme, [e for e in EDITS if e.id in QUICK_SET], tmp_path)


@pytest.mark.matrix
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("mode", MODES)
def test_every_rebuild_equals_a_clean_build_all_edits(mode: str, theme: str,
                                                      tmp_path: Path) -> None:
    _run(mode, theme, EDITS, tmp_path)


REPRESENTATIVE = {("build", "dump", "generated"), ("serve-told", "dump", "demo")}


@pytest.mark.parametrize(("mode", "theme", "kind"), [
    pytest.param(mode, theme, kind, marks=() if (mode, theme, kind) in REPRESENTATIVE
                 else (pytest.mark.matrix,))
    for kind in ("demo", "generated") for theme in THEMES for mode in MODES])
def test_other_sites_too(mode: str, theme: str, kind: str, tmp_path: Path) -> None:
    """The demo and a generated archive, with edits any site allows (two
    combinations in every test run, the others in the full matrix)."""
    _run(mode, theme, None, tmp_path, kind)


def test_the_reported_case_renders_the_linking_pages_again(tmp_path: Path) -> None:
    """An entity's description shown in links by a site's macros.html: editing it
    renders again exactly the pages that link the entity (not the whole site)."""
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    dump_theme(site)
    (site / "templates" / "dump.html").write_text("", encoding="utf-8")
    out = tmp_path / "out"
    first = build(BuildOptions(src=site, out=out, search=False))
    replace(WREN, "Mayor of the fictional town", "Mayor of the invented town")(site)
    again = build(BuildOptions(src=site, out=out, search=False))
    linking = [path for path, data in _site_files(out).items()
               if b'title="Mayor of the invented town' in data]
    assert linking
    assert len(linking) <= again.rendered < first.rendered
