"""Helpers shared by the benchmark scripts: Chromium, the demo site, tables, machine facts."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

REPO = Path(__file__).resolve().parent.parent
DEMO_PARTS = ("site.yaml", "content", "seeds", "templates")
# Debian's Chromium, never a downloaded browser; no background connections (closed network).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


@contextmanager
def chromium(on_missing: Callable[[str], object] = sys.exit) -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright (the tests, the benchmarks and
    `make screenshots` all launch it here)."""
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        on_missing("Chromium is not installed: `make test` and `make chromium` install "
                   "Debian's package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def copy_demo(target: Path) -> Path:
    """Copy the demo site's sources (site.yaml, content/, seeds/, templates/) into target."""
    target.mkdir(parents=True, exist_ok=True)
    for name in DEMO_PARTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table: first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([line(cells[0]), line(["-" * w for w in widths])]
                     + [line(row) for row in cells[1:]])


def machine_facts() -> str:
    from sitegen.site.search import pagefind_binary

    try:
        pagefind = subprocess.run([pagefind_binary(), "--version"], capture_output=True,
                                  text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        pagefind = f"unknown ({exc})"
    return (f"machine: {os.cpu_count()} CPUs ({platform.machine()}), "
            f"Python {platform.python_version()}, {pagefind}, {platform.platform()}")
