"""Real Chromium (Debian's, driven by Playwright) against the demo site served
over HTTP on 127.0.0.1 from a subfolder, as a static host would serve it."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from sitegen.build import BuildOptions, build
from tests.conftest import REPO

SUBFOLDER = "archive"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_folder(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture(scope="session")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of the demo site, built for and served from /archive/."""
    host_root = tmp_path_factory.mktemp("host")
    httpd, origin = serve_folder(host_root)
    build(BuildOptions(src=REPO, out=host_root / SUBFOLDER, base_url=f"{origin}/{SUBFOLDER}/",
                       cache=False))
    yield f"{origin}/{SUBFOLDER}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"
