"""`sitegen serve --annotate` over real HTTP: claims and entities written into
the site's YAML as text, validated first, and every request that is not the
preview's own page refused with nothing written."""

from __future__ import annotations

import http.client
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from sitegen.check import check_site
from sitegen.content.load import load_archive
from sitegen.serve.app import Preview, ServeError, ServeOptions
from tests.conftest import MINI
from tests.serve.test_serve import wait_until

HARBOUR = "harbour-expansion-will-double-cargo"
BUDGET = "council-budget-vote"
PAYLOAD = re.compile(rb'<script type="application/json" id="sitegen-annotate">(.*?)</script>')


@pytest.fixture()
def annotating(tmp_path: Path) -> Iterator[Preview]:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    running = Preview(ServeOptions(src=site, port=0, quiet=0.1, search=False, annotate=True),
                      log=lambda line: None)
    running.start()
    yield running
    running.stop()


def _request(preview: Preview, method: str, path: str, body: bytes = b"",
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    url = urlsplit(preview.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
    try:
        conn.putrequest(method, url.path + path, skip_host=True, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if "Content-Length" not in (headers or {}):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def page_data(preview: Preview, slug: str) -> dict[str, Any]:
    status, body = _request(preview, "GET", f"articles/{slug}/",
                            headers={"Host": urlsplit(preview.url).netloc})
    assert status == 200
    found = PAYLOAD.search(body)
    assert found, "no annotate payload in the page"
    return json.loads(found.group(1))


def own_headers(preview: Preview, data: dict[str, Any]) -> dict[str, str]:
    origin = f"http://{urlsplit(preview.url).netloc}"
    return {"Host": urlsplit(preview.url).netloc, "Origin": origin,
            "Content-Type": "application/json", "X-Sitegen-Token": data["token"]}


def post(preview: Preview, action: str, payload: Any, headers: dict[str, str]
         ) -> tuple[int, dict[str, Any]]:
    body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    status, answer = _request(preview, "POST", f"__sitegen/annotate/{action}", body, headers)
    return status, json.loads(answer) if answer.startswith(b"{") else {"raw": answer}


def claim_request(data: dict[str, Any], passage: str, occurrence: int = 0,
                  **fields: Any) -> dict[str, Any]:
    """A claim on the `occurrence`-th paragraph holding `passage`, as the page sends it."""
    holding = [i for i, text in enumerate(data["blocks"]) if passage in text]
    block = holding[occurrence]
    start = data["blocks"][block].index(passage)
    request = {
        "article": data["article"], "base": data["base"], "part": "body", "block": block,
        "start": start, "end": start + len(passage), "id": "", "claim": "A claim",
        "claimant": "tobias-wren", "new_claimant": None, "attribution": "confirmed",
        "actual_claimant": "", "appearance": None, "about": ["port-ellery"],
        "rating": "pending", "reviewed": "2024-05-01", "review": "Checked [1].",
        "sources": [{"url": "https://example.org/a", "title": "A", "publisher": "P",
                     "date": "2024-04-30"}],
    }
    request.update(fields)
    return request


def content_tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted((site / "content").rglob("*")) if p.is_file()}


def test_a_claim_is_appended_to_its_file_and_the_page_shows_it(annotating: Preview) -> None:
    site = annotating.options.src
    claims = site / f"content/claims/{BUDGET}.yaml"
    before = claims.read_text(encoding="utf-8")
    data = page_data(annotating, BUDGET)
    assert data["base"] and len(data["blocks"]) == 3
    # added as the page is served: the built file stays a clean build's
    on_disk = (annotating.out / f"articles/{BUDGET}/index.html").read_bytes()
    assert b"sitegen-annotate" not in on_disk and data["token"].encode() not in on_disk
    passage = "The four councillors who voted against it said the harbour had been favoured"
    status, answer = post(annotating, "claim", claim_request(
        data, passage, claim="The harbour was favoured over the rest of the town"),
        own_headers(annotating, data))
    assert status == 200, answer
    assert answer["id"] == "the-harbour-was-favoured-over-the-rest-of-the-town"
    after = claims.read_text(encoding="utf-8")
    assert after.startswith(before)  # the editor's text untouched, the claim after it
    written = yaml.safe_load(after)["claims"][-1]
    assert written["quote"] == passage and "prefix" not in written and "suffix" not in written
    assert after.splitlines()[answer["line"] - 1] == f"  - id: {answer['id']}"
    assert written["sources"] == [{"url": "https://example.org/a", "title": "A",
                                   "publisher": "P", "date": __import__("datetime").date(
                                       2024, 4, 30)}]
    assert [d for d in check_site(site).sorted() if d.severity == "error"] == []
    # the watcher rebuilds; the page then highlights the new claim
    wait_until(lambda: f'data-claims="{answer["id"]}"'.encode() in _request(
        annotating, "GET", f"articles/{BUDGET}/",
        headers={"Host": urlsplit(annotating.url).netloc})[1])


def test_a_passage_that_occurs_twice_gets_the_words_that_tell_it_apart(
        annotating: Preview) -> None:
    data = page_data(annotating, HARBOUR)
    passage = "the new berths will open by 2026"
    status, answer = post(annotating, "claim", claim_request(
        data, passage, occurrence=1, id="berths-2026-engineer"), own_headers(annotating, data))
    assert status == 200, answer
    site = annotating.options.src
    written = yaml.safe_load((site / f"content/claims/{HARBOUR}.yaml").read_text())["claims"][-1]
    assert written["quote"] == passage
    assert written.get("prefix") == "that"  # the fewest words that tell it apart
    archive = load_archive(site).archive
    anchor = archive.claims["berths-2026-engineer"].anchor
    block = [i for i, b in enumerate(data["blocks"]) if passage in b][1]
    assert anchor is not None and anchor.block == block


def test_a_claim_on_the_title(annotating: Preview) -> None:
    data = page_data(annotating, HARBOUR)
    passage = "Harbour expansion will double cargo"
    start = data["title"].index(passage)
    request = claim_request(data, "The Ellery Port Authority", id="headline-doubles-cargo")
    request.update(part="title", block=None, start=start, end=start + len(passage))
    status, answer = post(annotating, "claim", request, own_headers(annotating, data))
    assert status == 200, answer
    anchor = load_archive(annotating.options.src).archive.claims["headline-doubles-cargo"].anchor
    assert anchor is not None and (anchor.part, anchor.exact) == ("title", passage)


def test_a_claim_that_fails_the_checks_is_not_written(annotating: Preview) -> None:
    site = annotating.options.src
    before = content_tree(site)
    data = page_data(annotating, BUDGET)
    passage = "The four councillors who voted against it"
    status, answer = post(annotating, "claim", claim_request(
        data, passage, rating="no-verdit", about=["port-elery"],
        sources=[{"url": "javascript:alert(1)", "title": "x", "publisher": "", "date": ""}]),
        own_headers(annotating, data))
    assert status == 422
    messages = " | ".join(d["message"] for d in answer["diagnostics"])
    assert "unknown rating 'no-verdit'" in messages
    assert "port-elery" in messages and "javascript" in messages
    assert {d["path"] for d in answer["diagnostics"]} == {f"content/claims/{BUDGET}.yaml"}
    assert content_tree(site) == before


def test_concurrent_saves_from_one_page_state_write_exactly_one(annotating: Preview) -> None:
    # a stress loop: each round, four saves made from the same state of the file
    # race; one is written, the others are refused as conflicts; nothing is lost
    import concurrent.futures
    import hashlib

    site = annotating.options.src
    claims = site / f"content/claims/{BUDGET}.yaml"
    data = page_data(annotating, BUDGET)
    headers = own_headers(annotating, data)
    passages = ["The four councillors", "voted against it", "the harbour had been favoured",
                "the rest of the town"]
    written = []
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for round_number in range(12):
            base = hashlib.sha256(claims.read_bytes()).hexdigest()
            requests = [claim_request(data, passage, base=base,
                                      id=f"race-{round_number}-{i}")
                        for i, passage in enumerate(passages)]
            results = list(pool.map(lambda r: post(annotating, "claim", r, headers), requests))
            statuses = sorted(status for status, _ in results)
            assert statuses == [200, 409, 409, 409], results
            written += [answer["id"] for status, answer in results if status == 200]
    ids = [c["id"] for c in yaml.safe_load(claims.read_text(encoding="utf-8"))["claims"]]
    assert ids[-12:] == written and len(set(ids)) == len(ids)
    assert [d for d in check_site(site).sorted() if d.severity == "error"] == []


def test_an_editor_save_since_the_page_was_rendered_refuses_the_write(
        annotating: Preview) -> None:
    site = annotating.options.src
    data = page_data(annotating, BUDGET)
    claims = site / f"content/claims/{BUDGET}.yaml"
    saved = claims.read_text(encoding="utf-8") + "# saved by the editor meanwhile\n"
    claims.write_text(saved, encoding="utf-8")
    status, answer = post(annotating, "claim", claim_request(
        data, "The four councillors who voted against it"), own_headers(annotating, data))
    assert status == 409 and "changed on disk" in answer["error"]
    assert claims.read_text(encoding="utf-8") == saved


def test_entities_and_aliases_are_written(annotating: Preview) -> None:
    site = annotating.options.src
    data = page_data(annotating, BUDGET)
    headers = own_headers(annotating, data)
    status, answer = post(annotating, "entity", {"name": "Nell Ashby", "type": "person",
                                                 "alias": "Ashby", "id": ""}, headers)
    assert status == 200, answer
    assert yaml.safe_load((site / "content/entities/nell-ashby.yaml").read_text()) == {
        "name": "Nell Ashby", "type": "person", "aliases": ["Ashby"], "description": ""}
    wren = site / "content/entities/tobias-wren.yaml"
    before = wren.read_text(encoding="utf-8")
    sha = {e[0]: e[3] for e in data["entities"]}["tobias-wren"]
    status, answer = post(annotating, "alias", {"entity": "tobias-wren",
                                                "alias": "the Mayor", "base": sha}, headers)
    assert status == 200, answer
    after = wren.read_text(encoding="utf-8")
    assert yaml.safe_load(after)["aliases"] == [
        "Mayor Tobias Wren", "Mayor Wren", "Wren", "the Mayor"]
    assert after.replace(', "the Mayor"', "") == before  # one insertion, nothing else
    status, answer = post(annotating, "entity", {"name": "Tobias Wren", "type": "person",
                                                 "alias": "", "id": ""}, headers)
    assert status == 422 and "exists" in answer["error"]


def test_requests_not_from_the_preview_page_are_refused_with_nothing_written(
        annotating: Preview) -> None:
    site = annotating.options.src
    before = content_tree(site)
    data = page_data(annotating, BUDGET)
    good = own_headers(annotating, data)
    request = claim_request(data, "The four councillors who voted against it")
    netloc = urlsplit(annotating.url).netloc
    port = urlsplit(annotating.url).port
    cases = {
        "no token": ({**good, "X-Sitegen-Token": ""}, request, 403),
        "wrong token": ({**good, "X-Sitegen-Token": data["token"][:-2] + "xx"}, request, 403),
        "no origin": ({k: v for k, v in good.items() if k != "Origin"}, request, 403),
        "other origin": ({**good, "Origin": "http://evil.example"}, request, 403),
        "other port": ({**good, "Origin": f"http://127.0.0.1:{port + 1}"}, request, 403),
        "rebinding": ({**good, "Host": f"evil.example:{port}",
                       "Origin": f"http://evil.example:{port}"}, request, 403),
        "form post": ({**good, "Content-Type": "text/plain"}, request, 415),
        "oversized": ({**good, "Content-Length": str(70_000)}, b"x" * 70_000, 413),
        "not json": (good, b"{not json", 400),
        "nested": (good, b"[" * 30_000 + b"]" * 30_000, 400),
        "a list": (good, [request], 400),
        "unknown field": (good, {**request, "path": "../../etc/passwd"}, 400),
        "bad article": (good, {**request, "article": "../claims/x"}, 400),
        "bad offsets": (good, {**request, "start": 5, "end": 100_000}, 400),
        "bad id": (good, {**request, "id": "../x"}, 400),
        "bad about": (good, {**request, "about": ["a/b"]}, 400),
        "bad entity id": (good, {"name": "X", "type": "person", "alias": "", "id": "../x"}, 400),
    }
    for name, (headers, payload, expected) in cases.items():
        action = "entity" if name == "bad entity id" else "claim"
        status, _ = post(annotating, action, payload, headers)
        assert status == expected, name
    status, _ = _request(annotating, "GET", "__sitegen/annotate/claim",
                         headers={"Host": netloc})
    assert status == 405
    assert content_tree(site) == before
    # a claims file that is a link to a file outside the site is not rewritten
    outside = site.parent / "outside.yaml"
    outside.write_text("secret: kept\n", encoding="utf-8")
    claims = site / f"content/claims/{BUDGET}.yaml"
    claims.unlink()
    claims.symlink_to(outside)
    status, answer = post(annotating, "claim", request, good)
    assert status == 409 and "symbolic link" in answer["error"]
    assert claims.is_symlink() and outside.read_text(encoding="utf-8") == "secret: kept\n"


def test_without_annotate_there_is_no_form_and_no_endpoint(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    running = Preview(ServeOptions(src=site, port=0, search=False), log=lambda line: None)
    running.start()
    try:
        netloc = urlsplit(running.url).netloc
        status, body = _request(running, "GET", f"articles/{BUDGET}/", headers={"Host": netloc})
        assert status == 200 and b"sitegen-annotate" not in body
        status, _ = _request(running, "POST", "__sitegen/annotate/claim", b"{}", {
            "Host": netloc, "Origin": f"http://{netloc}", "Content-Type": "application/json"})
        assert status in (404, 405)
    finally:
        running.stop()
    # annotate mode needs a loopback address, or the explicit flag
    with pytest.raises(ServeError, match="loopback"):
        Preview(ServeOptions(src=site, host="0.0.0.0", port=0, annotate=True),
                log=lambda line: None)
