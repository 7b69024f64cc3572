"""The render workers' tasks (site/files.py): every page is rendered once, an
article's page and its claims' pages in the same task, and a build rendered
by two workers writes the bytes and the build state that rendering in one
process does (the workers also compute each page's fingerprint and the input
values they read on the way)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, load_checked
from sitegen.site.files import render_tasks
from sitegen.site.pages import plan_site
from sitegen.state.record import state_path
from tests.conftest import REPO, site_files


@pytest.mark.parametrize("count", [2, 3])
def test_the_tasks_cover_every_page_once_and_keep_an_article_with_its_claims(
        count: int) -> None:
    archive, _ = load_checked(BuildOptions(src=REPO, cache=False, workers=1))
    plans = plan_site(archive)
    tasks = render_tasks(plans, count)
    assert len(tasks) > count  # the first, large tasks, then small ones
    paths = [plan.path for task in tasks for plan in task]
    assert sorted(paths) == sorted(plan.path for plan in plans)
    where = {plan.path: index for index, task in enumerate(tasks) for plan in task}
    claim_pages = [plan for plan in plans if plan.kind == "claim"]
    assert claim_pages
    for plan in claim_pages:
        article_page = next(p for p in plans if p.kind == "article"
                            and p.context["article"].slug == plan.context["article"].slug)
        assert where[plan.path] == where[article_page.path]


def _state_tables(src: Path, out: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(state_path(src, out))
    try:
        return {
            "rows": db.execute("SELECT name, key, n, value FROM rows ORDER BY 1, 2").fetchall(),
            "pages": db.execute("SELECT path, kind, key, fingerprint, bundle, reads "
                                "FROM pages ORDER BY 1").fetchall(),
            "users": db.execute("SELECT * FROM users ORDER BY 1").fetchall(),
        }
    finally:
        db.close()


def test_two_render_workers_write_what_one_process_does(site_copy: Path,
                                                        tmp_path: Path) -> None:
    # forking is only safe from a process without threads (as `sitegen build` is);
    # this test process may have Playwright's, so the builds run in a fresh interpreter
    one, two = tmp_path / "one", tmp_path / "two"
    script = ("from pathlib import Path; from sitegen.build import BuildOptions, build; "
              "from sitegen.workers import can_fork; assert can_fork(); "
              f"build(BuildOptions(src=Path({str(site_copy)!r}), out=Path({str(one)!r}), "
              "search=False, workers=1)); "
              f"build(BuildOptions(src=Path({str(site_copy)!r}), out=Path({str(two)!r}), "
              "search=False, workers=2))")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert site_files(one) == site_files(two)
    in_process, forked = _state_tables(site_copy, one), _state_tables(site_copy, two)
    assert any("#" in key for _, key, _, _ in in_process["rows"])  # entity fields read
    assert in_process == forked
