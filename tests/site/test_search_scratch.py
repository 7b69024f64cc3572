"""Where Pagefind reads the pages of each bundle: a private tree of symbolic
links on the memory file system (/dev/shm), or of hard links beside the site
where there is none; the index is the same either way, and nothing is left."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from sitegen.site import search
from sitegen.workers import process_alive
from tests.conftest import search_view, site_files

pytestmark = pytest.mark.skipif(not search.MEMORY_FS.is_dir(), reason="no /dev/shm here")


def scratch_folders() -> set[str]:
    return {p.name for p in search.MEMORY_FS.glob("sitegen-search-*")}


def dead_pid() -> int:
    pid = 4_000_000  # above the usual pid_max (4,194,304 at most): free unless reused
    while process_alive(pid):
        pid += 1
    return pid


def test_the_index_from_the_memory_scratch_equals_the_one_from_hard_links(
        site_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = scratch_folders()
    seen: list[Path] = []
    made = search._memory_scratch

    def watched() -> Path | None:
        folder = made()
        seen.append(folder) if folder is not None else None
        return folder

    monkeypatch.setattr(search, "_memory_scratch", watched)
    fast = build(BuildOptions(src=site_copy, out=tmp_path / "a", cache=False))
    assert seen and seen[0].parent == search.MEMORY_FS, "the memory file system was not used"
    assert not seen[0].exists() and scratch_folders() == before
    monkeypatch.setattr(search, "MEMORY_FS", tmp_path / "no-shm")  # a machine without one
    slow = build(BuildOptions(src=site_copy, out=tmp_path / "b", cache=False))
    assert fast.search is not None and slow.search is not None
    assert fast.search.pages == slow.search.pages and sum(fast.search.pages.values()) > 20
    # the same pages, texts, filters and meta (Pagefind's chunks follow the order in
    # which it walks the files, which differs between file systems)
    assert search_view(tmp_path / "a") == search_view(tmp_path / "b")
    assert site_files(tmp_path / "a") == site_files(tmp_path / "b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "site"]  # no scratch left


def test_a_killed_builds_scratch_is_removed_by_the_next_one(
        site_copy: Path, tmp_path: Path) -> None:
    """A folder of a process that no longer exists, a day old, goes; one of a live
    process, or a recent one, stays (a build in another PID namespace may share
    the folder)."""
    old = time.time() - 2 * 86_400
    dead = search.MEMORY_FS / f"sitegen-search-{dead_pid()}-left"
    recent = search.MEMORY_FS / f"sitegen-search-{dead_pid() + 1}-recent"
    live = search.MEMORY_FS / f"sitegen-search-{os.getppid()}-live"
    try:
        for folder in (dead, recent, live):
            (folder / "en" / "articles" / "x").mkdir(parents=True)
            os.symlink("../../../r0/articles/x/index.html",
                       folder / "en" / "articles" / "x" / "index.html")
        for folder in (dead, live):
            os.utime(folder, (old, old))
        build(BuildOptions(src=site_copy, out=tmp_path / "out", cache=False))
        assert not dead.exists()
        assert recent.exists() and live.exists()
    finally:
        for folder in (dead, recent, live):
            search.shutil.rmtree(folder, ignore_errors=True)


def test_each_bundles_links_exist_only_around_its_pagefind_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bundle's tree is made while the run before its own goes on (so that its
    run starts as soon as that one ends) and removed when its run ended: with
    one run at a time, the memory file system holds the links of two bundles at
    most (the one starting, and the one that just ended), never the whole
    site's; each bundle is indexed from its own tree."""
    names = [f"b{number}" for number in range(5)]
    for number, name in enumerate(names):
        page = tmp_path / "site" / name / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(f"<html lang='en'><body><main>{'word ' * (number + 1)}</main></body>"
                        "</html>", encoding="utf-8")
    present: list[tuple[str, set[str]]] = []
    popen = search.subprocess.Popen

    def watched(command: list[str], **kwargs: object) -> object:
        tree = Path(command[command.index("--site") + 1])
        present.append((tree.name, {p.name for p in tree.parent.iterdir()
                                    if not p.is_symlink()}))
        assert (tree / tree.name / "index.html").read_text(encoding="utf-8")
        return popen(command, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(search.subprocess, "Popen", watched)
    monkeypatch.setattr(search, "usable_cpus", lambda: 1)
    layout = {name: [f"{name}/index.html"] for name in names}
    stats = search.index_site(tmp_path / "site", layout, tmp_path / "out")
    assert sorted(stats.pages) == names
    order = [name for name, _ in present]
    assert sorted(order) == names
    for number, (name, trees) in enumerate(present):
        assert trees <= {name, *order[number - 1 : number]}, present
