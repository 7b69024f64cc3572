"""`sitegen build` as an editor and a CI job use it: exit codes, messages,
what ends up in OUT and what never does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sitegen.build import BuildOptions, build
from sitegen.cli import main
from sitegen.site import render
from sitegen.state.record import BuildState
from tests.conftest import REPO, output_tree, site_files, soup

SLUG = "ki-ceo-behauptet-das-chinesische-deepseek-labor-verfuege-ueber-50-000-nvidia"


def _files(out: Path) -> dict[str, bytes]:
    return output_tree(out)


def test_same_inputs_give_byte_identical_output(site_copy: Path, tmp_path: Path) -> None:
    assert main(["build", "-s", str(site_copy), "-o", str(tmp_path / "a")]) == 0
    assert main(["build", "-s", str(site_copy), "-o", str(tmp_path / "b")]) == 0
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    # the index is compared too: its words, pages, filters and metadata
    for part in ("fragment/", "index/", "filter/", "pagefind-entry.json"):
        assert any(k.startswith(f"pagefind/de/{part}") for k in a), part
    assert any(k.startswith("pagefind/de/pagefind.") and k.endswith(".pf_meta") for k in a)


def test_summary_line(site_copy: Path, tmp_path: Path, capsys) -> None:
    assert main(["build", "-s", str(site_copy), "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("built ")
    claims = sum(len(yaml.safe_load(path.read_text(encoding="utf-8"))["claims"])
                 for path in (site_copy / "content" / "claims").glob("*.yaml"))
    assert f"1 article, {claims} claim," in out and f"; {claims} claims," in out
    assert " s → " in out


def test_output_holds_exactly_the_current_pages(site_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["build", "-s", str(site_copy), "-o", str(out)]) == 0
    (out / "stale.html").write_text("old")
    page = site_copy / "content" / "pages" / "about.md"
    page.rename(site_copy / "content" / "pages" / "about-us.md")
    before = (out / "index.html").stat()
    assert main(["build", "-s", str(site_copy), "-o", str(out)]) == 0
    assert not (out / "stale.html").exists()
    assert not (out / "about").exists()
    assert (out / "about-us" / "index.html").is_file()
    assert before.st_mtime_ns <= (out / "index.html").stat().st_mtime_ns


def test_unchanged_files_keep_their_inode_and_mtime(site_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["build", "-s", str(site_copy), "-o", str(out)]) == 0
    css = (out / "static" / "style.css").stat()
    assert main(["build", "-s", str(site_copy), "-o", str(out)]) == 0
    again = (out / "static" / "style.css").stat()
    assert (again.st_ino, again.st_mtime_ns) == (css.st_ino, css.st_mtime_ns)


def test_the_streamed_exports_are_kept_when_equal_and_rewritten_when_not(
        site_copy: Path, tmp_path: Path) -> None:
    """claims.json and claims.csv are written piece by piece: a full build that
    makes the same bytes keeps the files, one that does not writes them anew,
    equal to a clean build's."""
    out, clean = tmp_path / "out", tmp_path / "clean"
    build(BuildOptions(src=site_copy, out=out, search=False))
    before = {name: (out / name).stat() for name in ("claims.json", "claims.csv")}
    build(BuildOptions(src=site_copy, out=out, search=False, cache=False))
    for name, stat in before.items():
        again = (out / name).stat()
        assert (again.st_ino, again.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    claims = next((site_copy / "content" / "claims").glob("*.yaml"))
    text = claims.read_text(encoding="utf-8")
    claim = text.split("claim: ", 1)[1].split("\n", 1)[0]
    claims.write_text(text.replace(f"claim: {claim}", "claim: A sentence never said", 1),
                      encoding="utf-8")
    build(BuildOptions(src=site_copy, out=out, search=False, cache=False))
    build(BuildOptions(src=site_copy, out=clean, search=False, cache=False))
    for name in before:
        assert (out / name).stat().st_ino != before[name].st_ino
        assert (out / name).read_bytes() == (clean / name).read_bytes()
        assert b"A sentence never said" in (out / name).read_bytes()


def test_content_error_is_located_and_leaves_output_untouched(
    site_copy: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    assert main(["build", "-s", str(site_copy), "-o", str(out)]) == 0
    before = _files(out)
    claims = site_copy / "content" / "claims" / f"{SLUG}.yaml"
    text = claims.read_text(encoding="utf-8")
    text = text.replace("rating: disputed", "rating: disputd", 1)
    text = text.replace("claimant: alexandr-wang", "claimant: alexander-wang", 1)
    claims.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["build", "-s", str(site_copy), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = text.splitlines()
    rating_line = next(i for i, line in enumerate(lines, 1) if "rating: disputd" in line)
    col = lines[rating_line - 1].index("disputd") + 1
    rel = f"content/claims/{SLUG}.yaml"
    assert f"{rel}:{rating_line}:{col}: error: unknown rating 'disputd'" in err
    assert "did you mean 'disputed'?" in err
    assert "unknown entity 'alexander-wang'" in err
    assert "did you mean 'alexandr-wang'?" in err
    assert "\n2 error(s), 0 warning(s)\n" in err
    assert err.strip().endswith("the previous output is unchanged")
    assert _files(out) == before


def test_quote_that_no_longer_matches(site_copy: Path, tmp_path: Path, capsys) -> None:
    claims = site_copy / "content" / "claims" / f"{SLUG}.yaml"
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace("über etwa 50.000 H100", "über rund 50.000 H100"),
                      encoding="utf-8")
    assert main(["build", "-s", str(site_copy), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "the quote matches nowhere in the article; closest passage" in err
    assert 'the quote has "rund" where the text has "etwa"' in err


def test_unsafe_source_url_is_an_error(site_copy: Path, tmp_path: Path, capsys) -> None:
    claims = site_copy / "content" / "claims" / f"{SLUG}.yaml"
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace('url: "https://arxiv.org/abs/2408.14158"',
                                   'url: "javascript:alert(1)"'), encoding="utf-8")
    assert main(["build", "-s", str(site_copy), "-o", str(tmp_path / "out")]) == 1
    assert "uses the 'javascript:' scheme" in capsys.readouterr().err


def test_content_is_escaped(site_copy: Path, tmp_path: Path) -> None:
    entity = site_copy / "content" / "entities" / "cnbc.yaml"
    entity.write_text(entity.read_text(encoding="utf-8").replace(
        "description:", 'description: "<script>alert(1)</script>"\nextra:\n  old_description:'),
        encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", "-s", str(site_copy), "-o", str(out)]) == 0
    html = (out / "entities" / "cnbc" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_refuses_a_foreign_output_folder(site_copy: Path, tmp_path: Path, capsys) -> None:
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("precious")
    assert main(["build", "-s", str(site_copy), "-o", str(foreign)]) == 2
    assert "not empty and was not made by sitegen" in capsys.readouterr().err
    assert (foreign / "thesis.txt").read_text() == "precious"
    assert main(["build", "-s", str(site_copy), "-o", str(site_copy)]) == 2
    assert main(["build", "-s", str(site_copy), "-o", str(site_copy / "content")]) == 2
    assert main(["build", "-s", str(site_copy), "-o", str(site_copy.parent)]) == 2


def test_base_url_override_changes_only_absolute_urls(site_copy: Path, tmp_path: Path) -> None:
    config = site_copy / "site.yaml"
    config.write_text(config.read_text().replace(
        "url: https://example.org/sitegen-demo/about/", "url: https://desk.example.com/"))
    assert main(["build", "-s", str(site_copy), "-o", str(tmp_path / "a")]) == 0
    assert main(["build", "-s", str(site_copy), "-o", str(tmp_path / "b"),
                 "--base-url", "https://news.example.net/archive"]) == 0
    page = soup(tmp_path / "b" / "articles" / SLUG / "index.html")
    assert page.find("link", rel="canonical")["href"] == (
        f"https://news.example.net/archive/articles/{SLUG}/")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    old, new = b"https://example.org/sitegen-demo/", b"https://news.example.net/archive/"
    for name in a:
        if name == "404.html" or name.startswith("pagefind/"):
            continue
        assert a[name].replace(old, new) == b[name], name


def test_drafts_only_with_flag(site_copy: Path, tmp_path: Path) -> None:
    article = site_copy / "content" / "articles" / f"{SLUG}.md"
    article.write_text(article.read_text(encoding="utf-8").replace(
        "lang: de\n", "lang: de\ndraft: true\n", 1), encoding="utf-8")
    assert main(["build", "-s", str(site_copy), "-o", str(tmp_path / "a")]) == 0
    assert not (tmp_path / "a" / "articles" / SLUG).exists()
    assert not (tmp_path / "a" / "claims" / "deepseek-50000-h100").exists()
    assert main(["build", "-s", str(site_copy), "-o", str(tmp_path / "b"), "--drafts"]) == 0
    page = soup(tmp_path / "b" / "articles" / SLUG / "index.html")
    assert page.find(class_="draft") is not None


def test_site_templates_override_the_theme_file_by_file(site_copy: Path, tmp_path: Path) -> None:
    import shutil

    shutil.rmtree(site_copy / "templates")
    (site_copy / "templates").mkdir()
    (site_copy / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Verloren</h1>{% endblock %}')
    out = tmp_path / "out"
    assert main(["build", "-s", str(site_copy), "-o", str(out)]) == 0
    assert soup(out / "404.html").h1.get_text() == "Verloren"
    assert soup(out / "index.html").find("main") is not None  # theme's home.html
    assert (out / "static" / "style.css").is_file()


def test_template_error_names_template_and_line(site_copy: Path, tmp_path: Path, capsys) -> None:
    (site_copy / "templates" / "404.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n{{ page.title | nosuchfilter }}\n'
        '{% endblock %}\n')
    assert main(["build", "-s", str(site_copy), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "templates/404.html:3:" in err and "nosuchfilter" in err
    assert "Traceback" not in err


def test_python_dash_m_and_usage_errors(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "sitegen", "build", "--no-such-flag"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 2
    missing = subprocess.run([sys.executable, "-m", "sitegen", "build"],
                             capture_output=True, text=True, env=env, cwd=tmp_path)
    assert missing.returncode == 1
    assert "site.yaml" in missing.stderr and "Traceback" not in missing.stderr


def test_the_command_exits_at_once_with_its_output_complete(
        site_copy: Path, tmp_path: Path) -> None:
    """`sitegen` ends with os._exit after the work (cli.run): what it printed into a
    pipe and what it wrote are complete, and the exit code is main()'s."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "sitegen", "build", "-s", str(site_copy), "-o"]
    done = subprocess.run([*command, str(tmp_path / "piped")], capture_output=True,
                          text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("built ") and done.stdout.endswith(" → " + str(
        tmp_path / "piped") + "\n")
    assert main(["build", "-s", str(site_copy), "-o", str(tmp_path / "direct")]) == 0
    assert _files(tmp_path / "piped") == _files(tmp_path / "direct")
    claims = site_copy / "content" / "claims" / f"{SLUG}.yaml"
    claims.write_text(claims.read_text().replace("rating:", "ratin:", 1))
    failed = subprocess.run([*command, str(tmp_path / "piped")], capture_output=True,
                            text=True, env=env)
    assert failed.returncode == 1
    assert f"content/claims/{SLUG}.yaml:" in failed.stderr
    assert failed.stderr.rstrip().endswith("the previous output is unchanged")


def test_sitemap_index_past_the_limit(tmp_path: Path, monkeypatch) -> None:
    import xml.etree.ElementTree as ET

    import sitegen.site.files
    from sitegen.build import BuildOptions, build
    from tests.conftest import MINI

    monkeypatch.setattr(sitegen.site.files, "SITEMAP_LIMIT", 10)
    out = tmp_path / "out"
    build(BuildOptions(src=MINI, out=out, search=False, cache=False))
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    index = ET.parse(out / "sitemap.xml").getroot()
    assert index.tag == f"{ns}sitemapindex"
    parts = [e.find(f"{ns}loc").text for e in index]
    assert len(parts) >= 2
    locs = []
    for url in parts:
        name = url.rsplit("/", 1)[1]
        urlset = ET.parse(out / name).getroot()
        assert urlset.tag == f"{ns}urlset" and len(urlset) <= 10
        locs += [u.find(f"{ns}loc").text for u in urlset]
    assert len(locs) == len(set(locs)) > 20


def test_a_memo_that_forgets_gives_the_same_site(
        site_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks rendered once and reused (claim list items, header, footer) are kept
    up to a bound, oldest forgotten first: a forgotten block is rendered again,
    to the same bytes, and its page records the same reads (fingerprints)."""
    whole, forgetful = tmp_path / "whole", tmp_path / "forgetful"
    build(BuildOptions(src=site_copy, out=whole, search=False, workers=1))
    monkeypatch.setattr(render, "MEMO_ENTRIES", 1)
    build(BuildOptions(src=site_copy, out=forgetful, search=False, workers=1))
    assert site_files(forgetful) == site_files(whole)
    whole_state = BuildState.open(site_copy, whole)
    forgetful_state = BuildState.open(site_copy, forgetful)
    assert whole_state is not None and forgetful_state is not None
    try:
        assert {path: (entry.fingerprint, sorted(entry.reads)) for path, entry in
                forgetful_state.page_entries().items()} == {
            path: (entry.fingerprint, sorted(entry.reads))
            for path, entry in whole_state.page_entries().items()}
    finally:
        whole_state.close()
        forgetful_state.close()
