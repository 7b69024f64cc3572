"""`sitegen serve` over real HTTP on 127.0.0.1, and in Chromium for reloads."""

from __future__ import annotations

import http.client
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import pytest
from playwright.sync_api import Browser, expect

from sitegen.build import BuildOptions, build
from sitegen.serve.app import Preview, ServeOptions
from tests.conftest import MINI, REPO, output_tree, search_view

BUDGET = "content/claims/council-budget-vote.yaml"
BASE = "/mini/"  # the path of the fixture's base_url


def _edit(site: Path, path: str, old: str, new: str) -> None:
    file = site / path
    text = file.read_text(encoding="utf-8")
    assert old in text, old
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None
          ) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture()
def preview(tmp_path: Path) -> Iterator[Preview]:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    running = Preview(ServeOptions(src=site, port=0, quiet=0.2), log=lambda line: None)
    running.start()
    yield running
    running.stop()


def page_url(preview: Preview, path: str = "") -> str:
    return preview.url + path


def test_serves_under_the_base_path(preview: Preview) -> None:
    assert preview.url.endswith(BASE)
    status, headers, body = fetch(preview.url.replace(BASE, "/"))
    assert status == 200 and b"Port Ellery" in body  # "/" redirects to the base path
    status, headers, body = fetch(page_url(preview, "claims/"))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert b"__sitegen/events" in body
    status, headers, _ = fetch(page_url(preview, "claims"))
    assert status == 200  # /claims → /claims/ (relative links need the slash)
    status, headers, body = fetch(page_url(preview, "no/such/page/"))
    assert status == 404 and b"Page not found" in body


def test_assets_have_types_etags_and_head(preview: Preview) -> None:
    status, headers, body = fetch(page_url(preview, "static/style.css"))
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8"
    etag = headers["ETag"]
    status, _, body304 = fetch(page_url(preview, "static/style.css"),
                               headers={"If-None-Match": etag})
    assert status == 304 and body304 == b""
    status, headers, body_head = fetch(page_url(preview, "static/style.css"), method="HEAD")
    assert status == 200 and body_head == b"" and int(headers["Content-Length"]) == len(body)
    status, headers, _ = fetch(page_url(preview, "claims.json"))
    assert headers["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("path", [
    "../site.yaml", "..%2f..%2fsite.yaml", "%2e%2e/%2e%2e/etc/passwd",
    "%252e%252e/%252e%252e/site.yaml", "..\\..\\site.yaml", "%5c..%5csite.yaml",
    "static/../../site.yaml", "/etc/passwd", "//etc/passwd",
])
def test_path_traversal_is_refused(preview: Preview, path: str) -> None:
    host, port = preview.server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("GET", BASE + path)  # raw, not normalised by a client library
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 404
    assert b"title: Port Ellery" not in body and b"root:" not in body


def test_symlink_out_of_the_site_is_not_followed(preview: Preview, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    os.symlink(secret, preview.out / "leak.txt")
    status, _, body = fetch(page_url(preview, "leak.txt"))
    assert status == 404 and b"top secret" not in body


def test_edit_shows_up_and_errors_show_an_overlay(preview: Preview) -> None:
    site = preview.options.src
    url = page_url(preview, "claims/budget-fairest-in-a-generation/")
    _edit(site, BUDGET, '"Fairest" is a judgement', '"Fairest" is an opinion')
    wait_until(lambda: b"is an opinion" in fetch(url)[2])
    _edit(site, BUDGET, "rating: no-verdict", "rating: no-verdit")
    wait_until(lambda: b"sitegen-overlay" in fetch(url)[2])
    body = fetch(url)[2].decode()
    line = next(i for i, text in enumerate((site / BUDGET).read_text().splitlines(), 1)
                if "no-verdit" in text)
    assert f"{BUDGET}:{line}:" in body and "unknown rating" in body and "no-verdict" in body
    assert "is an opinion" in body  # the last good page is still served
    _edit(site, BUDGET, "rating: no-verdit", "rating: wrong")
    wait_until(lambda: b"sitegen-overlay" not in fetch(url)[2])
    assert b"rating-wrong" in fetch(url)[2]


def test_renamed_article_old_url_404s_or_redirects(preview: Preview) -> None:
    site = preview.options.src
    old_url = page_url(preview, "articles/council-budget-vote/")
    new_url = page_url(preview, "articles/budget-vote/")
    assert fetch(old_url)[0] == 200
    (site / "content/articles/council-budget-vote.md").rename(
        site / "content/articles/budget-vote.md")
    (site / BUDGET).rename(site / "content/claims/budget-vote.yaml")
    _edit(site, "content/claims/budget-vote.yaml", "article: council-budget-vote",
          "article: budget-vote")
    wait_until(lambda: fetch(new_url)[0] == 200)
    assert fetch(old_url)[0] == 404
    _edit(site, "content/articles/budget-vote.md", "authors: [Nell Ashby]",
          "authors: [Nell Ashby]\naliases: [council-budget-vote]")
    wait_until(lambda: fetch(old_url)[0] == 200)
    assert b'http-equiv="refresh" content="0; url=../../articles/budget-vote/"' in fetch(old_url)[2]


def test_a_burst_of_300_files_gives_few_rebuilds(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    lines: list[str] = []
    running = Preview(ServeOptions(src=site, port=0, quiet=0.5, search=False), log=lines.append)
    running.start()
    try:
        before = running.session.version
        entities = site / "content" / "entities"
        for n in range(300):
            (entities / f"burst-{n:03d}.yaml").write_text(
                f"name: Burst Entity {n:03d}\ntype: other\n", encoding="utf-8")
        wait_until(lambda: (running.out / "entities" / "burst-299" / "index.html").is_file(), 30)
        time.sleep(1.5)  # anything still pending
        rebuilds = running.session.version - before
        assert 1 <= rebuilds <= 10, lines
        clean = tmp_path / "clean"
        build(BuildOptions(src=site, out=clean, drafts=True, search=False))
        served = {k: v for k, v in output_tree(running.out).items() if not k.startswith("pagefind")}
        expected = {k: v for k, v in output_tree(clean).items()
                    if not k.startswith("pagefind") and k != ".sitegen-output"}
        assert served == expected
    finally:
        running.stop()


def test_30_event_streams_and_page_requests_are_all_served(preview: Preview) -> None:
    host, port = preview.server.server_address[:2]
    streams = []
    for _ in range(30):
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("GET", f"{BASE}__sitegen/events?v={preview.session.version}")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type").startswith("text/event-stream")
        assert response.fp.readline() == b"retry: 1000\n"
        streams.append((connection, response))
    results: list[int] = []

    def get() -> None:
        results.append(fetch(page_url(preview, "entities/"))[0])

    threads = [threading.Thread(target=get) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert results == [200] * 20
    # a change reaches every stream
    _edit(preview.options.src, BUDGET, "rating: no-verdict", "rating: wrong")
    for connection, response in streams:
        response.fp.readline()  # blank line after "retry"
        assert response.fp.readline() == b"event: reload\n"
        connection.close()
    # clients that went away do not block the next notification
    _edit(preview.options.src, BUDGET, "rating: wrong", "rating: correct")
    wait_until(lambda: b"rating-correct" in fetch(
        page_url(preview, "claims/budget-fairest-in-a-generation/"))[2])


def _serve_process(tmp_path: Path, **popen: Any
                   ) -> tuple[subprocess.Popen[str], Path, dict[str, str], str]:
    """`sitegen serve` of a copy of the mini site on a free port, in its own process:
    the process, the site, its environment and the line it printed when serving."""
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "-s", str(site),
                                "--port", "0", "--no-search"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env, **popen)
    assert process.stdout is not None
    line = process.stdout.readline()
    while line and not line.startswith("serving"):
        line = process.stdout.readline()
    return process, site, env, line


def _interrupt(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Ctrl-C, and what the process printed; killed if it does not stop in 30 s."""
    process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def test_ctrl_c_stops_the_preview_even_when_started_with_sigint_ignored(
        tmp_path: Path) -> None:
    """A background job of a script starts with SIGINT ignored; Ctrl-C (SIGINT)
    still stops the preview, cleanly."""
    process, _, _, line = _serve_process(
        tmp_path, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        assert line.startswith("serving"), line
    finally:
        out, err = _interrupt(process)
    assert process.returncode == 0
    assert out.strip().endswith("stopped") and "Traceback" not in err


def test_busy_port_and_port_zero(tmp_path: Path) -> None:
    process, site, env, line = _serve_process(tmp_path)
    try:
        url = re.search(r"http://127\.0\.0\.1:(\d+)/mini/", line)
        assert url, line
        port = url.group(1)
        assert fetch(url.group(0))[0] == 200
        busy = subprocess.run([sys.executable, "-m", "sitegen", "serve", "-s", str(site),
                               "--port", port], capture_output=True, text=True, env=env,
                              timeout=30)
        assert busy.returncode == 2
        assert f"port {port} on 127.0.0.1 is already in use" in busy.stderr
        assert "Traceback" not in busy.stderr
    finally:
        out, err = _interrupt(process)
    assert process.returncode == 0
    assert out.strip().endswith("stopped")
    assert "Traceback" not in err
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith("sitegen-serve-")]
    assert leftovers == []


def test_non_loopback_host_warns(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    from sitegen.serve import app

    class Refused(Exception):
        pass

    def no_preview(options: object) -> None:
        raise Refused  # stop right after the warning; nothing is served

    monkeypatch.setattr(app, "Preview", no_preview)
    for host, warned in (("0.0.0.0", True), ("192.168.1.5", True), ("127.0.0.1", False),
                         ("::1", False), ("localhost", False)):
        with pytest.raises(Refused):
            app.serve(ServeOptions(src=MINI, host=host, port=0))
        assert ("warning: serving on" in capsys.readouterr().err) is warned, host


# -- in the browser ----------------------------------------------------------------


def test_open_page_reloads_with_the_edit_and_the_overlay(browser: Browser,
                                                         preview: Preview) -> None:
    site = preview.options.src
    page = browser.new_page()
    try:
        page.goto(page_url(preview, "articles/council-budget-vote/"))
        page.wait_for_function("window.__sitegenLive !== undefined")
        _edit(site, BUDGET, '"Fairest" is a judgement', '"Fairest" is an opinion')
        expect(page.locator("#note-budget-fairest-in-a-generation")).to_contain_text(
            "is an opinion", timeout=15000)
        page.wait_for_function("window.__sitegenLive !== undefined")
        _edit(site, BUDGET, "rating: no-verdict", "rating: no-verdit")
        overlay = page.locator("#sitegen-overlay")
        expect(overlay).to_contain_text(f"{BUDGET}:", timeout=15000)
        expect(overlay).to_contain_text("unknown rating 'no-verdit'")
        page.wait_for_function("window.__sitegenLive !== undefined")
        _edit(site, BUDGET, "rating: no-verdit", "rating: wrong")
        expect(overlay).to_have_count(0, timeout=15000)
        expect(page.locator("#note-budget-fairest-in-a-generation .rating")).to_have_text("Wrong")
    finally:
        page.close()


def test_search_finds_edited_text_after_the_refresh(browser: Browser, preview: Preview) -> None:
    search = preview.session.search
    assert search is not None
    assert search.wait(1, timeout=30)  # the first index
    done = search.completed
    _edit(preview.options.src, BUDGET, '"Fairest" is a judgement', '"Fairest" is a zyzzyvaword')
    assert search.wait(done + 1, timeout=30)
    page = browser.new_page()
    try:
        page.goto(page_url(preview, "search/?q=zyzzyvaword"))
        expect(page.locator(".result-title a").first).to_have_text(
            "This is the fairest town budget in a generation", timeout=15000)
    finally:
        page.close()


def test_search_refresh_indexes_only_the_changed_pages(tmp_path: Path) -> None:
    from sitegen.serve.session import Session

    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    (site / "content/articles/hafen-abstimmung.md").write_text(
        "---\ntitle: Stadtrat stimmt über den Hafen ab\ndate: 2024-04-11\nlang: de\n---\n\n"
        "Der Stadtrat von Port Ellery hat über die Erweiterung des Hafens abgestimmt.\n",
        encoding="utf-8")
    out = tmp_path / "out"
    logged: list[str] = []
    session = Session(site, out, log=logged.append)
    search = session.search
    assert search is not None
    try:
        assert session.rebuild().ok
        assert search.wait(1, timeout=60)
        assert search.last == ["de", "en"]
        german = (out / "pagefind/de/pagefind-entry.json").stat().st_ino
        english = (out / "pagefind/en/pagefind-entry.json").read_bytes()
        _edit(site, BUDGET, '"Fairest" is a judgement', '"Fairest" is a zyzzyvaword')
        report = session.rebuild({BUDGET})
        assert report.ok and not report.whole
        assert search.wait(2, timeout=60)
        assert search.last == ["en-recent"]  # the changed English pages only
        assert (out / "pagefind/de/pagefind-entry.json").stat().st_ino == german
        assert (out / "pagefind/en/pagefind-entry.json").read_bytes() == english
        assert any("in 1 bundle(s) (en-recent)" in line for line in logged), logged
    finally:
        session.close()


def test_the_refreshed_index_finds_what_a_clean_builds_finds(tmp_path: Path) -> None:
    """serve's refreshes follow build's rule (site/searchplan.py): an edit goes into the
    recent bundle, a deleted page becomes a tombstone, and past the limit the main
    bundle is indexed again; after each, the index finds what a clean build's does."""
    from sitegen.serve.session import Session

    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "search:\n  recent_pages: 4\n",
                      encoding="utf-8")
    note = site / "content/articles/harbour-note.md"
    note.write_text("---\ntitle: The harbour master retires\ndate: 2023-06-01\n---\n\n"
                    "After thirty years the harbour master of Port Ellery retires.\n",
                    encoding="utf-8")
    out = tmp_path / "out"
    session = Session(site, out, log=lambda line: None)
    search = session.search
    assert search is not None
    clean = tmp_path / "clean"
    try:
        assert session.rebuild().ok and search.wait(1, timeout=60)
        steps = [
            (lambda: _edit(site, BUDGET, '"Fairest" is a judgement', '"Fairest" is a zyzzyva'),
             [BUDGET], ["en-recent"]),
            (note.unlink, ["content/articles/harbour-note.md"], ["en-recent"]),
            (lambda: _edit(site, BUDGET, "rating: no-verdict", "rating: wrong"), [BUDGET],
             ["en"]),  # five pages apart, past 4: merged
        ]
        for number, (change, changed, indexed) in enumerate(steps, start=2):
            change()
            assert session.rebuild(changed).ok
            assert search.wait(number, timeout=60)
            assert search.last == indexed
            shutil.rmtree(clean, ignore_errors=True)
            build(BuildOptions(src=site, out=clean, drafts=True, cache=False))
            assert search_view(out) == search_view(clean)
        assert not (out / "pagefind/en-recent").exists()
    finally:
        session.close()


def test_edits_faster_than_the_refreshes_end_in_a_clean_builds_index(tmp_path: Path) -> None:
    """Rebuilds that do not wait for the search refresh: requests made while one
    runs coalesce, and once all are done the index finds what a clean build's does."""
    from sitegen.serve.session import Session

    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    out = tmp_path / "out"
    session = Session(site, out, log=lambda line: None)
    search = session.search
    assert search is not None
    try:
        assert session.rebuild().ok and search.wait(1, timeout=60)
        words = ["judgement", "alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
        for old, new in itertools.pairwise(words):
            _edit(site, BUDGET, f'"Fairest" is a {old}', f'"Fairest" is a {new}')
            assert session.rebuild([BUDGET]).ok  # no wait for the refresh
        deadline = time.monotonic() + 60
        while not search.idle() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert search.idle()
        done = search.completed
        search.request()  # one more, after everything: it must find nothing to do
        assert search.wait(done + 1, timeout=60) and search.last == []
        clean = tmp_path / "clean"
        build(BuildOptions(src=site, out=clean, drafts=True, cache=False))
        assert search_view(out) == search_view(clean)
    finally:
        session.close()


def test_claims_json_after_in_place_edits_equals_a_clean_builds(tmp_path: Path) -> None:
    """An in-place edit splices the edited claims' lines into claims.json after the
    reload (site/publish.py); two edits in a row splice into the spliced file."""
    from sitegen.serve.session import Session

    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    out = tmp_path / "out"
    session = Session(site, out, search=False, log=lambda line: None)
    try:
        assert session.rebuild().ok
        for old, new in (('"Fairest" is a judgement', '"Fairest" is an opinion'),
                         ('"Fairest" is an opinion', '"Fairest" is a view')):
            _edit(site, BUDGET, old, new)
            report = session.rebuild({BUDGET})
            assert report.ok and not report.whole
            clean = tmp_path / "clean"
            shutil.rmtree(clean, ignore_errors=True)
            build(BuildOptions(src=site, out=clean, cache=False, search=False, drafts=True))
            assert (out / "claims.json").read_bytes() == (clean / "claims.json").read_bytes()
        assert b"is a view" in (out / "claims.json").read_bytes()
    finally:
        session.close()
