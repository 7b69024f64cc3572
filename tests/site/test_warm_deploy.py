"""A deploy in CI is a fresh checkout on a fresh machine with `.sitegen-cache/`
and the output folder restored from the CI cache. With SITEGEN_CACHE_KEY set
from a CI secret, the restored cache is trusted and only what changed is
rebuilt; without the secret it is never unpickled. Either way the output
equals a clean build's."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from sitegen.rebuild import changed_files, file_hashes
from tests.conftest import MINI
from tests.site.conftest import BUDGET, assert_equals_clean_build, edit

SECRET = "a-long-random-secret-from-the-ci-settings"


def _runner(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch,
            secret: str | None) -> Path:
    """A fresh machine: its own home (no key file yet), the secret or not."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / name / "home"))
    if secret is None:
        monkeypatch.delenv("SITEGEN_CACHE_KEY", raising=False)
    else:
        monkeypatch.setenv("SITEGEN_CACHE_KEY", secret)
    return tmp_path / name


def _fresh_checkout(folder: Path, restored_from: Path | None) -> Path:
    """A clone of the site at a new path, the CI cache restored into it, and
    every file with a new modification time (as a checkout gives)."""
    site = folder / "checkout" / "site"
    shutil.copytree(MINI, site)
    # a site with templates of its own: their new times are not edits either
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Gone</h1>{% endblock %}')
    if restored_from is not None:
        for name in (".sitegen-cache", "public"):
            shutil.copytree(restored_from / name, site / name)
    for path in site.rglob("*"):
        if path.is_file():
            os.utime(path)  # now
    return site


def page_count(result) -> int:
    return sum(result.pages.values())


def _first_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    first = _fresh_checkout(_runner(tmp_path, "run1", monkeypatch, SECRET), None)
    build(BuildOptions(src=first, out=first / "public"))
    return first


def test_a_fresh_runner_with_the_secret_rebuilds_only_what_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _first_run(tmp_path, monkeypatch)
    site = _fresh_checkout(_runner(tmp_path, "run2", monkeypatch, SECRET), first)
    assert not (tmp_path / "run2" / "home" / "sitegen" / "cache-key").exists()
    # nothing changed: content hashes decide, not the new times
    unchanged = build(BuildOptions(src=site, out=site / "public"))
    assert unchanged.quick and unchanged.rendered == 0 and unchanged.stats.written == 0
    # an edit to a template of the site's own is one, though
    (site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Not here</h1>{% endblock %}')
    assert "Not here" in (build(BuildOptions(src=site, out=site / "public"))
                          and (site / "public" / "404.html").read_text())
    assert_equals_clean_build(site, site / "public", tmp_path)
    edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    result = build(BuildOptions(src=site, out=site / "public"))
    assert not (tmp_path / "run2" / "home" / "sitegen" / "cache-key").exists()  # never stored
    assert_equals_clean_build(site, site / "public", tmp_path)
    # exactly the pages the same edit renders on the machine that made the cache
    _runner(tmp_path, "run1", monkeypatch, SECRET)
    edit(first, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    local = build(BuildOptions(src=first, out=first / "public"))
    assert local.quick and result.quick
    assert 0 < result.rendered == local.rendered < page_count(result)


def test_the_documented_command_run_in_the_checkout_rebuilds_only_what_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """docs/examples/github-pages.yml runs `sitegen build -o public` in the
    checkout: the site folder is ".", which once cost every deploy a full build."""
    from sitegen.cli import main

    first = _first_run(tmp_path, monkeypatch)
    site = _fresh_checkout(_runner(tmp_path, "run2", monkeypatch, SECRET), first)
    edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    monkeypatch.chdir(site)
    capsys.readouterr()
    assert main(["build", "-o", "public"]) == 0
    said = capsys.readouterr()
    assert "(quick rebuild)" in said.out + said.err
    assert_equals_clean_build(site, site / "public", tmp_path)


@pytest.mark.parametrize("secret", [None, "another-secret-of-some-length", "short"])
def test_without_the_secret_the_restored_cache_is_not_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        secret: str | None) -> None:
    from sitegen.cli import main

    first = _first_run(tmp_path, monkeypatch)
    site = _fresh_checkout(_runner(tmp_path, "run2", monkeypatch, secret), first)
    edit(site, BUDGET, "the rest of the town [2].", "the rest of Port Ellery [2].")
    assert main(["build", "-s", str(site)]) == 0
    err = capsys.readouterr().err
    assert "quick rebuild" not in err
    if secret == "short":
        assert "SITEGEN_CACHE_KEY is shorter than 16 characters" in err
    else:
        assert "ignored" in err  # the state signed with another key
    assert_equals_clean_build(site, site / "public", tmp_path)


def test_a_checkout_of_many_files_finds_exactly_the_files_edited(tmp_path: Path) -> None:
    """Every file has a new time after a checkout; past a few hundred of them the
    hashes are taken by threads (rebuild.file_hashes), and must still tell the
    one file edited, the one removed and the one added from the others."""
    site = tmp_path / "site"
    (site / "content" / "articles").mkdir(parents=True)
    names = [f"content/articles/a{n}.md" for n in range(700)]

    def write(rel: str, text: str) -> None:
        (site / rel).write_text(text, encoding="utf-8")

    def stats() -> dict[str, tuple[int, int]]:
        return {rel: (info.st_size, info.st_mtime_ns) for rel in names
                if (site / rel).exists() and (info := (site / rel).stat())}

    for number, rel in enumerate(names):
        write(rel, f"---\ntitle: Article {number}\n---\n" + "Text. " * number)
    before = stats()
    recorded = {rel: hashlib.sha256((site / rel).read_bytes()).hexdigest() for rel in names}
    for rel in names:  # the checkout: the same bytes, new times
        os.utime(site / rel, ns=(before[rel][1] + 10**9, before[rel][1] + 10**9))
    write(names[517], "---\ntitle: Article 517, edited\n---\nText.")
    (site / names[3]).unlink()
    names.append("content/articles/new.md")
    write(names[-1], "---\ntitle: New\n---\nText.")
    now = stats()
    assert all(now[rel] != before[rel] for rel in before if rel in now)

    def hashes_of(paths: list[str]) -> dict[str, str]:
        return {rel: recorded[rel] for rel in paths if rel in recorded}

    assert changed_files(lambda rel: site / rel, now, before, hashes_of) == {
        names[517], names[3], names[-1]}
    paths = [site / rel for rel in names]
    assert file_hashes(paths) == [
        hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
        for path in paths]
