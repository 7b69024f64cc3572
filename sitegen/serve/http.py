"""The preview's HTTP server: only files of the built site, under base_url's
path, with a live-reload script and, while the content has errors, an
overlay listing them.

Every request resolves its path inside the output folder (percent-decoded
once; `..`, backslashes and symlinks out of the folder are refused), waits
while a rebuild runs, and gets correct types, ETags for assets and no caching
for HTML. Reload notifications use one Server-Sent Events stream per visible
tab; hidden tabs close theirs.
"""

from __future__ import annotations

import hashlib
import html
import http.server
import json
import mimetypes
import socket
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from sitegen.diagnostics import Diagnostic
from sitegen.serve.annotate import PATH as ANNOTATE_PATH
from sitegen.serve.annotate import AnnotateApi, Refused
from sitegen.serve.session import Session

EVENTS = "__sitegen/events"
PING_SECONDS = 15.0
TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/xml",
              "image/svg+xml", "application/atom+xml")
EXTRA_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json",
               ".xml": "application/xml", ".svg": "image/svg+xml", ".wasm": "application/wasm",
               ".pagefind": "application/octet-stream", ".pf_meta": "application/octet-stream",
               ".pf_index": "application/octet-stream", ".pf_fragment": "application/octet-stream",
               ".pf_filter": "application/octet-stream", ".txt": "text/plain",
               ".webmanifest": "application/manifest+json"}

RELOAD_SCRIPT = """<script>(() => {
  const version = %d, url = %s;
  let source = null;
  const connect = () => {
    if (source) return;
    source = new EventSource(url + "?v=" + version);
    source.onopen = () => { window.__sitegenLive = version; };
    source.addEventListener("reload", () => {
      // an open annotate form holds the reload until it closes (serve/annotate.js)
      if (window.__sitegenHold) { window.__sitegenReloadPending = true; return; }
      source.close(); location.reload();
    });
  };
  const disconnect = () => { if (source) { source.close(); source = null; } };
  document.addEventListener("visibilitychange",
    () => document.visibilityState === "visible" ? connect() : disconnect());
  if (document.visibilityState === "visible") connect();
})();</script>"""

OVERLAY_STYLE = (
    "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;"
    "background:#2b0b0b;color:#ffe9e6;font:14px/1.45 ui-monospace,monospace;"
    "padding:12px 16px;border-top:4px solid #ff5c4d;box-shadow:0 -4px 18px rgba(0,0,0,.4)")


def overlay(diagnostics: list[Diagnostic]) -> str:
    errors = [d for d in diagnostics if d.severity == "error"]
    items = "".join(
        f'<li><code>{html.escape(d.path)}:{d.line}:{d.col}</code>: {html.escape(d.message)}'
        + (f"<br><small>hint: {html.escape(d.hint)}</small>" if d.hint else "") + "</li>"
        for d in errors)
    return (f'<div id="sitegen-overlay" role="alert" lang="en" style="{OVERLAY_STYLE}">'
            f"<strong>sitegen: {len(errors)} error(s); this is the last good version of the "
            f"page. Fix the file and the page updates by itself.</strong>"
            f'<ol style="margin:8px 0 0 18px;padding:0">{items}</ol></div>')


class PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], session: Session, base_path: str,
                 annotate: AnnotateApi | None = None) -> None:
        self.session = session
        self.base_path = base_path
        self.root = session.out.resolve()
        self.annotate = annotate
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.address_family = family
        super().__init__(address, PreviewHandler)
        port = self.server_address[1]
        bound = f"[{address[0]}]" if ":" in address[0] else address[0]
        # the addresses this preview answers to: a page of one of them may write
        self.origins = {f"http://{host}:{port}"
                        for host in ("127.0.0.1", "localhost", "[::1]", bound)}


class PreviewHandler(http.server.BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "sitegen"

    def log_message(self, format: str, *args: object) -> None:
        pass  # one line per rebuild is what the terminal shows

    def do_HEAD(self) -> None:
        self.handle_request(head=True)

    def do_GET(self) -> None:
        self.handle_request(head=False)

    def do_POST(self) -> None:
        """The annotate endpoints (serve/annotate.py); nothing else takes a POST."""
        url = urlsplit(self.path)
        prefix = self.server.base_path + ANNOTATE_PATH
        api = self.server.annotate
        if api is None or not url.path.startswith(prefix):
            self.close_connection = True  # its body is not read
            self.send_json(404, {"ok": False, "error": "not found"})
            return
        session = self.server.session
        try:
            size = api.check_request(self.headers, self.server.origins,
                                     self.headers.get("Content-Length"),
                                     self.headers.get("Content-Type", ""))
            body = self.rfile.read(size)
            with session.lock:  # no rebuild while the site's files are checked and written
                written = api.handle(url.path[len(prefix):], body, session.builder.archive)
        except Refused as exc:
            self.close_connection = True
            self.send_json(exc.status, exc.body())
            return
        self.send_json(200, written.body())

    def send_json(self, status: int, value: object) -> None:
        data = json.dumps(value, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_request(self, head: bool) -> None:
        url = urlsplit(self.path)
        base = self.server.base_path
        if url.path == base + EVENTS:
            self.event_stream(url.query)
            return
        if url.path.startswith(base + ANNOTATE_PATH) and self.server.annotate is not None:
            self.send_json(405, {"ok": False, "error": "annotate endpoints take a POST"})
            return
        if not url.path.startswith(base):
            if url.path in ("/", "") or url.path + "/" == base:
                self.redirect(base)
            else:
                self.not_found(head)
            return
        parts = self.safe_parts(url.path[len(base):])
        if parts is None:
            self.not_found(head)
            return
        session = self.server.session
        with session.lock:  # waits while a rebuild runs
            target = self.server.root.joinpath(*parts)
            if target.is_dir():
                if parts and not url.path.endswith("/"):
                    self.redirect(url.path + "/" + (f"?{url.query}" if url.query else ""))
                    return
                target = target / "index.html"
            data = self.read_inside(target)
            version = session.version
            diagnostics = list(session.diagnostics) if session.failed else []
            extra = self.annotate_payload(parts)
        if data is None:
            self.not_found(head)
            return
        self.send_file(target, data, version, diagnostics, head, extra=extra)

    def annotate_payload(self, parts: list[str]) -> str:
        """In annotate mode, the form's script and data for an article's page."""
        api, archive = self.server.annotate, self.server.session.builder.archive
        if api is None or archive is None or parts[:1] != ["articles"] or len(parts) < 2:
            return ""
        if parts[2:] not in ([], ["index.html"]) or parts[1] not in archive.articles:
            return ""
        return api.payload(archive, parts[1], self.server.base_path + ANNOTATE_PATH)

    @staticmethod
    def safe_parts(path: str) -> list[str] | None:
        """Path segments under the site root, or None for anything that tries to escape."""
        decoded = unquote(path)
        if "\\" in decoded or "\0" in decoded:
            return None
        parts = [p for p in decoded.split("/") if p]
        if any(p in (".", "..") for p in parts):
            return None
        return parts

    def read_inside(self, target: Path) -> bytes | None:
        try:
            resolved = target.resolve()
        except OSError:
            return None
        root = self.server.root
        if resolved != root and root not in resolved.parents:
            return None  # a symlink pointing out of the site
        try:
            return resolved.read_bytes() if resolved.is_file() else None
        except OSError:
            return None

    def send_file(self, target: Path, data: bytes, version: int,
                  diagnostics: list[Diagnostic], head: bool, status: int = 200,
                  extra: str = "") -> None:
        ctype = content_type(target)
        if ctype.startswith("text/html"):
            data = inject(data, version, self.server.base_path + EVENTS, diagnostics, extra)
            self.send_response(status)
            self.send_header("Cache-Control", "no-store")
        else:
            etag = '"' + hashlib.sha1(data).hexdigest()[:20] + '"'
            if status == 200 and etag in self.headers.get("If-None-Match", ""):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def not_found(self, head: bool) -> None:
        session = self.server.session
        with session.lock:
            page = self.server.root / "404.html"
            data = self.read_inside(page)
            version = session.version
            diagnostics = list(session.diagnostics) if session.failed else []
        if data is None:
            data = b"<!doctype html><title>Not found</title><p>Not found</p>"
        self.send_file(page, data, version, diagnostics, head, status=404)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def event_stream(self, query: str) -> None:
        session = self.server.session
        try:
            seen = int(parse_qs(query).get("v", ["-1"])[0])
        except ValueError:
            seen = -1
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while not session.closing:
                version = session.wait_for_change(seen, PING_SECONDS)
                if session.closing:
                    break
                if version != seen:
                    self.wfile.write(b"event: reload\ndata: %d\n\n" % version)
                    seen = version
                else:
                    self.wfile.write(b": ping\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            pass  # the tab went away


def content_type(path: Path) -> str:
    ctype = EXTRA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    ctype = ctype or "application/octet-stream"
    if ctype.startswith(TEXT_TYPES) or ctype == "text/html":
        return f"{ctype}; charset=utf-8"
    return ctype


def inject(page: bytes, version: int, events_url: str, diagnostics: list[Diagnostic],
           extra: str = "") -> bytes:
    """The page as served: the reload script (and the error overlay, and in
    annotate mode the form's script) before </body>."""
    snippet = (overlay(diagnostics) if diagnostics else "") + RELOAD_SCRIPT % (
        version, json.dumps(events_url)) + extra
    data = snippet.encode("utf-8")
    index = page.rfind(b"</body>")
    return page[:index] + data + page[index:] if index >= 0 else page + data
