"""Every command reports the same diagnostics for the same site: `sitegen
check`, `sitegen build --drafts` and `serve`'s rebuilds report identical lists,
and a plain build the same without the draft files' own; over every case of
the bad-input table, plus a syntax error in a template that no page uses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from sitegen.check import check_site
from sitegen.diagnostics import ContentError, Diagnostic
from sitegen.serve.builder import IncrementalBuilder
from tests.conftest import MINI
from tests.test_bad_input import CASES, Case, write

DRAFT_FILES = ("content/articles/draft-notes.md", "content/claims/draft-notes.yaml")
UNUSED_TEMPLATE = Case("unused-template-syntax", "templates/unused.html",
                       write("templates/unused.html", "{% if x %}never closed\n"), 1,
                       "template syntax error", "check the {% %} and {{ }} tags")


def _build(site: Path, out: Path, drafts: bool) -> list[Diagnostic]:
    try:
        result = build(BuildOptions(src=site, out=out, drafts=drafts, search=False))
    except ContentError as exc:
        return sorted(exc.diagnostics, key=Diagnostic.sort_key)
    return result.diagnostics


@pytest.mark.parametrize("case", [*CASES, UNUSED_TEMPLATE], ids=lambda c: c.id)
def test_every_command_reports_the_same(case: Case, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    case.edit(site)
    checked = check_site(site).sorted()
    assert any(case.message in d.message for d in checked)
    assert _build(site, tmp_path / "drafts", drafts=True) == checked
    served = IncrementalBuilder(site, tmp_path / "served").rebuild()
    assert served.diagnostics == checked
    plain = _build(site, tmp_path / "plain", drafts=False)
    assert [d for d in plain if d.path not in DRAFT_FILES] == [
        d for d in checked if d.path not in DRAFT_FILES]
