"""Benchmark of `sitegen serve`: the time from saving a claim to the reloaded page showing it.

For the demo site (a copy of this repo's site.yaml, content/, seeds/ and templates/ in a
temporary folder) and for synthetic archives of N articles (bench/gen_archive.py, seed 1), a
`Preview` runs with search=False (search refresh is measured elsewhere) and the given quiet
period. Headless Chromium opens the page of the first claim of the first claims file and
waits for `window.__sitegenLive` (its live-reload event stream is open). Then, --edits times:

- a new marker word is appended to the first line of that claim's review, and the claims file
  is written with a plain write (Path.write_text); time.time() is taken just before the write;
- Playwright polls the page until the marker is in its DOM and the reloaded document's
  DOMContentLoaded has ended, and reads, inside the page,
  `performance.timeOrigin + performance.getEntriesByType("navigation")[0]
  .domContentLoadedEventEnd`: the wall-clock time the new DOM was ready, on the same clock as
  Python's time.time(). The difference is the edit-to-reload latency; Playwright's polling
  delay is not part of it (as in shared/research/browser-feasibility.md, section 4);
- the Preview's log lines ("...: N pages rendered, M files written, K removed, X ms") give
  the rebuild time and the pages rendered again for the edit.

Each edit waits for the reloaded page's event stream and for the tree to be quiet before the
next one. Nothing is injected into the site. Every site's template folders end with the
default theme, which in an editable install is this repo's templates/: when a template
changes during a run, every page is rendered again, so such edits are counted as
"disturbed" and left out.

Usage: python bench/serve_latency.py [--articles 1000 10000 ...] [--edits 20] [--quiet 0.05]
(--articles with no value measures the demo only.)
"""

from __future__ import annotations

import argparse
import re
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from _common import chromium, copy_demo, machine_facts, median, table
from gen_archive import generate
from playwright.sync_api import Browser

from sitegen.serve.app import Preview, ServeOptions
from sitegen.site.deps import tree_hash
from sitegen.site.render import template_dirs

REBUILD_LINE = re.compile(r": (\d+) pages rendered, (\d+) files written, (\d+) removed, (\d+) ms$")
FAILED_LINE = re.compile(r": \d+ error\(s\), shown in the browser")
DOM_READY_JS = """marker => {
  if (!document.body || !document.body.textContent.includes(marker)) return false;
  const nav = performance.getEntriesByType("navigation")[0];
  if (!nav || !nav.domContentLoadedEventEnd) return false;
  return performance.timeOrigin + nav.domContentLoadedEventEnd;
}"""


@dataclass
class SiteResult:
    name: str
    pages: int = 0
    initial_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    rebuild_ms: list[float] = field(default_factory=list)
    rendered: list[int] = field(default_factory=list)
    rebuilds: int = 0
    failed: int = 0
    disturbed: int = 0  # edits left out: the templates changed meanwhile (see below)


def first_claim(src: Path) -> tuple[Path, str]:
    """The first claims file (by name) that has a claim, and that claim's id."""
    for path in sorted((src / "content" / "claims").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if data.get("claims"):
            return path, data["claims"][0]["id"]
    sys.exit(f"{src}: no claims")


def review_line(lines: list[str], claim_id: str) -> int:
    """Index of the first text line of the claim's `review: |` block."""
    start = next(i for i, line in enumerate(lines)
                 if re.fullmatch(rf"\s*- id: {re.escape(claim_id)}\s*", line))
    review = next(i for i in range(start + 1, len(lines))
                  if re.fullmatch(r"\s*review: [|>][-+]?\s*", lines[i]))
    return next(i for i in range(review + 1, len(lines)) if lines[i].strip())


def rebuild_lines(log: list[str], seen: int, timeout: float = 30.0) -> list[str]:
    """The rebuild lines logged since index `seen`, waiting for at least one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [line for line in log[seen:] if REBUILD_LINE.search(line)
                 or FAILED_LINE.search(line)]
        if found:
            return found
        time.sleep(0.01)
    raise TimeoutError("no rebuild logged")


def measure(name: str, src: Path, browser: Browser, edits: int, quiet: float) -> SiteResult:
    result = SiteResult(name)
    log: list[str] = []
    claims_file, claim_id = first_claim(src)
    original = claims_file.read_text(encoding="utf-8").split("\n")
    line = review_line(original, claim_id)
    preview = Preview(ServeOptions(src=src, port=0, quiet=quiet, search=False), log=log.append)
    context = None
    try:
        templates = tree_hash(template_dirs(src))
        preview.start()
        initial = REBUILD_LINE.search(log[-1])
        result.initial_s = int(initial.group(4)) / 1000 if initial else float("nan")
        result.pages = sum(p.path.endswith(".html") for p in preview.session.builder.plans)
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{preview.url}claims/{claim_id}/")
        page.wait_for_function("window.__sitegenLive !== undefined")
        for number in range(edits):
            marker = f"benchmark{number:02d}{secrets.token_hex(3)}"
            text = "\n".join([*original[:line], f"{original[line]} {marker}",
                              *original[line + 1:]])
            seen = len(log)
            written_at = time.time() * 1000
            claims_file.write_text(text, encoding="utf-8")
            ready = page.wait_for_function(DOM_READY_JS, arg=marker, timeout=120_000)
            latency = ready.json_value() - written_at
            page.wait_for_function("window.__sitegenLive !== undefined")
            time.sleep(quiet + 0.2)  # let trailing file events settle into this edit
            entries = rebuild_lines(log, seen)
            now = tree_hash(template_dirs(src))
            if now != templates:  # someone edited the theme: everything was rendered again
                templates = now
                result.disturbed += 1
                continue
            result.latencies_ms.append(latency)
            for entry in entries:
                result.rebuilds += 1
                match = REBUILD_LINE.search(entry)
                if match is None:
                    result.failed += 1
                    continue
                result.rendered.append(int(match.group(1)))
                result.rebuild_ms.append(float(match.group(4)))
    finally:
        if context is not None:
            context.close()
        preview.stop()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, nargs="*", default=[1000], metavar="N",
                        help="synthetic archive sizes (default 1000)")
    parser.add_argument("--edits", type=int, default=20, help="edits per site")
    parser.add_argument("--quiet", type=float, default=0.05, help="quiet period (s)")
    args = parser.parse_args(argv)
    if args.edits < 1 or any(n < 1 for n in args.articles):
        parser.error("--edits and --articles must be at least 1")

    results: list[SiteResult] = []
    work = Path(tempfile.mkdtemp(prefix="sitegen-serve-bench-"))
    try:
        with chromium() as browser:
            results.append(measure("demo", copy_demo(work / "demo"), browser, args.edits,
                                   args.quiet))
            for articles in args.articles:
                src = work / f"synthetic-{articles}"
                generate(src, articles, seed=1)
                results.append(measure(f"synthetic {articles}", src, browser, args.edits,
                                       args.quiet))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(machine_facts())
    print(f"edits per site: {args.edits}; quiet period {args.quiet} s; search off")
    print()
    rows = []
    for r in results:
        if not r.latencies_ms:
            rows.append([r.name, r.pages, f"{r.initial_s:.2f}", 0, "-", "-", "-", "-", "-",
                         r.disturbed])
            continue
        rendered = (f"{min(r.rendered)}" if min(r.rendered) == max(r.rendered)
                    else f"{min(r.rendered)}-{max(r.rendered)}") if r.rendered else "-"
        rows.append([r.name, r.pages, f"{r.initial_s:.2f}", len(r.latencies_ms),
                     f"{median(r.latencies_ms):.0f}", f"{max(r.latencies_ms):.0f}",
                     f"{median(r.rebuild_ms):.0f}" if r.rebuild_ms else "-", rendered,
                     f"{r.rebuilds} ({r.failed} failed)", r.disturbed])
    print(table(["site", "pages", "initial build s", "edits", "edit→DOM median ms",
                 "worst ms", "rebuild median ms", "pages re-rendered", "rebuilds",
                 "disturbed"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
