"""Fixtures of the incremental-build tests: a writable copy of the mini site."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from tests.conftest import MINI, output_tree, search_view, site_files

BUDGET = "content/claims/council-budget-vote.yaml"  # a claims file of the mini site

# a claim on the title of the mini site's harbour article (appended to its claims file)
TITLE_CLAIM = """  - id: harbour-doubles-cargo-headline
    quote: "Harbour expansion will double cargo"
    claim: "The harbour expansion will double Port Ellery's cargo"
    claimant: ellery-port-authority
    about: [north-quay-plan]
    rating: pending
    reviewed: 2024-03-12
    review: The headline repeats the Authority's forecast [1].
    sources:
      - url: "https://port-authority.example.org/north-quay/timetable"
"""


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    dest = tmp_path / "site"
    shutil.copytree(MINI, dest)
    return dest


def edit(site: Path, path: str, old: str, new: str) -> None:
    """Replace the first `old` in a file of the site (which must hold it)."""
    file = site / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_equals_clean_build(site: Path, out: Path, tmp_path: Path, search: bool = True) -> None:
    """`out` holds byte for byte what a clean build of `site` gives, and its search
    index finds the same pages, indexed the same (site/searchplan.py: recent
    bundles and tombstones make its files differ until they are merged)."""
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    build(BuildOptions(src=site, out=clean, cache=False, search=search))
    assert site_files(out) == site_files(clean)
    if search:
        assert search_view(out) == search_view(clean)
        recent = json.loads((out / "pagefind" / "recent.json").read_text(encoding="utf-8"))
        if not recent["recent"] and not any(recent["stale"].values()):
            # nothing apart from the main bundles: they are a clean build's, byte for byte
            assert output_tree(out / "pagefind") == output_tree(clean / "pagefind")
