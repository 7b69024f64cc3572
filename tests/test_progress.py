"""Progress on a terminal: `build` and `check` show phase, count and time left
on stderr when it is a terminal (a real pseudo-terminal here), erase the line
at the end, and print nothing extra with --quiet or when stderr is not a
terminal; the summary line is the same either way."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen import progress
from sitegen.workers import fork_map
from tests.conftest import REPO

LINE = re.compile(r"\rsitegen: rendering pages ([\d,]+)/([\d,]+) \((\d+)%\)")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 250 articles: about 1,800 pages, above the size that renders in two processes
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_archive import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    src = tmp_path_factory.mktemp("progress") / "src"
    generate(src, 250, seed=3)
    return src


def _run(args: list[str], terminal: bool) -> tuple[int, str, str]:
    """Run sitegen with stderr on a pseudo-terminal (or a pipe); exit code,
    stdout, and everything written to stderr."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120"}
    command = [sys.executable, "-m", "sitegen", *args]
    if not terminal:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        return done.returncode, done.stdout, done.stderr
    master, slave = pty.openpty()
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=slave,
                          stdin=subprocess.DEVNULL, text=True) as process:
        os.close(slave)
        err = _drain_to_end(master)
        out = process.stdout.read() if process.stdout else ""
        code = process.wait(timeout=600)
    os.close(master)
    return code, out, err


def test_build_shows_progress_on_a_terminal_only(archive: Path, tmp_path: Path) -> None:
    code, out, err = _run(["build", "-s", str(archive), "-o", str(tmp_path / "a"),
                           "--no-cache"], terminal=True)
    assert code == 0, err
    summary = out.strip()
    pages = int(re.search(r"(\d+) rendered", summary).group(1))
    seen = [(int(done.replace(",", "")), int(total.replace(",", "")))
            for done, total, _ in LINE.findall(err)]
    assert seen, err
    assert {total for _, total in seen} == {pages}
    counts = [done for done, _ in seen]
    assert counts == sorted(counts) and 0 <= counts[0] < counts[-1] <= pages
    assert "sitegen: indexing pages for search 0/" in err
    assert err.endswith("\r\x1b[K")  # erased: the terminal shows only what it did before
    assert summary.startswith("built ") and len(out.strip().splitlines()) == 1

    for name, args, terminal in (("quiet", ["--quiet"], True), ("pipe", [], False)):
        code, out, err = _run(["build", "-s", str(archive), "-o", str(tmp_path / name),
                               "--no-cache", *args], terminal=terminal)
        assert code == 0
        assert err == ""
        assert out.strip().split(";")[:3] == summary.split(";")[:3]


def test_the_time_left_is_shown_once_there_is_a_rate() -> None:
    # the clock is given: in a real build a fast machine ends a phase before the
    # rate is known (the build test above once failed so)
    display = progress._Display(io.StringIO(), delay=0)
    try:
        display.phase("rendering pages", 100)
        display.advance(25, 0)
        since = display.since
        assert display.line(since + 0.5) == "sitegen: rendering pages 25/100 (25%)"
        assert display.line(since + 2.0) == "sitegen: rendering pages 25/100 (25%), 6 s left"
        display.advance(75, 0)
        assert display.line(since + 8.0) == "sitegen: rendering pages 100/100 (100%)"
    finally:
        display.close()


def test_check_shows_its_progress_too(archive: Path) -> None:
    code, out, err = _run(["check", "-s", str(archive)], terminal=True)
    assert LINE.search(err), err
    assert err.endswith("\r\x1b[K")
    code_quiet, out_quiet, err_quiet = _run(["check", "-q", "-s", str(archive)], terminal=True)
    assert (code_quiet, out_quiet, err_quiet) == (code, out, "")


def _terminal() -> tuple[int, object]:
    master, slave = pty.openpty()
    return master, os.fdopen(slave, "w")


def test_nothing_is_drawn_before_the_delay_and_forked_workers_count() -> None:
    master, stream = _terminal()
    try:
        with progress.showing(stream, delay=3600):
            progress.phase("waiting", 10)
            progress.advance(10)
        stream.flush()
        os.set_blocking(master, False)
        with pytest.raises(BlockingIOError):
            os.read(master, 1024)

        with progress.showing(stream, delay=0):
            progress.phase("counting", 40)
            with fork_map(_count_ten, range(4), workers=4) as results:
                assert list(results) == [0, 1, 2, 3]
            progress.tick()  # a redraw after the workers are done: all of their counts
            assert progress._DISPLAY is not None and progress._DISPLAY.done() == 40
        stream.flush()
        text = _drain(master)
        assert "\rsitegen: counting 0/40 (0%)" in text
        assert text.endswith("\r\x1b[K")
    finally:
        stream.close()
        os.close(master)


def _drain(master: int) -> str:
    chunks = []
    while True:
        try:
            chunks.append(os.read(master, 65536))
        except BlockingIOError:
            return b"".join(chunks).decode()


def _count_ten(share: int) -> int:
    for _ in range(10):
        progress.advance(slot=share + 1)
    return share


def test_serve_shows_the_progress_of_its_first_build(archive: Path) -> None:
    # stdout and stderr on one terminal, as in a shell: the progress line is
    # erased before the server's own lines are printed
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120"}
    master, slave = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "-s", str(archive),
                           "--port", "0", "--no-search"], env=env, stdout=slave,
                          stderr=slave, stdin=subprocess.DEVNULL) as server:
        os.close(slave)
        seen = b""
        try:
            while b"serving " not in seen:  # the first build is served
                data = os.read(master, 65536)
                assert data, seen
                seen += data
        finally:
            server.terminate()
            server.wait(timeout=60)
    text = (seen + _drain_to_end(master).encode()).decode("utf-8", "replace")
    os.close(master)
    assert LINE.search(text), text
    assert re.search(r"\r\x1b\[K\[\d\d:\d\d:\d\d\] initial build: ", text), text


def _drain_to_end(master: int) -> str:
    """What was written to the terminal until its last writer closed it."""
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the terminal's last writer is gone
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode("utf-8", "replace")
