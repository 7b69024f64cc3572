"""Screenshots of the demo archive with Debian's Chromium (`make screenshots`).

Builds the demo, serves it on 127.0.0.1 from a subfolder, and writes
docs/screenshots/<page>-<width>-<scheme>.png for the article, a claim and an
entity page at 375, 768 and 1,440 px, in the light and dark schemes.
"""

from __future__ import annotations

import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._common import chromium  # noqa: E402
from sitegen.build import BuildOptions, build  # noqa: E402

SLUG = "ki-ceo-behauptet-das-chinesische-deepseek-labor-verfuege-ueber-50-000-nvidia"
PAGES = {"article": f"articles/{SLUG}/", "claim": "claims/deepseek-50000-h100/",
         "entity": "entities/deepseek/"}
WIDTHS = (375, 768, 1440)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    target = REPO / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_address[1]}/archive/"
        build(BuildOptions(src=REPO, out=root / "archive", base_url=base))
        with chromium() as browser:
            for scheme in ("light", "dark"):
                for width in WIDTHS:
                    page = browser.new_page(viewport={"width": width, "height": 1100},
                                            color_scheme=scheme)
                    for name, path in PAGES.items():
                        page.goto(base + path)
                        if name == "article":  # one note opened, as a reader would
                            page.locator(".note-toggle").nth(3).click()
                        shot = target / f"{name}-{width}-{scheme}.png"
                        page.screenshot(path=str(shot))
                        print(f"wrote {shot.relative_to(REPO)}")
                    page.close()
        httpd.shutdown()


if __name__ == "__main__":
    main()
